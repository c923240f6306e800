//! The [`Client`]: service root, HTTP connection pool, token provider and retry policy.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::auth::{Credentials, StaticToken, TokenProvider};
use crate::error::{DecodeError, Error};
use crate::origin::require_secure;
use crate::retry::RetryPolicy;
use crate::transport::{Answer, Request, Transport};

pub(crate) const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

const JSON: &str = "application/json";
const XML: &str = "application/xml";
const TEXT: &str = "text/plain";

/// A connection to one OData service. Cheap to clone (shared state).
///
/// ```no_run
/// # async fn run() -> Result<(), odata_runtime::Error> {
/// use odata_runtime::{Client, auth::ClientCredentials};
///
/// let client = Client::builder()
///     .service_root("https://services.example.com/odata")
///     .token_provider(ClientCredentials::from_env("api://example/.default")?)
///     .build()?;
/// let names = client.service_document(None).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Transport>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The service root, e.g. `https://services.example.com/odata`.
    pub fn service_root(&self) -> &Url {
        &self.inner.service_root
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The OData service document (of `api_version`, for services that take an `api-version`
    /// query option).
    pub async fn service_document(&self, api_version: Option<&str>) -> Result<ServiceDocument, Error> {
        let url = self.url_with_version(&[], api_version)?;
        let body = self.inner.get(&url, JSON).await?;
        crate::query::decode_entity(&body, "service document", &url)
    }

    /// The raw CSDL `$metadata` document (of `api_version`, for services that take one).
    pub async fn metadata(&self, api_version: Option<&str>) -> Result<String, Error> {
        let url = self.url_with_version(&["$metadata"], api_version)?;
        let body = self.inner.get(&url, XML).await?;
        String::from_utf8(body).map_err(|e| {
            Error::Decode(Box::new(DecodeError {
                collection: "$metadata".into(),
                url,
                page: 0,
                row: None,
                path: format!("byte {}", e.utf8_error().valid_up_to()),
                source: serde::de::Error::custom("the document is not UTF-8"),
            }))
        })
    }

    /// The raw bytes of the `$metadata` document (of `api_version`, for services that take one),
    /// telling `report` how the download goes (for a progress display): the same request as
    /// [`metadata`](Client::metadata), under the same retries, token refresh, origin check and
    /// size cap.
    pub async fn download_metadata(
        &self,
        api_version: Option<&str>,
        report: &mut (dyn FnMut(Transfer<'_>) + Send),
    ) -> Result<Vec<u8>, Error> {
        let url = self.url_with_version(&["$metadata"], api_version)?;
        let headers = HeaderMap::new();
        Ok(self.inner.send(Request::get(&url, XML, &headers), report).await?.body)
    }

    /// `{service root}/{segments}` without a query.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.service_root.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            // The builder only accepts http(s) roots, which always have path segments.
            path.pop_if_empty().extend(segments);
        }
        url
    }

    fn url_with_version(&self, segments: &[&str], api_version: Option<&str>) -> Result<Url, Error> {
        let mut url = self.url(segments);
        let pairs: Vec<(&str, &str)> = api_version.map(|v| ("api-version", v)).into_iter().collect();
        crate::query::set_query(&mut url, &pairs);
        Ok(url)
    }

    pub(crate) async fn get_json(&self, url: &Url, headers: &HeaderMap) -> Result<Vec<u8>, Error> {
        Ok(self.inner.send(Request::get(url, JSON, headers), &mut |_| {}).await?.body)
    }

    pub(crate) async fn get_text(&self, url: &Url, headers: &HeaderMap) -> Result<Vec<u8>, Error> {
        Ok(self.inner.send(Request::get(url, TEXT, headers), &mut |_| {}).await?.body)
    }

    /// Sends a request of any method (operations and writes use it).
    pub(crate) async fn send(&self, request: Request<'_>) -> Result<Answer, Error> {
        self.inner.send(request, &mut |_| {}).await
    }
}

/// How a download is going, as told to the callback of [`Client::download_metadata`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Transfer<'a> {
    /// An attempt was answered with a 2xx status; its body follows, `length` bytes long when the
    /// service said so.
    Receiving {
        /// The `Content-Length`, if any.
        length: Option<u64>,
    },
    /// Bytes of the body received so far in this attempt.
    Received {
        /// The count.
        received: u64,
    },
    /// Attempt number `attempt` failed with `error`; the request is sent again after `delay`.
    Retrying {
        /// The attempt that failed (1 for the first).
        attempt: u32,
        /// The wait before the next attempt.
        delay: Duration,
        /// What went wrong.
        error: &'a Error,
    },
    /// The service refused the token (401): the request is sent again at once, with a fresh one.
    RefreshingToken,
}

