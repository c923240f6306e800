//! The retry rules of writes against loopback servers: a create (`POST`) or a `PATCH` without
//! `If-Match` is not sent again once the request may have reached the service, but is after a
//! `429`; `PUT`, `DELETE` and a `PATCH` with `If-Match` are idempotent and retried; `412` is the
//! typed error with the current ETag; a `DELETE` retried into `404` succeeded; the caller's
//! `Prefer` is kept; a create answered without its row reads it from its location.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use odata_runtime::query::{
    Deletable, Entity, EntitySet, Field, Insertable, Prop, Query, Structured, Updatable, WriteRules,
};
use odata_runtime::{Client, Error, RetryPolicy};
use serde::{Deserialize, Serialize};
use support::hang_up_after_reading;

mod support;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    #[serde(rename = "Id")]
    id: i32,
    #[serde(rename = "Text")]
    text: Option<String>,
}

struct NoteProps {
    text: Prop<Option<String>>,
}

impl Structured for Note {
    type Props = NoteProps;
    const PROPS: NoteProps = NoteProps { text: Prop::new("Text") };
}

impl Entity for Note {
    const KEY: &'static [&'static str] = &["Id"];
    type Key = i32;
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum NoteField {}

impl Field for NoteField {
    const ALL: &'static [(Self, &'static str)] = &[];
}

impl EntitySet for Note {
    const NAME: &'static str = "Notes";
    type Field = NoteField;
}

impl Insertable for Note {}
impl Updatable for Note {}
impl Deletable for Note {}

fn client(root: &str) -> Client {
    let retries = RetryPolicy::new().with_max_attempts(3).with_initial_backoff(Duration::from_millis(10));
    Client::builder().service_root(root).anonymous().retry_policy(retries).build().unwrap()
}

fn note() -> Note {
    Note { id: 1, text: Some("x".into()) }
}

#[tokio::test]
async fn writes_that_could_happen_twice_are_not_sent_again_after_a_broken_connection() {
    let (root, requests) = hang_up_after_reading().await;
    let client = client(&root);
    let notes = || Query::<Note>::new(&client, None);
    let sent = |expected: u32, what: &str| {
        assert_eq!(requests.swap(0, Ordering::SeqCst), expected, "{what}");
    };

    assert!(notes().create(&note()).send().await.is_err());
    sent(1, "a create (POST)");
    assert!(notes().key(1).update(&note(), |n| n.text).send().await.is_err());
    sent(1, "a PATCH without If-Match");

    assert!(notes().key(1).update(&note(), |n| n.text).if_match("W/\"1\"").send().await.is_err());
    sent(3, "a PATCH with If-Match: idempotent");
    assert!(notes().key(1).replace(&note()).send().await.is_err());
    sent(3, "a PUT: idempotent");
    assert!(notes().key(1).delete().send().await.is_err());
    sent(3, "a DELETE: idempotent");
}

