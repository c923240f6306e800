//! OAuth 2.0 client credentials grant: against Microsoft Entra ID (v2 endpoint), or any
//! authorization server's token endpoint. The client proves who it is with a secret, a signed
//! assertion (an X.509 certificate's key, see [`Certificate`]) or a federated token (workload
//! identity federation: a token file the platform rotates, read again for every request).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

#[cfg(feature = "certificate")]
use super::certificate::Certificate;
use super::token_endpoint::{DEFAULT_TIMEOUT, TokenCache, request_token, token_http_client};
use super::{AccessToken, AuthError, TokenProvider};
use crate::origin::require_secure;
use crate::retry::RetryPolicy;

/// Entra ID's public-cloud authority host (`AZURE_AUTHORITY_HOST` overrides it).
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// The `client_assertion_type` of a JWT assertion (RFC 7523).
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How the client proves who it is.
#[derive(Clone)]
enum Proof {
    /// `client_secret`, in the form or (`in_header`) as HTTP basic authentication.
    Secret { secret: SecretString, in_header: bool },
    /// A JWT signed with a certificate's key, made for each request.
    #[cfg(feature = "certificate")]
    Certificate(Arc<Certificate>),
    /// A token from another identity provider, read from a file for each request.
    FederatedTokenFile(PathBuf),
}

/// App-only tokens from `{authority_host}/{tenant}/oauth2/v2.0/token` (Entra ID, see
/// [`new`](Self::new)) or any OAuth 2.0 token endpoint (see [`oauth2`](Self::oauth2)), cached
/// until shortly before they expire (5 minutes, or half their lifetime when that is shorter)
/// and dropped after the service rejects them with 401.
///
/// Concurrent callers share one token request. Secrets and keys never appear in `Debug` output
/// or errors.
pub struct ClientCredentials {
    /// The Entra ID tenant; `None` for another authorization server.
    tenant_id: Option<String>,
    client_id: String,
    proof: Proof,
    token_url: Url,
    /// Empty: no `scope` parameter.
    scope: String,
    retry: RetryPolicy,
    http: reqwest::Client,
    cache: Arc<TokenCache>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proof = match &self.proof {
            Proof::Secret { .. } => "client secret [redacted]".to_owned(),
            #[cfg(feature = "certificate")]
            Proof::Certificate(certificate) => format!("certificate {}", certificate.thumbprint()),
            Proof::FederatedTokenFile(path) => format!("federated token file {}", path.display()),
        };
        f.debug_struct("ClientCredentials")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("proof", &proof)
            .field("token_url", &self.token_url.as_str())
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

fn check_tenant(tenant_id: &str) -> Result<(), AuthError> {
    let valid = !tenant_id.is_empty() && tenant_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    match valid {
        true => Ok(()),
        false => Err(AuthError::new(format!("invalid tenant id {tenant_id:?}: expected a GUID or a domain name"))),
    }
}

impl ClientCredentials {
    /// Credentials of an app registration in `tenant_id` (a GUID or a domain name) with a client
    /// secret, for the public cloud, asking for `scope` (the service's `{resource}/.default`).
    /// See [`with_authority_host`](Self::with_authority_host) for other clouds.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        scope: impl Into<String>,
    ) -> Result<Self, AuthError> {
        let proof = Proof::Secret { secret: SecretString::from(client_secret.into()), in_header: false };
        Self::entra(tenant_id.into(), client_id.into(), proof, scope.into())
    }

    /// Credentials of an app registration that proves itself with a certificate: each token
    /// request carries a client assertion, a JWT signed with the certificate's key (`PS256`,
    /// `x5t#S256` naming the certificate), as Entra ID expects.
    #[cfg(feature = "certificate")]
    pub fn with_certificate(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        certificate: Certificate,
        scope: impl Into<String>,
    ) -> Result<Self, AuthError> {
        Self::entra(tenant_id.into(), client_id.into(), Proof::Certificate(Arc::new(certificate)), scope.into())
    }

    /// Workload identity federation (Kubernetes, GitHub Actions, …): each token request carries
    /// the token in `token_file` as the client assertion, read again every time (the platform
    /// rotates it).
    pub fn with_federated_token_file(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
        scope: impl Into<String>,
    ) -> Result<Self, AuthError> {
        Self::entra(tenant_id.into(), client_id.into(), Proof::FederatedTokenFile(token_file.into()), scope.into())
    }

    fn entra(tenant_id: String, client_id: String, proof: Proof, scope: String) -> Result<Self, AuthError> {
        check_tenant(&tenant_id)?;
        let token_url = token_url(DEFAULT_AUTHORITY_HOST, &tenant_id)?;
        let mut credentials = Self::at(token_url, client_id, proof, scope)?;
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
        let proof = Proof::Secret { secret: SecretString::from(client_secret.into()), in_header: false };
        Self::at(url, client_id.into(), proof, scope.into())
    }

    fn at(token_url: Url, client_id: String, proof: Proof, scope: String) -> Result<Self, AuthError> {
        if client_id.is_empty() {
            return Err(AuthError::new("the client id is empty"));
        }
        Ok(ClientCredentials {
            tenant_id: None,
            client_id,
            proof,
            token_url,
            scope,
            retry: RetryPolicy::default(),
            http: token_http_client(DEFAULT_TIMEOUT, true)?,
            cache: Arc::default(),
        })
    }

