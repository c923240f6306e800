//! OAuth 2.0 client credentials grant: against Microsoft Entra ID (v2 endpoint), or any
//! authorization server's token endpoint.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use futures::future::BoxFuture;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::{AccessToken, AuthError, TokenProvider};
use crate::body::{BodyError, read_capped};
use crate::origin::require_secure;
use crate::retry::{self, RetryPolicy};

/// Entra ID's public-cloud authority host (`AZURE_AUTHORITY_HOST` overrides it).
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// Longest time before expiry at which a cached token is replaced.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// Longest lifetime believed (Entra ID issues tokens for 60 to 90 minutes).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// App-only tokens from `{authority_host}/{tenant}/oauth2/v2.0/token` (Entra ID, see
/// [`new`](Self::new)) or any OAuth 2.0 token endpoint (see [`oauth2`](Self::oauth2)), cached
/// until shortly before they expire (5 minutes, or half their lifetime when that is shorter)
/// and dropped after the service rejects them with 401.
///
/// Concurrent callers share one token request. The client secret is held in a
/// [`SecretString`] and never appears in `Debug` output or errors.
pub struct ClientCredentials {
    /// The Entra ID tenant; `None` for another authorization server.
    tenant_id: Option<String>,
    client_id: String,
    client_secret: SecretString,
    /// The secret goes in an `Authorization: Basic` header rather than in the form.
    secret_in_header: bool,
    token_url: Url,
    /// Empty: no `scope` parameter.
    scope: String,
    retry: RetryPolicy,
    http: reqwest::Client,
    cache: Mutex<Option<CachedToken>>,
    refresh: tokio::sync::Mutex<()>,
}

