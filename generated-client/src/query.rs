//! Typed queries on one collection, restricted to what the Warehouse accepts.
//!
//! The generated code implements [`EntitySet`] (and [`Field`]) for every collection's row type,
//! and the marker traits [`DateKeyed`] / [`RowLastModified`] where they apply; the query methods
//! are then only available where the service supports them:
//!
//! - every collection: [`select`](Query::select), [`top`](Query::top), [`skip`](Query::skip);
//! - key includes `dateKey` ([`DateKeyed`]): `dateKey` bounds
//!   ([`date_key_ge`](Query::date_key_ge) and friends, joined by `and`, sent as `yyyymmdd`) **or**
//!   [`max_history_days`](Query::max_history_days): the service ignores `maxhistorydays` when a
//!   `dateKey` filter is present, so the two cannot be combined (the query's [`DateScope`] type
//!   parameter tracks which one was chosen);
//! - has `rowLastModifiedDateTimeUTC` ([`RowLastModified`]):
//!   [`modified_since`](Query::modified_since).
//!
//! ```compile_fail,E0599
//! # use intune_dw_client::query::*;
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Dev;
//! # #[derive(Debug, Clone, Copy)] enum F { K }
//! # impl Field for F { const ALL: &'static [Self] = &[F::K]; fn wire_name(self) -> &'static str { "deviceKey" } }
//! # impl EntitySet for Dev { const NAME: &'static str = "devices"; const KEY: &'static [&'static str] = &["deviceKey"]; type Field = F; }
//! # fn f(client: &intune_dw_client::Client) {
//! // `devices` is not keyed by date: no dateKey filter.
//! Query::<Dev>::new(client, Some("v1.0")).date_key_ge(time::macros::date!(2025 - 03 - 01));
//! # }
//! ```
//!
//! ```compile_fail,E0599
//! # use intune_dw_client::query::*;
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Day;
//! # #[derive(Debug, Clone, Copy)] enum F { K }
//! # impl Field for F { const ALL: &'static [Self] = &[F::K]; fn wire_name(self) -> &'static str { "dateKey" } }
//! # impl EntitySet for Day { const NAME: &'static str = "dates"; const KEY: &'static [&'static str] = &["dateKey"]; type Field = F; }
//! # impl DateKeyed for Day {}
//! # fn f(client: &intune_dw_client::Client) {
//! // maxhistorydays would be ignored next to a dateKey filter: does not compile.
//! Query::<Day>::new(client, Some("v1.0"))
//!     .date_key_ge(time::macros::date!(2025 - 03 - 01))
//!     .max_history_days(7);
//! # }
//! ```
//!
//! Results come as a lazy [`stream`](Query::stream) of rows, a [`pages`](Query::pages) stream
//! whose pages carry a resumable [`Cursor`], or all at once ([`collect_all`](Query::collect_all)).
//!
//! # Escape hatch
//!
//! [`raw_filter`](Query::raw_filter) and [`custom_option`](Query::custom_option) send any
//! `$filter` or query option unchecked, for experiments (typically on `beta`). The Warehouse
//! answers 400 to filters on other properties.

use std::fmt;
use std::marker::PhantomData;

use futures::{StreamExt, TryStreamExt};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::{Date, OffsetDateTime, UtcOffset};
use url::Url;

use crate::client::Client;
use crate::error::Error;
use crate::paging::{self, Cursor, Pages, Rows};

/// The date key property (an integer `yyyymmdd`).
pub const DATE_KEY: &str = "dateKey";
/// The row-modified timestamp property.
pub const ROW_LAST_MODIFIED: &str = "rowLastModifiedDateTimeUTC";

/// The structural properties of one collection (a generated enum).
pub trait Field: Copy + fmt::Debug + Send + Sync + 'static {
    /// Every property, in metadata order.
    const ALL: &'static [Self];

    /// The property name on the wire (e.g. `deviceKey`).
    fn wire_name(self) -> &'static str;

    /// The property with this wire name.
    fn from_wire_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.wire_name() == name)
    }
}

