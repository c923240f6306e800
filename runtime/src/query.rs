//! Typed queries on one entity set: the OData core (`$select`, `$top`, `$skip`, `$filter`,
//! custom options) plus service-specific state through [`QueryExtension`].
//!
//! The generated code implements [`EntitySet`] (and [`Field`]) for every entity set's row type
//! and returns a [`Query`] from each entity-set accessor. A service whose queries need more than
//! the core (typed filters on particular properties, service-defined query options) gives
//! [`Query`] an extension type: its [`QueryExtension`] impl contributes `$filter` clauses and
//! options when the request URL is built, and a wrapper in the service's crate offers typed
//! methods that change it through [`Query::map_extension`].
//!
//! Results come as a lazy [`stream`](Query::stream) of rows, a [`pages`](Query::pages) stream
//! whose pages carry a resumable [`Cursor`], or all at once ([`collect_all`](Query::collect_all)).
//!
//! # Escape hatch
//!
//! [`raw_filter`](Query::raw_filter) and [`custom_option`](Query::custom_option) send any
//! `$filter` or query option unchecked, for experiments; services typically answer 400 to
//! filters they do not support.

use std::fmt;
use std::marker::PhantomData;

use futures::{StreamExt, TryStreamExt};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::{OffsetDateTime, UtcOffset};
use url::Url;

use crate::client::Client;
use crate::error::Error;
use crate::paging::{self, Cursor, Pages, Rows};

/// The structural properties of one entity type (a generated enum, for `$select`).
pub trait Field: Copy + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// Every property with its name on the wire, in metadata order.
    const ALL: &'static [(Self, &'static str)];

    /// The property name on the wire (e.g. `deviceKey`).
    fn wire_name(self) -> &'static str {
        Self::ALL.iter().find(|(field, _)| *field == self).map_or("", |(_, wire)| wire)
    }

    /// The property with this wire name.
    fn from_wire_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, wire)| *wire == name).map(|(field, _)| *field)
    }
}

/// An entity set's row type.
pub trait EntitySet: DeserializeOwned + Serialize + Send + 'static {
    /// The entity-set name: the URL path segment, e.g. `devices`.
    const NAME: &'static str;
    /// The key properties' wire names, in key order.
    const KEY: &'static [&'static str];
    /// The property enum.
    type Field: Field;
}

/// Code that works on any entity set, chosen by name at run time through the generated
/// `visit_entity_set` functions.
pub trait EntitySetVisitor {
    /// What the visit returns.
    type Output;
    /// Called with the entity set's row type.
    fn visit<E: EntitySet>(self) -> Self::Output;
}

/// Service-specific query state, carried by a [`Query`] and turned into `$filter` clauses and
/// query options when the request URL is built. `()` is the plain OData query.
pub trait QueryExtension: Clone + fmt::Debug + Default + Send + Sync + 'static {
    /// `$filter` clauses, joined with `and` to each other and to a
    /// [`raw_filter`](Query::raw_filter).
    fn filter_clauses(&self) -> Result<Vec<String>, Error> {
        Ok(Vec::new())
    }

    /// Query options to send, e.g. `("tracking", "on")`.
    fn options(&self) -> Result<Vec<(&'static str, String)>, Error> {
        Ok(Vec::new())
    }

    /// Option names this extension manages, refused as [`custom_option`](Query::custom_option)s
    /// (compared without letter case).
    fn reserved_options(&self) -> &'static [&'static str] {
        &[]
    }

    /// Refuses a raw `$filter` that contradicts the extension's state.
    fn check_raw_filter(&self, raw: &str) -> Result<(), Error> {
        let _ = raw;
        Ok(())
    }
}

impl QueryExtension for () {}

/// Query options that the core manages, not available as custom options.
const RESERVED_OPTIONS: &[&str] = &["api-version", "$select", "$filter", "$top", "$skip"];

/// A query on the entity set `E`, built then run with [`stream`](Query::stream),
/// [`pages`](Query::pages) or [`collect_all`](Query::collect_all).
pub struct Query<'c, E: EntitySet, X: QueryExtension = ()> {
    client: &'c Client,
    api_version: Option<&'static str>,
    select: Vec<E::Field>,
    top: Option<u32>,
    skip: Option<u64>,
    raw_filter: Option<String>,
    custom: Vec<(String, String)>,
    resume: Option<Cursor>,
    extension: X,
    _rows: PhantomData<fn() -> E>,
}

