//! Functions and actions against loopback servers, for what a well-behaved server (SAP CAP, in
//! `cap-tests`) never does: a connection that breaks after the request was written, `429` and
//! `503` answers to an action, a token endpoint of another authorization server than Entra ID,
//! and media larger than the client accepts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Form, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use odata_runtime::auth::ClientCredentials;
use odata_runtime::query::{
    Call, Entity, EntitySet, Field, Media, MediaEntity, Operation, Query, Scalar, Structured, Unit,
};
use odata_runtime::{Client, Error, RetryPolicy};
use serde::{Deserialize, Serialize};
use support::hang_up_after_reading;

mod support;

fn quick_retries() -> RetryPolicy {
    RetryPolicy::new().with_max_attempts(3).with_initial_backoff(Duration::from_millis(10))
}

fn client(root: &str) -> Client {
    Client::builder().service_root(root).anonymous().retry_policy(quick_retries()).build().unwrap()
}

#[tokio::test]
async fn an_action_is_sent_once_when_the_connection_breaks_after_it_was_written() {
    let (root, requests) = hang_up_after_reading().await;
    let client = client(&root);
    let action: Operation<'_, Unit> =
        Call::action_import(&client, None, "Transfer").json("amount", Some(&100)).finish();
    let error = action.send().await.unwrap_err();
    assert!(matches!(error, Error::Transport { attempts: 1, .. }), "{error:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "the service may have done it: not sent again");

    // A function reads: the same failure is retried.
    requests.store(0, Ordering::SeqCst);
    let function: Operation<'_, Scalar<i32>> = Call::function_import(&client, None, "Balance").finish();
    assert!(function.send().await.is_err());
    assert_eq!(requests.load(Ordering::SeqCst), 3, "every attempt of the policy");
}

/// Answers the `n`th request to an action with `statuses[n]` (then 200 with a result).
async fn action_answering(statuses: &'static [(u16, Option<&'static str>)]) -> (String, Arc<AtomicU32>) {
    let requests = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&requests);
    let app = Router::new().route(
        "/svc/Transfer",
        post(move |body: String| {
            let counted = Arc::clone(&counted);
            async move {
                assert_eq!(body, r#"{"amount":100}"#);
                let n = counted.fetch_add(1, Ordering::SeqCst) as usize;
                match statuses.get(n) {
                    Some((status, retry_after)) => {
                        let mut headers = HeaderMap::new();
                        if let Some(seconds) = retry_after {
                            headers.insert(header::RETRY_AFTER, seconds.parse().unwrap());
                        }
                        (StatusCode::from_u16(*status).unwrap(), headers, String::new())
                    }
                    None => (StatusCode::OK, HeaderMap::new(), r#"{"value":7}"#.to_owned()),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/svc"), requests)
}

fn transfer(client: &Client) -> Operation<'_, Scalar<i32>> {
    Call::action_import(client, None, "Transfer").json("amount", Some(&100)).finish()
}

#[tokio::test]
async fn a_429_or_503_to_an_action_is_retried_after_retry_after() {
    let (root, requests) = action_answering(&[(429, Some("1")), (503, None)]).await;
    let client = client(&root);
    let started = Instant::now();
    assert_eq!(transfer(&client).send().await.unwrap(), 7);
    assert_eq!(requests.load(Ordering::SeqCst), 3);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited for Retry-After");
}

#[tokio::test]
async fn any_other_failure_of_an_action_is_returned_at_once() {
    // Statuses a read would be sent again after: the service may have done the action.
    let statuses: [&'static [(u16, Option<&'static str>)]; 4] =
        [&[(500, None)], &[(502, None)], &[(504, None)], &[(408, Some("1"))]];
    for answer in statuses {
        let (root, requests) = action_answering(answer).await;
        let error = transfer(&client(&root)).send().await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(answer[0].0));
        assert_eq!(requests.load(Ordering::SeqCst), 1, "{}: sent once", answer[0].0);
    }
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

/// A token endpoint of another authorization server (`/oauth/token`): the client credentials
/// grant, the secret in the form or in a basic authorization header; and a service that wants
/// its token.
async fn authorization_server() -> String {
    async fn token(headers: HeaderMap, Form(form): Form<TokenForm>) -> impl IntoResponse {
        let basic = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let in_form = (form.client_id.as_deref(), form.client_secret.as_deref()) == (Some("app"), Some("s3cr&t"));
        // base64("app:s3cr%26t"): RFC 6749 form-encodes both before they are joined.
        let in_header = basic.as_deref() == Some("Basic YXBwOnMzY3IlMjZ0") && form.client_secret.is_none();
        if form.grant_type != "client_credentials" || form.scope.as_deref() != Some("orders.read") {
            return (StatusCode::BAD_REQUEST, r#"{"error":"invalid_request"}"#.to_owned());
        }
        match (in_form, in_header) {
            (true, _) => {
                (StatusCode::OK, r#"{"access_token":"form-token","token_type":"bearer","expires_in":600}"#.into())
            }
            (_, true) => {
                (StatusCode::OK, r#"{"access_token":"header-token","token_type":"Bearer","expires_in":"600"}"#.into())
            }
            _ => (StatusCode::UNAUTHORIZED, r#"{"error":"invalid_client","error_description":"bad secret"}"#.into()),
        }
    }
    async fn whoami(headers: HeaderMap) -> impl IntoResponse {
        match headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
            Some(bearer) => (StatusCode::OK, format!(r#"{{"value":"{}"}}"#, bearer.trim_start_matches("Bearer "))),
            None => (StatusCode::UNAUTHORIZED, String::new()),
        }
    }
    let app = Router::new().route("/oauth/token", post(token)).route("/svc/whoami()", get(whoami));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test]
async fn client_credentials_from_any_token_endpoint() {
    let server = authorization_server().await;
    let token_url = format!("{server}/oauth/token");
    async fn whoami(server: &str, credentials: ClientCredentials) -> Result<String, Error> {
        let client = Client::builder().service_root(&format!("{server}/svc")).token_provider(credentials).build()?;
        let call: Operation<'_, Scalar<String>> = Call::function_import(&client, None, "whoami").finish();
        call.send().await
    }
    let in_form = ClientCredentials::oauth2(&token_url, "app", "s3cr&t", "orders.read").unwrap();
    assert_eq!(whoami(&server, in_form).await.unwrap(), "form-token");
    let in_header =
        ClientCredentials::oauth2(&token_url, "app", "s3cr&t", "orders.read").unwrap().with_secret_in_header();
    assert_eq!(whoami(&server, in_header).await.unwrap(), "header-token");
    let wrong = ClientCredentials::oauth2(&token_url, "app", "nope", "orders.read").unwrap();
    let Error::Auth(error) = whoami(&server, wrong).await.unwrap_err() else { panic!("an authentication error") };
    assert_eq!(error.code(), Some("invalid_client"));
    assert!(ClientCredentials::oauth2("http://auth.example.com/token", "app", "s", "x").is_err(), "http off loopback");
    assert!(ClientCredentials::oauth2(&token_url, "app", "s", "x").unwrap().with_authority_host("https://x").is_err());
}

#[derive(Debug, Serialize, Deserialize)]
struct Photo {
    #[serde(rename = "Id")]
    id: i32,
}

struct PhotoProps {}

impl Structured for Photo {
    type Props = PhotoProps;
    const PROPS: PhotoProps = PhotoProps {};
}

impl Entity for Photo {
    const KEY: &'static [&'static str] = &["Id"];
    type Key = i32;
}

impl MediaEntity for Photo {}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PhotoField {}

impl Field for PhotoField {
    const ALL: &'static [(Self, &'static str)] = &[];
}

impl EntitySet for Photo {
    const NAME: &'static str = "Photos";
    type Field = PhotoField;
}

#[tokio::test]
async fn media_is_read_with_its_content_type_within_the_response_limit() {
    async fn value(request: Request) -> impl IntoResponse {
        match request.uri().path() {
            "/svc/Photos(1)/$value" => {
                (StatusCode::OK, [(header::CONTENT_TYPE, "image/png")], vec![0x89, b'P', b'N', b'G'])
            }
            "/svc/Photos(2)/$value" => (StatusCode::OK, [(header::CONTENT_TYPE, "image/png")], vec![0; 4096]),
            _ => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain")], Vec::new()),
        }
    }
    let app = Router::new().fallback(value);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::builder()
        .service_root(&format!("http://{address}/svc"))
        .anonymous()
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let photo = |id: i32| Query::<Photo>::new(&client, None).key(id);
    let media = photo(1).read_media().await.unwrap().unwrap();
    assert_eq!(
        (media.content_type.as_deref(), media.bytes.as_slice()),
        (Some("image/png"), &[0x89, b'P', b'N', b'G'][..])
    );
    assert!(matches!(photo(2).read_media().await, Err(Error::ResponseTooLarge { limit: 1024, .. })));
    assert_eq!(photo(3).read_media().await.unwrap(), None);
}

#[tokio::test]
async fn a_stream_result_follows_its_redirect_without_the_token_or_default_headers() {
    // Where the service keeps the report: it must see neither the service's token nor the
    // client's default headers (an API key of the service's gateway, say).
    async fn download(headers: HeaderMap) -> impl IntoResponse {
        match headers.get(header::AUTHORIZATION).or(headers.get("ocp-apim-subscription-key")) {
            None => (StatusCode::OK, [(header::CONTENT_TYPE, "text/csv")], "Report Refresh Date,User\n".to_owned()),
            Some(_) => (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain")], "a token leaked".to_owned()),
        }
    }
    let storage = Router::new().route("/download/report.csv", get(download));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let storage_address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, storage).await.unwrap() });

    let location = format!("http://{storage_address}/download/report.csv");
    let service = Router::new().fallback(move |request: Request| {
        let location = location.clone();
        async move {
            let authorized = request.headers().get(header::AUTHORIZATION).is_some_and(|v| v == "Bearer t0ken")
                && request.headers().get("ocp-apim-subscription-key").is_some_and(|v| v == "k3y");
            match (authorized, request.uri().path()) {
                (true, "/svc/getReport(period='D7')") => {
                    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
                }
                _ => StatusCode::UNAUTHORIZED.into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });

    let client = Client::builder()
        .service_root(&format!("http://{address}/svc"))
        .bearer_token("t0ken")
        .default_header("Ocp-Apim-Subscription-Key", "k3y")
        .build()
        .unwrap();
    let report: Operation<'_, Media> =
        Call::function_import(&client, None, "getReport").inline("period", Some("D7")).finish();
    let media = report.send().await.unwrap();
    assert_eq!(media.content_type.as_deref(), Some("text/csv"));
    assert_eq!(media.bytes, b"Report Refresh Date,User\n");
}
