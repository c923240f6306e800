//! A local Intune Data Warehouse for demos and tests: real HTTP on a loopback port, generated
//! rows for every collection of both API versions (or the fixture samples, [`samples`]), the
//! service's rules ([`rules`]), server-driven paging with `@odata.nextLink`, an Entra ID style
//! token endpoint, `$metadata`, and hooks for tests: add days, modify rows, corrupt a row, change
//! `$metadata`, throttle with 429, revoke tokens, answer requests with canned replies
//! ([`MockWarehouse::intercept`], [`MockWarehouse::fail_first`]) and rewrite next links. Every
//! request is recorded, with its query, `Authorization` header and arrival time.
//!
//! It is the one local Warehouse of the workspace: the `intune-dw` tool serves it
//! (`intune-dw mock-server`, re-exported as `intune_dw::mock`), and the tests of both the tool
//! and the client (`intune-dw-client`) run against it.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use intune_dw_mock::{MockConfig, MockWarehouse, TOKEN};
//! let warehouse = MockWarehouse::start(MockConfig::default()).await?;
//! println!("INTUNE_DW_SERVICE_ROOT={} INTUNE_DW_TOKEN={TOKEN}", warehouse.service_root());
//! # Ok(()) }
//! ```

mod rows;
pub mod rules;
pub mod samples;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use time::Date;

use intune_dw_schema::{Collection, Kind, VersionSchema};
use rows::Data;
use rules::{Clause, Filterable};

pub use intune_dw_schema::ApiVersion;

/// The bearer token accepted from the start.
pub const TOKEN: &str = "mock-warehouse-token";
/// The tenant of the token endpoint (`AZURE_TENANT_ID`).
pub const TENANT: &str = "mock-tenant";
/// The client id the token endpoint accepts (`AZURE_CLIENT_ID`).
pub const CLIENT_ID: &str = "00000000-0000-0000-0000-000000000001";
/// The client secret the token endpoint accepts (`AZURE_CLIENT_SECRET`).
pub const CLIENT_SECRET: &str = "mock-client-secret";
/// The federated token (workload identity federation) the token endpoint accepts as a client
/// assertion.
pub const FEDERATED_TOKEN: &str = "mock-federated-token";
/// The `IDENTITY_HEADER` of the mock's App Service identity endpoint (`/msi/token`).
pub const IDENTITY_HEADER: &str = "mock-identity-header";
/// The service root's path, like the real one.
pub const ROOT_PATH: &str = "/ReportingService/DataWarehouseFEService";
/// The lifetime (`expires_in`, seconds) of issued tokens unless
/// [`set_token_expires_in`](MockWarehouse::set_token_expires_in) changes it.
pub const TOKEN_EXPIRES_IN: u64 = 3599;

/// The `n`-th token the token endpoint issues (from 1).
pub fn issued_token(n: usize) -> String {
    format!("mock-issued-token-{n}")
}

/// How the mock starts.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Loopback port (0: any free port).
    pub port: u16,
    /// Rows of each collection (facts: spread over `days`).
    pub rows: usize,
    /// Days of data in date-keyed facts at the start.
    pub days: u32,
    /// The first day of data.
    pub first_day: Date,
    /// Rows per page before `@odata.nextLink`.
    pub page_size: usize,
    /// Delay before answering each collection page.
    pub latency: Duration,
    /// Facts keep only their last N days, like the service's retention (all days when `None`).
    pub retention_days: Option<u32>,
    /// Collections with a sample page in `fixtures/{version}/samples/` ([`samples`]) serve
    /// exactly its rows, in order, instead of generated ones; the others stay generated.
    pub samples: bool,
    /// The tenant of the token endpoint (`/{tenant}/oauth2/v2.0/token`).
    pub tenant: String,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            port: 0,
            rows: 100,
            days: 7,
            first_day: time::macros::date!(2025 - 03 - 01),
            page_size: 50,
            latency: Duration::ZERO,
            retention_days: None,
            samples: false,
            tenant: TENANT.to_owned(),
        }
    }
}

