//! A hostile Warehouse: a raw HTTP server on loopback that answers each request with scripted
//! bytes (oversized, truncated, stalled, malformed), and a hostile token endpoint. Every answer
//! gets a clear error naming the collection and page URL (and row and field where there is one),
//! or succeeds, within bounded time and memory.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use intune_dw_client::v1_0::devices::Device;
use intune_dw_client::{Client, ClientCredentials, Cursor, Error, Query};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use support::{ROOT_PATH, fast_retries, sample_rows};

/// What the server does next on a connection.
enum Act {
    Send(Vec<u8>),
    Stall(Duration),
}

/// The server's answer to request number `n` (from 0) for `target` (path and query).
type Script = dyn Fn(usize, &str) -> Vec<Act> + Send + Sync;

/// A server that reads each request's head and then plays the script; every connection is
/// closed after one answer.
struct Hostile {
    base: String,
    targets: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Hostile {
    async fn start(script: impl Fn(usize, &str) -> Vec<Act> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let targets = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let seen = targets.clone();
        let server = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (script, seen) = (script.clone(), seen.clone());
                tokio::spawn(async move {
                    let Some(target) = read_request_target(&mut socket).await else { return };
                    let n = {
                        let mut seen = seen.lock().unwrap();
                        seen.push(target.clone());
                        seen.len() - 1
                    };
                    for act in script(n, &target) {
                        match act {
                            Act::Send(bytes) => {
                                if socket.write_all(&bytes).await.is_err() {
                                    return;
                                }
                            }
                            Act::Stall(duration) => tokio::time::sleep(duration).await,
                        }
                    }
                });
            }
        });
        Hostile { base, targets, server }
    }

    fn root(&self) -> String {
        format!("{}{ROOT_PATH}", self.base)
    }

    fn client(&self) -> Client {
        self.builder().build().unwrap()
    }

    /// Two attempts, short timeouts.
    fn builder(&self) -> intune_dw_client::ClientBuilder {
        Client::builder()
            .service_root(&self.root())
            .bearer_token("t")
            .retry_policy(fast_retries(2))
            .read_timeout(Duration::from_millis(300))
            .timeout(Duration::from_secs(5))
    }

    fn requests(&self) -> usize {
        self.targets.lock().unwrap().len()
    }
}

/// Reads up to the end of the request head and returns the request target.
async fn read_request_target(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head).lines().next()?.to_owned();
    line.split(' ').nth(1).map(str::to_owned)
}

/// A complete response with a correct `Content-Length`.
fn answer(status: u16, body: &[u8]) -> Act {
    let mut bytes = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    Act::Send(bytes)
}

/// Response headers announcing `length` body bytes, without the body.
fn head(length: usize) -> Act {
    Act::Send(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
        )
        .into_bytes(),
    )
}

fn page(rows: &[Value]) -> Vec<u8> {
    json!({ "value": rows }).to_string().into_bytes()
}

fn device_rows() -> Vec<Value> {
    sample_rows("devices.json")
}

async fn read_devices(client: &Client) -> Result<Vec<Device>, Error> {
    client.v1_0().devices().collect_all().await
}

/// The decode error of `error`, with its page URL checked to be the devices collection's.
fn decode_error(error: &Error) -> &intune_dw_client::error::DecodeError {
    let Error::Decode(decode) = error else { panic!("expected a decode error, got {error:?}") };
    assert_eq!(decode.collection, "devices");
    assert!(decode.url.path().ends_with("/devices"), "{}", decode.url);
    assert!(error.to_string().contains(decode.url.as_str()), "the message names the page URL: {error}");
    decode
}

#[tokio::test]
async fn a_page_over_the_size_cap_is_refused_before_it_is_buffered() {
    // Announced by Content-Length: refused after the headers, at the first attempt.
    let server = Hostile::start(|_, _| vec![head(50 * 1024 * 1024), Act::Stall(Duration::from_secs(30))]).await;
    let client = server.builder().max_response_bytes(64 * 1024).build().unwrap();
    let started = Instant::now();
    let error = read_devices(&client).await.unwrap_err();
    assert!(
        matches!(&error, Error::ResponseTooLarge { limit: 65536, url } if url.path().ends_with("/devices")),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.requests(), 1, "the same request would get the same answer: not retried");

    // Chunked, with no length announced: refused once the cap is passed.
    let server = Hostile::start(|_, _| {
        let mut acts = vec![Act::Send(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_vec(),
        )];
        let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, " ".repeat(16 * 1024));
        acts.extend((0..64).map(|_| Act::Send(chunk.clone().into_bytes())));
        acts
    })
    .await;
    let client = server.builder().max_response_bytes(64 * 1024).build().unwrap();
    let error = read_devices(&client).await.unwrap_err();
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
}

