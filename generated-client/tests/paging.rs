//! Queries, paging, cursors and next-link safety against the local mock Warehouse (serving the
//! fixture samples in pages of 2 rows).

mod support;

use futures::{StreamExt, TryStreamExt};
use intune_dw_client::query::Query;
use intune_dw_client::v1_0::dates::Date;
use intune_dw_client::v1_0::devices::{Device, DeviceField};
use intune_dw_client::warehouse::WarehouseError;
use intune_dw_client::{Cursor, Error};
use intune_dw_mock::{ApiVersion, Reply, TOKEN};
use support::*;
use time::macros::{date, datetime};

#[tokio::test]
async fn streams_every_row_across_three_pages() {
    let warehouse = start().await;
    let client = warehouse.client();

    let rows = Query::<Device>::new(&client, Some("v1.0")).collect_all().await.unwrap();

    assert_eq!(rows, sample::<Device>("devices.json"));
    let requests = warehouse.service_requests();
    assert_eq!(requests.len(), 3, "5 rows in pages of 2");
    for (i, request) in requests.iter().enumerate() {
        assert_eq!(request.path, format!("{ROOT_PATH}/devices"));
        assert_eq!(request.bearer(), Some(TOKEN));
        assert_eq!(request.param("api-version"), Some("v1.0"));
        let skiptoken = (i > 0).then(|| (2 * i).to_string());
        assert_eq!(request.param("$skiptoken"), skiptoken.as_deref());
    }
}

#[tokio::test]
async fn pages_are_fetched_lazily() {
    let warehouse = start().await;
    let client = warehouse.client();
    let mut rows = Query::<Device>::new(&client, Some("v1.0")).stream();

    let first = rows.try_next().await.unwrap().unwrap();
    assert_eq!(first.device_key, 1_048_231);
    rows.try_next().await.unwrap().unwrap();
    assert_eq!(warehouse.service_requests().len(), 1, "the second page is not read yet");
    rows.try_next().await.unwrap().unwrap();
    assert_eq!(warehouse.service_requests().len(), 2);
}

#[tokio::test]
async fn pages_carry_a_cursor_that_resumes_without_loss_or_duplicates() {
    let warehouse = start().await;
    let client = warehouse.client();
    let query = Query::<Device>::new(&client, Some("v1.0")).top(5);

    // Read one page, persist its cursor, "crash".
    let mut pages = query.pages();
    let page = pages.try_next().await.unwrap().unwrap();
    assert_eq!((page.number(), page.rows().len()), (0, 2));
    let saved = serde_json::to_string(page.next().unwrap()).unwrap();
    let mut extracted = page.into_rows();
    drop(pages);

    let cursor: Cursor = serde_json::from_str(&saved).unwrap();
    assert_eq!(cursor.entity_set(), "devices");
    let resumed = Query::<Device>::new(&client, Some("v1.0")).top(5).resume(cursor.clone());
    let pages: Vec<_> = resumed.pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].next(), None, "the last page has no cursor");
    extracted.extend(pages.into_iter().flat_map(|p| p.into_rows()));

    assert_eq!(extracted, sample::<Device>("devices.json"));
    let requests = warehouse.service_requests();
    assert_eq!(requests.len(), 3, "the first page is not read again");
    assert_eq!(requests[1].param("$skiptoken"), Some("2"));
    assert_eq!(requests[1].param("$top"), Some("5"));

    // A cursor only resumes the query it was taken from.
    let other = Query::<Device>::new(&client, Some("v1.0")).resume(cursor.clone());
    let error = other.stream().try_next().await.unwrap_err();
    assert!(matches!(error, Error::InvalidQuery(_)), "{error:?}");
    let wrong_set = Query::<Date>::new(&client, Some("v1.0")).resume(cursor);
    let error = wrong_set.stream().try_next().await.unwrap_err();
    assert!(matches!(error, Error::InvalidQuery(_)), "{error:?}");
    assert_eq!(warehouse.service_requests().len(), 3, "refused before sending");
}

#[tokio::test]
async fn date_key_bounds_filter_the_date_keyed_sets() {
    let warehouse = start().await;
    let client = warehouse.client();

    let days = Query::<Date>::new(&client, Some("v1.0"))
        .date_key_ge(date!(2025 - 03 - 12))
        .date_key_lt(date!(2025 - 03 - 15))
        .collect_all()
        .await
        .unwrap();

    let keys: Vec<i32> = days.iter().map(|d| d.date_key).collect();
    assert_eq!(keys, [20_250_312, 20_250_313, 20_250_314]);
    let first = warehouse.service_requests().remove(0);
    assert_eq!(first.param("$filter"), Some("dateKey ge 20250312 and dateKey lt 20250315"));
    assert!(
        first.raw_query.contains("$filter=dateKey%20ge%2020250312%20and%20dateKey%20lt%2020250315"),
        "spaces are %20, `$` is literal: {}",
        first.raw_query
    );
    let requests = warehouse.service_requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].param("$filter"), first.param("$filter"), "the next link keeps the filter");
}