impl MockConfig {
    /// The fixture samples ([`samples`](MockConfig#structfield.samples) on) in pages of 2
    /// rows, so each sample spans pages; generated facts cover the days of the `dates` sample,
    /// so [`today`](MockWarehouse::today) (for `maxhistorydays`) is its last day.
    pub fn for_samples() -> MockConfig {
        let (first_day, days) = samples::days();
        MockConfig { samples: true, page_size: 2, first_day, days, ..MockConfig::default() }
    }
}

/// One request as the mock saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`.
    pub method: Method,
    /// The path.
    pub path: String,
    /// The query string exactly as sent (still percent-encoded).
    pub raw_query: String,
    /// The decoded query pairs.
    pub query: Vec<(String, String)>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body of a `POST`, decoded as a form (empty otherwise).
    pub form: Vec<(String, String)>,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    /// When it arrived.
    pub at: Instant,
    /// The status answered (0 while it is being answered, as an
    /// [`intercept`](MockWarehouse::intercept) sees it).
    pub status: u16,
}

impl Recorded {
    /// The value of query option `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The bearer token sent.
    pub fn bearer(&self) -> Option<&str> {
        self.authorization.as_deref()?.strip_prefix("Bearer ")
    }

    /// The value of form field `name` (token requests).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether this is a request to a token endpoint (Entra ID's, `POST
    /// /{tenant}/oauth2/v2.0/token`, or a managed identity's), not to the Warehouse.
    pub fn is_token_request(&self) -> bool {
        (self.method == Method::POST && self.path.ends_with("/oauth2/v2.0/token"))
            || self.path == IMDS_PATH
            || self.path == APP_SERVICE_PATH
    }

    /// The collection requested, if this is a collection request.
    pub fn collection(&self) -> Option<&str> {
        let rest = self.path.strip_prefix(ROOT_PATH)?.strip_prefix('/')?;
        (!rest.is_empty() && !rest.starts_with('$')).then_some(rest)
    }
}

#[derive(Debug, Default)]
struct Faults {
    /// Answer 429 (`Retry-After: 0`) to the first attempt of every collection page.
    throttle_first_attempts: bool,
    throttled: HashSet<String>,
    /// Revoke every token once this many collection pages have been answered.
    revoke_after: Option<usize>,
    metadata: HashMap<ApiVersion, String>,
}

/// A canned answer, for [`MockWarehouse::intercept`] and [`MockWarehouse::fail_first`] (and the
/// mock's own answers).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The headers (`content-type` first; a later header replaces an earlier one of that name).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: String,
}

impl Reply {
    /// A reply with `content-type: application/json`.
    pub fn new(status: u16, body: impl Into<String>) -> Reply {
        Reply { status, headers: vec![("content-type", "application/json".into())], body: body.into() }
    }

    /// The Warehouse's own error shape, `{"_version":3,"Message":…}`.
    pub fn warehouse_error(status: u16, message: &str) -> Reply {
        Reply::new(status, rules::error_body(message))
    }

    /// Adds header `name`.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.body).into_response();
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            if let Ok(value) = value.parse() {
                headers.insert(name, value);
            }
        }
        response
    }
}

type Intercept = Box<dyn Fn(&Recorded) -> Option<Reply> + Send + Sync>;
type Rewrite = Box<dyn Fn(&Recorded, String) -> String + Send + Sync>;

/// The test hooks that replace or change answers.
#[derive(Default)]
struct Hooks {
    intercept: Option<Intercept>,
    rewrite: Option<Rewrite>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("intercept", &self.intercept.is_some())
            .field("rewrite", &self.rewrite.is_some())
            .finish()
    }
}

#[derive(Debug)]
struct Shared {
    base: String,
    config: MockConfig,
    data: Mutex<Data>,
    faults: Mutex<Faults>,
    hooks: Mutex<Hooks>,
    tokens: Mutex<HashSet<String>>,
    /// The certificates (DER) whose keys may sign client assertions.
    certificates: Mutex<Vec<Vec<u8>>>,
    issued: AtomicUsize,
    expires_in: AtomicU64,
    pages_served: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
}