/// A collection's row type.
pub trait EntitySet: DeserializeOwned + Serialize + Send + 'static {
    /// The entity-set name: the URL path segment, e.g. `devices`.
    const NAME: &'static str;
    /// The key properties' wire names, in key order.
    const KEY: &'static [&'static str];
    /// The property enum.
    type Field: Field;

    /// Whether the key includes `dateKey` (the runtime twin of [`DateKeyed`]), for code that is
    /// generic over collections.
    fn is_date_keyed() -> bool {
        Self::KEY.contains(&DATE_KEY)
    }

    /// Whether the collection has `rowLastModifiedDateTimeUTC` (the runtime twin of
    /// [`RowLastModified`]).
    fn has_row_last_modified() -> bool {
        Self::Field::from_wire_name(ROW_LAST_MODIFIED).is_some()
    }
}

/// Marks collections whose key includes `dateKey`: they accept `dateKey` filters and
/// `maxhistorydays`.
pub trait DateKeyed: EntitySet {}

/// Marks collections with an `Edm.DateTimeOffset` `rowLastModifiedDateTimeUTC`: they accept a
/// "modified since" filter.
pub trait RowLastModified: EntitySet {}

/// Code that works on any collection, chosen by name at run time through the generated
/// `visit_entity_set` functions.
pub trait EntitySetVisitor {
    /// What the visit returns.
    type Output;
    /// Called with the collection's row type.
    fn visit<E: EntitySet>(self) -> Self::Output;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::NoDateScope {}
    impl Sealed for super::DateKeyFiltered {}
    impl Sealed for super::HistoryLimited {}
}

/// How a query limits a date-keyed collection (type state; see the module docs).
pub trait DateScope: sealed::Sealed + Send + Sync + 'static {}
/// The scopes that accept (further) `dateKey` bounds.
pub trait AcceptsDateKeyBounds: DateScope {}

/// No `dateKey` bound and no `maxhistorydays` yet.
#[derive(Debug, Clone, Copy)]
pub struct NoDateScope;
/// Has `dateKey` bounds: `maxhistorydays` is no longer available.
#[derive(Debug, Clone, Copy)]
pub struct DateKeyFiltered;
/// Has `maxhistorydays`: `dateKey` bounds are no longer available.
#[derive(Debug, Clone, Copy)]
pub struct HistoryLimited;

impl DateScope for NoDateScope {}
impl DateScope for DateKeyFiltered {}
impl DateScope for HistoryLimited {}
impl AcceptsDateKeyBounds for NoDateScope {}
impl AcceptsDateKeyBounds for DateKeyFiltered {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Comparison {
    fn operator(self) -> &'static str {
        match self {
            Comparison::Lt => "lt",
            Comparison::Le => "le",
            Comparison::Eq => "eq",
            Comparison::Ge => "ge",
            Comparison::Gt => "gt",
        }
    }
}

/// Query options that the service manages, not available as custom options.
const RESERVED_OPTIONS: &[&str] = &["api-version", "$select", "$filter", "$top", "$skip", "maxhistorydays"];

/// A query on the collection `E`, built then run with [`stream`](Query::stream),
/// [`pages`](Query::pages) or [`collect_all`](Query::collect_all).
pub struct Query<'c, E: EntitySet, S: DateScope = NoDateScope> {
    client: &'c Client,
    api_version: Option<&'static str>,
    select: Vec<E::Field>,
    top: Option<u32>,
    skip: Option<u64>,
    date_key: Vec<(Comparison, Date)>,
    max_history_days: Option<u32>,
    modified_since: Option<OffsetDateTime>,
    raw_filter: Option<String>,
    custom: Vec<(String, String)>,
    resume: Option<Cursor>,
    _scope: PhantomData<fn() -> (E, S)>,
}

impl<E: EntitySet, S: DateScope> Clone for Query<'_, E, S> {
    fn clone(&self) -> Self {
        Query {
            client: self.client,
            api_version: self.api_version,
            select: self.select.clone(),
            top: self.top,
            skip: self.skip,
            date_key: self.date_key.clone(),
            max_history_days: self.max_history_days,
            modified_since: self.modified_since,
            raw_filter: self.raw_filter.clone(),
            custom: self.custom.clone(),
            resume: self.resume.clone(),
            _scope: PhantomData,
        }
    }
}

