//! `cargo xtask fetch` end to end: the built binary against a loopback HTTP server that each
//! test starts, writing into a temporary directory.
//!
//! The child process gets a cleared environment (no `AZURE_*`, no proxy settings, `TMPDIR` inside
//! the test's directory) plus exactly the variables a test names.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

const TOKEN: &str = "fetch-test-token";
const ROOT_PATH: &str = "/ReportingService/DataWarehouseFEService";
const METADATA_PATH: &str = "/ReportingService/DataWarehouseFEService/$metadata";
const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT_SECRET: &str = "client-secret-value";

/// The committed v1.0 fixture: what the server serves as "the live document".
fn v1_0_fixture() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/v1.0/metadata.xml")).unwrap()
}

/// The fixture as it was "last week": without `appRevision/publisher`.
fn older_fixture() -> Vec<u8> {
    let text = String::from_utf8(v1_0_fixture()).unwrap();
    let property = "        <Property Name=\"publisher\" Type=\"Edm.String\"/>\n";
    assert_eq!(text.matches(property).count(), 1, "the fixture changed");
    text.replacen(property, "", 1).into_bytes()
}

/// Valid XML, invalid CSDL: a property without `Type` (line 8, column 9 of [`device_document`]).
const MALFORMED: &str = r#"<Property Name="osVersion" Typ="Edm.String"/>"#;
/// A defect that is read with a warning (an Edm type that does not exist).
const WITH_WARNING: &str = r#"<Property Name="osVersion" Type="Edm.Strin"/>"#;

/// A one-type document whose `osVersion` property is `property`.
fn device_document(property: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Test">
      <EntityType Name="device">
        <Key><PropertyRef Name="deviceKey"/></Key>
        <Property Name="deviceKey" Type="Edm.Int32" Nullable="false"/>
        {property}
      </EntityType>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#
    )
}

// ---------------------------------------------------------------------------------------------
// The loopback server

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Recorded {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    authorization: Option<String>,
    body: String,
}