    /// Reads `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and one proof, the way `azure_identity`'s
    /// environment credential does: `AZURE_CLIENT_SECRET`; or `AZURE_CLIENT_CERTIFICATE_PATH`
    /// (PEM or PKCS#12, with `AZURE_CLIENT_CERTIFICATE_PASSWORD`; builds with the `certificate`
    /// feature); or `AZURE_FEDERATED_TOKEN_FILE` (workload identity). `AZURE_AUTHORITY_HOST`
    /// optionally names another cloud. Asks for `scope`.
    pub fn from_env(scope: impl Into<String>) -> Result<Self, AuthError> {
        Self::from_env_with(|name| std::env::var(name).ok(), scope)
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>, scope: impl Into<String>) -> Result<Self, AuthError> {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let var =
            |name: &str| set(name).ok_or_else(|| AuthError::new(format!("environment variable {name} is not set")));
        let (tenant, client) = (var("AZURE_TENANT_ID")?, var("AZURE_CLIENT_ID")?);
        let scope = scope.into();
        let credentials = if let Some(secret) = set("AZURE_CLIENT_SECRET") {
            Self::new(tenant, client, secret, scope)?
        } else if let Some(path) = set("AZURE_CLIENT_CERTIFICATE_PATH") {
            Self::from_certificate_file(tenant, client, path.trim(), set("AZURE_CLIENT_CERTIFICATE_PASSWORD"), scope)?
        } else if let Some(path) = set("AZURE_FEDERATED_TOKEN_FILE") {
            Self::with_federated_token_file(tenant, client, path.trim(), scope)?
        } else {
            return Err(AuthError::new(
                "environment variable AZURE_CLIENT_SECRET is not set (nor AZURE_CLIENT_CERTIFICATE_PATH or \
                 AZURE_FEDERATED_TOKEN_FILE)",
            ));
        };
        match set("AZURE_AUTHORITY_HOST") {
            Some(host) => credentials.with_authority_host(host.trim()),
            None => Ok(credentials),
        }
    }

    #[cfg(feature = "certificate")]
    fn from_certificate_file(
        tenant: String,
        client: String,
        path: &str,
        password: Option<String>,
        scope: String,
    ) -> Result<Self, AuthError> {
        let certificate = Certificate::from_file(std::path::Path::new(path), password.as_deref())?;
        Self::with_certificate(tenant, client, certificate, scope)
    }

    #[cfg(not(feature = "certificate"))]
    fn from_certificate_file(
        _tenant: String,
        _client: String,
        _path: &str,
        _password: Option<String>,
        _scope: String,
    ) -> Result<Self, AuthError> {
        Err(AuthError::new("certificate credentials need odata-runtime's `certificate` feature"))
    }

    /// Uses another authority host, e.g. `https://login.microsoftonline.us` (US Government).
    /// Only for Entra ID credentials.
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
        if let Proof::Secret { in_header, .. } = &mut self.proof {
            *in_header = true;
        }
        self
    }

    /// Requests another scope.
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self.cache = Arc::default();
        self
    }

    /// Time limit for one token request, answer included (default 30 seconds); a slow
    /// endpoint fails with a timeout, which the retry policy retries.
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Self, AuthError> {
        self.http = token_http_client(timeout, true)?;
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

    /// The form of one token request (an assertion is made anew for each).
    fn form(&self) -> Result<Vec<(&'static str, String)>, AuthError> {
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        match &self.proof {
            Proof::Secret { in_header: true, .. } => {}
            Proof::Secret { secret, in_header: false } => {
                form.push(("client_id", self.client_id.clone()));
                form.push(("client_secret", secret.expose_secret().to_owned()));
            }
            #[cfg(feature = "certificate")]
            Proof::Certificate(certificate) => {
                form.push(("client_id", self.client_id.clone()));
                form.push(("client_assertion_type", JWT_BEARER.to_owned()));
                form.push(("client_assertion", certificate.assertion(&self.client_id, self.token_url.as_str())?));
            }
            Proof::FederatedTokenFile(path) => {
                let token = std::fs::read_to_string(path).map_err(|e| {
                    AuthError::with_source(format!("cannot read the federated token file {}", path.display()), e)
                })?;
                form.push(("client_id", self.client_id.clone()));
                form.push(("client_assertion_type", JWT_BEARER.to_owned()));
                form.push(("client_assertion", token.trim().to_owned()));
            }
        }
        if !self.scope.is_empty() {
            form.push(("scope", self.scope.clone()));
        }
        Ok(form)
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        self.cache
            .get(|| async {
                let basic = match &self.proof {
                    // RFC 6749 §2.3.1: both form-urlencoded before they are joined.
                    Proof::Secret { secret, in_header: true } => {
                        let encode =
                            |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
                        Some((encode(&self.client_id), encode(secret.expose_secret())))
                    }
                    _ => None,
                };
                let build = || {
                    let request = self.http.post(self.token_url.clone()).form(&self.form()?);
                    Ok(match &basic {
                        Some((user, password)) => request.basic_auth(user, Some(password)),
                        None => request,
                    })
                };
                request_token(&self.retry, &self.token_url, &[], &build).await
            })
            .await
    }
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.fetch())
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        self.cache.invalidate(rejected);
        true
    }
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

        let ids_only = |name: &str| name.ends_with("_ID").then(|| "x".to_owned());
        let missing = ClientCredentials::from_env_with(ids_only, SCOPE).unwrap_err();
        assert!(missing.to_string().contains("AZURE_CLIENT_SECRET"), "{missing}");

        let federated = |name: &str| match name {
            "AZURE_TENANT_ID" | "AZURE_CLIENT_ID" => Some("x".to_owned()),
            "AZURE_FEDERATED_TOKEN_FILE" => Some("/var/run/secrets/azure/tokens/azure-identity-token".to_owned()),
            _ => None,
        };
        let c = ClientCredentials::from_env_with(federated, SCOPE).unwrap();
        assert!(format!("{c:?}").contains("federated token file"), "{c:?}");
    }
}
