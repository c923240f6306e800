//! Authorized GET requests with retries: the only way this crate reaches the service.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use url::Url;

use crate::auth::{AccessToken, TokenProvider};
use crate::body::{BodyError, read_capped};
use crate::client::Transfer;
use crate::error::{Error, ErrorBody, StatusError};
use crate::origin::same_origin;
use crate::retry::{self, RetryPolicy};

#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) service_root: Url,
    pub(crate) tokens: Arc<dyn TokenProvider>,
    pub(crate) retry: RetryPolicy,
    /// The longest response body read, in bytes.
    pub(crate) max_response_bytes: u64,
}

/// What one attempt came to.
enum Outcome {
    Body(Vec<u8>),
    Status {
        status: StatusCode,
        body: Vec<u8>,
        retry_after: Option<std::time::Duration>,
    },
    Failed(reqwest::Error),
    /// A 2xx answer whose body is over the size cap.
    TooLarge,
}

impl Transport {
    /// GETs `url` with a bearer token and returns the body of the 2xx answer.
    ///
    /// Refuses any URL outside the service root's origin, so the token can only go there.
    pub(crate) async fn get(&self, url: &Url, accept: &'static str) -> Result<Vec<u8>, Error> {
        self.get_reporting(url, accept, &HeaderMap::new(), &mut |_| {}).await
    }

    /// [`get`](Self::get), telling `report` how the transfer goes: each attempt's body as it
    /// arrives, retries and token refreshes.
    pub(crate) async fn get_reporting(
        &self,
        url: &Url,
        accept: &'static str,
        headers: &HeaderMap,
        report: &mut (dyn FnMut(Transfer<'_>) + Send),
    ) -> Result<Vec<u8>, Error> {
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
            let token = self.tokens.token().await?;
            tracing::debug!(%url, attempts, "GET");
            let outcome = self.attempt(url, accept, headers, &token, report).await;
            let (retry_after, failure) = match outcome {
                Outcome::Body(body) => return Ok(body),
                // The same request would get the same answer: not retried.
                Outcome::TooLarge => {
                    return Err(Error::ResponseTooLarge { url: url.clone(), limit: self.max_response_bytes });
                }
                Outcome::Status { status, .. }
                    if status == StatusCode::UNAUTHORIZED && !refreshed_token && self.tokens.invalidate(&token) =>
                {
                    refreshed_token = true;
                    tracing::debug!(%url, "401: retrying once with a fresh token");
                    report(Transfer::RefreshingToken);
                    continue;
                }
                Outcome::Status { status, body, retry_after } => {
                    let error = Error::Status(Box::new(StatusError {
                        status,
                        url: url.clone(),
                        body: ErrorBody::parse(&body),
                        attempts,
                    }));
                    if !retry::is_retryable_status(status) {
                        return Err(error);
                    }
                    (retry_after, error)
                }
                Outcome::Failed(source) => {
                    let retryable = retry::is_retryable_transport(&source);
                    let error = Error::Transport { url: url.clone(), attempts, source };
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

    async fn attempt(
        &self,
        url: &Url,
        accept: &'static str,
        headers: &HeaderMap,
        token: &AccessToken,
        report: &mut (dyn FnMut(Transfer<'_>) + Send),
    ) -> Outcome {
        let request = self.http.get(url.clone()).headers(headers.clone());
        let response = request.bearer_auth(token.expose_secret()).header(ACCEPT, accept).send().await;
        match response {
            Ok(response) => read(response, self.max_response_bytes, report).await,
            Err(e) => Outcome::Failed(e),
        }
    }
}

async fn read(response: Response, limit: u64, report: &mut (dyn FnMut(Transfer<'_>) + Send)) -> Outcome {
    let status = response.status();
    let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
    // Error bodies are only read for their message: a small cap is plenty.
    let limit = if status.is_success() { limit } else { limit.min(MAX_ERROR_BODY_BYTES) };
    let body = if status.is_success() {
        report(Transfer::Receiving { length: response.content_length() });
        read_capped(response, limit, &mut |received| report(Transfer::Received { received })).await
    } else {
        read_capped(response, limit, &mut |_| {}).await
    };
    match body {
        Ok(body) if status.is_success() => Outcome::Body(body),
        Ok(body) => Outcome::Status { status, body, retry_after },
        // An error answer whose body broke off or ran long still says what went wrong.
        Err(_) if !status.is_success() => Outcome::Status { status, body: Vec::new(), retry_after },
        Err(BodyError::TooLarge) => Outcome::TooLarge,
        Err(BodyError::Read(e)) => Outcome::Failed(e),
    }
}

/// The longest error-answer body read (its message is all that is kept).
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;