impl<E: EntitySet, S: DateScope> fmt::Debug for Query<'_, E, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("entity_set", &E::NAME)
            .field("api_version", &self.api_version)
            .field("select", &self.select)
            .field("top", &self.top)
            .field("skip", &self.skip)
            .field("date_key", &self.date_key)
            .field("max_history_days", &self.max_history_days)
            .field("modified_since", &self.modified_since)
            .field("raw_filter", &self.raw_filter)
            .field("custom", &self.custom)
            .field("resume", &self.resume)
            .finish()
    }
}

impl<'c, E: EntitySet> Query<'c, E> {
    /// A query on `E` that sends `api-version={api_version}` (generated code passes its
    /// version module's `API_VERSION`).
    pub fn new(client: &'c Client, api_version: Option<&'static str>) -> Self {
        Query {
            client,
            api_version,
            select: Vec::new(),
            top: None,
            skip: None,
            date_key: Vec::new(),
            max_history_days: None,
            modified_since: None,
            raw_filter: None,
            custom: Vec::new(),
            resume: None,
            _scope: PhantomData,
        }
    }

    /// The runtime-checked twin of [`max_history_days`](Query::max_history_days) for code that
    /// is generic over collections: an error when `E` is not keyed by `dateKey`.
    pub fn try_max_history_days(self, days: u32) -> Result<Query<'c, E, HistoryLimited>, Error> {
        if !E::is_date_keyed() {
            return Err(Error::InvalidQuery(format!(
                "{} is not keyed by {DATE_KEY}: maxhistorydays would have no effect",
                E::NAME
            )));
        }
        Ok(self.history(days))
    }

    fn history(self, days: u32) -> Query<'c, E, HistoryLimited> {
        let mut query = self.into_scope();
        query.max_history_days = Some(days);
        query
    }
}

impl<'c, E: DateKeyed> Query<'c, E> {
    /// Only the last `days` days of a date-keyed collection (custom query option
    /// `maxhistorydays`; `days` must be at least 1). The service counts back from today, both
    /// ends included: with today = 2018-02-21, 7 days returns dateKeys 20180214 to 20180221.
    pub fn max_history_days(self, days: u32) -> Query<'c, E, HistoryLimited> {
        self.history(days)
    }
}

impl<'c, E: DateKeyed, S: AcceptsDateKeyBounds> Query<'c, E, S> {
    /// Rows with `dateKey` before `date`.
    pub fn date_key_lt(self, date: Date) -> Query<'c, E, DateKeyFiltered> {
        self.date_bound(Comparison::Lt, date)
    }

    /// Rows with `dateKey` on or before `date`.
    pub fn date_key_le(self, date: Date) -> Query<'c, E, DateKeyFiltered> {
        self.date_bound(Comparison::Le, date)
    }

    /// Rows with `dateKey` equal to `date`.
    pub fn date_key_eq(self, date: Date) -> Query<'c, E, DateKeyFiltered> {
        self.date_bound(Comparison::Eq, date)
    }

    /// Rows with `dateKey` on or after `date`.
    pub fn date_key_ge(self, date: Date) -> Query<'c, E, DateKeyFiltered> {
        self.date_bound(Comparison::Ge, date)
    }

    /// Rows with `dateKey` after `date`.
    pub fn date_key_gt(self, date: Date) -> Query<'c, E, DateKeyFiltered> {
        self.date_bound(Comparison::Gt, date)
    }

    fn date_bound(self, comparison: Comparison, date: Date) -> Query<'c, E, DateKeyFiltered> {
        let mut query = self.into_scope();
        query.date_key.push((comparison, date));
        query
    }
}

