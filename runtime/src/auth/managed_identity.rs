//! Managed identities of Azure compute: tokens from the endpoint on the machine itself, no secret
//! anywhere. Two endpoints exist:
//!
//! - App Service and Azure Functions set `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`:
//!   `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=…` with `X-IDENTITY-HEADER`;
//! - everywhere else (virtual machines, scale sets, container instances), the instance metadata
//!   service: `GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=…`
//!   with `Metadata: true` (`AZURE_POD_IDENTITY_AUTHORITY_HOST` replaces its address, as in
//!   `azure_identity`).
//!
//! Azure Arc's and Service Fabric's endpoints are refused (not supported). A user-assigned
//! identity is chosen by its client id (`client_id`). Tokens are cached and
//! refreshed like [`ClientCredentials`](super::ClientCredentials)' ones.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::token_endpoint::{DEFAULT_TIMEOUT, TokenCache, request_token, token_http_client};
use super::{AccessToken, AuthError, TokenProvider};
use crate::retry::RetryPolicy;

/// The instance metadata service's address.
const IMDS_HOST: &str = "http://169.254.169.254";

/// Where the identity's tokens come from.
enum Endpoint {
    /// The instance metadata service.
    Imds(Url),
    /// App Service's identity endpoint, and the header value proving the caller runs there.
    AppService { url: Url, header: SecretString },
}

/// Tokens of the managed identity of the Azure resource the program runs on.
pub struct ManagedIdentity {
    endpoint: Endpoint,
    /// A user-assigned identity's client id; `None` for the system-assigned one.
    client_id: Option<String>,
    /// The resource (the scope without `/.default`).
    resource: String,
    retry: RetryPolicy,
    http: reqwest::Client,
    cache: Arc<TokenCache>,
}

impl fmt::Debug for ManagedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = match &self.endpoint {
            Endpoint::Imds(url) => format!("instance metadata service {url}"),
            Endpoint::AppService { url, .. } => format!("App Service identity endpoint {url}"),
        };
        f.debug_struct("ManagedIdentity")
            .field("endpoint", &endpoint)
            .field("client_id", &self.client_id)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

