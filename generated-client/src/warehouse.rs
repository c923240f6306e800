//! The Intune Data Warehouse's own rules, in one place: where a tenant's service lives, which
//! token audience it wants, the properties its typed filters use, and the shape of its non-OData
//! error answers. Everything else is plain OData, done by the runtime.

use odata_runtime::error::ErrorBody;
use time::Date;

/// The v2 scope of the Intune API, whose application permission `get_data_warehouse` the
/// Warehouse requires.
pub const SCOPE: &str = "https://api.manage.microsoft.com/.default";

/// The environment variable holding a ready bearer token (e.g. from
/// `az account get-access-token --resource https://api.manage.microsoft.com/`).
pub const TOKEN_VAR: &str = "INTUNE_DW_TOKEN";

/// The default `User-Agent`.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The date key property of fact collections (an integer `yyyymmdd`), the only one besides
/// [`ROW_LAST_MODIFIED`] that `$filter` may use.
pub const DATE_KEY: &str = "dateKey";

/// The row-modified timestamp property of dimension collections.
pub const ROW_LAST_MODIFIED: &str = "rowLastModifiedDateTimeUTC";

/// The custom query option limiting a date-keyed collection to its last days.
pub const MAX_HISTORY_DAYS: &str = "maxhistorydays";

/// The service root of the tenant at `location` (as shown in the Intune admin center, e.g.
/// `msua06`), or why the location is invalid.
pub fn service_root(location: &str) -> Result<String, String> {
    let valid = !location.is_empty()
        && location.len() <= 63
        && location.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Err(format!("invalid location {location:?}: expected lowercase letters, digits and '-', e.g. msua06"));
    }
    Ok(format!("https://fef.{location}.manage.microsoft.com/ReportingService/DataWarehouseFEService"))
}

/// A date as the integer `yyyymmdd` the Warehouse uses for `dateKey`; `None` outside the years
/// 1 to 9999.
pub fn date_key(date: Date) -> Option<i32> {
    (1..=9999)
        .contains(&date.year())
        .then(|| date.year() * 10_000 + i32::from(u8::from(date.month())) * 100 + i32::from(date.day()))
}

/// The day of a `dateKey` (`yyyymmdd`), the inverse of [`date_key`]; `None` for a number that is
/// no such day.
pub fn date_of_key(date_key: i64) -> Option<Date> {
    let year = i32::try_from(date_key / 10_000).ok()?;
    let month = time::Month::try_from(u8::try_from(date_key / 100 % 100).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(date_key % 100).ok()?).ok()
}

/// The Warehouse's own (ASP.NET Web API) error answer, `{"_version": 3, "Message": "..."}`,
/// which the runtime keeps as [`ErrorBody::Json`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseError {
    /// `Message`: usually names an operation ID and activity ID for Microsoft support.
    pub message: String,
    /// `_version`, when present.
    pub version: Option<i64>,
}

impl WarehouseError {
    /// Reads the Warehouse's error shape from a response body the runtime parsed.
    pub fn from_body(body: &ErrorBody) -> Option<Self> {
        // The runtime keeps small JSON bodies with a top-level `Message` whole, and reads it.
        let ErrorBody::Json(json) = body else { return None };
        let message = body.message()?.to_owned();
        Some(WarehouseError { message, version: json.get("_version").and_then(|v| v.as_i64()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn date_keys_are_yyyymmdd() {
        assert_eq!(date_key(date!(2018 - 02 - 14)), Some(20180214));
        assert_eq!(date_key(date!(-0001 - 01 - 01)), None);
        assert_eq!(date_of_key(20250301), Some(date!(2025 - 03 - 01)));
        assert_eq!((date_of_key(20251301), date_of_key(-1)), (None, None));
    }

    #[test]
    fn reads_the_warehouse_error_body() {
        let body = br#"{"_version":3,"Message":"An error has occurred - Operation ID (for customer support): 0000 - Activity ID: 1111"}"#;
        assert_eq!(
            WarehouseError::from_body(&ErrorBody::parse(body)),
            Some(WarehouseError {
                message: "An error has occurred - Operation ID (for customer support): 0000 - Activity ID: 1111".into(),
                version: Some(3),
            })
        );
        let legacy = ErrorBody::parse(br#"{"Message":"An internal server error has occurred"}"#);
        assert_eq!(WarehouseError::from_body(&legacy).map(|e| e.version), Some(None));
        assert_eq!(WarehouseError::from_body(&ErrorBody::parse(br#"{"error":{"code":"x","message":"y"}}"#)), None);
    }
}