#[tokio::test]
async fn max_history_days_is_sent_as_the_custom_option() {
    let warehouse = start().await;
    let client = warehouse.client();

    let days = Query::<Date>::new(&client, Some("v1.0")).max_history_days(2).collect_all().await.unwrap();
    let keys: Vec<i32> = days.iter().map(|d| d.date_key).collect();
    assert_eq!(keys, [20_250_314, 20_250_315, 20_250_316]);
    let request = warehouse.service_requests().pop().unwrap();
    assert_eq!(request.param("maxhistorydays"), Some("2"));
    assert!(!request.raw_query.contains("$maxhistorydays"));
    assert_eq!(request.param("$filter"), None);
}

#[tokio::test]
async fn modified_since_filters_on_the_row_timestamp() {
    let warehouse = start().await;
    let client = warehouse.client();
    let all = sample::<Device>("devices.json");
    let since = datetime!(2025-03-16 07:05:33.2176540 UTC);

    let recent = Query::<Device>::new(&client, Some("v1.0")).modified_since(since).collect_all().await.unwrap();

    let expected: Vec<Device> = all.into_iter().filter(|d| d.row_last_modified_date_time_utc >= since).collect();
    assert!(!expected.is_empty() && expected.len() < 5, "the sample splits");
    assert_eq!(recent, expected);
    assert_eq!(
        warehouse.service_requests()[0].param("$filter"),
        Some("rowLastModifiedDateTimeUTC ge 2025-03-16T07:05:33.2176540Z")
    );
}

#[tokio::test]
async fn unsupported_filters_get_the_warehouse_400_once() {
    let warehouse = start().await;
    let client = warehouse.client();

    let error = Query::<Device>::new(&client, Some("v1.0"))
        .raw_filter("deviceId eq '6f1c2a4e-8b3d-4c7a-9e21-3d5b7a90c4f2'")
        .collect_all()
        .await
        .unwrap_err();

    let Error::Status(status) = &error else {
        panic!("expected a status error, got {error:?}");
    };
    assert_eq!(status.status.as_u16(), 400);
    assert_eq!(status.attempts, 1);
    let Some(WarehouseError { message, version }) = WarehouseError::from_body(&status.body) else {
        panic!("expected the Warehouse error shape, got {:?}", status.body);
    };
    assert_eq!(version, Some(3));
    assert!(message.starts_with("An error has occurred - Operation ID"), "{message}");
    assert!(error.to_string().contains("HTTP 400"), "{error}");
    assert_eq!(warehouse.service_requests().len(), 1, "400 is never retried");
}

#[tokio::test]
async fn select_sends_the_wire_names() {
    let warehouse = start().await;
    let client = warehouse.client();

    let rows: Vec<serde_json::Value> = Query::<Device>::new(&client, Some("beta"))
        .select([DeviceField::DeviceKey, DeviceField::AzureAdDeviceId])
        .stream_as()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(rows.len(), 3, "the beta sample has 3 devices");
    assert_eq!(
        rows[0],
        serde_json::json!({"deviceKey": 1_048_231, "azureADDeviceId": "b2e7d9a1-5c4f-4e8b-a0d3-71f6c2e95a18"})
    );
    let request = &warehouse.service_requests()[0];
    assert_eq!(request.param("$select"), Some("deviceKey,azureADDeviceId"));
    assert_eq!(request.param("api-version"), Some("beta"));
}

