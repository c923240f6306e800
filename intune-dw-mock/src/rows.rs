//! Deterministic rows for every collection, derived from the metadata by property type.
//!
//! A row is a pure function of (API version, collection, index, edit generation): nothing is
//! held in memory but the edits, so a mock with millions of rows costs nothing to start.
//!
//! - Date-keyed facts have `rows_per_day` rows for each day from `first_day` (one when the key
//!   is `dateKey` alone); adding days adds rows at the end.
//! - Other collections have `rows` rows.
//! - Key properties other than `dateKey` get unique values (`n + 1`, or `"{name}-{n}"`);
//!   `rowLastModifiedDateTimeUTC` grows with the row index and jumps to the mock's clock when the
//!   row is modified; other values come from a hash of the row and property names.
//! - A collection given fixed rows ([`Data::serve_fixed`], the fixture samples) serves exactly
//!   those, in order, whatever the days, retention and modifications.

use std::collections::HashMap;
use std::ops::Range;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::rules::{self, RowFacts};
use intune_dw_client::query::{DATE_KEY, ROW_LAST_MODIFIED, date_time_offset_literal};
use intune_dw_schema::{ApiVersion, Collection, ColumnType, Kind};

/// Seconds after `first_day` at which the modification clock starts (later than every initial
/// `rowLastModifiedDateTimeUTC`).
const CLOCK_START: i64 = 20 * 365 * 86_400;

/// What changed since the mock started.
#[derive(Debug, Clone, Copy)]
struct Edit {
    generation: u64,
    modified: i64,
}

type RowId = (ApiVersion, String, usize);

/// The generated data set and the edits made to it.
#[derive(Debug)]
pub struct Data {
    first_day: Date,
    initial_days: u32,
    days: u32,
    retention: Option<u32>,
    rows: usize,
    clock: i64,
    edits: HashMap<RowId, Edit>,
    corrupt: HashMap<RowId, String>,
    extra: HashMap<(ApiVersion, String), Vec<(String, Value)>>,
    fixed: HashMap<(ApiVersion, String), Vec<Map<String, Value>>>,
}

impl Data {
    /// `rows` rows per collection, facts spread over `days` days from `first_day`; facts keep
    /// only the last `retention` days when given.
    pub fn new(first_day: Date, days: u32, rows: usize, retention: Option<u32>) -> Data {
        let days = days.max(1);
        Data {
            first_day,
            initial_days: days,
            days,
            retention: retention.map(|r| r.max(1)),
            rows,
            clock: CLOCK_START,
            edits: HashMap::new(),
            corrupt: HashMap::new(),
            extra: HashMap::new(),
            fixed: HashMap::new(),
        }
    }

    /// `collection` serves exactly `rows`, in order, instead of generated rows.
    pub fn serve_fixed(&mut self, version: ApiVersion, collection: &str, rows: Vec<Map<String, Value>>) {
        self.fixed.insert((version, collection.to_owned()), rows);
    }

    fn fixed(&self, version: ApiVersion, collection: &Collection) -> Option<&[Map<String, Value>]> {
        if self.fixed.is_empty() {
            return None;
        }
        self.fixed.get(&(version, collection.name.clone())).map(Vec::as_slice)
    }

    /// The last day with data.
    pub fn today(&self) -> Date {
        self.first_day.saturating_add(Duration::days(i64::from(self.days) - 1))
    }

    /// Adds `n` days of data to every fact.
    pub fn add_days(&mut self, n: u32) {
        self.days += n;
    }

    fn rows_per_day(&self, collection: &Collection) -> usize {
        if collection.key == [DATE_KEY] { 1 } else { (self.rows / self.initial_days as usize).max(1) }
    }

