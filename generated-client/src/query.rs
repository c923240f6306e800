//! Typed queries on one collection, restricted to what the Warehouse accepts.
//!
//! Every collection's row type implements [`EntitySet`] (and [`Field`]) and, where they apply,
//! the marker traits [`DateKeyed`] / [`RowLastModified`]; the query methods that need them exist
//! only on those collections:
//!
//! - key includes `dateKey` ([`DateKeyed`]): `dateKey` bounds
//!   ([`date_key_ge`](Query::date_key_ge) and friends, joined by `and`, sent as `yyyymmdd`) **or**
//!   [`max_history_days`](Query::max_history_days): the service ignores `maxhistorydays` when a
//!   `dateKey` filter is present, so the two cannot be combined (the query's [`DateScope`] type
//!   parameter tracks which one was chosen);
//! - has `rowLastModifiedDateTimeUTC` ([`RowLastModified`]):
//!   [`modified_since`](Query::modified_since).
//!
//! ```compile_fail
//! # fn f(client: &intune_dw_client::Client) {
//! // `devices` is not keyed by date: no dateKey filter.
//! client.v1_0().devices().date_key_ge(time::macros::date!(2025 - 03 - 01));
//! # }
//! ```
//!
//! ```compile_fail
//! # fn f(client: &intune_dw_client::Client) {
//! // maxhistorydays would be ignored next to a dateKey filter: does not compile.
//! client.v1_0().dates().date_key_ge(time::macros::date!(2025 - 03 - 01)).max_history_days(7);
//! # }
//! ```
//!
//! (The same two lines without the wrong call compile: `client.v1_0().mam_checkins()
//! .date_key_ge(…)` and `client.v1_0().dates().max_history_days(7)`, see the tests.)
//!
//! The OData part (select, top, skip, paging, cursors) is the runtime's
//! [`odata_runtime::Query`]; this module adds the Warehouse's state to it as a
//! [`QueryExtension`].
//!
//! # Escape hatch
//!
//! [`raw_filter`](Query::raw_filter) and [`custom_option`](Query::custom_option) send any
//! `$filter` or query option unchecked, for experiments (typically on `beta`). The Warehouse
//! answers 400 to filters on other properties.

use std::fmt;
use std::marker::PhantomData;

use odata_runtime::paging::{Pages, Rows};
pub use odata_runtime::query::date_time_offset_literal;
pub use odata_runtime::query::{Entity, EntitySet, EntitySetVisitor, Field, QueryExtension, Structured};
use odata_runtime::{Client, Cursor, Error};
use serde::de::DeserializeOwned;
use time::{Date, OffsetDateTime};
use url::Url;

use crate::warehouse::{self, ApiVersion, Kind, MAX_HISTORY_DAYS};
pub use crate::warehouse::{DATE_KEY, ROW_LAST_MODIFIED};

/// Marks collections whose key includes `dateKey`: they accept `dateKey` filters and
/// `maxhistorydays`.
pub trait DateKeyed: EntitySet {}

/// Marks collections with an `Edm.DateTimeOffset` `rowLastModifiedDateTimeUTC`: they accept a
/// "modified since" filter.
pub trait RowLastModified: EntitySet {}

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

/// The Warehouse's part of a query, as the runtime carries it.
#[derive(Debug, Clone, Default)]
pub struct WarehouseFilters {
    date_key: Vec<(Comparison, Date)>,
    max_history_days: Option<u32>,
    modified_since: Option<OffsetDateTime>,
}

impl QueryExtension for WarehouseFilters {
    fn filter_clauses(&self) -> Result<Vec<String>, Error> {
        let mut clauses = Vec::new();
        for (comparison, date) in &self.date_key {
            let key = warehouse::date_key(*date)
                .ok_or_else(|| Error::InvalidQuery(format!("{date} is outside the years 1 to 9999")))?;
            clauses.push(format!("{DATE_KEY} {} {key}", comparison.operator()));
        }
        if let Some(since) = self.modified_since {
            clauses.push(format!("{ROW_LAST_MODIFIED} ge {}", date_time_offset_literal(since)?));
        }
        Ok(clauses)
    }