#[tokio::test]
async fn service_document_and_metadata() {
    let warehouse = start().await;
    let client = warehouse.client();

    let document = client.service_document("v1.0").await.unwrap();
    let names: Vec<&str> = document.entity_set_names().collect();
    assert_eq!(names.len(), 43);
    assert!(names.contains(&"devices"));
    let metadata = client.metadata("beta").await.unwrap();
    assert_eq!(Some(metadata.as_str()), ApiVersion::Beta.metadata());

    let requests = warehouse.service_requests();
    assert_eq!(requests[0].path, ROOT_PATH);
    assert_eq!(requests[0].param("api-version"), Some("v1.0"));
    assert_eq!(requests[1].path, format!("{ROOT_PATH}/$metadata"));
    assert_eq!(requests[1].param("api-version"), Some("beta"));
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused_and_gets_no_token() {
    let warehouse = start().await;
    let foreign = start().await;
    let foreign_base = foreign.base().to_owned();
    let warehouse_base = warehouse.base().to_owned();
    warehouse.rewrite_next_links(move |_, link| link.replace(&warehouse_base, &foreign_base));
    let client = warehouse.client();

    let mut rows = Query::<Device>::new(&client, Some("v1.0")).stream();
    let mut received = 0;
    let error = loop {
        match rows.next().await {
            Some(Ok(_)) => received += 1,
            Some(Err(error)) => break error,
            None => panic!("the stream ended without an error"),
        }
    };

    assert_eq!(received, 2, "the first page's rows are still delivered");
    let Error::InvalidNextLink { link, .. } = &error else {
        panic!("expected InvalidNextLink, got {error:?}");
    };
    assert!(link.starts_with(foreign.base()));
    assert!(rows.next().await.is_none(), "the stream ends after the error");
    assert_eq!(foreign.service_requests().len(), 0, "nothing, and so no token, went to the foreign host");
    assert_eq!(warehouse.service_requests().len(), 1);
}

#[tokio::test]
async fn a_next_link_to_another_host_name_or_scheme_is_refused() {
    let warehouse = start().await;
    let client = warehouse.client();
    let port = warehouse.addr().port();
    // `localhost` would reach this very server: the check is on the name, not the address.
    for (from, to) in [
        (format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")),
        (format!("http://127.0.0.1:{port}"), format!("https://127.0.0.1:{port}")),
    ] {
        warehouse.rewrite_next_links(move |_, link| link.replace(&from, &to));
        let before = warehouse.service_requests().len();
        let mut pages = Query::<Device>::new(&client, Some("v1.0")).pages();
        let page = pages.try_next().await.unwrap().unwrap();
        assert_eq!(page.next(), None, "no cursor for a link that cannot be followed");
        let error = pages.try_next().await.unwrap_err();
        assert!(matches!(error, Error::InvalidNextLink { .. }), "{error:?}");
        assert_eq!(warehouse.service_requests().len(), before + 1);
    }
}

#[tokio::test]
async fn a_repeating_next_link_ends_the_stream_with_an_error() {
    let warehouse = start().await;
    // From the second page on, the server links back to the page it just served.
    let base = warehouse.base().to_owned();
    warehouse.rewrite_next_links(move |request, link| {
        if request.param("$skiptoken").is_some() {
            format!("{base}{}?{}", request.path, request.raw_query)
        } else {
            link
        }
    });
    let client = warehouse.client();

    let mut rows = Query::<Device>::new(&client, Some("v1.0")).stream();
    let mut received = 0;
    let error = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), rows.next()).await {
            Ok(Some(Ok(_))) => received += 1,
            Ok(Some(Err(error))) => break error,
            Ok(None) => panic!("the stream ended without an error"),
            Err(_) => panic!("the client loops on a repeating next link"),
        }
    };

    assert_eq!(received, 4, "two pages were read once each");
    let Error::InvalidNextLink { reason, .. } = &error else {
        panic!("expected InvalidNextLink, got {error:?}");
    };
    assert!(reason.contains("repeats"), "{reason}");
    assert_eq!(warehouse.service_requests().len(), 2);
}

#[tokio::test]
async fn relative_next_links_are_resolved() {
    let warehouse = start().await;
    let base = warehouse.base().to_owned();
    warehouse.rewrite_next_links(move |_, link| link.replacen(&base, "", 1));
    let client = warehouse.client();

    let rows = Query::<Device>::new(&client, Some("v1.0")).collect_all().await.unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(warehouse.service_requests().len(), 3);
}

#[tokio::test]
async fn malformed_pages_and_rows_are_decode_errors() {
    let warehouse = start().await;
    warehouse.intercept(|request| {
        (request.param("$skiptoken") == Some("2")).then(|| Reply::new(200, r#"{"value": [{"deviceKey": 1,"#))
    });
    let client = warehouse.client();

    let error = Query::<Device>::new(&client, Some("v1.0")).collect_all().await.unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!((decode.collection.as_str(), decode.page, decode.row), ("devices", 1, None));
    assert_eq!(warehouse.service_requests().len(), 2, "a malformed body is not retried");

    // A row whose field has the wrong type: the error names row and field.
    let mut rows = sample_rows("devices.json");
    rows[3]["totalStorageSpaceInBytes"] = serde_json::json!("lots");
    let second_page = serde_json::json!({ "value": [rows[2], rows[3]] }).to_string();
    warehouse.intercept(move |request| {
        (request.param("$skiptoken") == Some("2")).then(|| Reply::new(200, second_page.clone()))
    });
    let error = Query::<Device>::new(&client, Some("v1.0")).collect_all().await.unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!((decode.page, decode.row), (1, Some(1)));
    assert_eq!(decode.path, "totalStorageSpaceInBytes");
    assert!(
        error.to_string().starts_with("cannot decode devices page 1 row 1 at `totalStorageSpaceInBytes`"),
        "{error}"
    );
}