/// A running mock Warehouse; stops when dropped.
#[derive(Debug)]
pub struct MockWarehouse {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for MockWarehouse {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MockWarehouse {
    /// Binds `127.0.0.1:{config.port}` and serves in the background (on the current tokio
    /// runtime).
    pub async fn start(config: MockConfig) -> std::io::Result<MockWarehouse> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let mut data = Data::new(config.first_day, config.days, config.rows, config.retention_days);
        if config.samples {
            for (version, collection) in samples::collections() {
                data.serve_fixed(version, collection, samples::rows(version, collection).unwrap_or_default());
            }
        }
        let shared = Arc::new(Shared {
            base: format!("http://{addr}"),
            data: Mutex::new(data),
            config,
            faults: Mutex::new(Faults::default()),
            hooks: Mutex::new(Hooks::default()),
            tokens: Mutex::new(HashSet::from([TOKEN.to_owned()])),
            certificates: Mutex::new(Vec::new()),
            issued: AtomicUsize::new(0),
            expires_in: AtomicU64::new(TOKEN_EXPIRES_IN),
            pages_served: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            // Only ends when the task is aborted; an accept error ends the mock.
            let _ = axum::serve(listener, app).await;
        });
        Ok(MockWarehouse { addr, shared, server })
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}`: also the authority host of the token endpoint
    /// (`AZURE_AUTHORITY_HOST`).
    pub fn base(&self) -> &str {
        &self.shared.base
    }

    /// `http://127.0.0.1:{port}/ReportingService/DataWarehouseFEService`
    pub fn service_root(&self) -> String {
        format!("{}{ROOT_PATH}", self.shared.base)
    }