    fn options(&self) -> Result<Vec<(&'static str, String)>, Error> {
        match self.max_history_days {
            Some(0) => Err(Error::InvalidQuery(format!("{MAX_HISTORY_DAYS} must be at least 1"))),
            Some(days) => Ok(vec![(MAX_HISTORY_DAYS, days.to_string())]),
            None => Ok(Vec::new()),
        }
    }

    fn reserved_options(&self) -> &'static [&'static str] {
        &[MAX_HISTORY_DAYS]
    }

    fn check_raw_filter(&self, raw: &str) -> Result<(), Error> {
        if self.max_history_days.is_some() && raw.to_ascii_lowercase().contains("datekey") {
            return Err(Error::InvalidQuery(format!(
                "the service ignores {MAX_HISTORY_DAYS} when the $filter names {DATE_KEY}"
            )));
        }
        Ok(())
    }
}

/// A query on the collection `E`, built then run with [`stream`](Query::stream),
/// [`pages`](Query::pages) or [`collect_all`](Query::collect_all).
pub struct Query<'c, E: EntitySet, S: DateScope = NoDateScope> {
    inner: odata_runtime::Query<'c, E, WarehouseFilters>,
    _scope: PhantomData<fn() -> S>,
}

impl<E: EntitySet, S: DateScope> Clone for Query<'_, E, S> {
    fn clone(&self) -> Self {
        Query { inner: self.inner.clone(), _scope: PhantomData }
    }
}

impl<E: EntitySet, S: DateScope> fmt::Debug for Query<'_, E, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<'c, E: EntitySet> Query<'c, E> {
    /// A query on `E` that sends `api-version={api_version}` (generated code passes its
    /// version module's `API_VERSION`).
    pub fn new(client: &'c Client, api_version: Option<&'static str>) -> Self {
        Query { inner: odata_runtime::Query::new(client, api_version), _scope: PhantomData }
    }

    /// The runtime-checked twin of [`max_history_days`](Query::max_history_days) for code that
    /// is generic over collections: an error when `E` is not keyed by `dateKey`.
    pub fn try_max_history_days(self, days: u32) -> Result<Query<'c, E, HistoryLimited>, Error> {
        if self.kind() != Some(Kind::Fact) {
            return Err(Error::InvalidQuery(format!(
                "{} is not keyed by {DATE_KEY}: {MAX_HISTORY_DAYS} would have no effect",
                E::NAME
            )));
        }
        Ok(self.history(days))
    }

    fn history(self, days: u32) -> Query<'c, E, HistoryLimited> {
        self.with_filters(|filters| filters.max_history_days = Some(days))
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
        self.with_filters(|filters| filters.date_key.push((comparison, date)))
    }
}

impl<'c, E: EntitySet, S: AcceptsDateKeyBounds> Query<'c, E, S> {
    /// The runtime-checked twin of [`date_key_ge`](Query::date_key_ge) for code that is generic
    /// over collections: an error when `E` is not keyed by `dateKey`.
    pub fn try_date_key_ge(self, date: Date) -> Result<Query<'c, E, DateKeyFiltered>, Error> {
        if self.kind() != Some(Kind::Fact) {
            return Err(Error::InvalidQuery(format!("{} is not keyed by {DATE_KEY}", E::NAME)));
        }
        Ok(self.with_filters(|filters| filters.date_key.push((Comparison::Ge, date))))
    }
}

impl<E: RowLastModified, S: DateScope> Query<'_, E, S> {
    /// Rows modified at or after `since`: `$filter=rowLastModifiedDateTimeUTC ge {since}`,
    /// sent in UTC with 7 fractional digits (truncated, so no row is missed). Replaces an earlier
    /// `modified_since`.
    pub fn modified_since(self, since: OffsetDateTime) -> Self {
        self.with_filters(|filters| filters.modified_since = Some(since))
    }
}

