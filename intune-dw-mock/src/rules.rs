//! The Warehouse's rules, as the mock applies them (one place, from the service facts the client
//! was built on):
//!
//! - `api-version` is required and is one the client knows (`ApiVersion`); anything else is
//!   HTTP 400;
//! - `$filter` may only compare `dateKey` (`lt`, `le`, `eq`, `ge`, `gt` with an 8-digit
//!   `yyyymmdd` integer, joined by `and`) on date-keyed collections, and
//!   `rowLastModifiedDateTimeUTC ge <timestamp>` on collections that have it; anything else is
//!   HTTP 400 with the Warehouse's own error body;
//! - `maxhistorydays=N` keeps `dateKey >= today - N` (both ends included, so 7 days from
//!   2018-02-21 returns 20180214 to 20180221) and is ignored next to a `dateKey` filter;
//! - errors look like `{"_version":3,"Message":"An error has occurred - …"}`.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

/// A `dateKey` comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "lt" => Op::Lt,
            "le" => Op::Le,
            "eq" => Op::Eq,
            "ge" => Op::Ge,
            "gt" => Op::Gt,
            _ => return None,
        })
    }

    fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Op::Lt => left < right,
            Op::Le => left <= right,
            Op::Eq => left == right,
            Op::Ge => left >= right,
            Op::Gt => left > right,
        }
    }
}

/// One accepted `$filter` comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clause {
    /// `dateKey {op} yyyymmdd`
    DateKey(Op, i64),
    /// `rowLastModifiedDateTimeUTC ge {timestamp}`
    ModifiedSince(OffsetDateTime),
}

/// What a collection allows filtering on.
#[derive(Debug, Clone, Copy)]
pub struct Filterable {
    /// Key includes `dateKey`.
    pub date_key: bool,
    /// Has `rowLastModifiedDateTimeUTC`.
    pub row_last_modified: bool,
}

/// The clauses of `filter`, or `None` when the Warehouse would refuse it (HTTP 400).
pub fn parse_filter(filter: &str, on: Filterable) -> Option<Vec<Clause>> {
    filter
        .split(" and ")
        .map(|clause| {
            let parts: Vec<&str> = clause.split(' ').collect();
            match parts.as_slice() {
                ["dateKey", op, value] if on.date_key && value.len() == 8 => {
                    Some(Clause::DateKey(Op::parse(op)?, value.parse().ok()?))
                }
                ["rowLastModifiedDateTimeUTC", "ge", value] if on.row_last_modified => {
                    Some(Clause::ModifiedSince(OffsetDateTime::parse(value, &Rfc3339).ok()?))
                }
                _ => None,
            }
        })
        .collect()
}

/// The row facts a filter looks at.
#[derive(Debug, Clone, Copy)]
pub struct RowFacts {
    /// `dateKey` as `yyyymmdd`, on date-keyed collections.
    pub date_key: Option<i64>,
    /// `rowLastModifiedDateTimeUTC`, where present.
    pub modified: Option<OffsetDateTime>,
}

/// Whether a row passes every clause.
pub fn keep(row: RowFacts, clauses: &[Clause]) -> bool {
    clauses.iter().all(|clause| match *clause {
        Clause::DateKey(op, bound) => row.date_key.is_some_and(|key| op.holds(key, bound)),
        Clause::ModifiedSince(since) => row.modified.is_some_and(|at| at >= since),
    })
}

/// The first `dateKey` that `maxhistorydays=days` keeps, counted back from `today`.
pub fn history_start(today: Date, days: u32) -> i64 {
    date_key(today.saturating_sub(time::Duration::days(i64::from(days))))
}

/// Whether `maxhistorydays` applies: only without a `dateKey` filter.
pub fn history_applies(clauses: &[Clause]) -> bool {
    !clauses.iter().any(|c| matches!(c, Clause::DateKey(..)))
}

/// `date` as the integer `yyyymmdd`.
pub fn date_key(date: Date) -> i64 {
    i64::from(date.year()) * 10_000 + i64::from(u8::from(date.month())) * 100 + i64::from(date.day())
}

/// The Warehouse's error body.
pub fn error_body(message: &str) -> String {
    serde_json::json!({ "_version": 3, "Message": message }).to_string()
}

/// The message of a refused request, like the service's (operation and activity IDs included).
pub fn refused_message(url: &str) -> String {
    format!(
        "An error has occurred - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - \
         Activity ID: 11111111-1111-1111-1111-111111111111 - Url: {url}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const BOTH: Filterable = Filterable { date_key: true, row_last_modified: true };

    #[test]
    fn accepts_only_the_warehouse_filters() {
        assert_eq!(
            parse_filter("dateKey ge 20250301 and dateKey lt 20250305", BOTH),
            Some(vec![Clause::DateKey(Op::Ge, 20250301), Clause::DateKey(Op::Lt, 20250305)])
        );
        assert_eq!(
            parse_filter("rowLastModifiedDateTimeUTC ge 2025-03-01T00:00:00.0000000Z", BOTH),
            Some(vec![Clause::ModifiedSince(datetime!(2025-03-01 0:00 UTC))])
        );
        let none = Filterable { date_key: false, row_last_modified: false };
        for refused in [
            "deviceId eq 'x'",
            "dateKey ge 2025",
            "dateKey ne 20250301",
            "rowLastModifiedDateTimeUTC gt 2025-03-01T00:00:00Z",
            "dateKey ge 20250301 or dateKey lt 20250305",
        ] {
            assert_eq!(parse_filter(refused, BOTH), None, "{refused}");
        }
        assert_eq!(parse_filter("dateKey ge 20250301", none), None);
    }

    #[test]
    fn max_history_days_counts_back_from_today_both_ends_included() {
        assert_eq!(history_start(date!(2018 - 02 - 21), 7), 20180214);
        assert!(history_applies(&[Clause::ModifiedSince(datetime!(2025-03-01 0:00 UTC))]));
        assert!(!history_applies(&[Clause::DateKey(Op::Ge, 20250301)]));
    }
}
