//! A page's rows as the store keeps them: one value per column, typed from the metadata, and the
//! properties the metadata lacks gathered in `_extra`; and stored values back in their served
//! JSON form.

use std::collections::HashSet;

use intune_dw_client::query::ROW_LAST_MODIFIED;
use rusqlite::types::{Value as SqlValue, ValueRef};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use crate::fetch::Decoder;
use crate::schema::{self, Collection, ColumnType};

/// A row that does not decode into its generated type.
#[derive(Debug, thiserror::Error)]
#[error(
    "{collection}: row {row} of page {url} does not decode at `{field}`: {message}; nothing of this page was stored"
)]
pub struct RowError {
    /// The collection.
    pub collection: String,
    /// The page's URL.
    pub url: Url,
    /// The row's index in the page.
    pub row: usize,
    /// The property (JSON path inside the row).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// A page's rows as column values, and its highest `rowLastModifiedDateTimeUTC`.
#[derive(Debug)]
pub struct Decoded {
    /// One value per column, then `_extra`.
    pub rows: Vec<Vec<SqlValue>>,
    /// The highest `rowLastModifiedDateTimeUTC` of the page.
    pub watermark: Option<OffsetDateTime>,
}

/// Checks every row of a page and turns it into column values; the highest
/// `rowLastModifiedDateTimeUTC` comes along.
pub fn decode_page(
    collection: &Collection,
    known: &HashSet<&str>,
    decoder: Decoder,
    url: &Url,
    rows: Vec<Value>,
) -> Result<Decoded, Box<RowError>> {
    let row_error = |row: usize, field: String, message: String| {
        Box::new(RowError { collection: collection.name.clone(), url: url.clone(), row, field, message })
    };
    let modified = collection.column_index(ROW_LAST_MODIFIED);
    let mut watermark: Option<OffsetDateTime> = None;
    let mut out = Vec::with_capacity(rows.len());
    for (index, row) in rows.into_iter().enumerate() {
        decoder.check(&row).map_err(|(field, message)| row_error(index, field, message))?;
        let Value::Object(mut object) = row else {
            return Err(row_error(index, String::new(), "not a JSON object".into()));
        };
        let mut values: Vec<SqlValue> = collection
            .columns
            .iter()
            .map(|c| object.get(&c.name).map_or(SqlValue::Null, |v| to_sql(c.ty, v)))
            .collect();
        if let Some(SqlValue::Text(at)) = modified.map(|i| &values[i]) {
            let at = OffsetDateTime::parse(at, &Rfc3339)
                .map_err(|e| row_error(index, ROW_LAST_MODIFIED.into(), format!("not an RFC 3339 timestamp: {e}")))?;
            watermark = watermark.max(Some(at));
        }
        // A set lookup: this runs for every property of every row.
        object.retain(|name, _| schema::is_extra(name, |n| known.contains(n)));
        values.push(if object.is_empty() { SqlValue::Null } else { SqlValue::Text(Value::Object(object).to_string()) });
        out.push(values);
    }
    Ok(Decoded { rows: out, watermark })
}

/// A JSON value as stored in a column of type `ty`.
pub fn to_sql(ty: ColumnType, value: &Value) -> SqlValue {
    match (ty, value) {
        (_, Value::Null) => SqlValue::Null,
        (ColumnType::Integer, Value::Number(n)) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        // Int64 may come as a string (IEEE754Compatible).
        (ColumnType::Integer, Value::String(s)) => match s.parse::<i64>() {
            Ok(i) => SqlValue::Integer(i),
            Err(_) => SqlValue::Text(s.clone()),
        },
        (ColumnType::Boolean, Value::Bool(b)) => SqlValue::Integer(i64::from(*b)),
        (ColumnType::Real, Value::Number(n)) => SqlValue::Real(n.as_f64().unwrap_or(f64::NAN)),
        (ColumnType::Real, Value::String(s)) => match s.as_str() {
            "INF" => SqlValue::Real(f64::INFINITY),
            "-INF" => SqlValue::Real(f64::NEG_INFINITY),
            _ => SqlValue::Text(s.clone()),
        },
        (ColumnType::Text, Value::String(s)) => SqlValue::Text(s.clone()),
        (_, other) => SqlValue::Text(other.to_string()),
    }
}

/// A stored value back in its served JSON form.
pub fn to_json(ty: ColumnType, value: ValueRef<'_>) -> Value {
    match (ty, value) {
        (_, ValueRef::Null) => Value::Null,
        (ColumnType::Boolean, ValueRef::Integer(i)) => Value::Bool(i != 0),
        (_, ValueRef::Integer(i)) => Value::from(i),
        (_, ValueRef::Real(f)) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        (ColumnType::Json, ValueRef::Text(t)) => {
            serde_json::from_slice(t).unwrap_or_else(|_| Value::from(String::from_utf8_lossy(t).into_owned()))
        }
        (_, ValueRef::Text(t) | ValueRef::Blob(t)) => Value::from(String::from_utf8_lossy(t).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_round_trip_through_their_column_types() {
        for (ty, value) in [
            (ColumnType::Integer, json!(42)),
            (ColumnType::Integer, json!(-1)),
            (ColumnType::Boolean, json!(true)),
            (ColumnType::Real, json!(1.25)),
            (ColumnType::Text, json!("2025-03-01T00:00:00.0000000Z")),
            (ColumnType::Json, json!([1, {"a": 2}])),
            (ColumnType::Text, Value::Null),
        ] {
            let stored = to_sql(ty, &value);
            assert_eq!(to_json(ty, ValueRef::from(&stored)), value, "{ty:?}");
        }
        assert_eq!(to_sql(ColumnType::Integer, &json!("9007199254740993")), SqlValue::Integer(9007199254740993));
    }
}