impl<E: EntitySet, X: QueryExtension> Clone for Query<'_, E, X> {
    fn clone(&self) -> Self {
        Query {
            client: self.client,
            api_version: self.api_version,
            select: self.select.clone(),
            top: self.top,
            skip: self.skip,
            raw_filter: self.raw_filter.clone(),
            custom: self.custom.clone(),
            resume: self.resume.clone(),
            extension: self.extension.clone(),
            _rows: PhantomData,
        }
    }
}

impl<E: EntitySet, X: QueryExtension> fmt::Debug for Query<'_, E, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("entity_set", &E::NAME)
            .field("api_version", &self.api_version)
            .field("select", &self.select)
            .field("top", &self.top)
            .field("skip", &self.skip)
            .field("raw_filter", &self.raw_filter)
            .field("custom", &self.custom)
            .field("resume", &self.resume)
            .field("extension", &self.extension)
            .finish()
    }
}

impl<'c, E: EntitySet, X: QueryExtension> Query<'c, E, X> {
    /// A query on `E` that sends `api-version={api_version}` when given (generated code passes
    /// its module's `API_VERSION`), with the extension's default state.
    pub fn new(client: &'c Client, api_version: Option<&'static str>) -> Self {
        Query {
            client,
            api_version,
            select: Vec::new(),
            top: None,
            skip: None,
            raw_filter: None,
            custom: Vec::new(),
            resume: None,
            extension: X::default(),
            _rows: PhantomData,
        }
    }

    /// The service-specific state.
    pub fn extension(&self) -> &X {
        &self.extension
    }