    /// The environment that points `intune-dw` at this mock with the static [`TOKEN`].
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("INTUNE_DW_SERVICE_ROOT".into(), self.service_root()), ("INTUNE_DW_TOKEN".into(), TOKEN.into())]
    }

    /// Accepts client assertions signed with the key of `certificate` (DER), as Entra ID
    /// accepts them once the certificate is uploaded to the app registration.
    pub fn trust_certificate(&self, certificate: &[u8]) {
        lock(&self.shared.certificates).push(certificate.to_vec());
    }

    /// The tenant of the token endpoint.
    pub fn tenant(&self) -> &str {
        &self.shared.config.tenant
    }

    /// The environment that uses the token endpoint (client credentials) instead.
    pub fn client_credentials_env(&self) -> Vec<(String, String)> {
        vec![
            ("INTUNE_DW_SERVICE_ROOT".into(), self.service_root()),
            ("AZURE_TENANT_ID".into(), self.tenant().to_owned()),
            ("AZURE_CLIENT_ID".into(), CLIENT_ID.into()),
            ("AZURE_CLIENT_SECRET".into(), CLIENT_SECRET.into()),
            ("AZURE_AUTHORITY_HOST".into(), self.base().to_owned()),
        ]
    }

    /// The last day of data.
    pub fn today(&self) -> Date {
        lock(&self.shared.data).today()
    }

    /// Adds `n` days to every date-keyed fact.
    pub fn add_days(&self, n: u32) {
        lock(&self.shared.data).add_days(n);
    }

    /// Modifies `count` rows of `collection` (the first rows; a fact's last day): new values and
    /// a `rowLastModifiedDateTimeUTC` later than any before. Returns their indexes (none for a
    /// collection that serves its sample).
    pub fn modify_rows(&self, version: ApiVersion, collection: &str, count: usize) -> Vec<usize> {
        let Some(collection) = version.schema().collection(collection) else { return Vec::new() };
        lock(&self.shared.data).modify(version, collection, count)
    }

    /// Serves row `index` of `collection` with a value that does not decode; returns the
    /// property it breaks.
    pub fn corrupt_row(&self, version: ApiVersion, collection: &str, index: usize) -> Option<String> {
        let collection = version.schema().collection(collection)?;
        lock(&self.shared.data).corrupt(version, collection, index)
    }

    /// Every row of `collection` carries the extra property `name` (pair with
    /// [`set_metadata`](Self::set_metadata) for an additive drift).
    pub fn add_property(&self, version: ApiVersion, collection: &str, name: &str, value: Value) {
        lock(&self.shared.data).add_property(version, collection, name, value);
    }

    /// Serves `text` as the `$metadata` of `version` (default: the embedded fixture).
    pub fn set_metadata(&self, version: ApiVersion, text: impl Into<String>) {
        lock(&self.shared.faults).metadata.insert(version, text.into());
    }

    /// Answers the first attempt of every collection page with 429 and `Retry-After: 0`.
    pub fn throttle_first_attempts(&self, on: bool) {
        lock(&self.shared.faults).throttle_first_attempts = on;
    }

    /// Revokes every token issued so far (and [`TOKEN`]) once `pages` more collection pages
    /// have been answered: the next request gets 401.
    pub fn revoke_tokens_after(&self, pages: usize) {
        let served = self.shared.pages_served.load(Ordering::SeqCst);
        lock(&self.shared.faults).revoke_after = Some(served + pages);
    }

    /// Stops accepting `token` (one issued, see [`issued_token`], or [`TOKEN`]): the next
    /// request carrying it gets 401.
    pub fn revoke(&self, token: &str) {
        lock(&self.shared.tokens).remove(token);
    }

    /// The lifetime (`expires_in`, seconds) of the tokens issued from now on (the mock itself
    /// accepts a token until it is revoked).
    pub fn set_token_expires_in(&self, seconds: u64) {
        self.shared.expires_in.store(seconds, Ordering::SeqCst);
    }

    /// How many tokens the token endpoint issued.
    pub fn tokens_issued(&self) -> usize {
        self.shared.issued.load(Ordering::SeqCst)
    }

    /// Answers each Warehouse request (not the token endpoint's) with `f`'s reply instead of the
    /// normal one whenever it returns `Some`, before the token, the `api-version` and the faults
    /// are looked at. Replaces an earlier intercept.
    pub fn intercept(&self, f: impl Fn(&Recorded) -> Option<Reply> + Send + Sync + 'static) {
        lock(&self.shared.hooks).intercept = Some(Box::new(f));
    }

    /// Answers the first `times` Warehouse requests from now on with `reply` (an
    /// [`intercept`](Self::intercept)).
    pub fn fail_first(&self, times: usize, reply: Reply) {
        let seen = AtomicUsize::new(0);
        self.intercept(move |_| (seen.fetch_add(1, Ordering::SeqCst) < times).then(|| reply.clone()));
    }

    /// Replaces each `@odata.nextLink` the mock would send by `f(request, link)`.
    pub fn rewrite_next_links(&self, f: impl Fn(&Recorded, String) -> String + Send + Sync + 'static) {
        lock(&self.shared.hooks).rewrite = Some(Box::new(f));
    }

    /// Every request so far (the Warehouse's and the token endpoint's), in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// The requests to the Warehouse so far (not to the token endpoint).
    pub fn service_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).iter().filter(|r| !r.is_token_request()).cloned().collect()
    }

    /// The requests to the token endpoint so far.
    pub fn token_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).iter().filter(|r| r.is_token_request()).cloned().collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Every row `collection` serves now (no filter), in paging order.
    pub fn rows(&self, version: ApiVersion, collection: &str) -> Vec<Map<String, Value>> {
        let Some(collection) = version.schema().collection(collection) else { return Vec::new() };
        let data = lock(&self.shared.data);
        data.range(version, collection).map(|i| data.row(version, collection, i)).collect()
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let at = Instant::now();
    let raw_query = uri.query().unwrap_or("").to_owned();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let form = if method == Method::POST {
        url::form_urlencoded::parse(body.as_bytes()).into_owned().collect()
    } else {
        Vec::new()
    };
    let all_headers = headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let mut request = Recorded {
        method,
        path: uri.path().to_owned(),
        query: url::form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect(),
        raw_query,
        authorization: header("authorization"),
        content_type: header("content-type"),
        form,
        headers: all_headers,
        at,
        status: 0,
    };
    let is_page = request.method == Method::GET && request.collection().is_some();
    if is_page && !shared.config.latency.is_zero() {
        tokio::time::sleep(shared.config.latency).await;
    }
    let reply = if request.is_token_request() {
        token(&shared, &request)
    } else {
        let intercepted = lock(&shared.hooks).intercept.as_ref().and_then(|f| f(&request));
        intercepted.unwrap_or_else(|| answer(&shared, &request))
    };
    request.status = reply.status;
    lock(&shared.requests).push(request);
    reply.into_response()
}