impl Recorded {
    fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What the server answers to a request (given every request so far, this one last).
type Responder = dyn Fn(&[Recorded]) -> Response + Send + Sync;

#[derive(Clone)]
struct ServerState {
    requests: Arc<Mutex<Vec<Recorded>>>,
    respond: Arc<Responder>,
}

/// A loopback HTTP server on its own thread, stopped when dropped.
struct Server {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    fn start(respond: impl Fn(&[Recorded]) -> Response + Send + Sync + 'static) -> Server {
        let state = ServerState { requests: Arc::default(), respond: Arc::new(respond) };
        let requests = Arc::clone(&state.requests);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = Router::new().fallback(handle).with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Server { addr, requests, shutdown: Some(shutdown) }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn service_root(&self) -> String {
        format!("{}{ROOT_PATH}", self.base())
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

async fn handle(
    State(state): State<ServerState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = uri.query().map(url_decode_pairs).unwrap_or_default();
    let recorded = Recorded {
        method,
        path: uri.path().to_owned(),
        query,
        authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let so_far = {
        let mut requests = state.requests.lock().unwrap();
        requests.push(recorded);
        requests.clone()
    };
    (state.respond)(&so_far)
}

/// `a=b&c=d%2Fe` → pairs, `+` and percent escapes decoded.
fn url_decode_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (bytes[i], hex) {
                (b'%', Some(byte)) => {
                    out.push(byte);
                    i += 3;
                }
                (byte, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn reply(status: StatusCode, headers: &[(&'static str, &str)], body: impl Into<Vec<u8>>) -> Response {
    let mut response = (status, body.into()).into_response();
    for (name, value) in headers {
        response.headers_mut().insert(*name, value.parse().unwrap());
    }
    response
}

fn xml(body: impl Into<Vec<u8>>) -> Response {
    reply(StatusCode::OK, &[("content-type", "application/xml")], body)
}

fn json(status: StatusCode, body: &str) -> Response {
    reply(status, &[("content-type", "application/json")], body)
}

// ---------------------------------------------------------------------------------------------
// Running the command

/// A temporary directory holding the output file (and the child's `TMPDIR`).
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    /// With `metadata.xml` holding `previous`, if given.
    fn new(previous: Option<&[u8]>) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tmp")).unwrap();
        if let Some(previous) = previous {
            std::fs::write(dir.path().join("metadata.xml"), previous).unwrap();
        }
        Workspace { dir }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("metadata.xml")
    }

    fn tmp(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    fn contents(&self) -> Vec<u8> {
        std::fs::read(self.out()).unwrap()
    }

    /// The files next to the output: the output only, no temporary file left behind.
    fn assert_only_the_output_file(&self) {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["metadata.xml", "tmp"]);
    }

    /// Runs `xtask fetch ARGS --out metadata.xml` with only `env` (and `TMPDIR`) set.
    fn fetch(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("fetch")
            .args(args)
            .arg("--out")
            .arg(self.out())
            // No AZURE_* or INTUNE_DW_* from the developer's shell, no proxies.
            .env_clear()
            .env("TMPDIR", self.tmp())
            .envs(env.iter().copied())
            .output()
            .unwrap();
        Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn assert_code(&self, code: i32) {
        assert_eq!(self.code, Some(code), "{self:#?}");
    }

    #[track_caller]
    fn assert_stderr(&self, needle: &str) {
        assert!(self.stderr.contains(needle), "no {needle:?} in {self:#?}");
    }

    #[track_caller]
    fn assert_stdout(&self, needle: &str) {
        assert!(self.stdout.contains(needle), "no {needle:?} in {self:#?}");
    }

    #[track_caller]
    fn assert_no_secret(&self, secret: &str) {
        assert!(!self.stdout.contains(secret) && !self.stderr.contains(secret), "{secret:?} leaked: {self:#?}");
    }
}

fn fetch_v1_0(workspace: &Workspace, server: &Server, env: &[(&str, &str)]) -> Run {
    workspace.fetch(&["--api-version", "v1.0", "--url", &server.service_root()], env)
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn a_valid_document_replaces_the_file_and_the_diff_is_printed() {
    let live = v1_0_fixture();
    let served = live.clone();
    let server = Server::start(move |_| xml(served.clone()));
    let workspace = Workspace::new(Some(&older_fixture()));

    let run = fetch_v1_0(&workspace, &server, &[("INTUNE_DW_TOKEN", TOKEN)]);

    run.assert_code(0);
    assert_eq!(workspace.contents(), live);
    workspace.assert_only_the_output_file();
    run.assert_stdout(&format!("({} bytes)", live.len()));
    run.assert_stdout("Schema diff: 0 breaking, 1 additive, 0 docs");
    run.assert_stdout("added property Microsoft.Intune.DataWarehouse.appRevision/publisher");
    run.assert_stderr("downloading http://127.0.0.1:");
    run.assert_stderr(&format!("received {} bytes", live.len()));
    run.assert_no_secret(TOKEN);
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let request = &requests[0];
    assert_eq!(request.method, Method::GET);
    assert_eq!(request.path, METADATA_PATH);
    assert_eq!(request.param("api-version"), Some("v1.0"));
    assert_eq!(request.authorization.as_deref(), Some(&*format!("Bearer {TOKEN}")));
}

#[test]
fn an_identical_document_is_reported_unchanged_and_not_rewritten() {
    let live = v1_0_fixture();
    let served = live.clone();
    let server = Server::start(move |_| xml(served.clone()));
    let workspace = Workspace::new(Some(&live));
    let before = std::fs::metadata(workspace.out()).unwrap();

    let run = fetch_v1_0(&workspace, &server, &[("INTUNE_DW_TOKEN", TOKEN)]);

    run.assert_code(0);
    run.assert_stdout("unchanged");
    assert!(!run.stdout.contains("wrote"), "{run:#?}");
    let after = std::fs::metadata(workspace.out()).unwrap();
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(after.ino(), before.ino(), "the file was replaced");
    }
    assert_eq!(workspace.contents(), live);
}

#[test]
fn without_a_previous_file_there_is_nothing_to_compare() {
    let server = Server::start(|_| xml(v1_0_fixture()));
    let workspace = Workspace::new(None);

    let run = workspace.fetch(
        &[
            "--api-version",
            "beta",
            // As copied from the admin center: the api-version query is dropped.
            "--url",
            &format!("{}/?api-version=v1.0", server.service_root()),
        ],
        &[("INTUNE_DW_TOKEN", TOKEN)],
    );

    run.assert_code(0);
    run.assert_stdout("no previous file at");
    assert_eq!(workspace.contents(), v1_0_fixture());
    let requests = server.requests();
    assert_eq!(requests[0].path, METADATA_PATH);
    assert_eq!(requests[0].query, [("api-version".into(), "beta".into())]);
}

#[test]
fn server_errors_are_retried_then_leave_the_file_untouched() {
    let server = Server::start(|_| {
        reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[("content-type", "application/json"), ("retry-after", "0")],
            r#"{"_version":3,"Message":"An error has occurred - Operation ID (for customer support): 42"}"#,
        )
    });
    let old = older_fixture();
    let workspace = Workspace::new(Some(&old));

    let run = workspace.fetch(
        &["--api-version", "v1.0", "--url", &server.service_root(), "--max-attempts", "3"],
        &[("INTUNE_DW_TOKEN", TOKEN)],
    );

    run.assert_code(1);
    run.assert_stderr(
        "returned HTTP 500 Internal Server Error after 3 attempts: \
         An error has occurred - Operation ID (for customer support): 42",
    );
    run.assert_stderr("attempt 2 failed, retrying");
    run.assert_stderr("nothing was written to");
    assert_eq!(server.requests().len(), 3);
    assert_eq!(workspace.contents(), old);
    workspace.assert_only_the_output_file();
}

#[test]
fn other_statuses_and_redirects_are_final() {
    let cases: [(Response, &str); 2] = [
        (
            json(StatusCode::NOT_FOUND, r#"{"error":{"code":"NotFound","message":"unknown api-version"}}"#),
            "returned HTTP 404 Not Found: NotFound: unknown api-version",
        ),
        // The token must not follow a redirect to another origin.
        (
            reply(StatusCode::FOUND, &[("location", "https://elsewhere.example/$metadata")], ""),
            "returned HTTP 302 Found",
        ),
    ];
    for (response, expected) in cases {
        let response = Mutex::new(Some(response));
        let server =
            Server::start(move |_| response.lock().unwrap().take().unwrap_or_else(|| StatusCode::GONE.into_response()));
        let old = older_fixture();
        let workspace = Workspace::new(Some(&old));

        let run = fetch_v1_0(&workspace, &server, &[("INTUNE_DW_TOKEN", TOKEN)]);

        run.assert_code(1);
        run.assert_stderr(expected);
        assert_eq!(server.requests().len(), 1);
        assert_eq!(workspace.contents(), old);
    }
}

#[test]
fn a_malformed_document_leaves_the_file_untouched_and_errors_are_located() {
    let malformed = device_document(MALFORMED);
    let served = malformed.clone();
    let server = Server::start(move |_| xml(served.clone()));
    let old = older_fixture();
    let workspace = Workspace::new(Some(&old));

    let run = fetch_v1_0(&workspace, &server, &[("INTUNE_DW_TOKEN", TOKEN)]);

    run.assert_code(2);
    assert_eq!(workspace.contents(), old);
    workspace.assert_only_the_output_file();
    // `<kept copy>:8:9: error: path: message`, the kept copy holding exactly what was served.
    let suffix = ":8:9: error: Schema[Test]/EntityType[device]/Property[osVersion]: missing required attribute `Type`";
    let line = run
        .stderr
        .lines()
        .find(|line| line.ends_with(suffix))
        .unwrap_or_else(|| panic!("no located error in {run:#?}"));
    let kept = Path::new(line.strip_suffix(suffix).unwrap());
    assert!(kept.starts_with(workspace.tmp()), "{kept:?}");
    assert_eq!(std::fs::read_to_string(kept).unwrap(), malformed);
    run.assert_stderr("is not valid CSDL");
    // The misspelt `Typ` is reported too, as the attribute it is not.
    run.assert_stderr(&format!("error: 1 error and 1 warning in {}", kept.display()));
    run.assert_stderr(&format!("the download is kept at {}", kept.display()));
    run.assert_stderr("nothing was written to");
}

/// A document with warnings is written; the warnings are printed against the written file and
/// counted on the line reporting the write. `--strict` refuses it and keeps the old file.
#[test]
fn a_document_with_warnings_is_written_unless_strict() {
    let document = device_document(WITH_WARNING);
    let served = document.clone();
    let server = Server::start(move |_| xml(served.clone()));
    let old = older_fixture();
    let workspace = Workspace::new(Some(&old));
    let strict = workspace
        .fetch(&["--api-version", "v1.0", "--url", &server.service_root(), "--strict"], &[("INTUNE_DW_TOKEN", TOKEN)]);
    strict.assert_code(2);
    assert_eq!(workspace.contents(), old, "--strict leaves the old file untouched");
    workspace.assert_only_the_output_file();
    strict.assert_stderr(":8:9: error: Schema[Test]/EntityType[device]/Property[osVersion]: unknown type `Edm.Strin`");
    strict.assert_stderr("has warnings (--strict)");
    strict.assert_stderr("nothing was written to");

    let run = fetch_v1_0(&workspace, &server, &[("INTUNE_DW_TOKEN", TOKEN)]);
    run.assert_code(0);
    assert_eq!(workspace.contents(), document.as_bytes());
    let out = workspace.out().display().to_string();
    run.assert_stderr(&format!(
        "{out}:8:9: warning: Schema[Test]/EntityType[device]/Property[osVersion]: unknown type `Edm.Strin`; decoded as raw JSON"
    ));
    run.assert_stderr(&format!("warning: 1 warning in {out}"));
    run.assert_stdout(&format!("({} bytes, read with 1 warning)", document.len()));
    run.assert_stdout("Schema diff:");
}

#[test]
fn a_rejected_token_is_an_authentication_failure() {
    for (status, body, expected) in [
        (
            StatusCode::UNAUTHORIZED,
            r#"{"error":{"code":"Unauthorized","message":"the token has expired"}}"#,
            "authentication failed: the service answered 401 Unauthorized \
             (Unauthorized: the token has expired)",
        ),
        (
            StatusCode::FORBIDDEN,
            r#"{"Message":"Authorization has been denied for this request."}"#,
            "authentication failed: the service answered 403 Forbidden \
             (Authorization has been denied for this request.)",
        ),
    ] {
        let server = Server::start(move |_| json(status, body));
        let old = older_fixture();
        let workspace = Workspace::new(Some(&old));

        let run = fetch_v1_0(&workspace, &server, &[("INTUNE_DW_TOKEN", TOKEN)]);

        run.assert_code(1);
        run.assert_stderr(expected);
        run.assert_stderr("check INTUNE_DW_TOKEN / the AZURE_* credentials");
        run.assert_stderr("get_data_warehouse");
        run.assert_no_secret(TOKEN);
        // A static token cannot be refreshed: one request, no retries.
        assert_eq!(server.requests().len(), 1);
        assert_eq!(workspace.contents(), old);
    }
}

#[test]
fn without_credentials_the_variables_are_named_and_nothing_is_sent() {
    let server = Server::start(|_| xml(v1_0_fixture()));
    let old = older_fixture();
    let workspace = Workspace::new(Some(&old));

    let run = fetch_v1_0(&workspace, &server, &[("AZURE_TENANT_ID", TENANT)]);

    run.assert_code(1);
    for name in ["INTUNE_DW_TOKEN", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"] {
        run.assert_stderr(name);
    }
    run.assert_stderr("environment variable AZURE_CLIENT_ID is not set");
    assert!(server.requests().is_empty());
    assert_eq!(workspace.contents(), old);
}

/// `AZURE_*` variables, with the loopback server as the authority host.
fn client_credentials(server: &Server) -> Vec<(&'static str, String)> {
    vec![
        ("AZURE_TENANT_ID", TENANT.to_owned()),
        ("AZURE_CLIENT_ID", "app-id".to_owned()),
        ("AZURE_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("AZURE_AUTHORITY_HOST", server.base()),
    ]
}

fn token_path() -> String {
    format!("/{TENANT}/oauth2/v2.0/token")
}

#[test]
fn client_credentials_are_exchanged_for_a_token() {
    let server = Server::start(|requests| {
        let request = requests.last().unwrap();
        if request.path == token_path() {
            return json(StatusCode::OK, r#"{"token_type":"Bearer","expires_in":3600,"access_token":"issued-token"}"#);
        }
        match request.authorization.as_deref() {
            Some("Bearer issued-token") => xml(v1_0_fixture()),
            _ => StatusCode::UNAUTHORIZED.into_response(),
        }
    });
    let workspace = Workspace::new(Some(&older_fixture()));
    let env = client_credentials(&server);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let run = fetch_v1_0(&workspace, &server, &env);

    run.assert_code(0);
    assert_eq!(workspace.contents(), v1_0_fixture());
    run.assert_no_secret(CLIENT_SECRET);
    run.assert_no_secret("issued-token");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(requests[0].method, Method::POST);
    assert_eq!(requests[0].path, token_path());
    let form = url_decode_pairs(&requests[0].body);
    for pair in [
        ("grant_type", "client_credentials"),
        ("client_id", "app-id"),
        ("client_secret", CLIENT_SECRET),
        ("scope", "https://api.manage.microsoft.com/.default"),
    ] {
        assert!(form.contains(&(pair.0.to_owned(), pair.1.to_owned())), "{form:?}");
    }
    assert_eq!(requests[1].path, METADATA_PATH);
}

#[test]
fn a_token_endpoint_failure_is_an_authentication_failure() {
    let server = Server::start(|_| {
        json(
            StatusCode::UNAUTHORIZED,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1"}"#,
        )
    });
    let old = older_fixture();
    let workspace = Workspace::new(Some(&old));
    let env = client_credentials(&server);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let run = fetch_v1_0(&workspace, &server, &env);

    run.assert_code(1);
    run.assert_stderr(
        "authentication failed: cannot obtain a token: token endpoint returned \
         HTTP 401 Unauthorized: invalid_client: AADSTS7000215: Invalid client secret provided.",
    );
    run.assert_no_secret(CLIENT_SECRET);
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0].path, token_path());
    assert_eq!(workspace.contents(), old);
}

#[test]
fn a_rejected_client_credentials_token_is_refreshed_once() {
    let server = Server::start(|requests| {
        let request = requests.last().unwrap();
        if request.path == token_path() {
            let issued = requests.iter().filter(|r| r.path == token_path()).count();
            return json(StatusCode::OK, &format!(r#"{{"expires_in":3600,"access_token":"token-{issued}"}}"#));
        }
        match request.authorization.as_deref() {
            Some("Bearer token-2") => xml(v1_0_fixture()),
            _ => StatusCode::UNAUTHORIZED.into_response(),
        }
    });
    let workspace = Workspace::new(Some(&older_fixture()));
    let env = client_credentials(&server);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let run = fetch_v1_0(&workspace, &server, &env);

    run.assert_code(0);
    run.assert_stderr("401 Unauthorized: retrying once with a fresh token");
    assert_eq!(workspace.contents(), v1_0_fixture());
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [token_path(), METADATA_PATH.into(), token_path(), METADATA_PATH.into()]);
}