impl<'c, E: EntitySet, S: DateScope> Query<'c, E, S> {
    /// The runtime-checked twin of [`modified_since`](Query::modified_since): an error when
    /// `E` has no `rowLastModifiedDateTimeUTC`.
    pub fn try_modified_since(self, since: OffsetDateTime) -> Result<Self, Error> {
        if self.kind() != Some(Kind::Dimension) {
            return Err(Error::InvalidQuery(format!("{} has no {ROW_LAST_MODIFIED} property to filter on", E::NAME)));
        }
        Ok(self.with_filters(|filters| filters.modified_since = Some(since)))
    }

    /// Only these properties (`$select`); adds to an earlier selection.
    ///
    /// Rows still decode into `E`: if `E` has required (non-`Option`) properties that the
    /// selection leaves out, read them with [`stream_as`](Query::stream_as) into a type of your
    /// own (or `serde_json::Value`). Whether the live service honours `$select` is uncertain.
    pub fn select(self, fields: impl IntoIterator<Item = E::Field>) -> Self {
        self.map(|q| q.select(fields))
    }

    /// At most `n` rows (`$top`).
    pub fn top(self, n: u32) -> Self {
        self.map(|q| q.top(n))
    }

    /// Skips the first `n` rows (`$skip`).
    pub fn skip(self, n: u64) -> Self {
        self.map(|q| q.skip(n))
    }

    /// **Escape hatch**: an unchecked `$filter` expression, joined with `and` to the typed
    /// filters. Meant for experiments: the Warehouse answers 400 to filters on anything but
    /// `dateKey` and `rowLastModifiedDateTimeUTC`. A raw filter that mentions `dateKey` is
    /// refused next to [`max_history_days`](Query::max_history_days), which it would disable.
    pub fn raw_filter(self, filter: impl Into<String>) -> Self {
        self.map(|q| q.raw_filter(filter))
    }

    /// **Escape hatch**: an extra query option sent as is (percent-encoded), e.g. `$orderby`
    /// on `beta`. The options this builder manages (`api-version`, `$select`, `$filter`,
    /// `$top`, `$skip`, `maxhistorydays`) are refused when the query is sent.
    pub fn custom_option(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.map(|q| q.custom_option(name, value))
    }

    /// Continues an interrupted extraction from `cursor` (taken from a
    /// [`Page`](odata_runtime::Page) of this same query): the first request goes to the cursor's
    /// next link, so the rows of the pages read before are neither lost nor repeated. Refused
    /// when the query differs from the one the cursor came from.
    pub fn resume(self, cursor: Cursor) -> Self {
        self.map(|q| q.resume(cursor))
    }