    /// The indexes of the rows `collection` serves now (a fact's old days age out with
    /// retention; indexes stay those of their day).
    pub fn range(&self, version: ApiVersion, collection: &Collection) -> Range<usize> {
        if let Some(rows) = self.fixed(version, collection) {
            return 0..rows.len();
        }
        match collection.kind {
            Kind::Fact => {
                let per_day = self.rows_per_day(collection);
                let first = self.retention.map_or(0, |r| self.days.saturating_sub(r)) as usize;
                first * per_day..self.days as usize * per_day
            }
            Kind::Dimension | Kind::Lookup => 0..self.rows,
        }
    }

    /// Modifies `count` rows of `collection`: the first ones of a dimension or lookup, those of
    /// the last day of a fact (none of a collection with fixed rows). Returns their indexes.
    pub fn modify(&mut self, version: ApiVersion, collection: &Collection, count: usize) -> Vec<usize> {
        if self.fixed(version, collection).is_some() {
            return Vec::new();
        }
        let len = self.range(version, collection).end;
        let start = match collection.kind {
            Kind::Fact => len.saturating_sub(self.rows_per_day(collection)),
            Kind::Dimension | Kind::Lookup => 0,
        };
        let indexes: Vec<usize> = (start..len).take(count).collect();
        for &index in &indexes {
            self.clock += 1;
            let clock = self.clock;
            let edit = self
                .edits
                .entry((version, collection.name.clone(), index))
                .or_insert(Edit { generation: 0, modified: clock });
            edit.generation += 1;
            edit.modified = clock;
        }
        indexes
    }

    /// Serves row `index` of `collection` with a value that does not decode in its first
    /// integer property; returns that property's name.
    pub fn corrupt(&mut self, version: ApiVersion, collection: &Collection, index: usize) -> Option<String> {
        let field = collection.columns.iter().find(|c| c.ty == ColumnType::Integer)?.name.clone();
        self.corrupt.insert((version, collection.name.clone(), index), field.clone());
        Some(field)
    }

    /// Every row of `collection` gets the extra property `name` (for additive drift).
    pub fn add_property(&mut self, version: ApiVersion, collection: &str, name: &str, value: Value) {
        self.extra.entry((version, collection.to_owned())).or_default().push((name.to_owned(), value));
    }

    fn position(&self, collection: &Collection, index: usize) -> (usize, usize) {
        match collection.kind {
            Kind::Fact => {
                let per_day = self.rows_per_day(collection);
                (index / per_day, index % per_day)
            }
            Kind::Dimension | Kind::Lookup => (0, index),
        }
    }

    fn edit(&self, version: ApiVersion, collection: &Collection, index: usize) -> Option<Edit> {
        self.edits.get(&(version, collection.name.clone(), index)).copied()
    }

    fn modified_seconds(&self, version: ApiVersion, collection: &Collection, index: usize) -> i64 {
        if let Some(edit) = self.edit(version, collection, index) {
            return edit.modified;
        }
        let (day, n) = self.position(collection, index);
        day as i64 * 86_400 + n as i64
    }

    fn at(&self, seconds: i64) -> OffsetDateTime {
        PrimitiveDateTime::new(self.first_day, Time::MIDNIGHT).assume_utc() + Duration::seconds(seconds)
    }

    fn day_key(&self, day: usize) -> i64 {
        rules::date_key(self.first_day.saturating_add(Duration::days(day as i64)))
    }

