//! Loopback stand-ins for the Intune Data Warehouse and Entra ID's token endpoint.
//!
//! [`Warehouse`] serves the v1.0 sample rows of `fixtures/v1.0/samples/` in small pages with
//! `@odata.nextLink`, checks the bearer token and `api-version`, accepts only the `$filter`s the
//! real service accepts (`dateKey` comparisons joined by `and` on date-keyed sets,
//! `rowLastModifiedDateTimeUTC ge` on sets that have it) and answers anything else like the
//! Warehouse does: HTTP 400 with `{"_version":3,"Message":"..."}`. Tests can intercept requests
//! ([`Warehouse::intercept`]) and rewrite next links ([`Warehouse::rewrite_next_links`]).
//! Every request is recorded. Servers stop when dropped.
#![allow(dead_code)] // each test binary uses a different part

mod rows;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use intune_dw_client::{Client, RetryPolicy};
use serde_json::{Map, Value, json};
use time::macros::format_description;

#[allow(unused_imports)] // not every test binary uses the row types
pub use rows::*;

/// The bearer token the Warehouse accepts by default.
pub const TOKEN: &str = "warehouse-test-token";
/// The service root's path.
pub const ROOT_PATH: &str = "/ReportingService/DataWarehouseFEService";
/// "Today" for `maxhistorydays`: the last day of the `dates` sample.
pub const TODAY: time::Date = time::macros::date!(2025 - 03 - 16);

/// Reads a v1.0 sample page and returns its `value` rows.
pub fn sample_rows(file: &str) -> Vec<Value> {
    let path = format!("{}/../fixtures/v1.0/samples/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let page: Value = serde_json::from_str(&text).unwrap();
    page["value"].as_array().unwrap().clone()
}

/// The sample rows decoded into `T`.
pub fn sample<T: serde::de::DeserializeOwned>(file: &str) -> Vec<T> {
    serde_json::from_value(Value::Array(sample_rows(file))).unwrap()
}

/// A retry policy with millisecond backoffs, so tests stay fast.
pub fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(40))
        .with_max_elapsed(Duration::from_secs(10))
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    /// The query string exactly as sent (still percent-encoded).
    pub raw_query: String,
    /// The decoded query pairs.
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub at: Instant,
}

impl Recorded {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn bearer(&self) -> Option<&str> {
        self.authorization.as_deref()?.strip_prefix("Bearer ")
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Reply { status, headers: vec![("content-type", "application/json".into())], body: body.into() }
    }

