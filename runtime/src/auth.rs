//! Access tokens.
//!
//! The client asks a [`TokenProvider`] for a token before every request. Provided:
//! [`StaticToken`] (a bearer token obtained elsewhere); [`ClientCredentials`] (OAuth 2.0 client
//! credentials, against Microsoft Entra ID or any authorization server, with a secret, a
//! [`Certificate`] (feature `certificate`) or a federated token file); and [`ManagedIdentity`]
//! (Azure's managed identities). The last two cache their tokens and refresh them. Tokens and
//! secrets are kept in [`secrecy`] wrappers and never appear in `Debug` output, errors or logs.

#[cfg(feature = "certificate")]
mod certificate;
mod client_credentials;
mod managed_identity;
mod token_endpoint;

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};

#[cfg(feature = "certificate")]
pub use certificate::Certificate;
pub use client_credentials::{ClientCredentials, DEFAULT_AUTHORITY_HOST};
pub use managed_identity::ManagedIdentity;

/// A bearer token. Its `Debug` output is redacted.
#[derive(Clone)]
pub struct AccessToken(SecretString);

impl AccessToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(SecretString::from(token.into()))
    }

    /// The token itself, for the `Authorization` header.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    pub(crate) fn same_as(&self, other: &AccessToken) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// Supplies bearer tokens to the client.
///
/// Object safe, so the client can hold any provider as `Arc<dyn TokenProvider>`.
/// Implementations should cache: `token` is called before every request.
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token that is valid now.
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>>;

    /// Called when the service answered 401 to a request that carried `rejected`. Returns whether
    /// a later [`token`](TokenProvider::token) call may yield a different token, in which case
    /// the client sends the request once more (once only). The default: `false`.
    fn invalidate(&self, rejected: &AccessToken) -> bool {
        let _ = rejected;
        false
    }
}

impl<T: TokenProvider + ?Sized> TokenProvider for Arc<T> {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        (**self).token()
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        (**self).invalidate(rejected)
    }
}

/// How the client authenticates its requests. The secret only ever goes to the service root's
/// origin (next links and cursors elsewhere are refused, redirects are not followed), and plain
/// `http` is only accepted to loopback addresses, so basic credentials never travel in clear
/// over a network.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// No `Authorization` header (a service that allows anonymous access).
    Anonymous,
    /// `Authorization: Bearer …`, from a token provider (refreshed once after a 401).
    Bearer(Arc<dyn TokenProvider>),
    /// `Authorization: Basic …` (RFC 7617).
    Basic {
        /// The user name.
        user: String,
        /// The password, redacted from `Debug` output.
        password: SecretString,
    },
}

/// A fixed bearer token (e.g. from `az account get-access-token`); never refreshed.
#[derive(Debug, Clone)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// Uses `token` for every request.
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(AccessToken::new(token))
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}

/// The token provider an environment configures: a [`StaticToken`] from the variable
/// `token_var` when it is set and not blank, else [`ClientCredentials::from_env_with`]
/// (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, optionally
/// `AZURE_AUTHORITY_HOST`) asking for `scope`. Variables are read through `lookup` (e.g.
/// `|name| std::env::var(name).ok()`).
///
/// When neither is usable, the error names the variables to set; its
/// [`source`](std::error::Error::source) says what is missing or invalid.
pub fn provider_from_env_with(
    lookup: impl Fn(&str) -> Option<String>,
    token_var: &str,
    scope: &str,
) -> Result<Arc<dyn TokenProvider>, AuthError> {
    if let Some(token) = lookup(token_var).filter(|t| !t.trim().is_empty()) {
        return Ok(Arc::new(StaticToken::new(token.trim())));
    }
    match ClientCredentials::from_env_with(lookup, scope) {
        Ok(credentials) => Ok(Arc::new(credentials)),
        Err(e) => Err(AuthError::with_source(
            format!(
                "no usable credentials in the environment: set {token_var} (a bearer token), or \
                 AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (client credentials; \
                 optionally AZURE_AUTHORITY_HOST)"
            ),
            e,
        )),
    }
}

/// A token could not be obtained.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AuthError {
    message: String,
    status: Option<StatusCode>,
    code: Option<String>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl AuthError {
    /// An error with a message. The message must not contain secrets.
    pub fn new(message: impl Into<String>) -> Self {
        AuthError { message: message.into(), status: None, code: None, source: None }
    }

    /// An error with a message and its cause.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        AuthError { source: Some(source.into()), ..AuthError::new(message) }
    }

    /// The token endpoint's HTTP status, when it answered with an error.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The OAuth 2.0 error code (e.g. `invalid_client`), when the token endpoint sent one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub(crate) fn from_endpoint(message: String, status: StatusCode, code: Option<String>) -> Self {
        AuthError { status: Some(status), code, ..AuthError::new(message) }
    }

    /// A copy for the callers that waited on the request that failed: the same message, status
    /// and code, the chain of causes as text.
    pub(crate) fn shared(&self) -> Self {
        let causes = |source: &(dyn std::error::Error + 'static)| {
            std::iter::successors(Some(source), |e| e.source()).map(ToString::to_string).collect::<Vec<_>>().join(": ")
        };
        AuthError {
            message: self.message.clone(),
            status: self.status,
            code: self.code.clone(),
            source: self.source.as_deref().map(|source| causes(source).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_redacted_in_debug_output() {
        let token = AccessToken::new("eyJ0eXAi.secret-token");
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
        let provider = StaticToken::new("eyJ0eXAi.secret-token");
        assert!(!format!("{provider:?}").contains("secret-token"));
        assert!(!format!("{provider:#?}").contains("secret-token"));
        assert_eq!(token.expose_secret(), "eyJ0eXAi.secret-token");
    }

    const TOKEN_VAR: &str = "SERVICE_TOKEN";
    const SCOPE: &str = "api://service/.default";

    fn env(vars: Vec<(&'static str, &'static str)>) -> impl Fn(&str) -> Option<String> {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    const CREDENTIALS: [(&str, &str); 3] =
        [("AZURE_TENANT_ID", "contoso.onmicrosoft.com"), ("AZURE_CLIENT_ID", "app"), ("AZURE_CLIENT_SECRET", "s3cret")];

    #[tokio::test]
    async fn the_environment_token_comes_before_the_client_credentials() {
        let mut vars = CREDENTIALS.to_vec();
        vars.push((TOKEN_VAR, " static-token\n"));
        let provider = provider_from_env_with(env(vars), TOKEN_VAR, SCOPE).unwrap();
        assert_eq!(provider.token().await.unwrap().expose_secret(), "static-token");

        let mut vars = CREDENTIALS.to_vec();
        vars.push((TOKEN_VAR, "  "));
        let provider = provider_from_env_with(env(vars), TOKEN_VAR, SCOPE).unwrap();
        assert!(format!("{provider:?}").starts_with("ClientCredentials"), "{provider:?}");
    }

    #[test]
    fn missing_credentials_name_every_variable() {
        let error = provider_from_env_with(env(vec![("AZURE_TENANT_ID", "t")]), TOKEN_VAR, SCOPE).unwrap_err();
        let message = error.to_string();
        for name in [TOKEN_VAR, "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"] {
            assert!(message.contains(name), "{message}");
        }
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("environment variable AZURE_CLIENT_ID is not set"));
    }

    #[tokio::test]
    async fn static_token_is_returned_and_never_invalidated() {
        let provider: Arc<dyn TokenProvider> = Arc::new(StaticToken::new("abc"));
        let token = provider.token().await.unwrap();
        assert_eq!(token.expose_secret(), "abc");
        assert!(!provider.invalidate(&token));
    }
}