struct CachedToken {
    token: AccessToken,
    refresh_at: Instant,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("token_url", &self.token_url.as_str())
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// Credentials of an app registration in `tenant_id` (a GUID or a domain name), for the
    /// public cloud, asking for `scope` (the service's `{resource}/.default`). See
    /// [`with_authority_host`](Self::with_authority_host) for other clouds.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        scope: impl Into<String>,
    ) -> Result<Self, AuthError> {
        let tenant_id = tenant_id.into();
        let valid_tenant =
            !tenant_id.is_empty() && tenant_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid_tenant {
            return Err(AuthError::new(format!("invalid tenant id {tenant_id:?}: expected a GUID or a domain name")));
        }
        let token_url = token_url(DEFAULT_AUTHORITY_HOST, &tenant_id)?;
        let mut credentials = Self::at(token_url, client_id.into(), client_secret.into(), scope.into())?;
        credentials.tenant_id = Some(tenant_id);
        Ok(credentials)
    }

    /// Credentials for any OAuth 2.0 authorization server: the client credentials grant (RFC 6749
    /// §4.4) at `token_url` (`https`, or plain `http` to a loopback address), asking for `scope`
    /// (space-separated; empty sends none). The secret goes in the form (`client_secret_post`);
    /// see [`with_secret_in_header`](Self::with_secret_in_header) for servers that want HTTP
    /// basic authentication instead.
    pub fn oauth2(
        token_url: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        scope: impl Into<String>,
    ) -> Result<Self, AuthError> {
        let url =
            Url::parse(token_url).map_err(|e| AuthError::with_source(format!("invalid token URL {token_url:?}"), e))?;
        require_secure(&url).map_err(|e| AuthError::new(format!("invalid token URL: {e}")))?;
        Self::at(url, client_id.into(), client_secret.into(), scope.into())
    }

    fn at(token_url: Url, client_id: String, client_secret: String, scope: String) -> Result<Self, AuthError> {
        if client_id.is_empty() {
            return Err(AuthError::new("the client id is empty"));
        }
        let http = token_http_client(DEFAULT_TIMEOUT)?;
        Ok(ClientCredentials {
            tenant_id: None,
            client_id,
            client_secret: SecretString::from(client_secret),
            secret_in_header: false,
            token_url,
            scope,
            retry: RetryPolicy::default(),
            http,
            cache: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
        })
    }

    /// Reads `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and, optionally,
    /// `AZURE_AUTHORITY_HOST` (the names `azure_identity` uses), asking for `scope`.
    pub fn from_env(scope: impl Into<String>) -> Result<Self, AuthError> {
        Self::from_env_with(|name| std::env::var(name).ok(), scope)
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>, scope: impl Into<String>) -> Result<Self, AuthError> {
        let var = |name: &str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| AuthError::new(format!("environment variable {name} is not set")))
        };
        let credentials =
            Self::new(var("AZURE_TENANT_ID")?, var("AZURE_CLIENT_ID")?, var("AZURE_CLIENT_SECRET")?, scope)?;
        match lookup("AZURE_AUTHORITY_HOST").filter(|v| !v.trim().is_empty()) {
            Some(host) => credentials.with_authority_host(host.trim()),
            None => Ok(credentials),
        }
    }

    /// Uses another authority host, e.g. `https://login.microsoftonline.us` (US Government).
    /// Only for Entra ID credentials ([`new`](Self::new)).
    pub fn with_authority_host(mut self, authority_host: &str) -> Result<Self, AuthError> {
        let tenant_id = self
            .tenant_id
            .as_deref()
            .ok_or_else(|| AuthError::new("an authority host is for Entra ID credentials; these have a token URL"))?;
        self.token_url = token_url(authority_host, tenant_id)?;
        Ok(self)
    }

    /// Sends the client id and secret as HTTP basic authentication (`client_secret_basic`,
    /// which RFC 6749 requires every server to accept) instead of in the form.
    pub fn with_secret_in_header(mut self) -> Self {
        self.secret_in_header = true;
        self
    }

    /// Requests another scope.
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// Time limit for one token request, answer included (default 30 seconds); a slow
    /// endpoint fails with a timeout, which the retry policy retries.
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Self, AuthError> {
        self.http = token_http_client(timeout)?;
        Ok(self)
    }

    /// Retries token requests (429, 5xx, connection failures) under `policy`.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    fn cached(&self) -> Option<AccessToken> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.as_ref().filter(|c| Instant::now() < c.refresh_at).map(|c| c.token.clone())
    }

    async fn current_token(&self) -> Result<AccessToken, AuthError> {
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let _single_flight = self.refresh.lock().await;
        // Another caller may have refreshed while this one waited.
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let fresh = self.request_token().await?;
        let token = fresh.token.clone();
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(fresh);
        Ok(token)
    }

    async fn request_token(&self) -> Result<CachedToken, AuthError> {
        let mut form = vec![("grant_type", "client_credentials")];
        if !self.secret_in_header {
            form.extend([
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose_secret()),
            ]);
        }
        if !self.scope.is_empty() {
            form.push(("scope", self.scope.as_str()));
        }
        let first_attempt = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let sent_at = Instant::now();
            let mut request = self.http.post(self.token_url.clone()).form(&form);
            if self.secret_in_header {
                // RFC 6749 §2.3.1: both form-urlencoded before they are joined.
                let encode = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
                request = request.basic_auth(encode(&self.client_id), Some(encode(self.client_secret.expose_secret())));
            }
            let result = request.send().await;
            let (status, retry_after, body) = match result {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
                    match read_capped(response, MAX_TOKEN_RESPONSE_BYTES, &mut |_| {}).await {
                        Ok(body) => (status, retry_after, body),
                        Err(BodyError::TooLarge) => {
                            return Err(AuthError::new(format!(
                                "the token endpoint's answer is longer than {MAX_TOKEN_RESPONSE_BYTES} bytes"
                            )));
                        }
                        Err(BodyError::Read(e)) => {
                            self.transport_failure(attempts, first_attempt, e).await?;
                            continue;
                        }
                    }
                }
                Err(e) => {
                    self.transport_failure(attempts, first_attempt, e).await?;
                    continue;
                }
            };
            if status.is_success() {
                return parse_token_response(&body, sent_at);
            }
            let error = endpoint_error(status, &body);
            if !retry::is_retryable_status(status) {
                return Err(error);
            }
            match self.retry.next_delay(attempts, first_attempt.elapsed(), retry_after) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(error),
            }
        }
    }

    /// Waits before the next attempt, or returns the error when no attempt is left.
    async fn transport_failure(
        &self,
        attempts: u32,
        first_attempt: Instant,
        error: reqwest::Error,
    ) -> Result<(), AuthError> {
        let delay = retry::is_retryable_transport(&error)
            .then(|| self.retry.next_delay(attempts, first_attempt.elapsed(), None))
            .flatten();
        match delay {
            Some(delay) => {
                tracing::warn!(attempts, ?delay, "token request failed, retrying: {error}");
                tokio::time::sleep(delay).await;
                Ok(())
            }
            None => Err(AuthError::with_source(
                format!("token request to {} failed after {attempts} attempt(s)", self.token_url),
                error,
            )),
        }
    }
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.current_token())
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.as_ref().is_some_and(|c| c.token.same_as(rejected)) {
            *cache = None;
        }
        true
    }
}

/// Time limit of one token request unless [`ClientCredentials::with_timeout`] says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// A token response is a few kilobytes; anything much longer is not one.
const MAX_TOKEN_RESPONSE_BYTES: u64 = 64 * 1024;

fn token_http_client(timeout: Duration) -> Result<reqwest::Client, AuthError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(crate::client::DEFAULT_USER_AGENT)
        .build()
        .map_err(|e| AuthError::with_source("cannot build the HTTP client", e))
}

fn token_url(authority_host: &str, tenant_id: &str) -> Result<Url, AuthError> {
    let mut url = Url::parse(authority_host)
        .map_err(|e| AuthError::with_source(format!("invalid authority host {authority_host:?}"), e))?;
    require_secure(&url).map_err(|e| AuthError::new(format!("invalid authority host: {e}")))?;
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| AuthError::new(format!("invalid authority host {authority_host:?}")))?
        .pop_if_empty()
        .extend([tenant_id, "oauth2", "v2.0", "token"]);
    Ok(url)
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    /// Seconds; Entra ID sends a number, older endpoints a string.
    expires_in: serde_json::Value,
}

