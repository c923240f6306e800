//! What every token provider that asks an endpoint shares: the cache with its single flight, the
//! request loop under the retry policy, and the reading of answers and errors (OAuth 2.0 token
//! responses, and the managed-identity endpoints' variants of them).

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use serde::Deserialize;
use url::Url;

use super::{AccessToken, AuthError};
use crate::body::{BodyError, read_capped};
use crate::retry::{self, RetryPolicy};

/// Longest time before expiry at which a cached token is replaced.
pub(super) const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// Longest lifetime believed (Entra ID issues tokens for 60 to 90 minutes).
pub(super) const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Time limit of one token request unless the provider is told otherwise.
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// A token response is a few kilobytes; anything much longer is not one.
const MAX_TOKEN_RESPONSE_BYTES: u64 = 64 * 1024;

/// A token, when to replace it and when it stops working.
pub(super) struct CachedToken {
    pub token: AccessToken,
    pub refresh_at: Instant,
    pub expires_at: Instant,
}

/// How long a token still in its lifetime is used, without asking again, after a refresh failed.
const RETRY_REFRESH_AFTER: Duration = Duration::from_secs(30);

/// The cached token of one provider; concurrent callers share one request for a new one, and
/// its failure: callers that waited for a request that failed get its error, not a request of
/// their own each (which, with an endpoint down, would multiply its load by the callers).
#[derive(Default)]
pub(super) struct TokenCache {
    cache: Mutex<Option<CachedToken>>,
    /// Held while a token is requested; keeps when the last request failed, and how.
    refresh: tokio::sync::Mutex<Option<Failure>>,
}

struct Failure {
    at: Instant,
    error: AuthError,
}

