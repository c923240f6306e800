//! Authorized requests with retries: the only way this crate reaches the service.
//!
//! A request is retried only when sending it again cannot do anything twice: a read (`GET`) or
//! an idempotent write on any retryable failure; any other write (a `POST` action, a create, a
//! `PATCH` without `If-Match`) only when the service provably did nothing (a connection that
//! failed before the request was sent, or a `429`/`503` answer, which say so).

use std::time::{Instant, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, ETAG, HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{Method, Response, StatusCode};
use secrecy::ExposeSecret;
use url::Url;

use crate::auth::{AccessToken, Credentials};
use crate::body::{BodyError, read_capped};
use crate::client::Transfer;
use crate::error::{Error, ErrorBody, StatusError};
use crate::origin::{require_secure, same_origin};
use crate::retry::{self, RetryPolicy};

#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    /// The client's default headers, sent on the service's origin only.
    pub(crate) default_headers: HeaderMap,
    pub(crate) service_root: Url,
    pub(crate) credentials: Credentials,
    pub(crate) retry: RetryPolicy,
    /// The longest response body read, in bytes.
    pub(crate) max_response_bytes: u64,
}

/// One request to the service.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub method: Method,
    pub url: &'a Url,
    pub accept: &'static str,
    pub headers: &'a HeaderMap,
    /// The body and its content type.
    pub body: Option<(&'a str, Vec<u8>)>,
    /// Sending it twice does what sending it once does (`GET`, `PUT`, `DELETE`, `PATCH` with
    /// `If-Match`).
    pub idempotent: bool,
    /// A `GET` of media: a redirect (`302`, `303`, `307`) is followed once, to where services
    /// keep their content (Microsoft Graph's reports and files), with the credentials only if
    /// it stays on the service root's origin.
    pub follow_redirect: bool,
}

impl<'a> Request<'a> {
    /// A `GET`.
    pub fn get(url: &'a Url, accept: &'static str, headers: &'a HeaderMap) -> Self {
        Request { method: Method::GET, url, accept, headers, body: None, idempotent: true, follow_redirect: false }
    }

    /// A `GET` of media, following a redirect.
    pub fn media(url: &'a Url, headers: &'a HeaderMap) -> Self {
        Request { follow_redirect: true, ..Request::get(url, "*/*", headers) }
    }
}

/// A 2xx answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// What one attempt came to.
enum Outcome {
    Answer(Answer),
    Status {
        status: StatusCode,
        body: Vec<u8>,
        retry_after: Option<std::time::Duration>,
        /// The `Location` of a redirect.
        location: Option<String>,
        /// The `ETag` of the answer (a 412's current version).
        etag: Option<String>,
    },
    /// The request could not be sent, or its answer not read; `sent` when it may have reached
    /// the service.
    Failed {
        error: reqwest::Error,
        sent: bool,
    },
    /// A 2xx answer whose body is over the size cap.
    TooLarge,
}

impl Transport {
    /// GETs `url` and returns the body of the 2xx answer.
    pub(crate) async fn get(&self, url: &Url, accept: &'static str) -> Result<Vec<u8>, Error> {
        Ok(self.send(Request::get(url, accept, &HeaderMap::new()), &mut |_| {}).await?.body)
    }

