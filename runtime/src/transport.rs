//! Authorized GET requests with retries: the only way this crate reaches the service.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use reqwest::header::{ACCEPT, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use url::Url;

use crate::auth::{AccessToken, TokenProvider};
use crate::error::{Error, ErrorBody, StatusError};
use crate::origin::same_origin;
use crate::retry::{self, RetryPolicy};

#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) service_root: Url,
    pub(crate) tokens: Arc<dyn TokenProvider>,
    pub(crate) retry: RetryPolicy,
}

/// What one attempt came to.
enum Outcome {
    Body(Vec<u8>),
    Status { status: StatusCode, body: Vec<u8>, retry_after: Option<std::time::Duration> },
    Failed(reqwest::Error),
}

impl Transport {
    /// GETs `url` with a bearer token and returns the body of the 2xx answer.
    ///
    /// Refuses any URL outside the service root's origin, so the token can only go there.
    pub(crate) async fn get(&self, url: &Url, accept: &'static str) -> Result<Vec<u8>, Error> {
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
            let outcome = self.attempt(url, accept, &token).await;
            let (retry_after, failure) = match outcome {
                Outcome::Body(body) => return Ok(body),
                Outcome::Status { status, .. }
                    if status == StatusCode::UNAUTHORIZED && !refreshed_token && self.tokens.invalidate(&token) =>
                {
                    refreshed_token = true;
                    tracing::debug!(%url, "401: retrying once with a fresh token");
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
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, url: &Url, accept: &'static str, token: &AccessToken) -> Outcome {
        let response =
            self.http.get(url.clone()).bearer_auth(token.expose_secret()).header(ACCEPT, accept).send().await;
        match response {
            Ok(response) => read(response).await,
            Err(e) => Outcome::Failed(e),
        }
    }
}

async fn read(response: Response) -> Outcome {
    let status = response.status();
    let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
    match response.bytes().await {
        Ok(body) if status.is_success() => Outcome::Body(body.into()),
        Ok(body) => Outcome::Status { status, body: body.into(), retry_after },
        // An error answer whose body broke off still says what went wrong.
        Err(_) if !status.is_success() => Outcome::Status { status, body: Vec::new(), retry_after },
        Err(e) => Outcome::Failed(e),
    }
}