impl TokenCache {
    /// The cached token while it is not due for replacement, or, with `until_expiry`, while it
    /// still works.
    fn cached(&self, until_expiry: bool) -> Option<AccessToken> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let valid = |c: &&CachedToken| now < if until_expiry { c.expires_at } else { c.refresh_at };
        cache.as_ref().filter(valid).map(|c| c.token.clone())
    }

    /// The cached token, or a fresh one from `fetch`. When the refresh fails while the cached
    /// token still works, the cached token is used (and asked for again after a while).
    pub async fn get<F: Future<Output = Result<CachedToken, AuthError>>>(
        &self,
        fetch: impl FnOnce() -> F,
    ) -> Result<AccessToken, AuthError> {
        if let Some(token) = self.cached(false) {
            return Ok(token);
        }
        let waiting_since = Instant::now();
        let mut last_failure = self.refresh.lock().await;
        // Another caller may have refreshed while this one waited, or failed to.
        if let Some(token) = self.cached(false) {
            return Ok(token);
        }
        if let Some(failure) = last_failure.as_ref() {
            if let Some(token) = self.cached(true).filter(|_| failure.at.elapsed() < RETRY_REFRESH_AFTER) {
                return Ok(token);
            }
            if failure.at >= waiting_since {
                return Err(failure.error.shared());
            }
        }
        match fetch().await {
            Ok(fresh) => {
                let token = fresh.token.clone();
                *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(fresh);
                *last_failure = None;
                Ok(token)
            }
            Err(error) => {
                *last_failure = Some(Failure { at: Instant::now(), error: error.shared() });
                match self.cached(true) {
                    Some(token) => {
                        tracing::warn!("token refresh failed, the current token is used until it expires: {error}");
                        Ok(token)
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// Drops `rejected` if it is the cached token.
    pub fn invalidate(&self, rejected: &AccessToken) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.as_ref().is_some_and(|c| c.token.same_as(rejected)) {
            *cache = None;
        }
    }
}

/// An HTTP client for token endpoints: no redirects, this crate's user agent, and no proxy for
/// the endpoints on the machine itself (the managed-identity ones).
pub(super) fn token_http_client(timeout: Duration, use_proxy: bool) -> Result<reqwest::Client, AuthError> {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(crate::client::DEFAULT_USER_AGENT);
    let builder = if use_proxy { builder } else { builder.no_proxy() };
    builder.build().map_err(|e| AuthError::with_source("cannot build the HTTP client", e))
}

/// Sends the request `build` makes (anew for each attempt: an assertion must not be sent twice)
/// until a token comes back, retrying 429, 5xx, the statuses of `also_retry` and connection
/// failures under `retry`; `url` names the endpoint in errors.
pub(super) async fn request_token(
    retry: &RetryPolicy,
    url: &Url,
    also_retry: &[StatusCode],
    build: &(dyn Fn() -> Result<reqwest::RequestBuilder, AuthError> + Send + Sync),
) -> Result<CachedToken, AuthError> {
    let first_attempt = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let sent_at = Instant::now();
        let failure = match build()?.send().await {
            Ok(response) => {
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
                match read_capped(response, MAX_TOKEN_RESPONSE_BYTES, &mut |_| {}).await {
                    Ok(body) if status.is_success() => return parse_token_response(&body, sent_at, SystemTime::now()),
                    Ok(body) => {
                        let error = endpoint_error(status, &body);
                        if !retry::is_retryable_status(status) && !also_retry.contains(&status) {
                            return Err(error);
                        }
                        (error, retry_after)
                    }
                    Err(BodyError::TooLarge) => {
                        return Err(AuthError::new(format!(
                            "the token endpoint's answer is longer than {MAX_TOKEN_RESPONSE_BYTES} bytes"
                        )));
                    }
                    Err(BodyError::Read(e)) => (transport_error(url, attempts, e), None),
                }
            }
            Err(e) if retry::is_retryable_transport(&e) => (transport_error(url, attempts, e), None),
            Err(e) => return Err(transport_error(url, attempts, e)),
        };
        let (error, retry_after) = failure;
        match retry.next_delay(attempts, first_attempt.elapsed(), retry_after) {
            Some(delay) => {
                tracing::warn!(attempts, ?delay, "token request failed, retrying: {error}");
                tokio::time::sleep(delay).await;
            }
            None => return Err(error),
        }
    }
}

fn transport_error(url: &Url, attempts: u32, error: reqwest::Error) -> AuthError {
    AuthError::with_source(format!("token request to {url} failed after {attempts} attempt(s)"), error)
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    /// Seconds; Entra ID sends a number, older endpoints and managed identity a string.
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    /// Seconds since the Unix epoch, as a string (managed-identity endpoints).
    #[serde(default)]
    expires_on: Option<serde_json::Value>,
}

fn seconds(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a token response received at `now` (sent at `sent_at`): the token, and when to replace
/// it, from `expires_in` or else `expires_on`.
pub(super) fn parse_token_response(body: &[u8], sent_at: Instant, now: SystemTime) -> Result<CachedToken, AuthError> {
    // The body holds the token: never put serde's message (which may quote input) in the error.
    let response: TokenResponse = serde_json::from_slice(body)
        .map_err(|_| AuthError::new("the token endpoint's answer is not a token response"))?;
    if let Some(kind) = &response.token_type
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(AuthError::new(format!("the token endpoint issued a {kind:?} token, not a bearer token")));
    }
    let unix_now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let lifetime = response
        .expires_in
        .as_ref()
        .and_then(seconds)
        .or_else(|| response.expires_on.as_ref().and_then(seconds).map(|at| at.saturating_sub(unix_now)))
        // Capped, so an absurd value can neither overflow `Instant` nor keep a token for ever.
        .map(|seconds| Duration::from_secs(seconds.min(MAX_LIFETIME.as_secs())))
        .ok_or_else(|| AuthError::new("the token endpoint's answer has no valid expires_in or expires_on"))?;
    let margin = REFRESH_MARGIN.min(lifetime / 2);
    Ok(CachedToken {
        token: AccessToken::new(response.access_token),
        refresh_at: sent_at + (lifetime - margin),
        expires_at: sent_at + lifetime,
    })
}

#[derive(Deserialize)]
struct EndpointError {
    #[serde(default)]
    error: serde_json::Value,
    #[serde(default)]
    error_description: Option<String>,
    /// App Service's managed-identity endpoint: `{"statusCode": 400, "message": "…"}`.
    #[serde(default)]
    message: Option<String>,
}

pub(super) fn endpoint_error(status: StatusCode, body: &[u8]) -> AuthError {
    let parsed = serde_json::from_slice::<EndpointError>(body).ok();
    let code = parsed.as_ref().and_then(|e| match &e.error {
        serde_json::Value::String(code) => Some(code.clone()),
        serde_json::Value::Object(object) => object.get("code").and_then(|c| c.as_str()).map(str::to_owned),
        _ => None,
    });
    let description = parsed.as_ref().and_then(|e| e.error_description.as_deref().or(e.message.as_deref()));
    // Entra ID appends trace and correlation ids on further lines; keep the first.
    let first_line = description.and_then(|d| d.lines().next()).map(str::trim).unwrap_or("");
    let message = match (&code, first_line) {
        (Some(code), line) => format!("token endpoint returned HTTP {status}: {code}: {line}"),
        (None, "") => format!("token endpoint returned HTTP {status}"),
        (None, line) => format!("token endpoint returned HTTP {status}: {line}"),
    };
    AuthError::from_endpoint(message, status, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_before_expiry() {
        let (now, clock) = (Instant::now(), SystemTime::now());
        let parse = |body: &[u8]| parse_token_response(body, now, clock).unwrap().refresh_at;
        assert_eq!(
            parse(br#"{"token_type":"Bearer","expires_in":3600,"access_token":"a"}"#),
            now + Duration::from_secs(3300)
        );
        assert_eq!(parse(br#"{"expires_in":"60","access_token":"b"}"#), now + Duration::from_secs(30));
        assert_eq!(
            parse(br#"{"expires_in":18446744073709551615,"access_token":"c"}"#),
            now + MAX_LIFETIME - REFRESH_MARGIN
        );
        let in_an_hour = clock.duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
        let managed = format!(r#"{{"access_token":"d","expires_on":"{in_an_hour}","token_type":"Bearer"}}"#);
        assert_eq!(parse(managed.as_bytes()), now + Duration::from_secs(3300));
    }

    fn token(text: &str, refresh_in: Duration, expires_in: Duration) -> CachedToken {
        let now = Instant::now();
        CachedToken {
            token: AccessToken::new(text.to_owned()),
            refresh_at: now + refresh_in,
            expires_at: now + expires_in,
        }
    }

    #[tokio::test]
    async fn callers_waiting_on_a_failed_request_share_its_error() {
        let cache = TokenCache::default();
        let requests = std::sync::atomic::AtomicUsize::new(0);
        let fetch = || async {
            requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err::<CachedToken, _>(AuthError::new("the endpoint is down"))
        };
        let results = futures::future::join_all((0..8).map(|_| cache.get(fetch))).await;
        assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(results.iter().all(|r| r.as_ref().is_err_and(|e| e.to_string() == "the endpoint is down")));
        // A caller that comes after the failure asks again.
        let fresh = cache.get(|| async { Ok(token("new", Duration::from_secs(60), Duration::from_secs(90))) }).await;
        assert_eq!(fresh.unwrap().expose_secret(), "new");
    }

    #[tokio::test]
    async fn a_token_still_in_its_lifetime_outlives_a_failed_refresh() {
        let cache = TokenCache::default();
        let due = || async { Ok(token("old", Duration::ZERO, Duration::from_secs(120))) };
        assert_eq!(cache.get(due).await.unwrap().expose_secret(), "old");
        let requests = std::sync::atomic::AtomicUsize::new(0);
        let failing = || async {
            requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Err::<CachedToken, _>(AuthError::new("the endpoint is down"))
        };
        assert_eq!(cache.get(failing).await.unwrap().expose_secret(), "old");
        // Not asked again at once: the old token serves until a while has passed.
        assert_eq!(cache.get(failing).await.unwrap().expose_secret(), "old");
        assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 1);
        // A token past its expiry is never used.
        let expired = TokenCache::default();
        let _ = expired.get(|| async { Ok(token("gone", Duration::ZERO, Duration::ZERO)) }).await;
        assert!(expired.get(failing).await.is_err());
    }

    #[test]
    fn token_response_errors_do_not_quote_the_body() {
        let parse = |body: &[u8]| parse_token_response(body, Instant::now(), SystemTime::now());
        let err = parse(br#"{"access_token":"leaky-token","expires_in":[]}"#).err().unwrap();
        assert!(!format!("{err} {err:?}").contains("leaky-token"));
        let err = parse(br#"{"access_token":"t","token_type":"pop","expires_in":1}"#).err().unwrap();
        assert!(err.to_string().contains("pop"));
    }

    #[test]
    fn endpoint_errors_keep_code_and_first_line() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nCorrelation ID: 2","error_codes":[7000215]}"#;
        let err = endpoint_error(StatusCode::UNAUTHORIZED, body);
        assert_eq!(err.code(), Some("invalid_client"));
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(
            err.to_string(),
            "token endpoint returned HTTP 401 Unauthorized: invalid_client: AADSTS7000215: Invalid client secret provided."
        );
        let imds = br#"{"error":"invalid_request","error_description":"Identity not found"}"#;
        assert_eq!(endpoint_error(StatusCode::BAD_REQUEST, imds).code(), Some("invalid_request"));
        let app_service = br#"{"statusCode":400,"message":"Unable to load the proper Managed Identity."}"#;
        assert_eq!(
            endpoint_error(StatusCode::BAD_REQUEST, app_service).to_string(),
            "token endpoint returned HTTP 400 Bad Request: Unable to load the proper Managed Identity."
        );
    }
}