#[tokio::test]
async fn a_429_to_a_create_is_retried_and_a_412_is_typed() {
    let requests = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&requests);
    let app = Router::new().fallback(move |request: axum::extract::Request| {
        let counted = Arc::clone(&counted);
        async move {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            let mut headers = HeaderMap::new();
            match (request.method().as_str(), n) {
                ("POST", 0) => {
                    headers.insert(header::RETRY_AFTER, "0".parse().unwrap());
                    (StatusCode::TOO_MANY_REQUESTS, headers, String::new())
                }
                ("POST", _) => {
                    headers.insert(header::ETAG, "W/\"1\"".parse().unwrap());
                    (StatusCode::CREATED, headers, r#"{"Id":1,"Text":"x"}"#.to_owned())
                }
                _ => {
                    headers.insert(header::ETAG, "W/\"2\"".parse().unwrap());
                    (StatusCode::PRECONDITION_FAILED, headers, r#"{"error":{"code":"412","message":"stale"}}"#.into())
                }
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = client(&format!("http://{address}/svc"));

    let created = Query::<Note>::new(&client, None).create(&note()).send().await.unwrap();
    assert_eq!((created.etag.as_deref(), &created.value), (Some("W/\"1\""), &note()));
    assert_eq!(requests.load(Ordering::SeqCst), 2, "the 429 said nothing was done");

    let stale = Query::<Note>::new(&client, None).key(1).delete().if_match_tagged(&created).send().await.unwrap_err();
    match stale {
        Error::PreconditionFailed { current_etag, .. } => assert_eq!(current_etag.as_deref(), Some("W/\"2\"")),
        other => panic!("{other:?}"),
    }
    assert_eq!(requests.load(Ordering::SeqCst), 3, "a 412 is not retried");
}

#[tokio::test]
async fn a_delete_sent_again_that_finds_the_entity_gone_has_done_its_work() {
    // The first DELETE is applied but answered 503 (its answer lost, as far as the client
    // knows); the retry finds nothing left.
    let requests = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&requests);
    let app = Router::new().fallback(move || {
        let counted = Arc::clone(&counted);
        async move {
            match counted.fetch_add(1, Ordering::SeqCst) {
                0 => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::NOT_FOUND,
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = client(&format!("http://{address}/svc"));

    Query::<Note>::new(&client, None).key(1).delete().send().await.unwrap();
    assert_eq!(requests.swap(0, Ordering::SeqCst), 2);
    // Answered 404 at once, the entity was never there.
    requests.store(1, Ordering::SeqCst);
    let missing = Query::<Note>::new(&client, None).key(2).delete().send().await.unwrap_err();
    assert_eq!(missing.status(), Some(StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn a_create_keeps_the_callers_preferences() {
    let app = Router::new().fallback(|headers: HeaderMap| async move {
        match headers.get("prefer").and_then(|v| v.to_str().ok()) {
            Some("odata.include-annotations=\"*\", return=representation") => {
                (StatusCode::CREATED, r#"{"Id":1,"Text":"x"}"#)
            }
            _ => (StatusCode::BAD_REQUEST, r#"{"error":{"code":"400","message":"Prefer"}}"#),
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = client(&format!("http://{address}/svc"));
    let notes = Query::<Note>::new(&client, None).header("Prefer", "odata.include-annotations=\"*\"");
    assert_eq!(notes.create(&note()).send().await.unwrap().value, note());
}

#[tokio::test]
async fn a_create_answered_without_its_row_reads_it_from_its_location() {
    // A service that ignores `Prefer: return=representation`: 204 and where the entity is.
    let address = Arc::new(std::sync::OnceLock::<String>::new());
    let location = Arc::clone(&address);
    let app = Router::new().fallback(move |request: axum::extract::Request| {
        let location = Arc::clone(&location);
        async move {
            let mut headers = HeaderMap::new();
            match request.method().as_str() {
                "POST" => {
                    let entity = format!("http://{}/svc/Notes(1)", location.get().unwrap());
                    headers.insert("OData-EntityId", entity.parse().unwrap());
                    (StatusCode::NO_CONTENT, headers, String::new())
                }
                _ if request.uri().path() == "/svc/Notes(1)" => {
                    headers.insert(header::ETAG, "W/\"7\"".parse().unwrap());
                    (StatusCode::OK, headers, r#"{"Id":1,"Text":"x"}"#.to_owned())
                }
                _ => (StatusCode::NOT_FOUND, headers, String::new()),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    address.set(listener.local_addr().unwrap().to_string()).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = client(&format!("http://{}/svc", address.get().unwrap()));

    let created = Query::<Note>::new(&client, None).create(&note()).send().await.unwrap();
    assert_eq!((created.etag.as_deref(), created.value), (Some("W/\"7\""), note()));
}

/// A ticket whose opening time the service sets (`Core.Computed`) and whose owner is fixed at
/// creation (`Core.Immutable`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Ticket {
    #[serde(rename = "Id")]
    id: i32,
    #[serde(rename = "Opened")]
    opened: Option<String>,
    #[serde(rename = "Owner")]
    owner: Option<String>,
    #[serde(rename = "Title")]
    title: Option<String>,
}

struct TicketProps {
    opened: Prop<Option<String>>,
    owner: Prop<Option<String>>,
    title: Prop<Option<String>>,
}

impl Structured for Ticket {
    type Props = TicketProps;
    const PROPS: TicketProps =
        TicketProps { opened: Prop::new("Opened"), owner: Prop::new("Owner"), title: Prop::new("Title") };
    const WRITE_RULES: WriteRules = WriteRules { computed: &["Opened"], immutable: &["Owner"], ..WriteRules::NONE };
}

impl Entity for Ticket {
    const KEY: &'static [&'static str] = &["Id"];
    type Key = i32;
}

impl EntitySet for Ticket {
    const NAME: &'static str = "Tickets";
    type Field = NoteField;
}

impl Insertable for Ticket {}
impl Updatable for Ticket {}

#[test]
fn computed_and_immutable_properties_are_left_out_or_refused() {
    let client = client("http://127.0.0.1:9/svc");
    let ticket = Ticket { id: 1, opened: Some("now".into()), owner: Some("ada".into()), title: None };
    let tickets = || Query::<Ticket>::new(&client, None);
    // A create sends the immutable owner, never the computed opening time, and no nulls.
    assert_eq!(tickets().create(&ticket).body(), br#"{"Id":1,"Owner":"ada"}"#);
    assert_eq!(tickets().key(1).update(&ticket, |t| t.title).body(), br#"{"Title":null}"#);
    for (refused, why) in [
        (tickets().key(1).update(&ticket, |t| t.owner), "Owner is immutable"),
        (tickets().key(1).update(&ticket, |t| t.opened), "Opened is computed"),
    ] {
        let error = refused.request_url().unwrap_err().to_string();
        assert!(error.contains(why), "{error}");
    }
}
