//! A local Intune Data Warehouse for demos and tests: real HTTP on a loopback port, generated
//! rows for every collection of both API versions, the service's rules ([`rules`]),
//! server-driven paging with `@odata.nextLink`, an Entra ID style token endpoint, `$metadata`,
//! and hooks for tests: add days, modify rows, corrupt a row, change `$metadata`, throttle with
//! 429, revoke tokens. Every request is recorded.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use intune_dw::mock::{MockConfig, MockWarehouse};
//! let warehouse = MockWarehouse::start(MockConfig::default()).await?;
//! println!("INTUNE_DW_SERVICE_ROOT={} INTUNE_DW_TOKEN={}", warehouse.service_root(), intune_dw::mock::TOKEN);
//! # Ok(()) }
//! ```

mod rows;
pub mod rules;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use time::Date;

use rows::Data;
use rules::{Clause, Filterable};

use crate::schema::{ApiVersion, Collection, Kind};

/// The bearer token accepted from the start.
pub const TOKEN: &str = "mock-warehouse-token";
/// The tenant of the token endpoint (`AZURE_TENANT_ID`).
pub const TENANT: &str = "mock-tenant";
/// The client id the token endpoint accepts (`AZURE_CLIENT_ID`).
pub const CLIENT_ID: &str = "00000000-0000-0000-0000-000000000001";
/// The client secret the token endpoint accepts (`AZURE_CLIENT_SECRET`).
pub const CLIENT_SECRET: &str = "mock-client-secret";
/// The service root's path, like the real one.
pub const ROOT_PATH: &str = "/ReportingService/DataWarehouseFEService";

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
        }
    }
}

/// One request as the mock saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`.
    pub method: Method,
    /// The path.
    pub path: String,
    /// The decoded query pairs.
    pub query: Vec<(String, String)>,
    /// The status answered.
    pub status: u16,
}