    /// The Warehouse's own error shape.
    pub fn warehouse_error(status: u16, message: &str) -> Self {
        Reply::new(status, json!({ "_version": 3, "Message": message }).to_string())
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn into_response(self) -> Response {
        let mut response = (StatusCode::from_u16(self.status).unwrap(), self.body).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        response
    }
}

type Intercept = Box<dyn Fn(&Recorded) -> Option<Reply> + Send + Sync>;
type Rewrite = Box<dyn Fn(&Recorded, String) -> String + Send + Sync>;

/// The set of accepted bearer tokens, shared with a [`TokenEndpoint`].
pub type Tokens = Arc<Mutex<HashSet<String>>>;

struct WarehouseState {
    base: String,
    page_size: usize,
    tokens: Tokens,
    requests: Mutex<Vec<Recorded>>,
    intercept: Mutex<Option<Intercept>>,
    rewrite: Mutex<Option<Rewrite>>,
}

/// The Warehouse stand-in.
pub struct Warehouse {
    /// `http://127.0.0.1:{port}`
    pub base: String,
    pub addr: SocketAddr,
    state: Arc<WarehouseState>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Warehouse {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Warehouse {
    /// Serves pages of 2 rows and accepts [`TOKEN`].
    pub async fn start() -> Self {
        Self::with_page_size(2).await
    }

    pub async fn with_page_size(page_size: usize) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let state = Arc::new(WarehouseState {
            base: base.clone(),
            page_size,
            tokens: Arc::new(Mutex::new(HashSet::from([TOKEN.to_owned()]))),
            requests: Mutex::new(Vec::new()),
            intercept: Mutex::new(None),
            rewrite: Mutex::new(None),
        });
        let app = Router::new().fallback(handle_warehouse).with_state(state.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Warehouse { base, addr, state, server }
    }

    /// `http://127.0.0.1:{port}/ReportingService/DataWarehouseFEService`
    pub fn service_root(&self) -> String {
        format!("{}{ROOT_PATH}", self.base)
    }

    /// A client with [`TOKEN`] and [`fast_retries`]`(4)`.
    pub fn client(&self) -> Client {
        self.client_with(fast_retries(4))
    }

    pub fn client_with(&self, retry: RetryPolicy) -> Client {
        Client::builder().service_root(&self.service_root()).bearer_token(TOKEN).retry_policy(retry).build().unwrap()
    }

    pub fn tokens(&self) -> Tokens {
        self.state.tokens.clone()
    }

    /// Stops accepting `token` (the next request carrying it gets 401).
    pub fn revoke(&self, token: &str) {
        self.state.tokens.lock().unwrap().remove(token);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.state.requests.lock().unwrap().len()
    }

    /// Answers a request with `f`'s reply instead of the normal one whenever it returns `Some`
    /// (before the token is checked).
    pub fn intercept(&self, f: impl Fn(&Recorded) -> Option<Reply> + Send + Sync + 'static) {
        *self.state.intercept.lock().unwrap() = Some(Box::new(f));
    }

    /// Answers the first `times` requests with `reply`.
    pub fn fail_first(&self, times: usize, reply: Reply) {
        let seen = AtomicUsize::new(0);
        self.intercept(move |_| (seen.fetch_add(1, Ordering::SeqCst) < times).then(|| reply.clone()));
    }

    /// Replaces each next link the server would send by `f(request, link)`.
    pub fn rewrite_next_links(&self, f: impl Fn(&Recorded, String) -> String + Send + Sync + 'static) {
        *self.state.rewrite.lock().unwrap() = Some(Box::new(f));
    }
}

async fn handle_warehouse(
    State(state): State<Arc<WarehouseState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let raw_query = uri.query().unwrap_or("").to_owned();
    let request = Recorded {
        method,
        path: uri.path().to_owned(),
        query: url::form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect(),
        raw_query,
        authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned),
        at: Instant::now(),
    };
    state.requests.lock().unwrap().push(request.clone());
    let intercepted = state.intercept.lock().unwrap().as_ref().and_then(|f| f(&request));
    intercepted.unwrap_or_else(|| answer(&state, &request)).into_response()
}

fn answer(state: &WarehouseState, request: &Recorded) -> Reply {
    if request.method != Method::GET {
        return Reply::warehouse_error(405, "The requested resource does not support this method.");
    }
    let authorized = request.bearer().is_some_and(|token| state.tokens.lock().unwrap().contains(token));
    if !authorized {
        return Reply::warehouse_error(401, "Authorization has been denied for this request.")
            .header("www-authenticate", "Bearer");
    }
    let version = request.param("api-version");
    if !matches!(version, Some("v1.0" | "beta")) {
        return Reply::warehouse_error(400, "An error has occurred - api-version is missing or not supported.");
    }
    let Some(rest) = request.path.strip_prefix(ROOT_PATH) else {
        return Reply::warehouse_error(404, "No HTTP resource was found that matches the request URI.");
    };
    match rest {
        "" | "/" => Reply::new(200, fixture_text("service-document.json")),
        "/$metadata" => {
            Reply { headers: vec![("content-type", "application/xml".into())], ..Reply::new(200, metadata_text()) }
        }
        "/devices" => collection(state, request, "devices", sample_rows("devices.json")),
        "/dates" => collection(state, request, "dates", sample_rows("dates.json")),
        "/mamCheckins" => collection(state, request, "mamCheckins", sample_rows("mamCheckins.json")),
        _ => Reply::warehouse_error(404, "No HTTP resource was found that matches the request URI."),
    }
}

fn fixture_text(file: &str) -> String {
    let path = format!("{}/../fixtures/v1.0/samples/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

pub fn metadata_text() -> String {
    let path = format!("{}/../fixtures/v1.0/metadata.xml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

/// One comparison of a `$filter` the Warehouse accepts.
enum Clause {
    DateKey(&'static str, i64),
    ModifiedSince(String),
}

fn parse_filter(filter: &str, rows: &[Value]) -> Option<Vec<Clause>> {
    let has = |name: &str| rows.first().is_some_and(|r| r.get(name).is_some());
    let timestamp = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z");
    filter
        .split(" and ")
        .map(|clause| {
            let parts: Vec<&str> = clause.split(' ').collect();
            match parts.as_slice() {
                ["dateKey", op, value] if has("dateKey") && value.len() == 8 => {
                    let op = ["lt", "le", "eq", "ge", "gt"].into_iter().find(|o| o == op)?;
                    Some(Clause::DateKey(op, value.parse().ok()?))
                }
                ["rowLastModifiedDateTimeUTC", "ge", value]
                    if has("rowLastModifiedDateTimeUTC")
                        && time::PrimitiveDateTime::parse(value, timestamp).is_ok() =>
                {
                    Some(Clause::ModifiedSince((*value).to_owned()))
                }
                _ => None,
            }
        })
        .collect()
}

fn keep(row: &Value, clause: &Clause) -> bool {
    match clause {
        Clause::DateKey(op, bound) => {
            let key = row["dateKey"].as_i64().unwrap();
            match *op {
                "lt" => key < *bound,
                "le" => key <= *bound,
                "eq" => key == *bound,
                "ge" => key >= *bound,
                _ => key > *bound,
            }
        }
        // Same format, same width: string order is time order.
        Clause::ModifiedSince(since) => row["rowLastModifiedDateTimeUTC"].as_str().unwrap() >= since.as_str(),
    }
}

fn collection(state: &WarehouseState, request: &Recorded, name: &str, rows: Vec<Value>) -> Reply {
    let mut rows = rows;
    let mut date_filtered = false;
    if let Some(filter) = request.param("$filter") {
        let Some(clauses) = parse_filter(filter, &rows) else {
            return Reply::warehouse_error(
                400,
                &format!(
                    "An error has occurred - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: 11111111-1111-1111-1111-111111111111 - Url: {}{}?{}",
                    state.base, request.path, request.raw_query
                ),
            );
        };
        date_filtered = clauses.iter().any(|c| matches!(c, Clause::DateKey(..)));
        rows.retain(|row| clauses.iter().all(|c| keep(row, c)));
    }
    // Like the service: maxhistorydays limits date-keyed sets, unless a dateKey filter is present.
    if let Some(days) = request.param("maxhistorydays") {
        let Ok(days) = days.parse::<i64>() else {
            return Reply::warehouse_error(400, "An error has occurred.");
        };
        let first = TODAY - time::Duration::days(days);
        let first =
            i64::from(first.year()) * 10_000 + i64::from(u8::from(first.month())) * 100 + i64::from(first.day());
        if !date_filtered && rows.first().is_some_and(|r| r.get("dateKey").is_some()) {
            rows.retain(|row| row["dateKey"].as_i64().unwrap() >= first);
        }
    }
    let skip: usize = request.param("$skip").and_then(|s| s.parse().ok()).unwrap_or(0);
    let top: usize = request.param("$top").and_then(|s| s.parse().ok()).unwrap_or(usize::MAX);
    let rows: Vec<Value> = rows.into_iter().skip(skip).take(top).collect();
    let rows: Vec<Value> = match request.param("$select") {
        None => rows,
        Some(select) => {
            let names: Vec<&str> = select.split(',').collect();
            rows.into_iter()
                .map(|row| {
                    let object: Map<String, Value> = row
                        .as_object()
                        .unwrap()
                        .iter()
                        .filter(|(k, _)| names.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    Value::Object(object)
                })
                .collect()
        }
    };

    let offset: usize = request.param("$skiptoken").and_then(|s| s.parse().ok()).unwrap_or(0);
    let end = (offset + state.page_size).min(rows.len());
    let page = rows.get(offset..end).unwrap_or_default().to_vec();
    let mut body = json!({
        "@odata.context": format!("{}{ROOT_PATH}/$metadata#{name}", state.base),
        "value": page,
    });
    if end < rows.len() {
        let mut query: Vec<&str> =
            request.raw_query.split('&').filter(|p| !p.is_empty() && !p.starts_with("$skiptoken=")).collect();
        let token = format!("$skiptoken={end}");
        query.push(&token);
        let link = format!("{}{}?{}", state.base, request.path, query.join("&"));
        let link = match state.rewrite.lock().unwrap().as_ref() {
            Some(rewrite) => rewrite(request, link),
            None => link,
        };
        body["@odata.nextLink"] = Value::String(link);
    }
    Reply::new(200, body.to_string())
}

/// One token request as the endpoint saw it.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub path: String,
    pub content_type: Option<String>,
    pub form: Vec<(String, String)>,
}

impl TokenRequest {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const CLIENT_ID: &str = "00000000-aaaa-bbbb-cccc-000000000001";
pub const CLIENT_SECRET: &str = "s3cr3t~value-that-must-not-leak";

struct TokenState {
    warehouse_tokens: Tokens,
    issued: AtomicUsize,
    expires_in: AtomicU64,
    requests: Mutex<Vec<TokenRequest>>,
}

/// Entra ID's v2 token endpoint for the client credentials grant. Tokens it issues
/// (`cc-token-1`, `cc-token-2`, ...) are added to the Warehouse's accepted tokens.
pub struct TokenEndpoint {
    /// The authority host: `http://127.0.0.1:{port}`.
    pub base: String,
    state: Arc<TokenState>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TokenEndpoint {
    pub async fn start(warehouse_tokens: Tokens) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(TokenState {
            warehouse_tokens,
            issued: AtomicUsize::new(0),
            expires_in: AtomicU64::new(3599),
            requests: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle_token).with_state(state.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TokenEndpoint { base, state, server }
    }

    /// The lifetime (`expires_in`) of the tokens issued from now on.
    pub fn set_expires_in(&self, seconds: u64) {
        self.state.expires_in.store(seconds, Ordering::SeqCst);
    }

    pub fn requests(&self) -> Vec<TokenRequest> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn issued(&self) -> usize {
        self.state.issued.load(Ordering::SeqCst)
    }

    /// Credentials for [`TENANT`] / [`CLIENT_ID`] with `secret`, against this endpoint.
    pub fn credentials(&self, secret: &str) -> intune_dw_client::ClientCredentials {
        intune_dw_client::ClientCredentials::new(TENANT, CLIENT_ID, secret)
            .unwrap()
            .with_authority_host(&self.base)
            .unwrap()
            .with_retry_policy(fast_retries(2))
    }
}

async fn handle_token(State(state): State<Arc<TokenState>>, uri: Uri, headers: HeaderMap, body: String) -> Response {
    let request = TokenRequest {
        path: uri.path().to_owned(),
        content_type: headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned),
        form: url::form_urlencoded::parse(body.as_bytes()).into_owned().collect(),
    };
    state.requests.lock().unwrap().push(request.clone());
    let error = |status: u16, code: &str, description: &str| {
        Reply::new(
            status,
            json!({
                "error": code,
                "error_description": format!("{description}\r\nTrace ID: 0\r\nCorrelation ID: 0"),
                "error_codes": [7000215],
            })
            .to_string(),
        )
        .into_response()
    };
    if request.path != format!("/{TENANT}/oauth2/v2.0/token") {
        return error(400, "invalid_request", "AADSTS90002: Tenant not found.");
    }
    if request.field("grant_type") != Some("client_credentials") {
        return error(400, "unsupported_grant_type", "AADSTS70003: unsupported grant type.");
    }
    if request.field("scope") != Some("https://api.manage.microsoft.com/.default") {
        return error(400, "invalid_scope", "AADSTS70011: The provided scope is not valid.");
    }
    if request.field("client_id") != Some(CLIENT_ID) || request.field("client_secret") != Some(CLIENT_SECRET) {
        return error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
    }
    let number = state.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("cc-token-{number}");
    state.warehouse_tokens.lock().unwrap().insert(token.clone());
    Reply::new(
        200,
        json!({
            "token_type": "Bearer",
            "expires_in": state.expires_in.load(Ordering::SeqCst),
            "ext_expires_in": 3599,
            "access_token": token,
        })
        .to_string(),
    )
    .into_response()
}