fn parse_token_response(body: &[u8], sent_at: Instant) -> Result<CachedToken, AuthError> {
    // The body holds the token: never put serde's message (which may quote input) in the error.
    let response: TokenResponse = serde_json::from_slice(body)
        .map_err(|_| AuthError::new("the token endpoint's answer is not a token response"))?;
    if let Some(kind) = &response.token_type
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(AuthError::new(format!("the token endpoint issued a {kind:?} token, not a bearer token")));
    }
    let lifetime = match &response.expires_in {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    // Capped, so an absurd value can neither overflow `Instant` nor keep a token for ever.
    .map(|seconds| Duration::from_secs(seconds.min(MAX_LIFETIME.as_secs())))
    .ok_or_else(|| AuthError::new("the token endpoint's answer has no valid expires_in"))?;
    let margin = REFRESH_MARGIN.min(lifetime / 2);
    Ok(CachedToken { token: AccessToken::new(response.access_token), refresh_at: sent_at + (lifetime - margin) })
}

#[derive(Deserialize)]
struct EndpointError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

fn endpoint_error(status: StatusCode, body: &[u8]) -> AuthError {
    match serde_json::from_slice::<EndpointError>(body) {
        Ok(e) => {
            let description = e.error_description.unwrap_or_default();
            // Entra ID appends trace and correlation ids on further lines; keep the first.
            let first_line = description.lines().next().unwrap_or("").trim();
            AuthError::from_endpoint(
                format!("token endpoint returned HTTP {status}: {}: {first_line}", e.error),
                status,
                Some(e.error),
            )
        }
        Err(_) => AuthError::from_endpoint(format!("token endpoint returned HTTP {status}"), status, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCOPE: &str = "api://service/.default";

    #[test]
    fn builds_the_v2_token_url() {
        let c = ClientCredentials::new("contoso.onmicrosoft.com", "app", "s3cret", SCOPE).unwrap();
        assert_eq!(
            c.token_url().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        let gov = c.with_authority_host("https://login.microsoftonline.us/").unwrap();
        assert_eq!(
            gov.token_url().as_str(),
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert!(gov.with_authority_host("http://login.example.com").is_err());
    }

    #[test]
    fn rejects_tenant_ids_that_would_change_the_path() {
        for tenant in ["", "a/b", "../common", "x?y", "a b"] {
            assert!(ClientCredentials::new(tenant, "app", "s", SCOPE).is_err(), "{tenant:?}");
        }
    }

    #[test]
    fn reads_the_azure_identity_variables() {
        let env = |name: &str| {
            match name {
                "AZURE_TENANT_ID" => Some("72f988bf-86f1-41af-91ab-2d7cd011db47"),
                "AZURE_CLIENT_ID" => Some("app-id"),
                "AZURE_CLIENT_SECRET" => Some("top-secret-value"),
                "AZURE_AUTHORITY_HOST" => Some("https://login.chinacloudapi.cn"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let c = ClientCredentials::from_env_with(env, SCOPE).unwrap();
        assert_eq!(
            c.token_url().as_str(),
            "https://login.chinacloudapi.cn/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
        );
        let debug = format!("{c:?}");
        assert!(debug.contains("app-id") && !debug.contains("top-secret-value"), "{debug}");
        assert!(debug.contains(SCOPE), "{debug}");

        let missing =
            ClientCredentials::from_env_with(|name| (name != "AZURE_CLIENT_SECRET").then(|| "x".to_owned()), SCOPE)
                .unwrap_err();
        assert!(missing.to_string().contains("AZURE_CLIENT_SECRET"), "{missing}");
    }

    #[test]
    fn refreshes_before_expiry() {
        let now = Instant::now();
        let hour =
            parse_token_response(br#"{"token_type":"Bearer","expires_in":3600,"access_token":"a"}"#, now).unwrap();
        assert_eq!(hour.refresh_at, now + Duration::from_secs(3300));
        let short = parse_token_response(br#"{"expires_in":"60","access_token":"b"}"#, now).unwrap();
        assert_eq!(short.refresh_at, now + Duration::from_secs(30));
        let absurd = parse_token_response(br#"{"expires_in":18446744073709551615,"access_token":"c"}"#, now).unwrap();
        assert_eq!(absurd.refresh_at, now + MAX_LIFETIME - REFRESH_MARGIN);
    }

    #[test]
    fn token_response_errors_do_not_quote_the_body() {
        let err =
            parse_token_response(br#"{"access_token":"leaky-token","expires_in":[]}"#, Instant::now()).err().unwrap();
        assert!(!format!("{err} {err:?}").contains("leaky-token"));
        let err = parse_token_response(br#"{"access_token":"t","token_type":"pop","expires_in":1}"#, Instant::now())
            .err()
            .unwrap();
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
    }
}