/// Configures a [`Client`]. A service root and a token provider are required.
#[derive(Debug)]
pub struct ClientBuilder {
    service_root: Option<Result<Url, String>>,
    credentials: Option<Credentials>,
    headers: Vec<(String, String)>,
    timeout: Duration,
    connect_timeout: Duration,
    read_timeout: Duration,
    max_response_bytes: u64,
    user_agent: String,
    retry: RetryPolicy,
}

/// The defaults of [`ClientBuilder`], in one place (the README's table of limits quotes them).
pub mod defaults {
    use std::time::Duration;

    /// Time limit for one request, body included.
    pub const TIMEOUT: Duration = Duration::from_secs(300);
    /// Time limit for opening a connection.
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
    /// Longest silence while a response is read (a server that sends headers and then stalls).
    pub const READ_TIMEOUT: Duration = Duration::from_secs(60);
    /// Longest response body read: far above any page a service sends with server-driven
    /// paging, low enough that a runaway answer fails instead of exhausting memory.
    pub const MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            service_root: None,
            credentials: None,
            headers: Vec::new(),
            timeout: defaults::TIMEOUT,
            connect_timeout: defaults::CONNECT_TIMEOUT,
            read_timeout: defaults::READ_TIMEOUT,
            max_response_bytes: defaults::MAX_RESPONSE_BYTES,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
        }
    }
}

impl ClientBuilder {
    /// The service root URL, e.g. `https://services.example.com/odata`.
    ///
    /// A query of `api-version` only is accepted and dropped, since the version is chosen per
    /// request. Only `https` is accepted, and plain
    /// `http` to loopback addresses (test servers).
    pub fn service_root(mut self, url: &str) -> Self {
        self.service_root = Some(parse_service_root(url));
        self
    }

    /// The source of bearer tokens.
    pub fn token_provider(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.credentials = Some(Credentials::Bearer(Arc::new(provider)));
        self
    }

    /// HTTP basic authentication (sent only to the service root's origin; plain `http` service
    /// roots are only accepted on loopback addresses).
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        let password = secrecy::SecretString::from(password.into());
        self.credentials = Some(Credentials::Basic { user: user.into(), password });
        self
    }

    /// No authentication, for services that allow anonymous access (chosen explicitly, so that
    /// forgetting the credentials is an error rather than a stream of 401s).
    pub fn anonymous(mut self) -> Self {
        self.credentials = Some(Credentials::Anonymous);
        self
    }

    /// A header sent with every request (`Accept-Language`, `ConsistencyLevel`, …); per-request
    /// headers are added by the queries' `header`.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A fixed bearer token (shorthand for [`StaticToken`]).
    pub fn bearer_token(self, token: impl Into<String>) -> Self {
        self.token_provider(StaticToken::new(token))
    }

    /// Time limit for one request, body included (default 5 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time limit for opening a connection (default 30 seconds).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest silence while reading a response, between connecting and the body's last byte
    /// (default 60 seconds). A stalled request fails with a timeout, which is retried.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Longest response body accepted, in bytes (default 256 MiB). A longer answer fails with
    /// [`Error::ResponseTooLarge`] before it is buffered.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The `User-Agent` header (default `odata-runtime/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// When and how often failed requests are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let service_root =
            self.service_root.ok_or_else(|| Error::Config("no service root given".into()))?.map_err(Error::Config)?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::Config("no credentials given (token_provider, bearer_token, basic_auth or anonymous)".into())
        })?;
        let headers = crate::query::header_map(&self.headers).map_err(|e| Error::Config(e.to_string()))?;
        // Redirects are not followed: the token must only go to the service root. The default
        // headers are added to the service's requests only (not to a redirect elsewhere, which may
        // be a pre-signed download link that must not see an API key).
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .user_agent(self.user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Transport {
                http,
                default_headers: headers,
                service_root,
                credentials,
                retry: self.retry,
                max_response_bytes: self.max_response_bytes,
            }),
        })
    }
}