    /// The `api-version` sent.
    pub fn api_version(&self) -> Option<&'static str> {
        self.inner.api_version()
    }

    /// The collection's kind (which decides what the `try_*` methods accept): the service
    /// profile's, generated for the query's API version; `None` for a version or collection this
    /// build does not know.
    pub fn kind(&self) -> Option<Kind> {
        ApiVersion::parse(self.api_version()?)?.kind_of(E::NAME)
    }

    /// The URL of the first page.
    pub fn request_url(&self) -> Result<Url, Error> {
        self.inner.request_url()
    }

    /// Every page, fetched lazily as the stream is polled; each page carries the [`Cursor`]
    /// of the next one. The stream ends after the last page or after the first error.
    pub fn pages(&self) -> Pages<E> {
        self.inner.pages()
    }

    /// Like [`pages`](Query::pages), decoding rows into `T` instead of `E` (e.g. after
    /// [`select`](Query::select), or into `serde_json::Value`).
    pub fn pages_as<T: DeserializeOwned + Send + 'static>(&self) -> Pages<T> {
        self.inner.pages_as()
    }

    /// Every row of every page, following `@odata.nextLink` lazily: at most one page is held
    /// in memory. Use [`pages`](Query::pages) to be able to resume after a failure.
    pub fn stream(&self) -> Rows<E> {
        self.inner.stream()
    }

    /// Like [`stream`](Query::stream), decoding rows into `T`.
    pub fn stream_as<T: DeserializeOwned + Send + 'static>(&self) -> Rows<T> {
        self.inner.stream_as()
    }

    /// Reads every row into memory.
    pub async fn collect_all(&self) -> Result<Vec<E>, Error> {
        self.inner.collect_all().await
    }

    /// The OData query underneath.
    pub fn as_odata(&self) -> &odata_runtime::Query<'c, E, WarehouseFilters> {
        &self.inner
    }

    fn map(
        self,
        f: impl FnOnce(odata_runtime::Query<'c, E, WarehouseFilters>) -> odata_runtime::Query<'c, E, WarehouseFilters>,
    ) -> Self {
        Query { inner: f(self.inner), _scope: PhantomData }
    }

    /// Changes the Warehouse filters and moves to the scope `S2`.
    fn with_filters<S2: DateScope>(self, change: impl FnOnce(&mut WarehouseFilters)) -> Query<'c, E, S2> {
        let inner = self.inner.map_extension(|mut filters| {
            change(&mut filters);
            filters
        });
        Query { inner, _scope: PhantomData }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::Serialize;
    use time::macros::{date, datetime};

    #[derive(Serialize, Deserialize)]
    struct Day {
        #[serde(rename = "dateKey")]
        date_key: i32,
    }
    impl odata_runtime::Structured for Day {
        type Props = ();
        const PROPS: () = ();
    }
    impl odata_runtime::Entity for Day {
        const KEY: &'static [&'static str] = &["dateKey"];
        type Key = i32;
    }
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum DayField {
        DateKey,
    }
    impl Field for DayField {
        const ALL: &'static [(Self, &'static str)] = &[(DayField::DateKey, "dateKey")];
    }
    impl EntitySet for Day {
        const NAME: &'static str = "dates";
        type Field = DayField;
    }
    impl DateKeyed for Day {}

    #[derive(Serialize, Deserialize)]
    struct Category;
    impl odata_runtime::Structured for Category {
        type Props = ();
        const PROPS: () = ();
    }
    impl odata_runtime::Entity for Category {
        const KEY: &'static [&'static str] = &["deviceCategoryKey"];
        type Key = i32;
    }
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum CategoryField {
        Key,
        Name,
        Modified,
    }
    impl Field for CategoryField {
        const ALL: &'static [(Self, &'static str)] = &[
            (Self::Key, "deviceCategoryKey"),
            (Self::Name, "deviceCategoryName"),
            (Self::Modified, "rowLastModifiedDateTimeUTC"),
        ];
    }
    impl EntitySet for Category {
        const NAME: &'static str = "deviceCategories";
        type Field = CategoryField;
    }
    impl RowLastModified for Category {}

    fn client() -> crate::Client {
        crate::Client::builder().location("msua06").bearer_token("t").build().unwrap()
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

    #[cfg(feature = "v1_0")]
    #[test]
    fn runtime_checks_follow_the_generated_kinds() {
        let c = client();
        let (day, category) = (Query::<Day>::new(&c, Some("v1.0")), Query::<Category>::new(&c, Some("v1.0")));
        assert_eq!((day.kind(), category.kind()), (Some(Kind::Fact), Some(Kind::Dimension)));
        assert_eq!(Query::<Day>::new(&c, None).kind(), None);
        let since = datetime!(2025-01-01 0:00 UTC);
        assert!(day.clone().try_modified_since(since).is_err());
        assert!(category.clone().try_max_history_days(7).is_err());
        assert!(category.clone().try_date_key_ge(date!(2025 - 01 - 01)).is_err());
        let q = day.clone().try_date_key_ge(date!(2025 - 01 - 01)).unwrap();
        assert_eq!(query_of(q.request_url().unwrap()), "api-version=v1.0&$filter=dateKey%20ge%2020250101");
        let q = day.try_max_history_days(7).unwrap();
        assert_eq!(query_of(q.request_url().unwrap()), "api-version=v1.0&maxhistorydays=7");
        let q = category.try_modified_since(since).unwrap();
        assert!(query_of(q.request_url().unwrap()).starts_with("api-version=v1.0&$filter=rowLastModifiedDateTimeUTC"));
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
