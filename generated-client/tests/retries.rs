//! Error statuses, retries and `Retry-After` against the local mock Warehouse.
//!
//! Timing assertions are lower bounds only ("waited at least the Retry-After"): the machine may
//! be slow, never fast.

mod support;

use std::time::{Duration, Instant, SystemTime};

use intune_dw_client::error::ErrorBody;
use intune_dw_client::query::Query;
use intune_dw_client::v1_0::devices::Device;
use intune_dw_client::{Client, Error, RetryPolicy};
use intune_dw_mock::{Reply, TOKEN};
use support::*;

async fn collect_devices(client: &Client) -> Result<Vec<Device>, Error> {
    Query::<Device>::new(client, Some("v1.0")).collect_all().await
}

fn status_error(error: &Error) -> &intune_dw_client::error::StatusError {
    match error {
        Error::Status(status) => status,
        other => panic!("expected a status error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_seconds() {
    let warehouse = start().await;
    warehouse.fail_first(1, Reply::warehouse_error(429, "Too many requests").header("retry-after", "1"));

    let rows = collect_devices(&warehouse.client()).await.unwrap();

    assert_eq!(rows.len(), 5);
    let requests = warehouse.service_requests();
    assert_eq!(requests.len(), 4, "one refused, then three pages");
    let waited = requests[1].at - requests[0].at;
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
}

#[tokio::test]
async fn a_503_with_an_http_date_retry_after_is_honoured() {
    let warehouse = start().await;
    // HTTP dates have whole seconds: 2 s ahead is at least 1 s ahead. Dated when the request
    // arrives, not before, so a slow start cannot eat into the wait.
    let answered = std::sync::atomic::AtomicBool::new(false);
    warehouse.intercept(move |_| {
        (!answered.swap(true, std::sync::atomic::Ordering::SeqCst)).then(|| {
            let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
            Reply::new(503, "").header("retry-after", date)
        })
    });

    let rows = collect_devices(&warehouse.client()).await.unwrap();

    assert_eq!(rows.len(), 5);
    let requests = warehouse.service_requests();
    let waited = requests[1].at - requests[0].at;
    assert!(waited >= Duration::from_millis(1000), "waited only {waited:?}");
}

#[tokio::test]
async fn server_errors_are_retried_until_the_attempts_run_out() {
    for status in [500, 502, 503, 504] {
        let warehouse = start().await;
        warehouse.fail_first(usize::MAX, Reply::warehouse_error(status, "An internal server error has occurred"));

        let error = collect_devices(&warehouse.client_with(fast_retries(3))).await.unwrap_err();

        let status_error = status_error(&error);
        assert_eq!(status_error.status.as_u16(), status);
        assert_eq!(status_error.attempts, 3);
        assert_eq!(status_error.body.message(), Some("An internal server error has occurred"));
        assert_eq!(warehouse.service_requests().len(), 3);
        let requests = warehouse.service_requests();
        // Backoff 10 ms then 20 ms, each at least halved by jitter.
        assert!(requests[2].at - requests[0].at >= Duration::from_millis(15));
    }
}

#[tokio::test]
async fn retries_stop_at_the_total_time_budget() {
    let warehouse = start().await;
    warehouse.fail_first(usize::MAX, Reply::warehouse_error(500, "down"));
    let policy = RetryPolicy::new()
        .with_max_attempts(1000)
        .with_initial_backoff(Duration::from_millis(40))
        .with_max_backoff(Duration::from_millis(40))
        .with_max_elapsed(Duration::from_secs(1));

    let started = Instant::now();
    let error = collect_devices(&warehouse.client_with(policy)).await.unwrap_err();

    assert_eq!(status_error(&error).status.as_u16(), 500);
    let count = warehouse.service_requests().len();
    // Each wait is at least 20 ms, and all waits end within 1 s.
    assert!((2..=51).contains(&count), "{count} requests");
    assert!(started.elapsed() >= Duration::from_millis(20));
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_fails_at_once() {
    let warehouse = start().await;
    warehouse.fail_first(usize::MAX, Reply::warehouse_error(429, "slow down").header("retry-after", "3600"));

    let started = Instant::now();
    let error = collect_devices(&warehouse.client()).await.unwrap_err();

    assert_eq!(status_error(&error).status.as_u16(), 429);
    assert_eq!(warehouse.service_requests().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(600), "it did not sleep an hour");
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    let odata = r#"{"error":{"code":"Forbidden","message":"The caller lacks get_data_warehouse"}}"#;
    for (reply, expected) in [
        (
            Reply::warehouse_error(400, "An error has occurred."),
            ErrorBody::Json(serde_json::json!({"_version": 3, "Message": "An error has occurred."})),
        ),
        (
            Reply::new(403, odata),
            ErrorBody::OData { code: "Forbidden".into(), message: "The caller lacks get_data_warehouse".into() },
        ),
        (Reply::new(404, ""), ErrorBody::Empty),
    ] {
        let warehouse = start().await;
        let status = reply.status;
        warehouse.fail_first(usize::MAX, reply);

        let error = collect_devices(&warehouse.client()).await.unwrap_err();

        let status_error = status_error(&error);
        assert_eq!(status_error.status.as_u16(), status);
        assert_eq!(status_error.body, expected);
        assert_eq!(status_error.attempts, 1);
        assert_eq!(warehouse.service_requests().len(), 1, "{status} is not retried");
    }
}

#[tokio::test]
async fn an_unknown_collection_is_a_404() {
    let warehouse = start().await;
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Nothing;
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum NoField {}
    impl intune_dw_client::query::Field for NoField {
        const ALL: &'static [(Self, &'static str)] = &[];
    }
    impl intune_dw_client::query::Structured for Nothing {
        type Props = ();
        const PROPS: () = ();
    }
    impl intune_dw_client::query::Entity for Nothing {
        const KEY: &'static [&'static str] = &["id"];
        type Key = i32;
    }
    impl intune_dw_client::query::EntitySet for Nothing {
        const NAME: &'static str = "noSuchCollection";
        type Field = NoField;
    }

    let error = Query::<Nothing>::new(&warehouse.client(), Some("v1.0")).collect_all().await.err().unwrap();

    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(warehouse.service_requests().len(), 1);
}

#[tokio::test]
async fn connection_failures_are_retried() {
    // A port that was free a moment ago: connections are refused.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .service_root(&format!("http://127.0.0.1:{port}{ROOT_PATH}"))
        .bearer_token(TOKEN)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();

    let error = collect_devices(&client).await.unwrap_err();

    let Error::Transport { attempts, .. } = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(*attempts, 3);
}

#[tokio::test]
async fn a_rejected_static_token_fails_without_leaking_it() {
    let warehouse = start().await;
    let client = Client::builder()
        .service_root(&warehouse.service_root())
        .bearer_token("expired-static-token")
        .retry_policy(fast_retries(4))
        .build()
        .unwrap();

    let error = collect_devices(&client).await.unwrap_err();

    assert_eq!(status_error(&error).status.as_u16(), 401);
    assert_eq!(warehouse.service_requests().len(), 1, "a static token cannot be refreshed");
    assert_eq!(warehouse.service_requests()[0].bearer(), Some("expired-static-token"));
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("expired-static-token"), "{shown}");
}
