//! The Intune Data Warehouse's own rules and facts, in one place: its API versions, the kinds of
//! its collections, where a tenant's service lives, which token audience it wants, the properties
//! its typed filters use, and the shape of its non-OData error answers. Everything else is plain
//! OData, done by the runtime.
//!
//! Every other crate of the workspace (the sync tool, the mock Warehouse, `xtask`) reads these
//! facts from here: the versions from [`ApiVersion`], each collection's kind (decided by the
//! service profile, `fixtures/profile.toml`, and emitted next to its key) from
//! [`ApiVersion::kind_of`], and the `$metadata` each version module was generated from from
//! [`ApiVersion::metadata`].

use std::fmt;

use odata_runtime::error::ErrorBody;
use odata_runtime::query::EntitySetVisitor;
use time::Date;

/// An API version of the Warehouse (`api-version`), each generated into a module and cargo
/// feature of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiVersion {
    /// `v1.0`: the module and feature `v1_0` (default).
    V1_0,
    /// `beta`: the module and feature `beta`.
    Beta,
}

impl ApiVersion {
    /// Every version, compiled in or not.
    pub const ALL: [ApiVersion; 2] = [ApiVersion::V1_0, ApiVersion::Beta];

    /// The `api-version` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1_0 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }

    /// The version named `text` (`v1.0` or `beta`).
    pub fn parse(text: &str) -> Option<ApiVersion> {
        ApiVersion::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// The module of this crate generated for the version, which is also its cargo feature.
    pub fn module(self) -> &'static str {
        match self {
            ApiVersion::V1_0 => "v1_0",
            ApiVersion::Beta => "beta",
        }
    }

    /// Whether this build of the crate has the version's module (its cargo feature is on).
    pub fn is_compiled(self) -> bool {
        match self {
            ApiVersion::V1_0 => cfg!(feature = "v1_0"),
            ApiVersion::Beta => cfg!(feature = "beta"),
        }
    }

    /// The `$metadata` document the version's module was generated from; `None` when the module
    /// is not compiled.
    pub fn metadata(self) -> Option<&'static str> {
        match self {
            #[cfg(feature = "v1_0")]
            ApiVersion::V1_0 => Some(crate::v1_0::METADATA),
            #[cfg(feature = "beta")]
            ApiVersion::Beta => Some(crate::beta::METADATA),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The entity sets (collections) of the version, in schema order; none when the module is not
    /// compiled.
    pub fn entity_sets(self) -> &'static [&'static str] {
        match self {
            #[cfg(feature = "v1_0")]
            ApiVersion::V1_0 => crate::v1_0::ENTITY_SETS,
            #[cfg(feature = "beta")]
            ApiVersion::Beta => crate::beta::ENTITY_SETS,
            #[allow(unreachable_patterns)]
            _ => &[],
        }
    }

    /// The kind of the collection `name`, as the service profile classifies it; `None` for an
    /// unknown name (or a version not compiled).
    pub fn kind_of(self, name: &str) -> Option<Kind> {
        match self {
            #[cfg(feature = "v1_0")]
            ApiVersion::V1_0 => crate::v1_0::entity_set_kind(name),
            #[cfg(feature = "beta")]
            ApiVersion::Beta => crate::beta::entity_set_kind(name),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = name;
                None
            }
        }
    }

    /// Calls `visitor.visit::<Row>()` with the row type of the collection `name`, for code that
    /// picks a collection at run time; `None` for an unknown name (or a version not compiled).
    pub fn visit_entity_set<V: EntitySetVisitor>(self, name: &str, visitor: V) -> Option<V::Output> {
        match self {
            #[cfg(feature = "v1_0")]
            ApiVersion::V1_0 => crate::v1_0::visit_entity_set(name, visitor),
            #[cfg(feature = "beta")]
            ApiVersion::Beta => crate::beta::visit_entity_set(name, visitor),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = (name, visitor);
                None
            }
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        ApiVersion::parse(text).ok_or_else(|| {
            let known: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.as_str()).collect();
            format!("unknown api-version {text:?} (expected one of {})", known.join(", "))
        })
    }
}

/// How a collection changes over time, which decides how it can be queried and synced. Each
/// collection's kind is decided by the service profile (`fixtures/profile.toml`) and generated as
/// the constant `KIND` of its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Key includes `dateKey`: one snapshot per day; `dateKey` bounds or `maxhistorydays`.
    Fact,
    /// Has an `Edm.DateTimeOffset` `rowLastModifiedDateTimeUTC`: "modified since".
    Dimension,
    /// Neither: small, read whole.
    Lookup,
}

impl Kind {
    /// A short description.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Fact => "date-keyed fact",
            Kind::Dimension => "row-modified dimension",
            Kind::Lookup => "plain lookup",
        }
    }
}

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
