//! The mock Warehouse follows the service's rules, seen through the client.

use intune_dw::mock::{MockConfig, MockWarehouse, TOKEN};
use intune_dw::schema::{ApiVersion, VersionSchema};
use intune_dw_client::Client;
use intune_dw_client::query::Query;
use intune_dw_client::v1_0::{devices::Device, mam_checkins::MamCheckin};

async fn start() -> (MockWarehouse, Client) {
    let warehouse =
        MockWarehouse::start(MockConfig { rows: 40, days: 4, page_size: 3, ..MockConfig::default() }).await.unwrap();
    let client = Client::builder()
        .service_root(&warehouse.service_root())
        .bearer_token(TOKEN)
        .retry_policy(intune_dw_client::RetryPolicy::no_retries())
        .build()
        .unwrap();
    (warehouse, client)
}

#[tokio::test]
async fn serves_every_collection_in_pages_that_decode_into_the_row_types() {
    let (warehouse, client) = start().await;
    let devices = client.v1_0().devices().collect_all().await.unwrap();
    assert_eq!(devices.len(), 40);
    let served: Vec<Device> = serde_json::from_value(serde_json::Value::Array(
        warehouse.rows(ApiVersion::V1_0, "devices").into_iter().map(serde_json::Value::Object).collect(),
    ))
    .unwrap();
    assert_eq!(devices, served);
    let pages = warehouse.requests().iter().filter(|r| r.collection() == Some("devices")).count();
    assert_eq!(pages, 14, "40 rows in pages of 3");
    let document = client.service_document("v1.0").await.unwrap();
    assert_eq!(document.value.len(), intune_dw_client::v1_0::ENTITY_SETS.len());
    let metadata = client.metadata("beta").await.unwrap();
    assert_eq!(metadata, ApiVersion::Beta.embedded_metadata());
}

#[tokio::test]
async fn applies_date_key_filters_modified_since_and_max_history_days_like_the_service() {
    let (warehouse, client) = start().await;
    let today = warehouse.today();
    let last_two = client.v1_0().mam_checkins().date_key_ge(today.previous_day().unwrap()).collect_all().await.unwrap();
    assert_eq!(last_two.len(), 20);
    // maxhistorydays=1 keeps today and yesterday (both ends included).
    let history = client.v1_0().mam_checkins().max_history_days(1).collect_all().await.unwrap();
    assert_eq!(history.len(), 20);
    let all = client.v1_0().devices().collect_all().await.unwrap();
    let newest = all.iter().map(|d| d.row_last_modified_date_time_utc).max().unwrap();
    let since = client.v1_0().devices().modified_since(newest).collect_all().await.unwrap();
    assert_eq!(since.len(), 1);
}

#[tokio::test]
async fn refuses_what_the_service_refuses() {
    let (_warehouse, client) = start().await;
    let status = |e: intune_dw_client::Error| e.status().map(|s| s.as_u16());
    let no_version = Query::<MamCheckin>::new(&client, None).collect_all().await.unwrap_err();
    assert_eq!(status(no_version), Some(400));
    let other_filter = client.v1_0().devices().raw_filter("deviceId eq 'x'").collect_all().await.unwrap_err();
    assert_eq!(status(other_filter), Some(400));
    let bad_token =
        Client::builder().service_root(client.service_root().as_str()).bearer_token("nope").build().unwrap();
    assert_eq!(status(bad_token.v1_0().devices().collect_all().await.unwrap_err()), Some(401));
}
