//! The client credentials flow end to end: the local mock Warehouse and its token endpoint.

mod support;

use std::time::Duration;

use futures::TryStreamExt;
use intune_dw_client::query::Query;
use intune_dw_client::v1_0::devices::Device;
use intune_dw_client::{Client, ClientCredentials, Error};
use intune_dw_mock::{CLIENT_ID, CLIENT_SECRET, MockWarehouse, Reply, TENANT, issued_token};
use support::*;

fn client(warehouse: &MockWarehouse, credentials: ClientCredentials) -> Client {
    Client::builder()
        .service_root(&warehouse.service_root())
        .token_provider(credentials)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap()
}

async fn read_devices(client: &Client) -> Result<Vec<Device>, Error> {
    Query::<Device>::new(client, Some("v1.0")).collect_all().await
}

#[tokio::test]
async fn tokens_are_requested_with_the_v2_form_and_cached() {
    let warehouse = start().await;
    let client = client(&warehouse, warehouse.credentials(CLIENT_SECRET));

    assert_eq!(read_devices(&client).await.unwrap().len(), 5);
    client.service_document("v1.0").await.unwrap();

    let token_requests = warehouse.token_requests();
    assert_eq!(token_requests.len(), 1, "one token for four requests");
    let request = &token_requests[0];
    assert_eq!(request.path, format!("/{TENANT}/oauth2/v2.0/token"));
    assert_eq!(request.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(request.field("grant_type"), Some("client_credentials"));
    assert_eq!(request.field("client_id"), Some(CLIENT_ID));
    assert_eq!(request.field("client_secret"), Some(CLIENT_SECRET));
    assert_eq!(request.field("scope"), Some("https://api.manage.microsoft.com/.default"));
    let warehouse_requests = warehouse.service_requests();
    assert_eq!(warehouse_requests.len(), 4);
    assert!(warehouse_requests.iter().all(|r| r.bearer() == Some(issued_token(1).as_str())));
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_the_stream_goes_on() {
    let warehouse = start().await;
    let client = client(&warehouse, warehouse.credentials(CLIENT_SECRET));

    let mut pages = Query::<Device>::new(&client, Some("v1.0")).pages();
    pages.try_next().await.unwrap().unwrap();
    warehouse.revoke(&issued_token(1));
    let rest: Vec<_> = pages.try_collect().await.unwrap();

    assert_eq!(rest.len(), 2);
    assert_eq!(warehouse.tokens_issued(), 2);
    let bearers: Vec<_> = warehouse.service_requests().iter().map(|r| r.bearer().unwrap().to_owned()).collect();
    assert_eq!(
        bearers,
        [issued_token(1), issued_token(1), issued_token(2), issued_token(2)],
        "page 2 is refused with token 1 and sent again with token 2"
    );
}

#[tokio::test]
async fn a_second_401_is_final() {
    let warehouse = start().await;
    let client = client(&warehouse, warehouse.credentials(CLIENT_SECRET));
    warehouse.intercept(|_| Some(Reply::warehouse_error(401, "Authorization has been denied for this request.")));

    let error = read_devices(&client).await.unwrap_err();

    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(warehouse.tokens_issued(), 2, "exactly one refresh");
    assert_eq!(warehouse.service_requests().len(), 2);
}

#[tokio::test]
async fn tokens_are_refreshed_before_they_expire() {
    let warehouse = start().await;
    // A 1 s token is replaced after half its lifetime.
    warehouse.set_token_expires_in(1);
    let client = client(&warehouse, warehouse.credentials(CLIENT_SECRET));

    client.service_document("v1.0").await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.service_document("v1.0").await.unwrap();

    assert_eq!(warehouse.tokens_issued(), 2);
    let bearers: Vec<_> = warehouse.service_requests().iter().map(|r| r.bearer().unwrap().to_owned()).collect();
    assert_eq!(bearers, [issued_token(1), issued_token(2)], "no request was refused");
}

#[tokio::test]
async fn concurrent_requests_share_one_token_request() {
    let warehouse = start().await;
    let client = client(&warehouse, warehouse.credentials(CLIENT_SECRET));

    let reads = (0..4).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { read_devices(&client).await.map(|rows| rows.len()) })
    });
    for read in futures::future::join_all(reads).await {
        assert_eq!(read.unwrap().unwrap(), 5);
    }

    assert_eq!(warehouse.tokens_issued(), 1);
    assert_eq!(warehouse.service_requests().len(), 12);
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_that_does_not_show_it() {
    let warehouse = start().await;
    let wrong_secret = "wrong~secret-value";
    let credentials = warehouse.credentials(wrong_secret);
    assert!(!format!("{credentials:?}").contains(wrong_secret));
    let client = client(&warehouse, credentials);

    let error = read_devices(&client).await.unwrap_err();

    let Error::Auth(auth) = &error else {
        panic!("expected an auth error, got {error:?}");
    };
    assert_eq!(auth.code(), Some("invalid_client"));
    assert_eq!(auth.status().map(|s| s.as_u16()), Some(401));
    assert!(auth.to_string().contains("AADSTS7000215"), "{auth}");
    let shown = format!("{error} {error:?} {auth} {auth:?} {client:?}");
    assert!(!shown.contains(wrong_secret), "{shown}");
    assert_eq!(warehouse.token_requests().len(), 1, "a 401 from Entra ID is not retried");
    assert_eq!(warehouse.service_requests().len(), 0, "nothing was sent without a token");
}

#[tokio::test]
async fn token_endpoint_outages_are_retried() {
    let warehouse = start().await;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let unreachable = ClientCredentials::new(TENANT, CLIENT_ID, CLIENT_SECRET)
        .unwrap()
        .with_authority_host(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .with_retry_policy(fast_retries(2));
    let client = client(&warehouse, unreachable);

    let error = read_devices(&client).await.unwrap_err();

    let Error::Auth(auth) = &error else {
        panic!("expected an auth error, got {error:?}");
    };
    assert!(auth.to_string().contains("after 2 attempt(s)"), "{auth}");
    assert!(!format!("{error:?}").contains(CLIENT_SECRET));
    assert_eq!(warehouse.tokens_issued(), 0);
}
