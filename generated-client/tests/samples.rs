//! The sample responses in `fixtures/` decode into the generated row types, and every row
//! survives a round trip through serde unchanged.

use std::path::PathBuf;

use serde::de::DeserializeOwned;

#[derive(Debug, serde::Deserialize)]
struct Page<T> {
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

fn sample(path: &str) -> Vec<u8> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(path);
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Decodes a page, naming the failing row field on error, and round-trips every row.
fn decode_page<T: DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug>(path: &str) -> Page<T> {
    let bytes = sample(path);
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    let page: Page<T> =
        serde_path_to_error::deserialize(de).unwrap_or_else(|e| panic!("{path}: {} at {}", e.inner(), e.path()));
    assert!(!page.value.is_empty(), "{path} has no rows");
    for (i, row) in page.value.iter().enumerate() {
        let json = serde_json::to_vec(row).unwrap();
        let again: T = serde_json::from_slice(&json)
            .unwrap_or_else(|e| panic!("{path} row {i} does not decode after encoding: {e}"));
        assert_eq!(&again, row, "{path} row {i} changed in a round trip");
    }
    page
}

#[cfg(feature = "v1_0")]
mod v1_0 {
    use intune_dw_client::query::{Entity, EntitySet};
    use intune_dw_client::v1_0::{dates::Date, devices::Device, mam_checkins::MamCheckin};

    use super::*;

    #[test]
    fn devices_page() {
        let page = decode_page::<Device>("v1.0/samples/devices.json");
        assert_eq!(page.value.len(), 5);
        assert!(page.next_link.as_deref().is_some_and(|link| link.contains("/devices?")));
        // The Warehouse's 7-digit fractional seconds are kept to the 100 ns.
        let enrolled = page.value.iter().find_map(|d| d.enrolled_date_time).expect("a device with an enrollment time");
        assert_eq!(enrolled.nanosecond() % 100, 0);
        assert_eq!(Device::NAME, "devices");
        assert_eq!(Device::KEY, ["deviceKey"]);
    }

    #[test]
    fn dates_page() {
        let page = decode_page::<Date>("v1.0/samples/dates.json");
        assert!(page.next_link.is_none());
        for date in &page.value {
            let full = date.full_date;
            let key = full.year() * 10_000 + i32::from(u8::from(full.month())) * 100 + i32::from(full.day());
            assert_eq!(date.date_key, key, "dateKey matches fullDate");
        }
        assert_eq!(<Date as Entity>::KEY, ["dateKey"]);
    }

    #[test]
    fn date_keyed_fact_page() {
        let page = decode_page::<MamCheckin>("v1.0/samples/mamCheckins.json");
        assert!(page.value.iter().all(|row| row.date_key > 20_000_000));
        assert!(page.value.iter().any(|row| row.last_check_in_date.is_none()), "the sample has a null check-in");
    }

    #[test]
    fn service_document_lists_every_generated_entity_set() {
        let document: intune_dw_client::ServiceDocument =
            serde_json::from_slice(&sample("v1.0/samples/service-document.json")).unwrap();
        let names: Vec<&str> = document.value.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, intune_dw_client::v1_0::ENTITY_SETS);
    }
}

#[cfg(feature = "beta")]
mod beta {
    use super::*;

    #[test]
    #[allow(deprecated)] // the legacy columns are deprecated in beta
    fn beta_devices_page_with_legacy_columns() {
        let page = decode_page::<intune_dw_client::beta::devices::Device>("beta/samples/devices.json");
        assert_eq!(page.value.len(), 3);
        assert!(page.value.iter().all(|d| d.client_registeration_state_key >= -1));
    }
}