    /// Sends `request` (refusing any URL outside the service root's origin, so the credentials
    /// can only go there), retrying as the module docs say, and telling `report` how the
    /// transfer goes: each attempt's body as it arrives, retries and token refreshes.
    pub(crate) async fn send(
        &self,
        request: Request<'_>,
        report: &mut (dyn FnMut(Transfer<'_>) + Send),
    ) -> Result<Answer, Error> {
        let url = request.url;
        if !same_origin(url, &self.service_root) {
            return Err(Error::InvalidNextLink {
                link: url.to_string(),
                reason: format!("not on the service root's origin ({})", self.service_root),
            });
        }
        let first_attempt = Instant::now();
        let mut attempts = 0;
        let mut refreshed_token = false;
        loop {
            attempts += 1;
            let token = match &self.credentials {
                Credentials::Bearer(provider) => Some(provider.token().await?),
                _ => None,
            };
            tracing::debug!(%url, method = %request.method, attempts, "request");
            let outcome = self.attempt(&request, token.as_ref(), report).await;
            let (retry_after, failure) = match outcome {
                Outcome::Answer(answer) => return Ok(answer),
                // The same request would get the same answer: not retried.
                Outcome::TooLarge => {
                    return Err(Error::ResponseTooLarge { url: url.clone(), limit: self.max_response_bytes });
                }
                Outcome::Status { status, location: Some(location), .. }
                    if request.follow_redirect && matches!(status.as_u16(), 302 | 303 | 307) =>
                {
                    return self.follow(&request, &location, report).await;
                }
                Outcome::Status { status, .. }
                    if status == StatusCode::UNAUTHORIZED && !refreshed_token && self.refreshable(token.as_ref()) =>
                {
                    refreshed_token = true;
                    tracing::debug!(%url, "401: retrying once with a fresh token");
                    report(Transfer::RefreshingToken);
                    continue;
                }
                Outcome::Status { status, body, etag, .. } if status == StatusCode::PRECONDITION_FAILED => {
                    return Err(Error::PreconditionFailed {
                        method: request.method.clone(),
                        url: Box::new(url.clone()),
                        current_etag: etag,
                        body: ErrorBody::parse(&body),
                        attempts,
                    });
                }
                Outcome::Status { status, body, retry_after, .. } => {
                    let retryable = match request.idempotent {
                        true => retry::is_retryable_status(status),
                        false => retry::is_nothing_done_status(status),
                    };
                    let error = self.status_error(&request, status, body, attempts);
                    if !retryable {
                        return Err(error);
                    }
                    (retry_after, error)
                }
                Outcome::Failed { error: source, sent } => {
                    let retryable = match request.idempotent {
                        true => retry::is_retryable_transport(&source),
                        false => !sent && source.is_connect(),
                    };
                    let error = Error::Transport {
                        method: request.method.clone(),
                        url: Box::new(url.clone()),
                        attempts,
                        source,
                    };
                    if !retryable {
                        return Err(error);
                    }
                    (None, error)
                }
            };
            // The 401 refresh is not a failure of the service: it does not use up an attempt.
            let failed_attempts = attempts - u32::from(refreshed_token);
            let Some(delay) = self.retry.next_delay(failed_attempts, first_attempt.elapsed(), retry_after) else {
                return Err(failure);
            };
            tracing::warn!(%url, attempts, ?delay, "retrying after: {failure}");
            report(Transfer::Retrying { attempt: attempts, delay, error: &failure });
            tokio::time::sleep(delay).await;
        }
    }

    /// Follows the redirect of a media `GET` to `location`: on the service root's origin as any
    /// request (credentials, retries); elsewhere once, without credentials (a link that carries
    /// its own authorization, like a pre-signed download URL).
    async fn follow(
        &self,
        request: &Request<'_>,
        location: &str,
        report: &mut (dyn FnMut(Transfer<'_>) + Send),
    ) -> Result<Answer, Error> {
        let target = request
            .url
            .join(location)
            .map_err(|e| Error::InvalidNextLink { link: location.to_owned(), reason: format!("not a URL: {e}") })?;
        if same_origin(&target, &self.service_root) {
            let again = Request {
                url: &target,
                follow_redirect: false,
                ..Request::get(&target, request.accept, request.headers)
            };
            return Box::pin(self.send(again, report)).await;
        }
        if let Err(reason) = require_secure(&target) {
            return Err(Error::InvalidNextLink { link: location.to_owned(), reason });
        }
        let sent = self.http.get(target.clone()).header(ACCEPT, request.accept).send().await;
        let outcome = match sent {
            Ok(response) => read(response, self.max_response_bytes, report).await,
            Err(error) => Outcome::Failed { sent: !error.is_connect(), error },
        };
        let redirected = Request::get(&target, request.accept, request.headers);
        match outcome {
            Outcome::Answer(answer) => Ok(answer),
            Outcome::Status { status, body, .. } => Err(self.status_error(&redirected, status, body, 1)),
            Outcome::Failed { error, .. } => {
                Err(Error::Transport { method: Method::GET, url: Box::new(target), attempts: 1, source: error })
            }
            Outcome::TooLarge => Err(Error::ResponseTooLarge { url: target, limit: self.max_response_bytes }),
        }
    }

    /// Whether a 401 to a request that carried `token` may be answered by a fresh token.
    fn refreshable(&self, token: Option<&AccessToken>) -> bool {
        match (&self.credentials, token) {
            (Credentials::Bearer(provider), Some(token)) => provider.invalidate(token),
            _ => false,
        }
    }

    fn status_error(&self, request: &Request<'_>, status: StatusCode, body: Vec<u8>, attempts: u32) -> Error {
        Error::Status(Box::new(StatusError {
            method: request.method.clone(),
            status,
            url: request.url.clone(),
            body: ErrorBody::parse(&body),
            attempts,
        }))
    }

    async fn attempt(
        &self,
        request: &Request<'_>,
        token: Option<&AccessToken>,
        report: &mut (dyn FnMut(Transfer<'_>) + Send),
    ) -> Outcome {
        let mut builder = self
            .http
            .request(request.method.clone(), request.url.clone())
            .headers(self.default_headers.clone())
            .headers(request.headers.clone())
            .header(ACCEPT, request.accept);
        builder = match (&self.credentials, token) {
            (Credentials::Bearer(_), Some(token)) => builder.bearer_auth(token.expose_secret()),
            (Credentials::Basic { user, password }, _) => builder.basic_auth(user, Some(password.expose_secret())),
            _ => builder,
        };
        if let Some((content_type, body)) = &request.body {
            builder = builder.header(CONTENT_TYPE, *content_type).body(body.clone());
        }
        match builder.send().await {
            Ok(response) => read(response, self.max_response_bytes, report).await,
            // A connection that could not be made sent nothing; anything else may have.
            Err(error) => {
                let sent = !error.is_connect();
                Outcome::Failed { error, sent }
            }
        }
    }
}

async fn read(response: Response, limit: u64, report: &mut (dyn FnMut(Transfer<'_>) + Send)) -> Outcome {
    let status = response.status();
    let headers = response.headers().clone();
    let retry_after = headers.get(RETRY_AFTER).and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
    // Error bodies are only read for their message: a small cap is plenty.
    let limit = if status.is_success() { limit } else { limit.min(MAX_ERROR_BODY_BYTES) };
    let body = if status.is_success() {
        report(Transfer::Receiving { length: response.content_length() });
        read_capped(response, limit, &mut |received| report(Transfer::Received { received })).await
    } else {
        read_capped(response, limit, &mut |_| {}).await
    };
    let location = status
        .is_redirection()
        .then(|| headers.get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned))
        .flatten();
    let etag = headers.get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
    match body {
        Ok(body) if status.is_success() => Outcome::Answer(Answer { status, headers, body }),
        Ok(body) => Outcome::Status { status, body, retry_after, location, etag },
        // An error answer whose body broke off or ran long still says what went wrong.
        Err(_) if !status.is_success() => Outcome::Status { status, body: Vec::new(), retry_after, location, etag },
        Err(BodyError::TooLarge) => Outcome::TooLarge,
        // The request was answered: whatever it was to do is done.
        Err(BodyError::Read(error)) => Outcome::Failed { error, sent: true },
    }
}

/// The longest error-answer body read (its message is all that is kept).
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;