impl<E: RowLastModified, S: DateScope> Query<'_, E, S> {
    /// Rows modified at or after `since`: `$filter=rowLastModifiedDateTimeUTC ge {since}`,
    /// sent in UTC with 7 fractional digits (truncated, so no row is missed). Replaces an earlier
    /// `modified_since`.
    pub fn modified_since(mut self, since: OffsetDateTime) -> Self {
        self.modified_since = Some(since);
        self
    }
}

impl<'c, E: EntitySet, S: DateScope> Query<'c, E, S> {
    /// The runtime-checked twin of [`modified_since`](Query::modified_since): an error when
    /// `E` has no `rowLastModifiedDateTimeUTC`.
    pub fn try_modified_since(mut self, since: OffsetDateTime) -> Result<Self, Error> {
        if !E::has_row_last_modified() {
            return Err(Error::InvalidQuery(format!("{} has no {ROW_LAST_MODIFIED} property to filter on", E::NAME)));
        }
        self.modified_since = Some(since);
        Ok(self)
    }

    /// Only these properties (`$select`); adds to an earlier selection.
    ///
    /// Rows still decode into `E`: if `E` has required (non-`Option`) properties that the
    /// selection leaves out, read them with [`stream_as`](Query::stream_as) into a type of your
    /// own (or `serde_json::Value`). Whether the live service honours `$select` is uncertain.
    pub fn select(mut self, fields: impl IntoIterator<Item = E::Field>) -> Self {
        for field in fields {
            if !self.select.iter().any(|f| f.wire_name() == field.wire_name()) {
                self.select.push(field);
            }
        }
        self
    }

    /// At most `n` rows (`$top`).
    pub fn top(mut self, n: u32) -> Self {
        self.top = Some(n);
        self
    }

    /// Skips the first `n` rows (`$skip`).
    pub fn skip(mut self, n: u64) -> Self {
        self.skip = Some(n);
        self
    }

    /// **Escape hatch**: an unchecked `$filter` expression, joined with `and` to the typed
    /// filters. Meant for experiments: the Warehouse answers 400 to filters on anything but
    /// `dateKey` and `rowLastModifiedDateTimeUTC`. A raw filter that mentions `dateKey` is
    /// refused next to [`max_history_days`](Query::max_history_days), which it would disable.
    pub fn raw_filter(mut self, filter: impl Into<String>) -> Self {
        self.raw_filter = Some(filter.into());
        self
    }

    /// **Escape hatch**: an extra query option sent as is (percent-encoded), e.g. `$orderby`
    /// on `beta`. The options this builder manages (`api-version`, `$select`, `$filter`,
    /// `$top`, `$skip`, `maxhistorydays`) are refused when the query is sent.
    pub fn custom_option(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.custom.push((name.into(), value.into()));
        self
    }

    /// Continues an interrupted extraction from `cursor` (taken from a [`paging::Page`] of this
    /// same query): the first request goes to the cursor's next link, so the rows of the pages
    /// read before are neither lost nor repeated. Refused when the query differs from the one
    /// the cursor came from.
    pub fn resume(mut self, cursor: Cursor) -> Self {
        self.resume = Some(cursor);
        self
    }

