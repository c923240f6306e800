//! The sample pages of `fixtures/{version}/samples/` (synthetic values in the service's shape),
//! embedded. With [`MockConfig::samples`](crate::MockConfig#structfield.samples) on, each
//! collection that has a sample serves exactly its rows, in order, so tests can assert exact
//! rows.

use serde_json::{Map, Value};
use time::{Date, Month};

use crate::ApiVersion;
use intune_dw_client::query::DATE_KEY;

/// Every sample page: API version, collection, the page as the service sent it.
/// (`service-document.json` is not a collection; the mock derives its service document from the
/// metadata.)
const PAGES: &[(ApiVersion, &str, &str)] = &[
    (ApiVersion::V1_0, "dates", include_str!("../../fixtures/v1.0/samples/dates.json")),
    (ApiVersion::V1_0, "devices", include_str!("../../fixtures/v1.0/samples/devices.json")),
    (ApiVersion::V1_0, "mamCheckins", include_str!("../../fixtures/v1.0/samples/mamCheckins.json")),
    (ApiVersion::Beta, "devices", include_str!("../../fixtures/beta/samples/devices.json")),
];

/// The collections that have a sample, with their version.
pub fn collections() -> impl Iterator<Item = (ApiVersion, &'static str)> {
    PAGES.iter().map(|&(version, name, _)| (version, name))
}

/// The rows of the sample page of `collection` in `version`, if there is one.
pub fn rows(version: ApiVersion, collection: &str) -> Option<Vec<Map<String, Value>>> {
    let &(_, name, text) = PAGES.iter().find(|(v, name, _)| *v == version && *name == collection)?;
    // The embedded fixtures are checked by this crate's tests: failing here is a build defect.
    let page: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("the {version} {name} sample: {e}"));
    let rows = page
        .get("value")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("the {version} {name} sample has no rows"));
    Some(rows.iter().filter_map(|row| row.as_object().cloned()).collect())
}

/// The first day and the number of days of the v1.0 `dates` sample: the days the facts of a
/// sample mock cover, so that its [`today`](crate::MockWarehouse::today) is the sample's last day.
pub fn days() -> (Date, u32) {
    let keys: Vec<i64> = rows(ApiVersion::V1_0, "dates")
        .unwrap_or_default()
        .iter()
        .filter_map(|row| row.get(DATE_KEY).and_then(Value::as_i64))
        .collect();
    let (Some(first), Some(last)) =
        (keys.iter().min().and_then(|&k| date(k)), keys.iter().max().and_then(|&k| date(k)))
    else {
        panic!("the v1.0 dates sample has no valid dateKey");
    };
    (first, ((last - first).whole_days() + 1) as u32)
}

/// The date of a `yyyymmdd` key.
fn date(key: i64) -> Option<Date> {
    let month = Month::try_from(u8::try_from(key / 100 % 100).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(key / 10_000).ok()?, month, u8::try_from(key % 100).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use intune_dw_schema::VersionSchema;

    #[test]
    fn every_sample_page_of_the_fixtures_is_embedded_and_names_a_collection() {
        for version in ApiVersion::ALL {
            let dir = format!("{}/../fixtures/{version}/samples", env!("CARGO_MANIFEST_DIR"));
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries {
                let file = entry.unwrap().file_name().into_string().unwrap();
                let Some(name) = file.strip_suffix(".json").filter(|n| *n != "service-document") else { continue };
                assert!(collections().any(|c| c == (version, name)), "{dir}/{file} is not embedded");
            }
        }
        for (version, name) in collections() {
            assert!(version.schema().collection(name).is_some(), "{version} has no {name}");
            assert!(!rows(version, name).unwrap().is_empty(), "{version} {name}");
        }
        assert_eq!(rows(ApiVersion::Beta, "dates"), None);
    }

    #[test]
    fn the_sample_days_are_those_of_the_dates_sample() {
        assert_eq!(days(), (time::macros::date!(2025 - 03 - 10), 7));
    }
}