/// The instance metadata service's token path (`AZURE_POD_IDENTITY_AUTHORITY_HOST` = the mock's base).
const IMDS_PATH: &str = "/metadata/identity/oauth2/token";
/// The App Service identity endpoint's path (`IDENTITY_ENDPOINT` = the mock's base + this).
const APP_SERVICE_PATH: &str = "/msi/token";

/// Issues the next token.
fn issue(shared: &Shared) -> (String, u64) {
    let number = shared.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let token = issued_token(number);
    lock(&shared.tokens).insert(token.clone());
    (token, shared.expires_in.load(Ordering::SeqCst))
}

/// The managed-identity endpoints: the instance metadata service (`Metadata: true`) and App
/// Service's (`X-IDENTITY-HEADER`), each with its API version, the Warehouse's resource, and a
/// user-assigned identity's client id if any; tokens with `expires_in` or `expires_on` as
/// strings, as they send them.
fn managed_identity(shared: &Shared, request: &Recorded) -> Reply {
    let resource = intune_dw_client::auth::WAREHOUSE_SCOPE.trim_end_matches(".default").trim_end_matches('/');
    let error = |status: u16, description: &str| {
        Reply::new(status, json!({"error": "invalid_request", "error_description": description}).to_string())
    };
    let (api_version, proof) = match request.path.as_str() {
        IMDS_PATH => ("2018-02-01", request.header("metadata") == Some("true")),
        _ => ("2019-08-01", request.header("x-identity-header") == Some(IDENTITY_HEADER)),
    };
    if request.method != Method::GET || !proof {
        return error(400, "Required metadata header not specified or not correct");
    }
    if request.param("api-version") != Some(api_version) {
        return error(400, "Invalid API version");
    }
    if request.param("resource").map(|r| r.trim_end_matches('/')) != Some(resource) {
        return error(400, "Invalid resource");
    }
    if request.param("client_id").is_some_and(|id| id != CLIENT_ID) {
        return error(400, "Identity not found");
    }
    let (token, expires_in) = issue(shared);
    let body = match request.path.as_str() {
        IMDS_PATH => json!({"access_token": token, "expires_in": expires_in.to_string(), "token_type": "Bearer"}),
        _ => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            json!({"access_token": token, "expires_on": (now.as_secs() + expires_in).to_string(), "token_type": "Bearer"})
        }
    };
    Reply::new(200, body.to_string())
}

/// Whether `assertion` is a JWT Entra ID would accept from `client_id` at `audience`: `PS256`,
/// signed by the key of a trusted certificate that `x5t#S256` names, valid now for at most ten
/// minutes.
fn check_assertion(certificates: &[Vec<u8>], audience: &str, client_id: &str, assertion: &str) -> Result<(), String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::Digest as _;
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, claims, signature] = parts[..] else { return Err("not a JWT".into()) };
    let json = |part: &str| -> Result<serde_json::Value, String> {
        let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    };
    let (header, claims) = (json(header)?, json(claims)?);
    if header["alg"] != "PS256" {
        return Err(format!("unsupported algorithm {}", header["alg"]));
    }
    let certificate = certificates
        .iter()
        .find(|der| header["x5t#S256"] == URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(der)).as_str())
        .ok_or("the certificate is not registered for the application")?;
    let der = rustls_pki_types::CertificateDer::from(certificate.as_slice());
    let parsed = webpki::EndEntityCert::try_from(&der).map_err(|e| e.to_string())?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|e| e.to_string())?;
    let signed = format!("{}.{}", parts[0], parts[1]);
    parsed
        .verify_signature(webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY, signed.as_bytes(), &signature)
        .map_err(|_| "the signature does not verify".to_owned())?;
    if claims["aud"] != audience || claims["iss"] != client_id || claims["sub"] != client_id {
        return Err(format!("wrong audience or subject: {claims}"));
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    let (nbf, exp) = (claims["nbf"].as_u64().unwrap_or(u64::MAX), claims["exp"].as_u64().unwrap_or(0));
    if nbf > now + 300 || exp < now || exp - nbf > 600 {
        return Err("the assertion is not valid now".into());
    }
    Ok(())
}

