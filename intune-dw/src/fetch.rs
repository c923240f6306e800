//! Pages of one collection chosen by name, through its typed query (`try_*` filters checked
//! against the row type), each row checked against the generated row type.
//!
//! Rows come as JSON values, so that properties the row type does not know are kept (the
//! store's `_extra`); [`Decoder::check`] decodes a row into the row type to prove it is valid.

use anyhow::{Result, anyhow};
use intune_dw_client::paging::Pages;
use intune_dw_client::query::{DATE_KEY, DateScope, EntitySet, EntitySetVisitor, Query};
use intune_dw_client::{Client, Cursor, warehouse};
use serde_json::Value;
use time::OffsetDateTime;

use crate::schema::ApiVersion;

/// What to ask for; only filters the Warehouse accepts.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `dateKey ge yyyymmdd` (date-keyed collections).
    pub from_date_key: Option<i64>,
    /// `rowLastModifiedDateTimeUTC ge` (collections that have it).
    pub modified_since: Option<OffsetDateTime>,
    /// `maxhistorydays` (date-keyed collections; not with `from_date_key`).
    pub max_history_days: Option<u32>,
    /// Continue there (a cursor of the same request).
    pub cursor: Option<Cursor>,
}

/// The page stream and the row check of one collection.
pub struct RowPages {
    /// Pages of JSON rows.
    pub pages: Pages<Value>,
    /// Decodes a row into the collection's row type.
    pub decoder: Decoder,
}

impl std::fmt::Debug for RowPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowPages").finish_non_exhaustive()
    }
}

/// Decodes one row into the generated row type: `Err((field, message))` when it does not.
#[derive(Debug, Clone, Copy)]
pub struct Decoder {
    check: fn(&Value) -> Result<(), (String, String)>,
}

impl Decoder {
    /// Checks that `row` decodes; the error names the field (JSON path) and the problem.
    pub fn check(self, row: &Value) -> Result<(), (String, String)> {
        (self.check)(row)
    }
}

fn check_row<E: EntitySet>(row: &Value) -> Result<(), (String, String)> {
    serde_path_to_error::deserialize::<_, E>(row).map(drop).map_err(|e| (e.path().to_string(), e.inner().to_string()))
}

/// Opens `request` on the collection `name` of `version`.
pub fn open(client: &Client, version: ApiVersion, name: &str, request: Request) -> Result<RowPages> {
    version
        .visit_entity_set(name, Open { client, version, request })
        .ok_or_else(|| anyhow!("api-version {version} has no collection {name:?}"))?
}

struct Open<'a> {
    client: &'a Client,
    version: ApiVersion,
    request: Request,
}

impl EntitySetVisitor for Open<'_> {
    type Output = Result<RowPages>;

    fn visit<E: EntitySet>(self) -> Self::Output {
        let query = Query::<E>::new(self.client, Some(self.version.as_str()));
        match (self.request.max_history_days, self.request.from_date_key) {
            (Some(days), None) => finish(query.try_max_history_days(days)?, self.request),
            (None, Some(date_key)) => {
                let date = warehouse::date_of_key(date_key)
                    .ok_or_else(|| anyhow!("{date_key} is not a {DATE_KEY} (yyyymmdd)"))?;
                finish(query.try_date_key_ge(date)?, self.request)
            }
            (None, None) => finish(query, self.request),
            (Some(_), Some(_)) => Err(anyhow!("maxhistorydays and a {DATE_KEY} bound cannot be combined")),
        }
    }
}

fn finish<E: EntitySet, S: DateScope>(query: Query<'_, E, S>, request: Request) -> Result<RowPages> {
    let query = match request.modified_since {
        Some(since) => query.try_modified_since(since)?,
        None => query,
    };
    let query = match request.cursor {
        Some(cursor) => query.resume(cursor),
        None => query,
    };
    Ok(RowPages { pages: query.pages_as::<Value>(), decoder: Decoder { check: check_row::<E> } })
}
