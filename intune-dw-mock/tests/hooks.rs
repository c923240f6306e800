//! The mock's test hooks, seen through the client: the fixture samples, canned replies,
//! rewritten next links, the token endpoint and revocation, and what is recorded.

use futures::TryStreamExt;
use intune_dw_client::query::Query;
use intune_dw_client::v1_0::devices::Device;
use intune_dw_client::{Client, ClientCredentials, Error, RetryPolicy};
use intune_dw_mock::{
    ApiVersion, CLIENT_ID, CLIENT_SECRET, MockConfig, MockWarehouse, Reply, TENANT, TOKEN, issued_token, samples,
};

fn client(warehouse: &MockWarehouse) -> Client {
    Client::builder()
        .service_root(&warehouse.service_root())
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::no_retries())
        .build()
        .unwrap()
}

fn credentials(warehouse: &MockWarehouse, tenant: &str, secret: &str) -> ClientCredentials {
    ClientCredentials::new(tenant, CLIENT_ID, secret)
        .unwrap()
        .with_authority_host(warehouse.base())
        .unwrap()
        .with_retry_policy(RetryPolicy::no_retries())
}

#[tokio::test]
async fn samples_serve_exactly_the_fixture_rows_and_the_rest_stays_generated() {
    let warehouse = MockWarehouse::start(MockConfig::for_samples()).await.unwrap();
    let client = client(&warehouse);
    for (version, name) in samples::collections() {
        let expected = samples::rows(version, name).unwrap();
        assert_eq!(warehouse.rows(version, name), expected, "{version} {name}");
    }
    let served: Vec<serde_json::Value> =
        Query::<Device>::new(&client, Some("v1.0")).stream_as().try_collect().await.unwrap();
    let expected: Vec<serde_json::Value> =
        samples::rows(ApiVersion::V1_0, "devices").unwrap().into_iter().map(serde_json::Value::Object).collect();
    assert_eq!(served, expected);
    assert_eq!(warehouse.service_requests().len(), 3, "5 rows in pages of 2");
    assert_eq!(warehouse.today(), time::macros::date!(2025 - 03 - 16), "the last day of the dates sample");
    assert_eq!(client.beta().devices().collect_all().await.unwrap().len(), 3);
    assert_eq!(client.v1_0().users().collect_all().await.unwrap().len(), MockConfig::default().rows);
}

#[tokio::test]
async fn canned_replies_and_rewritten_links_apply_to_warehouse_requests_only() {
    let warehouse = MockWarehouse::start(MockConfig::for_samples()).await.unwrap();
    warehouse.fail_first(1, Reply::warehouse_error(503, "busy").header("retry-after", "0"));
    let cc = Client::builder()
        .service_root(&warehouse.service_root())
        .token_provider(credentials(&warehouse, TENANT, CLIENT_SECRET))
        .retry_policy(RetryPolicy::new().with_initial_backoff(std::time::Duration::from_millis(1)))
        .build()
        .unwrap();
    assert_eq!(cc.v1_0().devices().collect_all().await.unwrap().len(), 5);
    let requests = warehouse.requests();
    assert!(requests[0].is_token_request(), "the token request was not intercepted");
    assert_eq!(requests[0].status, 200);
    assert_eq!(requests[0].field("client_id"), Some(CLIENT_ID));
    assert_eq!(requests[0].content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    let statuses: Vec<u16> = warehouse.service_requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 200, 200, 200]);
    let bearer = format!("Bearer {}", issued_token(1));
    assert!(warehouse.service_requests().iter().all(|r| r.authorization.as_deref() == Some(bearer.as_str())));
    assert_eq!(warehouse.token_requests().len(), 1);

    warehouse.clear_requests();
    warehouse.intercept(|request| (request.param("$skiptoken") == Some("4")).then(|| Reply::new(418, "")));
    let base = warehouse.base().to_owned();
    warehouse.rewrite_next_links(move |_, link| link.replacen(&base, "", 1));
    let error = client(&warehouse).v1_0().devices().collect_all().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(418));
    assert_eq!(warehouse.service_requests().len(), 3, "relative next links were followed");
}

#[tokio::test]
async fn the_token_endpoint_answers_like_entra_id_and_revoked_tokens_get_401() {
    let warehouse = MockWarehouse::start(MockConfig::for_samples()).await.unwrap();
    for (tenant, secret, code, aadsts) in [
        ("other-tenant", CLIENT_SECRET, "invalid_request", "AADSTS90002"),
        (TENANT, "wrong-secret", "invalid_client", "AADSTS7000215"),
    ] {
        let cc = Client::builder()
            .service_root(&warehouse.service_root())
            .token_provider(credentials(&warehouse, tenant, secret))
            .build()
            .unwrap();
        let Error::Auth(auth) = cc.service_document("v1.0").await.unwrap_err() else { panic!("not an auth error") };
        assert_eq!(auth.code(), Some(code));
        assert!(auth.to_string().contains(aadsts), "{auth}");
    }
    assert_eq!(warehouse.tokens_issued(), 0);
    assert!(warehouse.service_requests().is_empty());

    warehouse.set_token_expires_in(120);
    let cc = Client::builder()
        .service_root(&warehouse.service_root())
        .token_provider(credentials(&warehouse, TENANT, CLIENT_SECRET))
        .build()
        .unwrap();
    cc.service_document("v1.0").await.unwrap();
    warehouse.revoke(&issued_token(1));
    cc.service_document("v1.0").await.unwrap();
    let statuses: Vec<(u16, Option<String>)> =
        warehouse.service_requests().iter().map(|r| (r.status, r.bearer().map(str::to_owned))).collect();
    assert_eq!(
        statuses,
        [(200, Some(issued_token(1))), (401, Some(issued_token(1))), (200, Some(issued_token(2)))],
        "a revoked token gets 401, the client refreshes it"
    );
    warehouse.revoke(TOKEN);
    assert_eq!(client(&warehouse).service_document("v1.0").await.unwrap_err().status().map(|s| s.as_u16()), Some(401));
}