/// Entra ID's v2 token endpoint for the client credentials grant, with its error shapes: a
/// client secret, a client assertion signed with a trusted certificate's key, or a federated
/// token.
fn token(shared: &Shared, request: &Recorded) -> Reply {
    if request.path == IMDS_PATH || request.path == APP_SERVICE_PATH {
        return managed_identity(shared, request);
    }
    let error = |status: u16, code: &str, number: u32, description: &str| {
        let description = format!(
            "AADSTS{number}: {description}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\n\
             Correlation ID: 11111111-1111-1111-1111-111111111111"
        );
        let body = json!({"error": code, "error_description": description, "error_codes": [number]});
        Reply::new(status, body.to_string())
    };
    let tenant = &shared.config.tenant;
    if request.path != format!("/{tenant}/oauth2/v2.0/token") {
        return error(400, "invalid_request", 90002, "Tenant not found.");
    }
    if request.field("grant_type") != Some("client_credentials") {
        return error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
    }
    if request.field("scope") != Some(intune_dw_client::auth::WAREHOUSE_SCOPE) {
        return error(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid.");
    }
    if request.field("client_id") != Some(CLIENT_ID) {
        return error(401, "invalid_client", 700016, "Application with the identifier was not found in the directory.");
    }
    match (request.field("client_secret"), request.field("client_assertion")) {
        (Some(secret), None) if secret == CLIENT_SECRET => {}
        (Some(_), None) => return error(401, "invalid_client", 7000215, "Invalid client secret provided."),
        (None, Some(assertion)) => {
            if request.field("client_assertion_type") != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            {
                return error(400, "invalid_request", 50027, "Invalid client assertion type.");
            }
            let audience = format!("{}/{tenant}/oauth2/v2.0/token", shared.base);
            let certificates = lock(&shared.certificates).clone();
            if assertion != FEDERATED_TOKEN
                && let Err(why) = check_assertion(&certificates, &audience, CLIENT_ID, assertion)
            {
                return error(
                    401,
                    "invalid_client",
                    700027,
                    &format!("Client assertion failed signature validation: {why}"),
                );
            }
        }
        _ => {
            return error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain client_secret or client_assertion.",
            );
        }
    }
    let (token, expires_in) = issue(shared);
    let body =
        json!({"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": token});
    Reply::new(200, body.to_string())
}

fn answer(shared: &Shared, request: &Recorded) -> Reply {
    if request.method != Method::GET {
        return Reply::warehouse_error(405, "The requested resource does not support this method.");
    }
    if request.collection().is_some() {
        let mut faults = lock(&shared.faults);
        if faults.revoke_after.is_some_and(|at| shared.pages_served.load(Ordering::SeqCst) >= at) {
            faults.revoke_after = None;
            lock(&shared.tokens).clear();
        }
        if faults.throttle_first_attempts && faults.throttled.insert(format!("{}?{}", request.path, request.raw_query))
        {
            return Reply::warehouse_error(429, "Too many requests.").header("retry-after", "0");
        }
    }
    if !request.bearer().is_some_and(|token| lock(&shared.tokens).contains(token)) {
        return Reply::warehouse_error(401, "Authorization has been denied for this request.")
            .header("www-authenticate", "Bearer");
    }
    let Some(version) = request.param("api-version").and_then(ApiVersion::parse) else {
        return Reply::warehouse_error(400, "An error has occurred - api-version is missing or not supported.");
    };
    let Some(rest) = request.path.strip_prefix(ROOT_PATH) else {
        return Reply::warehouse_error(404, "No HTTP resource was found that matches the request URI.");
    };
    match rest {
        "" | "/" => service_document(shared, version),
        "/$metadata" => {
            let text = lock(&shared.faults).metadata.get(&version).cloned();
            let text = text.unwrap_or_else(|| version.embedded_metadata().to_owned());
            Reply::new(200, text).header("content-type", "application/xml")
        }
        _ => match request.collection().and_then(|name| version.schema().collection(name)) {
            Some(collection) => {
                let reply = page(shared, request, version, collection);
                if reply.status == 200 {
                    shared.pages_served.fetch_add(1, Ordering::SeqCst);
                }
                reply
            }
            None => Reply::warehouse_error(404, "No HTTP resource was found that matches the request URI."),
        },
    }
}