impl ManagedIdentity {
    /// The identity asking for `scope` (`{resource}/.default`; the endpoints take the resource),
    /// the user-assigned one of `client_id` when given; the endpoint from the environment (see
    /// the module docs), read through `lookup`.
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
        client_id: Option<String>,
        scope: &str,
    ) -> Result<Self, AuthError> {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty()).map(|v| v.trim().to_owned());
        let parse = |text: &str, what: &str| {
            Url::parse(text).map_err(|e| AuthError::with_source(format!("invalid {what} {text:?}"), e))
        };
        // Azure Arc (an endpoint without a header, with `IMDS_ENDPOINT`) and Service Fabric (a
        // server thumbprint) answer otherwise: refused, rather than asking the wrong endpoint.
        if set("IDENTITY_SERVER_THUMBPRINT").is_some() {
            return Err(AuthError::new("Service Fabric's managed identity is not supported"));
        }
        if set("IDENTITY_ENDPOINT").is_some() && set("IDENTITY_HEADER").is_none() && set("IMDS_ENDPOINT").is_some() {
            return Err(AuthError::new("Azure Arc's managed identity is not supported"));
        }
        let endpoint = match (set("IDENTITY_ENDPOINT"), set("IDENTITY_HEADER")) {
            (Some(url), Some(header)) => {
                Endpoint::AppService { url: parse(&url, "IDENTITY_ENDPOINT")?, header: SecretString::from(header) }
            }
            _ => {
                let host = set("AZURE_POD_IDENTITY_AUTHORITY_HOST").unwrap_or_else(|| IMDS_HOST.to_owned());
                let url = format!("{}/metadata/identity/oauth2/token", host.trim_end_matches('/'));
                Endpoint::Imds(parse(&url, "instance metadata address")?)
            }
        };
        // Microsoft asks callers of the metadata service to retry for about 70 seconds (it answers
        // 410 while it is updated): eight attempts, backoff doubling from half a second to 30.
        let retry = match endpoint {
            Endpoint::Imds(_) => RetryPolicy::default().with_max_attempts(8),
            Endpoint::AppService { .. } => RetryPolicy::default(),
        };
        let resource = scope.strip_suffix("/.default").unwrap_or(scope).to_owned();
        // The endpoints are on the machine: never through a proxy.
        let http = token_http_client(DEFAULT_TIMEOUT, false)?;
        Ok(ManagedIdentity { endpoint, client_id, resource, retry, http, cache: Arc::default() })
    }

    /// Like [`from_env_with`](Self::from_env_with), reading the process's environment.
    pub fn from_env(client_id: Option<String>, scope: &str) -> Result<Self, AuthError> {
        Self::from_env_with(|name| std::env::var(name).ok(), client_id, scope)
    }

    /// Retries token requests under `policy` (by default 8 attempts for the metadata service,
    /// which answers 404, 410, 429 and 5xx while it starts or is updated, 5 for App Service).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        self.cache
            .get(|| async {
                let (url, api_version) = match &self.endpoint {
                    Endpoint::Imds(url) => (url, "2018-02-01"),
                    Endpoint::AppService { url, .. } => (url, "2019-08-01"),
                };
                let mut request_url = url.clone();
                request_url
                    .query_pairs_mut()
                    .append_pair("api-version", api_version)
                    .append_pair("resource", &self.resource);
                if let Some(client_id) = &self.client_id {
                    request_url.query_pairs_mut().append_pair("client_id", client_id);
                }
                let build = || {
                    let request = self.http.get(request_url.clone());
                    Ok(match &self.endpoint {
                        Endpoint::Imds(_) => request.header("Metadata", "true"),
                        Endpoint::AppService { header, .. } => {
                            let mut value = HeaderValue::from_str(header.expose_secret())
                                .map_err(|_| AuthError::new("IDENTITY_HEADER is not a valid header value"))?;
                            value.set_sensitive(true);
                            request.header("X-IDENTITY-HEADER", value)
                        }
                    })
                };
                // The metadata service answers 404 and 410 while it starts or is updated.
                let also_retry = match &self.endpoint {
                    Endpoint::Imds(_) => &[StatusCode::NOT_FOUND, StatusCode::GONE][..],
                    Endpoint::AppService { .. } => &[],
                };
                request_token(&self.retry, url, also_retry, &build).await
            })
            .await
    }
}

impl TokenProvider for ManagedIdentity {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.fetch())
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        self.cache.invalidate(rejected);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_follows_the_environment() {
        let none = |_: &str| None;
        let imds = ManagedIdentity::from_env_with(none, None, "https://api.manage.microsoft.com//.default").unwrap();
        assert!(
            matches!(&imds.endpoint, Endpoint::Imds(url) if url.as_str() == "http://169.254.169.254/metadata/identity/oauth2/token")
        );
        assert_eq!(imds.resource, "https://api.manage.microsoft.com/");
        let app = |name: &str| match name {
            "IDENTITY_ENDPOINT" => Some("http://127.0.0.1:41741/msi/token".to_owned()),
            "IDENTITY_HEADER" => Some("h3ader".to_owned()),
            _ => None,
        };
        let app = ManagedIdentity::from_env_with(app, Some("user-assigned".into()), "api://x/.default").unwrap();
        assert!(matches!(&app.endpoint, Endpoint::AppService { .. }));
        assert!(!format!("{app:?}").contains("h3ader"));
        let arc = |name: &str| match name {
            "IDENTITY_ENDPOINT" => Some("http://localhost:40342/metadata/identity/oauth2/token".to_owned()),
            "IMDS_ENDPOINT" => Some("http://localhost:40342".to_owned()),
            _ => None,
        };
        let refused = ManagedIdentity::from_env_with(arc, None, "api://x/.default").unwrap_err();
        assert!(refused.to_string().contains("Azure Arc"), "{refused}");
    }
}