    /// The `api-version` sent.
    pub fn api_version(&self) -> Option<&'static str> {
        self.api_version
    }

    /// The URL of the first page.
    pub fn request_url(&self) -> Result<Url, Error> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(version) = self.api_version {
            pairs.push(("api-version", version.to_owned()));
        }
        if !self.select.is_empty() {
            let names: Vec<_> = self.select.iter().map(|f| f.wire_name()).collect();
            pairs.push(("$select", names.join(",")));
        }
        if let Some(filter) = self.filter()? {
            pairs.push(("$filter", filter));
        }
        if let Some(top) = self.top {
            pairs.push(("$top", top.to_string()));
        }
        if let Some(skip) = self.skip {
            pairs.push(("$skip", skip.to_string()));
        }
        if let Some(days) = self.max_history_days {
            if days == 0 {
                return Err(Error::InvalidQuery("maxhistorydays must be at least 1".into()));
            }
            pairs.push(("maxhistorydays", days.to_string()));
        }
        for (name, value) in &self.custom {
            if name.is_empty() || RESERVED_OPTIONS.iter().any(|r| r.eq_ignore_ascii_case(name)) {
                return Err(Error::InvalidQuery(format!(
                    "custom option {name:?} is managed by the query builder or empty"
                )));
            }
            pairs.push((name, value.clone()));
        }
        let mut url = self.client.url(&[E::NAME]);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        set_query(&mut url, &pairs);
        Ok(url)
    }

    fn filter(&self) -> Result<Option<String>, Error> {
        let mut clauses = Vec::new();
        for (comparison, date) in &self.date_key {
            clauses.push(format!("{DATE_KEY} {} {}", comparison.operator(), date_key(*date)?));
        }
        if let Some(since) = self.modified_since {
            clauses.push(format!("{ROW_LAST_MODIFIED} ge {}", timestamp(since)?));
        }
        if let Some(raw) = &self.raw_filter {
            if self.max_history_days.is_some() && raw.to_ascii_lowercase().contains("datekey") {
                return Err(Error::InvalidQuery(
                    "the service ignores maxhistorydays when the $filter names dateKey".into(),
                ));
            }
            clauses.push(raw.clone());
        }
        Ok((!clauses.is_empty()).then(|| clauses.join(" and ")))
    }

    /// Every page, fetched lazily as the stream is polled; each page carries the [`Cursor`]
    /// of the next one. The stream ends after the last page or after the first error.
    pub fn pages(&self) -> Pages<E> {
        self.pages_as()
    }

    /// Like [`pages`](Query::pages), decoding rows into `T` instead of `E` (e.g. after
    /// [`select`](Query::select), or into `serde_json::Value`).
    pub fn pages_as<T: DeserializeOwned + Send + 'static>(&self) -> Pages<T> {
        paging::pages(self.client.clone(), E::NAME, self.start())
    }

    /// Every row of every page, following `@odata.nextLink` lazily: at most one page is held
    /// in memory. Use [`pages`](Query::pages) to be able to resume after a failure.
    pub fn stream(&self) -> Rows<E> {
        self.stream_as()
    }

    /// Like [`stream`](Query::stream), decoding rows into `T`.
    pub fn stream_as<T: DeserializeOwned + Send + 'static>(&self) -> Rows<T> {
        self.pages_as::<T>()
            .map_ok(|page| futures::stream::iter(page.into_rows().into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Reads every row into memory.
    pub async fn collect_all(&self) -> Result<Vec<E>, Error> {
        self.stream().try_collect().await
    }

    fn start(&self) -> Result<paging::Start, Error> {
        let first = self.request_url()?;
        match &self.resume {
            None => Ok(paging::Start::first(first)),
            Some(cursor) => cursor.start(E::NAME, first, self.client.service_root()),
        }
    }

    fn into_scope<S2: DateScope>(self) -> Query<'c, E, S2> {
        Query {
            client: self.client,
            api_version: self.api_version,
            select: self.select,
            top: self.top,
            skip: self.skip,
            date_key: self.date_key,
            max_history_days: self.max_history_days,
            modified_since: self.modified_since,
            raw_filter: self.raw_filter,
            custom: self.custom,
            resume: self.resume,
            _scope: PhantomData,
        }
    }
}

/// A date as the integer `yyyymmdd` the Warehouse uses for `dateKey`.
fn date_key(date: Date) -> Result<i32, Error> {
    if !(1..=9999).contains(&date.year()) {
        return Err(Error::InvalidQuery(format!("{date} is outside the years 1 to 9999")));
    }
    Ok(date.year() * 10_000 + i32::from(u8::from(date.month())) * 100 + i32::from(date.day()))
}

/// An unquoted OData `DateTimeOffset` literal in UTC with 7 fractional digits, like the
/// Warehouse documentation's `2018-02-21T23:18:51.3277273Z`.
fn timestamp(at: OffsetDateTime) -> Result<String, Error> {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z");
    let out_of_range = || Error::InvalidQuery(format!("{at} is outside the years 1 to 9999"));
    let utc = at.checked_to_offset(UtcOffset::UTC).ok_or_else(out_of_range)?;
    if !(1..=9999).contains(&utc.year()) {
        return Err(out_of_range());
    }
    utc.format(format).map_err(|_| out_of_range())
}