impl Recorded {
    /// The value of query option `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
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

#[derive(Debug)]
struct Shared {
    base: String,
    config: MockConfig,
    data: Mutex<Data>,
    faults: Mutex<Faults>,
    tokens: Mutex<HashSet<String>>,
    issued: AtomicUsize,
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
        let shared = Arc::new(Shared {
            base: format!("http://{addr}"),
            data: Mutex::new(Data::new(config.first_day, config.days, config.rows, config.retention_days)),
            config,
            faults: Mutex::new(Faults::default()),
            tokens: Mutex::new(HashSet::from([TOKEN.to_owned()])),
            issued: AtomicUsize::new(0),
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

    /// The environment that uses the token endpoint (client credentials) instead.
    pub fn client_credentials_env(&self) -> Vec<(String, String)> {
        vec![
            ("INTUNE_DW_SERVICE_ROOT".into(), self.service_root()),
            ("AZURE_TENANT_ID".into(), TENANT.into()),
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
    /// a `rowLastModifiedDateTimeUTC` later than any before. Returns their indexes.
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

    /// How many tokens the token endpoint issued.
    pub fn tokens_issued(&self) -> usize {
        self.shared.issued.load(Ordering::SeqCst)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Every row `collection` serves now (no filter), in paging order.
    pub fn rows(&self, version: ApiVersion, collection: &str) -> Vec<Map<String, Value>> {
        let Some(collection) = version.schema().collection(collection) else { return Vec::new() };
        let data = lock(&self.shared.data);
        data.range(collection).map(|i| data.row(version, collection, i)).collect()
    }
}

/// What the handler answers.
struct Reply {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Reply {
    fn json(status: u16, body: String) -> Reply {
        Reply { status, content_type: "application/json", headers: Vec::new(), body }
    }

    fn error(status: u16, message: &str) -> Reply {
        Reply::json(status, rules::error_body(message))
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert("content-type", axum::http::HeaderValue::from_static(self.content_type));
        for (name, value) in self.headers {
            if let Ok(value) = value.parse() {
                headers.insert(name, value);
            }
        }
        response
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let mut request = Recorded { method, path: uri.path().to_owned(), query, status: 0 };
    let is_page = request.method == Method::GET && request.collection().is_some();
    if is_page && !shared.config.latency.is_zero() {
        tokio::time::sleep(shared.config.latency).await;
    }
    let reply = if request.method == Method::POST && request.path == format!("/{TENANT}/oauth2/v2.0/token") {
        token(&shared, &body)
    } else {
        let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        answer(&shared, &request, bearer, uri.query().unwrap_or(""))
    };
    request.status = reply.status;
    lock(&shared.requests).push(request);
    reply.into_response()
}

fn token(shared: &Shared, body: &str) -> Reply {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str);
    if field("grant_type") != Some("client_credentials") {
        return Reply::json(400, json!({"error": "unsupported_grant_type"}).to_string());
    }
    if field("client_id") != Some(CLIENT_ID) || field("client_secret") != Some(CLIENT_SECRET) {
        return Reply::json(401, json!({"error": "invalid_client"}).to_string());
    }
    let number = shared.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("mock-issued-token-{number}");
    lock(&shared.tokens).insert(token.clone());
    Reply::json(200, json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token}).to_string())
}

fn answer(shared: &Shared, request: &Recorded, bearer: Option<&str>, raw_query: &str) -> Reply {
    if request.method != Method::GET {
        return Reply::error(405, "The requested resource does not support this method.");
    }
    if request.collection().is_some() {
        let mut faults = lock(&shared.faults);
        if faults.revoke_after.is_some_and(|at| shared.pages_served.load(Ordering::SeqCst) >= at) {
            faults.revoke_after = None;
            lock(&shared.tokens).clear();
        }
        if faults.throttle_first_attempts && faults.throttled.insert(format!("{}?{raw_query}", request.path)) {
            let mut reply = Reply::error(429, "Too many requests.");
            reply.headers.push(("retry-after", "0".into()));
            return reply;
        }
    }
    if !bearer.is_some_and(|token| lock(&shared.tokens).contains(token)) {
        let mut reply = Reply::error(401, "Authorization has been denied for this request.");
        reply.headers.push(("www-authenticate", "Bearer".into()));
        return reply;
    }
    let version = request.param("api-version").filter(|v| rules::API_VERSIONS.contains(v));
    let Some(version) = version.and_then(ApiVersion::parse) else {
        return Reply::error(400, "An error has occurred - api-version is missing or not supported.");
    };
    let Some(rest) = request.path.strip_prefix(ROOT_PATH) else {
        return Reply::error(404, "No HTTP resource was found that matches the request URI.");
    };
    match rest {
        "" | "/" => service_document(shared, version),
        "/$metadata" => {
            let text = lock(&shared.faults).metadata.get(&version).cloned();
            let text = text.unwrap_or_else(|| version.embedded_metadata().to_owned());
            Reply { status: 200, content_type: "application/xml", headers: Vec::new(), body: text }
        }
        _ => match request.collection().and_then(|name| version.schema().collection(name)) {
            Some(collection) => {
                let reply = page(shared, request, version, collection, raw_query);
                if reply.status == 200 {
                    shared.pages_served.fetch_add(1, Ordering::SeqCst);
                }
                reply
            }
            None => Reply::error(404, "No HTTP resource was found that matches the request URI."),
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
    Reply::json(200, json!({"@odata.context": context, "value": value}).to_string())
}

fn page(shared: &Shared, request: &Recorded, version: ApiVersion, collection: &Collection, raw_query: &str) -> Reply {
    let url = format!("{}{}?{raw_query}", shared.base, request.path);
    let on = Filterable {
        date_key: collection.kind == Kind::Fact,
        row_last_modified: collection.column(intune_dw_client::query::ROW_LAST_MODIFIED).is_some(),
    };
    let clauses: Vec<Clause> = match request.param("$filter") {
        None => Vec::new(),
        Some(filter) => match rules::parse_filter(filter, on) {
            Some(clauses) => clauses,
            None => return Reply::error(400, &rules::refused_message(&url)),
        },
    };
    let numbers = |name: &str| request.param(name).map(|v| v.parse::<usize>().map_err(|_| ()));
    let (Ok(skip), Ok(top), Ok(offset)) = (
        numbers("$skip").unwrap_or(Ok(0)),
        numbers("$top").unwrap_or(Ok(usize::MAX)),
        numbers("$skiptoken").unwrap_or(Ok(0)),
    ) else {
        return Reply::error(400, &rules::refused_message(&url));
    };
    let data = lock(&shared.data);
    let history = match request.param("maxhistorydays").map(str::parse::<u32>) {
        None => None,
        Some(Ok(days)) if days >= 1 => {
            (on.date_key && rules::history_applies(&clauses)).then(|| rules::history_start(data.today(), days))
        }
        Some(_) => return Reply::error(400, &rules::refused_message(&url)),
    };
    let matching: Vec<usize> = data
        .range(collection)
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
        body["@odata.nextLink"] = Value::from(format!("{}{}?{}", shared.base, request.path, query.join("&")));
    }
    Reply::json(200, body.to_string())
}