#[tokio::test]
async fn huge_strings_within_the_cap_are_read_and_deep_nesting_is_bounded() {
    let mut rows = device_rows();
    rows[0]["deviceName"] = json!("x".repeat(2 * 1024 * 1024));
    let body = page(&rows[..1]);
    let server = Hostile::start(move |_, _| vec![answer(200, &body)]).await;
    let devices = read_devices(&server.client()).await.unwrap();
    assert_eq!(devices[0].device_name.as_ref().map(String::len), Some(2 * 1024 * 1024));

    // A column nested 100,000 deep: skipped without recursion when the row type does not have
    // it; where it is decoded (here into raw JSON), serde_json's recursion limit ends it, not
    // the stack.
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let row = device_rows()[0].to_string();
    let deep_row = format!(r#"{},"deep":{nested}}}"#, &row[..row.len() - 1]);
    let body = format!(r#"{{"value":[{row},{deep_row}]}}"#);
    let server = Hostile::start(move |_, _| vec![answer(200, body.as_bytes())]).await;
    let client = server.client();
    assert_eq!(read_devices(&client).await.unwrap().len(), 2);
    let error = client.v1_0().devices().stream_as::<Value>().try_collect::<Vec<_>>().await.unwrap_err();
    let decode = decode_error(&error);
    assert_eq!((decode.page, decode.row), (0, None), "too deep is a JSON syntax limit, reported for the page");
    assert!(decode.path.starts_with("value[1].deep"), "at the path: {}", decode.path);
    assert!(decode.source.to_string().contains("recursion limit"), "{}", decode.source);
    assert_eq!(server.requests(), 2, "a malformed page is not retried");
}

#[tokio::test]
async fn wrong_values_name_the_row_and_the_field() {
    let cases: [(&str, Value, &str); 4] = [
        ("deviceKey", json!("one"), "invalid type"),
        ("deviceTypeKey", Value::Null, "invalid type: null"),
        ("ownerTypeKey", json!(9_999_999_999_i64), "invalid value"),
        ("enrolledDateTime", json!("yesterday"), ""),
    ];
    for (field, value, message) in cases {
        let mut rows = device_rows();
        rows[1][field] = value.clone();
        let body = page(&rows[..3]);
        let server = Hostile::start(move |_, _| vec![answer(200, &body)]).await;
        let error = read_devices(&server.client()).await.unwrap_err();
        let decode = decode_error(&error);
        assert_eq!((decode.row, decode.path.as_str()), (Some(1), field), "{field} = {value}");
        assert!(decode.source.to_string().contains(message), "{field}: {}", decode.source);
        assert!(error.to_string().contains(&format!("row 1 at `{field}`")), "{error}");
    }
}

#[tokio::test]
async fn invalid_utf8_and_non_json_bodies_are_decode_errors() {
    let mut body = page(&device_rows()[..2]);
    let at = body.windows(7).position(|w| w == b"CONTOSO").unwrap();
    body[at] = 0xFF;
    let server = Hostile::start(move |_, _| vec![answer(200, &body)]).await;
    let error = read_devices(&server.client()).await.unwrap_err();
    let decode = decode_error(&error);
    // Not a value of the wrong shape but broken JSON text: reported for the page, at the path.
    assert_eq!((decode.row, decode.path.as_str()), (None, "value[0].deviceName"));
    assert!(decode.source.to_string().contains("invalid unicode"), "{}", decode.source);

    let server = Hostile::start(|_, _| vec![answer(200, b"<html><body>Service Unavailable</body></html>")]).await;
    let error = read_devices(&server.client()).await.unwrap_err();
    assert_eq!(decode_error(&error).row, None);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_server_that_stalls_after_the_headers_times_out_and_is_retried() {
    // Always stalls: both attempts time out, well within the test's bounds.
    let server = Hostile::start(|_, _| {
        vec![head(5000), Act::Send(b"{\"value\":[".to_vec()), Act::Stall(Duration::from_secs(60))]
    })
    .await;
    let started = Instant::now();
    let error = read_devices(&server.client()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Transport { attempts: 2, url, .. } if url.path().ends_with("/devices")),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // Stalls once, then answers: the retry reads the page.
    let body = page(&device_rows());
    let server = Hostile::start(move |n, _| match n {
        0 => vec![head(body.len()), Act::Stall(Duration::from_secs(60))],
        _ => vec![answer(200, &body)],
    })
    .await;
    assert_eq!(read_devices(&server.client()).await.unwrap().len(), device_rows().len());
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_truncated_body_is_retried_and_then_reported() {
    let body = page(&device_rows());
    let cut = body.clone();
    let server = Hostile::start(move |_, _| vec![head(cut.len()), Act::Send(cut[..cut.len() / 2].to_vec())]).await;
    let error = read_devices(&server.client()).await.unwrap_err();
    assert!(matches!(error, Error::Transport { attempts: 2, .. }), "{error:?}");

    let server = Hostile::start(move |n, _| match n {
        0 => vec![head(body.len()), Act::Send(body[..100].to_vec())],
        _ => vec![answer(200, &body)],
    })
    .await;
    assert_eq!(read_devices(&server.client()).await.unwrap().len(), device_rows().len());
}

#[tokio::test]
async fn malformed_next_links_end_the_stream_after_the_rows_already_read() {
    for link in ["http://[::1", "https://evil.example/devices?$skiptoken=2", "mailto:someone@example.com"] {
        let body = json!({ "value": &device_rows()[..2], "@odata.nextLink": link }).to_string();
        let server = Hostile::start(move |_, _| vec![answer(200, body.as_bytes())]).await;
        let client = server.client();
        let mut pages = client.v1_0().devices().pages();
        let first = pages.try_next().await.unwrap().unwrap();
        assert_eq!(first.rows().len(), 2, "{link}: the rows come first");
        assert!(first.next().is_none());
        let error = pages.try_next().await.unwrap_err();
        assert!(matches!(&error, Error::InvalidNextLink { link: l, .. } if l == link), "{link}: {error:?}");
        assert!(pages.try_next().await.unwrap().is_none(), "the stream ends after the error");
        assert_eq!(server.requests(), 1, "{link}: never requested");
    }
}

/// The connection breaks while the third page is read; the stream is resumed from the cursor
/// of the last page stored, and every row arrives exactly once.
#[tokio::test]
async fn an_interrupted_stream_resumes_from_its_cursor_without_loss_or_duplicates() {
    let rows = device_rows();
    assert!(rows.len() >= 4, "the sample has enough rows for three pages");
    let broken = Arc::new(Mutex::new(true));
    let pages_of_rows = rows.clone();
    let fail = broken.clone();
    let server = Hostile::start(move |_, target| {
        let index: usize = target.split("$skiptoken=").nth(1).map_or(0, |t| t.parse().unwrap());
        let chunk = &pages_of_rows[index..(index + 2).min(pages_of_rows.len())];
        let mut body = json!({ "value": chunk });
        if index + 2 < pages_of_rows.len() {
            body["@odata.nextLink"] = json!(format!("devices?api-version=v1.0&$skiptoken={}", index + 2));
        }
        let body = body.to_string().into_bytes();
        if index == 4 && *fail.lock().unwrap() {
            return vec![head(body.len()), Act::Send(body[..10].to_vec())];
        }
        vec![answer(200, &body)]
    })
    .await;
    let client = server.client();
    let query = || Query::<Device>::new(&client, Some("v1.0"));

    let mut stored: Vec<Device> = Vec::new();
    let mut checkpoint: Option<String> = None;
    let mut pages = query().pages();
    let error = loop {
        match pages.try_next().await {
            Ok(Some(page)) => {
                // Rows and cursor are kept together, as a store commits them.
                checkpoint = page.next().map(|c| serde_json::to_string(c).unwrap());
                stored.extend(page.into_rows());
            }
            Ok(None) => panic!("the third page was expected to break"),
            Err(error) => break error,
        }
    };
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(stored.len(), 4);

    *broken.lock().unwrap() = false;
    let cursor: Cursor = serde_json::from_str(&checkpoint.expect("a cursor after the second page")).unwrap();
    let rest: Vec<Device> = query().resume(cursor).stream().try_collect().await.unwrap();
    stored.extend(rest);
    let expected: Vec<Device> = serde_json::from_value(Value::Array(rows)).unwrap();
    assert_eq!(stored, expected);
}

/// Token endpoints that answer slowly, with garbage, or without end.
#[tokio::test]
async fn a_slow_or_garbage_token_endpoint_is_an_auth_error_in_bounded_time() {
    let slow = Hostile::start(|_, _| vec![Act::Stall(Duration::from_secs(60))]).await;
    let garbage = Hostile::start(|_, _| vec![answer(200, b"<html>login</html>")]).await;
    let endless = Hostile::start(|_, _| vec![head(10 * 1024 * 1024), Act::Send(vec![b' '; 1024 * 1024])]).await;
    let no_token = Hostile::start(|_, _| vec![answer(200, br#"{"token_type":"Bearer","expires_in":3599}"#)]).await;
    for (what, endpoint, message) in [
        ("slow", &slow, "timed out"),
        ("garbage", &garbage, "not a token response"),
        ("endless", &endless, "longer than"),
        ("no token", &no_token, "not a token response"),
    ] {
        let credentials = ClientCredentials::new("tenant", "app", "secret")
            .unwrap()
            .with_authority_host(&endpoint.base)
            .unwrap()
            .with_timeout(Duration::from_millis(300))
            .unwrap()
            .with_retry_policy(fast_retries(2));
        let service = Hostile::start(|_, _| vec![answer(200, b"{\"value\":[]}")]).await;
        let client = Client::builder().service_root(&service.root()).token_provider(credentials).build().unwrap();
        let started = Instant::now();
        let error = read_devices(&client).await.unwrap_err();
        assert!(matches!(error, Error::Auth(_)), "{what}: {error:?}");
        let chain = std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ");
        assert!(chain.contains(message), "{what}: {chain}");
        assert!(!chain.contains("secret"), "{what}: {chain}");
        assert!(started.elapsed() < Duration::from_secs(3), "{what}: {:?}", started.elapsed());
        assert_eq!(service.requests(), 0, "{what}: no request without a token");
    }
}