/// Characters sent unescaped in query keys and values: RFC 3986 unreserved plus `$` (option
/// names), `:` (timestamps) and `,` (`$select` lists). Spaces become `%20`, not `+`.
const QUERY_COMPONENT: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'$').remove(b':').remove(b',');

/// Replaces `url`'s query by the percent-encoded `pairs`.
pub(crate) fn set_query(url: &mut Url, pairs: &[(&str, &str)]) {
    if pairs.is_empty() {
        url.set_query(None);
        return;
    }
    let query = pairs
        .iter()
        .map(|(key, value)| {
            format!("{}={}", utf8_percent_encode(key, QUERY_COMPONENT), utf8_percent_encode(value, QUERY_COMPONENT))
        })
        .collect::<Vec<_>>()
        .join("&");
    url.set_query(Some(&query));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use time::macros::{date, datetime};

    #[derive(Serialize, Deserialize)]
    struct Day {
        #[serde(rename = "dateKey")]
        date_key: i32,
    }
    #[derive(Debug, Clone, Copy)]
    enum DayField {
        DateKey,
    }
    impl Field for DayField {
        const ALL: &'static [Self] = &[DayField::DateKey];
        fn wire_name(self) -> &'static str {
            "dateKey"
        }
    }
    impl EntitySet for Day {
        const NAME: &'static str = "dates";
        const KEY: &'static [&'static str] = &["dateKey"];
        type Field = DayField;
    }
    impl DateKeyed for Day {}

    #[derive(Serialize, Deserialize)]
    struct Category;
    #[derive(Debug, Clone, Copy)]
    enum CategoryField {
        Key,
        Name,
        Modified,
    }
    impl Field for CategoryField {
        const ALL: &'static [Self] = &[Self::Key, Self::Name, Self::Modified];
        fn wire_name(self) -> &'static str {
            match self {
                Self::Key => "deviceCategoryKey",
                Self::Name => "deviceCategoryName",
                Self::Modified => "rowLastModifiedDateTimeUTC",
            }
        }
    }
    impl EntitySet for Category {
        const NAME: &'static str = "deviceCategories";
        const KEY: &'static [&'static str] = &["deviceCategoryKey"];
        type Field = CategoryField;
    }
    impl RowLastModified for Category {}

    fn client() -> Client {
        Client::builder().location("msua06").bearer_token("t").build().unwrap()
    }

    const ROOT: &str = "https://fef.msua06.manage.microsoft.com/ReportingService/DataWarehouseFEService";

    fn query_of(url: Url) -> String {
        let text = url.to_string();
        assert!(text.starts_with(ROOT), "{text}");
        url.query().unwrap_or("").to_owned()
    }

    #[test]
    fn date_key_bounds_are_integers_joined_by_and() {
        let c = client();
        let q =
            Query::<Day>::new(&c, Some("v1.0")).date_key_ge(date!(2018 - 02 - 14)).date_key_lt(date!(2018 - 02 - 21));
        assert_eq!(
            query_of(q.request_url().unwrap()),
            "api-version=v1.0&$filter=dateKey%20ge%2020180214%20and%20dateKey%20lt%2020180221"
        );
        for (q, op) in [
            (Query::<Day>::new(&c, None).date_key_le(date!(2025 - 01 - 05)), "le"),
            (Query::<Day>::new(&c, None).date_key_eq(date!(2025 - 01 - 05)), "eq"),
            (Query::<Day>::new(&c, None).date_key_gt(date!(2025 - 01 - 05)), "gt"),
        ] {
            assert_eq!(query_of(q.request_url().unwrap()), format!("$filter=dateKey%20{op}%2020250105"));
        }
    }

    #[test]
    fn max_history_days_is_a_custom_option_without_dollar() {
        let c = client();
        let q = Query::<Day>::new(&c, Some("beta")).max_history_days(7).top(100);
        assert_eq!(query_of(q.request_url().unwrap()), "api-version=beta&$top=100&maxhistorydays=7");
        let zero = Query::<Day>::new(&c, Some("beta")).max_history_days(0);
        assert!(matches!(zero.request_url(), Err(Error::InvalidQuery(_))));
        let raw = Query::<Day>::new(&c, None).max_history_days(3).raw_filter("DateKey ge 20250101");
        assert!(matches!(raw.request_url(), Err(Error::InvalidQuery(_))));
    }

    #[test]
    fn modified_since_is_utc_with_seven_digits() {
        let c = client();
        let q = Query::<Category>::new(&c, Some("v1.0")).modified_since(datetime!(2018-02-21 23:18:51.32772739 UTC));
        assert_eq!(
            query_of(q.request_url().unwrap()),
            "api-version=v1.0&$filter=rowLastModifiedDateTimeUTC%20ge%202018-02-21T23:18:51.3277273Z"
        );
        let local = Query::<Category>::new(&c, None)
            .modified_since(datetime!(2018-02-22 01:00:00 +02:00))
            .request_url()
            .unwrap();
        assert!(query_of(local).ends_with("2018-02-21T23:00:00.0000000Z"));
    }

    #[test]
    fn select_top_skip_and_custom_options_are_encoded() {
        let c = client();
        let q = Query::<Category>::new(&c, Some("beta"))
            .select([CategoryField::Key, CategoryField::Name, CategoryField::Key])
            .skip(20)
            .top(10)
            .raw_filter("deviceCategoryName eq 'a&b'")
            .custom_option("$orderby", "deviceCategoryKey desc");
        assert_eq!(
            query_of(q.request_url().unwrap()),
            "api-version=beta&$select=deviceCategoryKey,deviceCategoryName\
             &$filter=deviceCategoryName%20eq%20%27a%26b%27&$top=10&$skip=20\
             &$orderby=deviceCategoryKey%20desc"
        );
        for reserved in ["$filter", "API-VERSION", "maxHistoryDays", ""] {
            let q = Query::<Category>::new(&c, None).custom_option(reserved, "1");
            assert!(matches!(q.request_url(), Err(Error::InvalidQuery(_))), "{reserved}");
        }
    }

    #[test]
    fn typed_and_raw_filters_combine() {
        let c = client();
        let q = Query::<Category>::new(&c, None).modified_since(datetime!(2025-01-01 0:00 UTC)).raw_filter("x");
        assert!(query_of(q.request_url().unwrap()).ends_with("ge%202025-01-01T00:00:00.0000000Z%20and%20x"));
    }

    #[test]
    fn runtime_checks_match_the_marker_traits() {
        assert!(Day::is_date_keyed() && !Day::has_row_last_modified());
        assert!(!Category::is_date_keyed() && Category::has_row_last_modified());
        let c = client();
        let since = datetime!(2025-01-01 0:00 UTC);
        assert!(Query::<Day>::new(&c, None).try_modified_since(since).is_err());
        assert!(Query::<Category>::new(&c, None).try_max_history_days(7).is_err());
        let q = Query::<Day>::new(&c, None).try_max_history_days(7).unwrap();
        assert_eq!(query_of(q.request_url().unwrap()), "maxhistorydays=7");
        let q = Query::<Category>::new(&c, None).try_modified_since(since).unwrap();
        assert!(query_of(q.request_url().unwrap()).starts_with("$filter=rowLastModifiedDateTimeUTC"));
        assert_eq!(
            CategoryField::from_wire_name("deviceCategoryName").map(|f| f.wire_name()),
            Some("deviceCategoryName")
        );
    }

    #[test]
    fn out_of_range_dates_are_query_errors() {
        let c = client();
        let early = Query::<Day>::new(&c, None).date_key_ge(date!(-0001 - 01 - 01));
        assert!(matches!(early.request_url(), Err(Error::InvalidQuery(_))));
        let late = Query::<Category>::new(&c, None).modified_since(datetime!(9999-12-31 23:00 -05:00));
        assert!(matches!(late.request_url(), Err(Error::InvalidQuery(_))));
    }
}
