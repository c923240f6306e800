//! Change tracking against a loopback server (SAP CAP does not track changes): the last page of
//! a `Prefer: odata.track-changes` query carries `@odata.deltaLink`, whose cursor survives a
//! restart, and the next run from it receives only the changes, removed rows as such.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use futures::TryStreamExt;
use odata_runtime::query::{Entity, EntitySet, Field, Prop, Query, Structured};
use odata_runtime::{Change, Client, Cursor};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Person {
    #[serde(rename = "UserName")]
    user_name: String,
    #[serde(rename = "FirstName")]
    first_name: String,
}

struct PersonProps {
    #[allow(dead_code)]
    user_name: Prop<String>,
}

impl Structured for Person {
    type Props = PersonProps;
    const PROPS: PersonProps = PersonProps { user_name: Prop::new("UserName") };
}

impl Entity for Person {
    const KEY: &'static [&'static str] = &["UserName"];
    type Key = String;
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PersonField {}

impl Field for PersonField {
    const ALL: &'static [(Self, &'static str)] = &[];
}

impl EntitySet for Person {
    const NAME: &'static str = "People";
    type Field = PersonField;
}

/// What the server saw: path and query, and the `Prefer` header.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

async fn answer(State(seen): State<Seen>, request: Request) -> impl IntoResponse {
    let target = request.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let prefer = request.headers().get("prefer").and_then(|v| v.to_str().ok()).map(str::to_owned);
    seen.lock().unwrap().push((target.clone(), prefer));
    let body = match target.as_str() {
        "/svc/People" => r#"{"value":[{"UserName":"a","FirstName":"Ann"}],"@odata.nextLink":"People?$skiptoken=1"}"#,
        "/svc/People?$skiptoken=1" => {
            r#"{"@odata.context":"$metadata#People","value":[{"UserName":"b","FirstName":"Bob"}],"@odata.deltaLink":"People?$deltatoken=t1"}"#
        }
        "/svc/People?$deltatoken=t1" => {
            r#"{"value":[{"UserName":"a","FirstName":"Anna"},{"@odata.id":"People('b')","UserName":"b","@removed":{"reason":"deleted"}}],"@odata.deltaLink":"People?$deltatoken=t2"}"#
        }
        _ => return (axum::http::StatusCode::NOT_FOUND, String::new()),
    };
    (axum::http::StatusCode::OK, body.to_owned())
}

async fn serve() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new().fallback(answer).with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/svc"), seen)
}

#[tokio::test]
async fn a_delta_link_resumes_a_later_run_with_only_the_changes() {
    let (root, seen) = serve().await;
    let client = Client::builder().service_root(&root).anonymous().build().unwrap();
    let query = || Query::<Person>::new(&client, None).track_changes();

    let pages: Vec<_> = query().changes().try_collect().await.unwrap();
    let rows: Vec<&Change<Person>> = pages.iter().flat_map(|p| p.rows()).collect();
    assert_eq!(rows.len(), 2);
    assert!(pages[0].delta().is_none(), "only the last page carries the delta link");
    let delta = pages[1].delta().cloned().unwrap();
    assert!(delta.is_delta());
    assert_eq!(delta.next_link(), format!("{root}/People?$deltatoken=t1"));
    // The cursor survives a restart.
    let saved = serde_json::to_string(&delta).unwrap();
    let restored: Cursor = serde_json::from_str(&saved).unwrap();

    let later: Vec<_> = query().resume(restored).changes().try_collect().await.unwrap();
    let changes: Vec<Change<Person>> = later.into_iter().flat_map(|p| p.into_rows()).collect();
    assert_eq!(changes[0], Change::Upserted(Person { user_name: "a".into(), first_name: "Anna".into() }));
    let Change::Removed { reason, entry } = &changes[1] else { panic!("{changes:?}") };
    assert_eq!(reason.as_deref(), Some("deleted"));
    assert_eq!(entry["UserName"], "b");
    assert_eq!(entry["@odata.id"], "People('b')");

    let seen = seen.lock().unwrap().clone();
    let targets: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(targets, ["/svc/People", "/svc/People?$skiptoken=1", "/svc/People?$deltatoken=t1"]);
    assert!(seen.iter().all(|(_, prefer)| prefer.as_deref() == Some("odata.track-changes")));
}