    /// What the filters look at, without building the row.
    pub fn facts(&self, version: ApiVersion, collection: &Collection, index: usize) -> RowFacts {
        if let Some(row) = self.fixed(version, collection).and_then(|rows| rows.get(index)) {
            let date_key = row.get(DATE_KEY).and_then(Value::as_i64).filter(|_| collection.kind == Kind::Fact);
            let modified = row
                .get(ROW_LAST_MODIFIED)
                .and_then(Value::as_str)
                .and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok());
            return RowFacts { date_key, modified };
        }
        let date_key = (collection.kind == Kind::Fact).then(|| self.day_key(self.position(collection, index).0));
        let modified =
            collection.column(ROW_LAST_MODIFIED).map(|_| self.at(self.modified_seconds(version, collection, index)));
        RowFacts { date_key, modified }
    }

    /// Row `index` of `collection`, as the service would send it.
    pub fn row(&self, version: ApiVersion, collection: &Collection, index: usize) -> Map<String, Value> {
        let mut row = match self.fixed(version, collection) {
            Some(rows) => rows.get(index).cloned().unwrap_or_default(),
            None => self.generated_row(version, collection, index),
        };
        if let Some(field) = self.corrupt.get(&(version, collection.name.clone(), index)) {
            row.insert(field.clone(), Value::from("malformed-value"));
        }
        for (name, value) in self.extra.get(&(version, collection.name.clone())).into_iter().flatten() {
            row.insert(name.clone(), value.clone());
        }
        row
    }

    fn generated_row(&self, version: ApiVersion, collection: &Collection, index: usize) -> Map<String, Value> {
        let (day, n) = self.position(collection, index);
        let generation = self.edit(version, collection, index).map_or(0, |e| e.generation);
        let mut row = Map::new();
        for column in &collection.columns {
            let value = if column.name == DATE_KEY {
                Value::from(self.day_key(day))
            } else if column.name == ROW_LAST_MODIFIED && column.edm == "Edm.DateTimeOffset" {
                Value::from(timestamp(self.at(self.modified_seconds(version, collection, index))))
            } else if collection.key.contains(&column.name) {
                match column.ty {
                    ColumnType::Integer => Value::from(n as i64 + 1),
                    _ => Value::from(format!("{}-{n}", column.name)),
                }
            } else {
                let seed = seed(&[version.as_str(), &collection.name, &column.name], index as u64, generation);
                self.value(column.ty, &column.edm, &column.name, column.nullable, seed)
            };
            row.insert(column.name.clone(), value);
        }
        row
    }

    fn value(&self, ty: ColumnType, edm: &str, name: &str, nullable: bool, seed: u64) -> Value {
        if nullable && seed.is_multiple_of(5) {
            return Value::Null;
        }
        match ty {
            ColumnType::Integer if edm == "Edm.Int64" => Value::from((seed % 1_000_000_000_000) as i64),
            ColumnType::Integer => Value::from((seed % 100_000) as i64),
            ColumnType::Boolean => Value::from(seed & 2 == 0),
            ColumnType::Real => Value::from((seed % 100_000) as f64 / 100.0),
            ColumnType::Text if edm == "Edm.DateTimeOffset" => {
                Value::from(timestamp(self.at((seed % (86_400 * 365)) as i64)))
            }
            ColumnType::Text if edm == "Edm.Date" => {
                Value::from(self.first_day.saturating_add(Duration::days((seed % 365) as i64)).to_string())
            }
            ColumnType::Text if edm == "Edm.Guid" => Value::from(format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                seed >> 32,
                (seed >> 16) & 0xffff,
                seed & 0xfff,
                (seed >> 4) & 0xfff,
                seed & 0xffff_ffff_ffff
            )),
            ColumnType::Text => Value::from(format!("{name}-{}", seed % 1_000_000)),
            ColumnType::Json if edm.starts_with("Collection(") => Value::Array(Vec::new()),
            ColumnType::Json => Value::Null,
        }
    }
}

