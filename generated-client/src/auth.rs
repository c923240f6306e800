//! Access tokens for the Warehouse (audience `https://api.manage.microsoft.com/`).
//!
//! The runtime's token providers, with the Warehouse's scope and environment variable filled in:
//! [`StaticToken`] (a bearer token obtained elsewhere) and [`ClientCredentials`] (OAuth 2.0
//! client credentials against Microsoft Entra ID, cached and refreshed). Tokens and secrets are
//! never shown in `Debug` output, errors or logs.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use odata_runtime::RetryPolicy;
pub use odata_runtime::auth::{AccessToken, AuthError, DEFAULT_AUTHORITY_HOST, StaticToken, TokenProvider};
use url::Url;

pub use crate::warehouse::{SCOPE as WAREHOUSE_SCOPE, TOKEN_VAR};

/// App-only tokens for the Warehouse from Entra ID: the runtime's
/// [`ClientCredentials`](odata_runtime::ClientCredentials) asking for [`WAREHOUSE_SCOPE`].
pub struct ClientCredentials(odata_runtime::ClientCredentials);

impl ClientCredentials {
    /// Credentials of an app registration in `tenant_id` (a GUID or a domain name), for the
    /// public cloud. See [`with_authority_host`](Self::with_authority_host) for other clouds.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<Self, AuthError> {
        odata_runtime::ClientCredentials::new(tenant_id, client_id, client_secret, WAREHOUSE_SCOPE).map(Self)
    }

    /// Reads `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and, optionally,
    /// `AZURE_AUTHORITY_HOST` (the names `azure_identity` uses).
    pub fn from_env() -> Result<Self, AuthError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, AuthError> {
        odata_runtime::ClientCredentials::from_env_with(lookup, WAREHOUSE_SCOPE).map(Self)
    }

    /// Uses another authority host, e.g. `https://login.microsoftonline.us` (US Government).
    pub fn with_authority_host(self, authority_host: &str) -> Result<Self, AuthError> {
        self.0.with_authority_host(authority_host).map(Self)
    }

    /// Requests another scope than [`WAREHOUSE_SCOPE`].
    pub fn with_scope(self, scope: impl Into<String>) -> Self {
        Self(self.0.with_scope(scope))
    }

    /// Time limit for one token request, answer included (default 30 seconds).
    pub fn with_timeout(self, timeout: std::time::Duration) -> Result<Self, AuthError> {
        self.0.with_timeout(timeout).map(Self)
    }

    /// Retries token requests (429, 5xx, connection failures) under `policy`.
    pub fn with_retry_policy(self, policy: RetryPolicy) -> Self {
        Self(self.0.with_retry_policy(policy))
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &Url {
        self.0.token_url()
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        self.0.token()
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        self.0.invalidate(rejected)
    }
}

/// The token provider the environment configures: a [`StaticToken`] from [`TOKEN_VAR`]
/// (`INTUNE_DW_TOKEN`) when it is set and not blank, else [`ClientCredentials::from_env`]
/// (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, optionally
/// `AZURE_AUTHORITY_HOST`).
///
/// When neither is usable, the error names the variables to set; its
/// [`source`](std::error::Error::source) says what is missing or invalid.
pub fn provider_from_env() -> Result<Arc<dyn TokenProvider>, AuthError> {
    provider_from_env_with(|name| std::env::var(name).ok())
}

/// Like [`provider_from_env`], reading variables through `lookup`.
pub fn provider_from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Arc<dyn TokenProvider>, AuthError> {
    odata_runtime::auth::provider_from_env_with(lookup, TOKEN_VAR, WAREHOUSE_SCOPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_for_the_warehouse_scope() {
        let credentials = ClientCredentials::new("contoso.onmicrosoft.com", "app", "s3cret").unwrap();
        let debug = format!("{credentials:?}");
        assert!(debug.contains(WAREHOUSE_SCOPE) && !debug.contains("s3cret"), "{debug}");
        let vars = |name: &str| match name {
            TOKEN_VAR => Some(" static-token\n".to_owned()),
            _ => None,
        };
        assert!(format!("{:?}", provider_from_env_with(vars).unwrap()).starts_with("StaticToken"));
    }
}