fn service_document(shared: &Shared, version: ApiVersion) -> Reply {
    let value: Vec<Value> = version
        .schema()
        .collections
        .iter()
        .map(|c| json!({"name": c.name, "kind": "EntitySet", "url": c.name}))
        .collect();
    let context = format!("{}{ROOT_PATH}/$metadata", shared.base);
    Reply::new(200, json!({"@odata.context": context, "value": value}).to_string())
}

fn page(shared: &Shared, request: &Recorded, version: ApiVersion, collection: &Collection) -> Reply {
    let raw_query = request.raw_query.as_str();
    let url = format!("{}{}?{raw_query}", shared.base, request.path);
    let on = Filterable {
        date_key: collection.kind == Kind::Fact,
        row_last_modified: collection.column(intune_dw_client::query::ROW_LAST_MODIFIED).is_some(),
    };
    let clauses: Vec<Clause> = match request.param("$filter") {
        None => Vec::new(),
        Some(filter) => match rules::parse_filter(filter, on) {
            Some(clauses) => clauses,
            None => return Reply::warehouse_error(400, &rules::refused_message(&url)),
        },
    };
    let numbers = |name: &str| request.param(name).map(|v| v.parse::<usize>().map_err(|_| ()));
    let (Ok(skip), Ok(top), Ok(offset)) = (
        numbers("$skip").unwrap_or(Ok(0)),
        numbers("$top").unwrap_or(Ok(usize::MAX)),
        numbers("$skiptoken").unwrap_or(Ok(0)),
    ) else {
        return Reply::warehouse_error(400, &rules::refused_message(&url));
    };
    let data = lock(&shared.data);
    let history = match request.param("maxhistorydays").map(str::parse::<u32>) {
        None => None,
        Some(Ok(days)) if days >= 1 => {
            (on.date_key && rules::history_applies(&clauses)).then(|| rules::history_start(data.today(), days))
        }
        Some(_) => return Reply::warehouse_error(400, &rules::refused_message(&url)),
    };
    let matching: Vec<usize> = data
        .range(version, collection)
        .filter(|&i| {
            let facts = data.facts(version, collection, i);
            rules::keep(facts, &clauses) && history.is_none_or(|first| facts.date_key.is_some_and(|k| k >= first))
        })
        .skip(skip)
        .take(top)
        .collect();
    let end = (offset + shared.config.page_size.max(1)).min(matching.len());
    let select: Option<Vec<&str>> = request.param("$select").map(|s| s.split(',').collect());
    let rows: Vec<Value> = matching
        .get(offset..end)
        .unwrap_or_default()
        .iter()
        .map(|&i| {
            let mut row = data.row(version, collection, i);
            if let Some(names) = &select {
                row.retain(|k, _| names.contains(&k.as_str()));
            }
            Value::Object(row)
        })
        .collect();
    drop(data);
    let mut body = json!({
        "@odata.context": format!("{}{ROOT_PATH}/$metadata#{}", shared.base, collection.name),
        "value": rows,
    });
    if end < matching.len() {
        let mut query: Vec<&str> =
            raw_query.split('&').filter(|p| !p.is_empty() && !p.starts_with("$skiptoken=")).collect();
        let token = format!("$skiptoken={end}");
        query.push(&token);
        let link = format!("{}{}?{}", shared.base, request.path, query.join("&"));
        let link = match &lock(&shared.hooks).rewrite {
            Some(rewrite) => rewrite(request, link),
            None => link,
        };
        body["@odata.nextLink"] = Value::from(link);
    }
    Reply::new(200, body.to_string())
}