/// A well-mixed 64-bit value from names and numbers (FNV-1a, then SplitMix64).
fn seed(names: &[&str], index: u64, generation: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for name in names {
        for byte in name.bytes().chain([0]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let mut z = hash ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ generation.wrapping_mul(0xd1b5_4a32_d192_ed03);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A timestamp as the service writes it (UTC, 7 fractional digits); the mock's are in range.
fn timestamp(at: OffsetDateTime) -> String {
    date_time_offset_literal(at).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use intune_dw_schema::VersionSchema;
    use time::macros::date;

    #[test]
    fn rows_are_deterministic_typed_and_uniquely_keyed() {
        let data = Data::new(date!(2025 - 03 - 01), 3, 10, None);
        let schema = ApiVersion::V1_0.schema();
        let checkins = schema.collection("mamCheckins").unwrap();
        assert_eq!(data.range(ApiVersion::V1_0, checkins), 0..9); // 10 rows over 3 days: 3 a day
        let first = data.row(ApiVersion::V1_0, checkins, 0);
        assert_eq!(first, data.row(ApiVersion::V1_0, checkins, 0));
        assert_eq!(first["dateKey"], 20250301);
        assert_eq!(data.row(ApiVersion::V1_0, checkins, 8)["dateKey"], 20250303);
        let dates = schema.collection("dates").unwrap();
        assert_eq!(data.range(ApiVersion::V1_0, dates).len(), 3);
        for collection in &schema.collections {
            let keys: std::collections::HashSet<String> = data
                .range(ApiVersion::V1_0, collection)
                .map(|i| {
                    let row = data.row(ApiVersion::V1_0, collection, i);
                    collection.key.iter().map(|k| row[k].to_string()).collect::<Vec<_>>().join("|")
                })
                .collect();
            assert_eq!(keys.len(), data.range(ApiVersion::V1_0, collection).len(), "{}", collection.name);
        }
    }

    #[test]
    fn old_days_age_out_with_retention() {
        let mut data = Data::new(date!(2025 - 03 - 01), 3, 9, Some(3));
        let checkins = ApiVersion::V1_0.schema().collection("mamCheckins").unwrap();
        data.add_days(2);
        assert_eq!(data.range(ApiVersion::V1_0, checkins), 6..15);
        assert_eq!(data.row(ApiVersion::V1_0, checkins, 6)["dateKey"], 20250303);
    }

    #[test]
    fn modified_rows_change_and_move_past_every_watermark() {
        let mut data = Data::new(date!(2025 - 03 - 01), 3, 10, None);
        let devices = ApiVersion::V1_0.schema().collection("devices").unwrap();
        let before = data.row(ApiVersion::V1_0, devices, 1);
        let latest = (0..10).filter_map(|i| data.facts(ApiVersion::V1_0, devices, i).modified).max().unwrap();
        assert_eq!(data.modify(ApiVersion::V1_0, devices, 2), [0, 1]);
        assert_ne!(data.row(ApiVersion::V1_0, devices, 1), before);
        assert!(data.facts(ApiVersion::V1_0, devices, 1).modified.unwrap() > latest);
    }

    #[test]
    fn fixed_rows_are_served_as_given_and_filtered_by_their_own_values() {
        let mut data = Data::new(date!(2025 - 03 - 01), 3, 10, Some(1));
        let checkins = ApiVersion::V1_0.schema().collection("mamCheckins").unwrap();
        let rows = crate::samples::rows(ApiVersion::V1_0, "mamCheckins").unwrap();
        data.serve_fixed(ApiVersion::V1_0, "mamCheckins", rows.clone());
        data.add_days(2);
        assert_eq!(data.range(ApiVersion::V1_0, checkins), 0..rows.len());
        assert_eq!(data.modify(ApiVersion::V1_0, checkins, 2), Vec::<usize>::new());
        assert_eq!(data.row(ApiVersion::V1_0, checkins, 1), rows[1]);
        assert_eq!(data.facts(ApiVersion::V1_0, checkins, 1).date_key, rows[1]["dateKey"].as_i64());
        assert_eq!(data.range(ApiVersion::Beta, ApiVersion::Beta.schema().collection("mamCheckins").unwrap()), 12..15);
        let devices = ApiVersion::V1_0.schema().collection("devices").unwrap();
        data.serve_fixed(ApiVersion::V1_0, "devices", crate::samples::rows(ApiVersion::V1_0, "devices").unwrap());
        let modified = data.facts(ApiVersion::V1_0, devices, 0).modified.unwrap();
        assert_eq!(timestamp(modified), data.row(ApiVersion::V1_0, devices, 0)[ROW_LAST_MODIFIED]);
    }
}