    /// Replaces the service-specific state by `f(state)`, possibly of another type (a typestate
    /// transition).
    pub fn map_extension<Y: QueryExtension>(self, f: impl FnOnce(X) -> Y) -> Query<'c, E, Y> {
        Query {
            client: self.client,
            api_version: self.api_version,
            select: self.select,
            top: self.top,
            skip: self.skip,
            raw_filter: self.raw_filter,
            custom: self.custom,
            resume: self.resume,
            extension: f(self.extension),
            _rows: PhantomData,
        }
    }

    /// The client the query runs on.
    pub fn client(&self) -> &'c Client {
        self.client
    }

    /// Only these properties (`$select`); adds to an earlier selection.
    ///
    /// Rows still decode into `E`: if `E` has required (non-`Option`) properties that the
    /// selection leaves out, read them with [`stream_as`](Query::stream_as) into a type of your
    /// own (or `serde_json::Value`).
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
    /// filters of the extension, which may refuse it ([`QueryExtension::check_raw_filter`]).
    pub fn raw_filter(mut self, filter: impl Into<String>) -> Self {
        self.raw_filter = Some(filter.into());
        self
    }

    /// **Escape hatch**: an extra query option sent as is (percent-encoded), e.g. `$orderby`.
    /// The options this builder manages (`api-version`, `$select`, `$filter`, `$top`, `$skip`,
    /// and those of the extension) are refused when the query is sent.
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
        pairs.extend(self.extension.options()?);
        let reserved = RESERVED_OPTIONS.iter().chain(self.extension.reserved_options());
        for (name, value) in &self.custom {
            if name.is_empty() || reserved.clone().any(|r| r.eq_ignore_ascii_case(name)) {
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
        let mut clauses = self.extension.filter_clauses()?;
        if let Some(raw) = &self.raw_filter {
            self.extension.check_raw_filter(raw)?;
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
}

/// An unquoted OData `DateTimeOffset` literal in UTC with 7 fractional digits (.NET's
/// precision), e.g. `2018-02-21T23:18:51.3277273Z`; truncated, so `ge` comparisons miss nothing.
pub fn date_time_offset_literal(at: OffsetDateTime) -> Result<String, Error> {
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
    use time::macros::datetime;

    #[derive(Serialize, Deserialize)]
    struct Person;
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum PersonField {
        UserName,
        FirstName,
    }
    impl Field for PersonField {
        const ALL: &'static [(Self, &'static str)] = &[(Self::UserName, "UserName"), (Self::FirstName, "FirstName")];
    }
    impl EntitySet for Person {
        const NAME: &'static str = "People";
        const KEY: &'static [&'static str] = &["UserName"];
        type Field = PersonField;
    }

    /// An extension with one typed filter and one option, as a service crate would write it.
    #[derive(Debug, Clone, Default)]
    struct Since(Option<OffsetDateTime>);
    impl QueryExtension for Since {
        fn filter_clauses(&self) -> Result<Vec<String>, Error> {
            self.0.map(|at| Ok(format!("Modified ge {}", date_time_offset_literal(at)?))).into_iter().collect()
        }
        fn options(&self) -> Result<Vec<(&'static str, String)>, Error> {
            Ok(self.0.map(|_| ("tracking", "on".to_owned())).into_iter().collect())
        }
        fn reserved_options(&self) -> &'static [&'static str] {
            &["tracking"]
        }
        fn check_raw_filter(&self, raw: &str) -> Result<(), Error> {
            match raw.contains("Modified") {
                true => Err(Error::InvalidQuery("Modified is typed".into())),
                false => Ok(()),
            }
        }
    }

    const ROOT: &str = "https://services.example.com/TripPin";

    fn client() -> Client {
        Client::builder().service_root(ROOT).bearer_token("t").build().unwrap()
    }

    fn query_of(url: Url) -> String {
        let text = url.to_string();
        assert!(text.starts_with(ROOT), "{text}");
        url.query().unwrap_or("").to_owned()
    }

    #[test]
    fn select_top_skip_and_custom_options_are_encoded() {
        let c = client();
        let q = Query::<Person>::new(&c, Some("beta"))
            .select([PersonField::UserName, PersonField::FirstName, PersonField::UserName])
            .skip(20)
            .top(10)
            .raw_filter("FirstName eq 'a&b'")
            .custom_option("$orderby", "UserName desc");
        assert_eq!(
            query_of(q.request_url().unwrap()),
            "api-version=beta&$select=UserName,FirstName\
             &$filter=FirstName%20eq%20%27a%26b%27&$top=10&$skip=20\
             &$orderby=UserName%20desc"
        );
        for reserved in ["$filter", "API-VERSION", "$Top", ""] {
            let q = Query::<Person>::new(&c, None).custom_option(reserved, "1");
            assert!(matches!(q.request_url(), Err(Error::InvalidQuery(_))), "{reserved}");
        }
        assert_eq!(query_of(Query::<Person>::new(&c, None).request_url().unwrap()), "");
    }

    #[test]
    fn extensions_add_filters_and_options_and_reserve_them() {
        let c = client();
        let since = datetime!(2018-02-21 23:18:51.32772739 UTC);
        let q = Query::<Person>::new(&c, None).raw_filter("x").map_extension(|_: ()| Since(Some(since)));
        assert_eq!(
            query_of(q.request_url().unwrap()),
            "$filter=Modified%20ge%202018-02-21T23:18:51.3277273Z%20and%20x&tracking=on"
        );
        assert_eq!(q.extension().0, Some(since));
        let reserved = q.clone().custom_option("Tracking", "off");
        assert!(matches!(reserved.request_url(), Err(Error::InvalidQuery(_))));
        let contradicting = q.raw_filter("Modified lt 2019-01-01T00:00:00Z");
        assert!(matches!(contradicting.request_url(), Err(Error::InvalidQuery(_))));
    }

    #[test]
    fn date_time_offset_literals_are_utc_with_seven_digits() {
        assert_eq!(
            date_time_offset_literal(datetime!(2018-02-22 01:00:00 +02:00)).unwrap(),
            "2018-02-21T23:00:00.0000000Z"
        );
        assert!(matches!(date_time_offset_literal(datetime!(9999-12-31 23:00 -05:00)), Err(Error::InvalidQuery(_))));
        assert_eq!(PersonField::from_wire_name("FirstName").map(|f| f.wire_name()), Some("FirstName"));
    }
}