fn parse_service_root(text: &str) -> Result<Url, String> {
    let mut url = Url::parse(text.trim()).map_err(|e| format!("invalid service root {text:?}: {e}"))?;
    require_secure(&url).map_err(|e| format!("invalid service root: {e}"))?;
    if url.fragment().is_some() {
        return Err(format!("the service root `{url}` must not have a fragment"));
    }
    let only_api_version = url.query_pairs().all(|(key, _)| key.eq_ignore_ascii_case("api-version"));
    if !only_api_version {
        return Err(format!("the service root `{url}` must not have a query (other than api-version)"));
    }
    url.set_query(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
    }
    Ok(url)
}

/// The OData service document: one entry per collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDocument {
    /// `@odata.context`.
    #[serde(rename = "@odata.context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The entries.
    pub value: Vec<ServiceDocumentEntry>,
}

impl ServiceDocument {
    /// The entity-set names, in the service's order (entries without a `kind` count as sets).
    pub fn entity_set_names(&self) -> impl Iterator<Item = &str> {
        self.value.iter().filter(|e| e.kind.as_deref().is_none_or(|k| k == "EntitySet")).map(|e| e.name.as_str())
    }
}

/// One service-document entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDocumentEntry {
    /// The collection name (`name`; Power Query reads it as `Name`).
    #[serde(alias = "Name")]
    pub name: String,
    /// `EntitySet`, `Singleton`, `FunctionImport` or `ServiceDocument`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The collection's URL, relative to the service root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(root: &str) -> Result<Client, Error> {
        Client::builder().service_root(root).bearer_token("t").build()
    }

    #[test]
    fn normalizes_a_service_root_url() {
        let c = client("https://services.example.com/Service/Root/?api-version=v1.0").unwrap();
        assert_eq!(c.service_root().as_str(), "https://services.example.com/Service/Root");
        assert_eq!(c.url(&["$metadata"]).as_str(), "https://services.example.com/Service/Root/$metadata");
        assert_eq!(c.url(&["people"]).as_str(), "https://services.example.com/Service/Root/people");
        for bad in [
            "not a url",
            "http://services.example.com/x",
            "https://example.com/x?foo=bar",
            "https://example.com/x#frag",
        ] {
            assert!(matches!(client(bad), Err(Error::Config(_))), "{bad:?}");
        }
        assert!(matches!(Client::builder().bearer_token("t").build(), Err(Error::Config(_))));
        let no_tokens = Client::builder().service_root("https://services.example.com/x").build();
        assert!(matches!(no_tokens, Err(Error::Config(_))));
    }

    #[test]
    fn debug_output_hides_the_token() {
        let c = Client::builder()
            .service_root("https://services.example.com/x")
            .bearer_token("very-secret-token")
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("very-secret-token"));
    }

    #[test]
    fn lists_entity_sets_of_the_service_document() {
        let text = r#"{"@odata.context":"$metadata","value":[
            {"name":"people","kind":"EntitySet","url":"people"},
            {"Name":"airlines","url":"airlines"},
            {"name":"me","kind":"Singleton","url":"me"}]}"#;
        let doc: ServiceDocument = serde_json::from_str(text).unwrap();
        assert_eq!(doc.entity_set_names().collect::<Vec<_>>(), ["people", "airlines"]);
    }
}
