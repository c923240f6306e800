//! Typed queries: collections ([`Query`]: an entity set, or related entities), single entities
//! ([`Single`]: by key, a singleton, or a related entity), their options, and the service-specific
//! state a profile adds through [`QueryExtension`].
//!
//! The generated code implements [`Structured`] for every entity and complex type (its
//! `…Props`: one typed [`Prop`] per property), [`Entity`] for every entity type (its key), and
//! [`EntitySet`] (and [`Field`]) for every entity set's row type, and returns a [`Query`] from
//! each entity-set accessor:
//!
//! ```no_run
//! # use odata_runtime::query::*;
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Book;
//! # struct BookProps { title: Prop<Option<String>>, price: Prop<i32>, author: Prop<One<Author>> }
//! # impl Structured for Book { type Props = BookProps; const PROPS: BookProps = BookProps { title: Prop::new("title"), price: Prop::new("price"), author: Prop::new("author") }; }
//! # impl Entity for Book { const KEY: &'static [&'static str] = &["ID"]; type Key = i32; }
//! # #[derive(Debug, Clone, Copy, PartialEq)] enum BookField { Title }
//! # impl Field for BookField { const ALL: &'static [(Self, &'static str)] = &[(Self::Title, "title")]; }
//! # impl EntitySet for Book { const NAME: &'static str = "Books"; type Field = BookField; }
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Author;
//! # struct AuthorProps { name: Prop<String> }
//! # impl Structured for Author { type Props = AuthorProps; const PROPS: AuthorProps = AuthorProps { name: Prop::new("name") }; }
//! # impl Entity for Author { const KEY: &'static [&'static str] = &["ID"]; type Key = i32; }
//! # async fn run(client: &odata_runtime::Client) -> Result<(), odata_runtime::Error> {
//! let cheap_brontes = Query::<Book>::new(client, None)
//!     .filter(|b| b.price.lt(10) & b.author.then(|a| a.name).starts_with("Brontë"))
//!     .order_by(|b| b.title.asc())
//!     .expand(|b| b.author.expand())
//!     .with_count()
//!     .collect_all()
//!     .await?;
//! let one = Query::<Book>::new(client, None).key(201).get().await?; // Books(201), None on 404
//! let author = Query::<Book>::new(client, None).key(201).nav(|b| b.author).get().await?;
//! # Ok(()) }
//! ```
//!
//! What the service's `Capabilities` annotations refuse is refused too: by the query's type
//! where the annotation is static (see [`Caps`]), otherwise before anything is sent (see
//! [`Restrictions`]).
//!
//! Results come as a lazy [`stream`](Query::stream) of rows, a [`pages`](Query::pages) stream
//! whose pages carry a resumable [`Cursor`], all at once ([`collect_all`](Query::collect_all)),
//! or as a number ([`count`](Query::count)).
//!
//! # Escape hatch
//!
//! [`raw_filter`](Query::raw_filter) and [`custom_option`](Query::custom_option) send any
//! `$filter` or query option unchecked, for experiments; services typically answer 400 to
//! filters they do not support.

mod batch;
mod caps;
mod entity;
pub mod expr;
mod literal;
mod operation;
mod options;
mod write;

use std::fmt;
use std::marker::PhantomData;

use futures::TryStreamExt;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

pub use batch::{Batch, BatchResults, ChangeSet, Handle};
pub use caps::{CanCount, CanExpand, CanFilter, CanSelect, CanSkip, CanSort, CanTop, Caps, Restrictions, Unrestricted};
pub use entity::{Media, MediaEntity, Navigation, Single};
pub(crate) use entity::{decode_entity, header_map};
pub use expr::{
    Expr, HasDate, HasTime, Leads, Many, One, Operand, OrderBy, Ordered, Prop, Selected, Selection, StreamProperty,
    Structured, Textual, Value, Values,
};
pub use literal::{KeyValue, Literal, date_time_offset_literal};
pub use operation::{Answered, Binding, Call, FromCall, List, Object, Operation, Returns, Scalar, Unit};
use options::Options;
pub use options::{Expand, ExpandOptions};
pub use write::{
    Created, Deletable, Deleted, Insertable, Location, Tagged, Updatable, Write, WriteResult, WriteRules, Written,
};

use crate::client::Client;
use crate::error::Error;
use crate::paging::{self, Change, Cursor, Pages, Rows};

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

/// An entity type: rows that can be decoded, addressed by their key.
pub trait Entity: Structured + DeserializeOwned + Serialize + Send + 'static {
    /// The key properties' wire names, in key order.
    const KEY: &'static [&'static str];
    /// The key's Rust value: the key property's type, or a tuple of them in key order.
    type Key: KeyValue;
}

/// An entity set's row type.
pub trait EntitySet: Entity {
    /// The entity-set name: the URL path segment, e.g. `devices`.
    const NAME: &'static str;
    /// The property enum.
    type Field: Field;
    /// What the entity set's `Capabilities` annotations refuse, checked when a query is sent.
    const RESTRICTIONS: &'static Restrictions = &Restrictions::NONE;
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

/// Query options that the builder always manages, not available as custom options (the ones it
/// manages only when set, `$orderby`, `$expand`, `$count`, are refused only then).
const RESERVED_OPTIONS: &[&str] = &["api-version", "$select", "$filter", "$top", "$skip"];

/// Where a request goes: the service, the `api-version`, the path below the service root, what
/// the service refuses there, and the request headers.
#[derive(Debug, Clone)]
pub struct Resource<'c> {
    client: &'c Client,
    api_version: Option<&'static str>,
    /// Path segments below the service root, unencoded (`People('O''Brien')`, `Friends`).
    segments: Vec<String>,
    /// How errors and cursors name the resource (`People('O''Brien')/Friends`).
    name: String,
    restrictions: &'static Restrictions,
    headers: Vec<(String, String)>,
    /// Parameter aliases of a function call (`@p`, JSON), sent as query options.
    aliases: Vec<(String, String)>,
    /// Why the resource cannot be requested (a key without a literal, a refused navigation),
    /// reported when it is.
    invalid: Option<String>,
}

impl<'c> Resource<'c> {
    fn root(
        client: &'c Client,
        api_version: Option<&'static str>,
        name: &'static str,
        restrictions: &'static Restrictions,
    ) -> Self {
        Resource {
            client,
            api_version,
            segments: vec![name.to_owned()],
            name: name.to_owned(),
            restrictions,
            headers: Vec::new(),
            aliases: Vec::new(),
            invalid: None,
        }
    }

    /// The service root itself (where function and action imports are called).
    fn service(client: &'c Client, api_version: Option<&'static str>) -> Self {
        Resource {
            segments: Vec::new(),
            name: String::new(),
            ..Resource::root(client, api_version, "", &Restrictions::NONE)
        }
    }

    /// `…/segment` (an operation, a stream property, `$value`).
    fn push_segment(&mut self, segment: &str) {
        self.segments.push(segment.to_owned());
        if !self.name.is_empty() {
            self.name.push('/');
        }
        self.name.push_str(segment);
    }

    /// The entity with this key: `Set(key)`.
    fn key(mut self, names: &[&str], key: &impl KeyValue) -> Self {
        let mut predicate = String::new();
        match key.write_key(names, &mut predicate) {
            Ok(()) => {
                if let Some(last) = self.segments.last_mut() {
                    last.push_str(&predicate);
                }
                self.name.push_str(&predicate);
            }
            Err(error) => self.invalid = Some(error.to_string()),
        }
        self
    }

    /// The related entity or entities: `…/property`, if the resource's restrictions allow it.
    /// Navigation from the result is not restricted (the service's annotations on the target set
    /// do not apply to a path through another).
    fn navigate(mut self, property: expr::Path) -> Self {
        if let Err(error) = self.restrictions.check_navigation(&self.name, &property) {
            self.invalid = Some(error.to_string());
        }
        for segment in property.segments() {
            self.push_segment(segment);
        }
        self.restrictions = &Restrictions::NONE;
        self
    }

    fn add_header(&mut self, name: &str, value: &str) {
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// `{service root}/{segments}{suffix}?api-version=…&{pairs}`.
    fn url_with(&self, suffix: Option<&str>, pairs: Vec<(&str, String)>) -> Result<Url, Error> {
        if let Some(invalid) = &self.invalid {
            return Err(Error::InvalidQuery(invalid.clone()));
        }
        let mut segments: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        segments.extend(suffix);
        let mut url = self.client.url(&segments);
        let mut all: Vec<(&str, &str)> = Vec::new();
        if let Some(version) = self.api_version {
            all.push(("api-version", version));
        }
        all.extend(self.aliases.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        all.extend(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        set_query(&mut url, &all);
        Ok(url)
    }

    fn url(&self, pairs: Vec<(&str, String)>) -> Result<Url, Error> {
        self.url_with(None, pairs)
    }
}

/// A query on a collection of entities of type `E` (an entity set, related entities, a contained
/// set), built then run with [`stream`](Query::stream), [`pages`](Query::pages),
/// [`collect_all`](Query::collect_all) or [`count`](Query::count). `X` is a service's state
/// ([`QueryExtension`]), `C` the options the collection accepts ([`Caps`]).
pub struct Query<'c, E, X: QueryExtension = (), C = Unrestricted> {
    resource: Resource<'c>,
    options: Options,
    raw_filter: Option<String>,
    custom: Vec<(String, String)>,
    resume: Option<Cursor>,
    extension: X,
    _rows: PhantomData<fn() -> (E, C)>,
}

impl<E, X: QueryExtension, C> Clone for Query<'_, E, X, C> {
    fn clone(&self) -> Self {
        Query {
            resource: self.resource.clone(),
            options: self.options.clone(),
            raw_filter: self.raw_filter.clone(),
            custom: self.custom.clone(),
            resume: self.resume.clone(),
            extension: self.extension.clone(),
            _rows: PhantomData,
        }
    }
}

impl<E, X: QueryExtension, C> fmt::Debug for Query<'_, E, X, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("resource", &self.resource.name)
            .field("api_version", &self.resource.api_version)
            .field("options", &self.options)
            .field("raw_filter", &self.raw_filter)
            .field("custom", &self.custom)
            .field("resume", &self.resume)
            .field("extension", &self.extension)
            .finish()
    }
}

impl<'c, E: EntitySet, X: QueryExtension> Query<'c, E, X> {
    /// A query on the entity set `E` that sends `api-version={api_version}` when given
    /// (generated code passes its module's `API_VERSION`), with the extension's default state.
    pub fn new(client: &'c Client, api_version: Option<&'static str>) -> Self {
        Query::at(Resource::root(client, api_version, E::NAME, E::RESTRICTIONS))
    }
}

impl<'c, E: EntitySet, X: QueryExtension, C> Query<'c, E, X, C> {
    /// Only these properties (`$select`, by the entity set's field enum); adds to an earlier
    /// selection.
    ///
    /// Rows still decode into `E`: if `E` has required (non-`Option`) properties that the
    /// selection leaves out, read them with [`stream_as`](Query::stream_as) into a type of your
    /// own (or `serde_json::Value`).
    pub fn select(mut self, fields: impl IntoIterator<Item = E::Field>) -> Self
    where
        C: CanSelect,
    {
        // As paths, so that the service's `SelectSupport` is checked as for `select_with`.
        self.options.select.extend(fields.into_iter().map(|f| Selected(expr::Path::one(f.wire_name()))));
        self
    }
}

impl<'c, E, X: QueryExtension, C> Query<'c, E, X, C> {
    fn at(resource: Resource<'c>) -> Self {
        Query {
            resource,
            options: Options::default(),
            raw_filter: None,
            custom: Vec::new(),
            resume: None,
            extension: X::default(),
            _rows: PhantomData,
        }
    }

    /// The same query with the options `C2` accepts as a type (generated code narrows the
    /// options of a restricted entity set this way). The service's restrictions are still
    /// checked when the query is sent.
    pub fn with_caps<C2>(self) -> Query<'c, E, X, C2> {
        Query {
            resource: self.resource,
            options: self.options,
            raw_filter: self.raw_filter,
            custom: self.custom,
            resume: self.resume,
            extension: self.extension,
            _rows: PhantomData,
        }
    }

    /// The service-specific state.
    pub fn extension(&self) -> &X {
        &self.extension
    }

    /// Replaces the service-specific state by `f(state)`, possibly of another type (a typestate
    /// transition).
    pub fn map_extension<Y: QueryExtension>(self, f: impl FnOnce(X) -> Y) -> Query<'c, E, Y, C> {
        Query {
            resource: self.resource,
            options: self.options,
            raw_filter: self.raw_filter,
            custom: self.custom,
            resume: self.resume,
            extension: f(self.extension),
            _rows: PhantomData,
        }
    }

    /// The client the query runs on.
    pub fn client(&self) -> &'c Client {
        self.resource.client
    }

    /// At most `n` rows (`$top`).
    pub fn top(mut self, n: u32) -> Self
    where
        C: CanTop,
    {
        self.options.top = Some(n);
        self
    }

    /// Skips the first `n` rows (`$skip`).
    pub fn skip(mut self, n: u64) -> Self
    where
        C: CanSkip,
    {
        self.options.skip = Some(n);
        self
    }

    /// Asks for the number of rows the query has in all (`$count=true`): read it from the first
    /// [`Page::count`](crate::Page::count), or from [`Rows::total`](crate::paging::Rows::total).
    pub fn with_count(mut self) -> Self
    where
        C: CanCount,
    {
        self.options.count = true;
        self
    }

    /// **Escape hatch**: an unchecked `$filter` expression, joined with `and` to the typed
    /// filters and those of the extension, which may refuse it
    /// ([`QueryExtension::check_raw_filter`]).
    pub fn raw_filter(mut self, filter: impl Into<String>) -> Self {
        self.raw_filter = Some(filter.into());
        self
    }

    /// **Escape hatch**: an extra query option sent as is (percent-encoded), e.g. `$search`.
    /// The options this builder manages (`api-version`, `$select`, `$filter`, `$top`, `$skip`,
    /// those of the extension, and `$orderby`, `$expand` or `$count` when set) are refused when
    /// the query is sent.
    pub fn custom_option(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.custom.push((name.into(), value.into()));
        self
    }

    /// A request header sent with every page (`Prefer`, `ConsistencyLevel`,
    /// `Accept-Language`, …).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.resource.add_header(name, value);
        self
    }

    /// Asks the service to track changes (`Prefer: odata.track-changes`): the last page then
    /// carries a [`delta`](crate::Page::delta) cursor, from which a later run
    /// [`resume`](Query::resume)s to receive only what changed, as [`Change`]s
    /// ([`changes`](Query::changes)).
    pub fn track_changes(self) -> Self {
        self.header("Prefer", "odata.track-changes")
    }

    /// Continues an interrupted extraction from `cursor` (taken from a [`paging::Page`] of this
    /// same query): the first request goes to the cursor's next link, so the rows of the pages
    /// read before are neither lost nor repeated. A [`delta`](crate::Page::delta) cursor starts
    /// a new run of a change-tracking query. Refused when the query differs from the one the
    /// cursor came from.
    pub fn resume(mut self, cursor: Cursor) -> Self {
        self.resume = Some(cursor);
        self
    }

    /// The `api-version` sent.
    pub fn api_version(&self) -> Option<&'static str> {
        self.resource.api_version
    }

    /// How errors and cursors name the queried collection (`People`, `People('x')/Friends`).
    pub fn name(&self) -> &str {
        &self.resource.name
    }

    /// The URL of the first page.
    pub fn request_url(&self) -> Result<Url, Error> {
        self.resource.url(self.pairs()?)
    }

    /// The query options, checked against the resource's restrictions.
    fn pairs(&self) -> Result<Vec<(&str, String)>, Error> {
        let mut extra = self.extension.filter_clauses()?;
        if let Some(raw) = &self.raw_filter {
            self.extension.check_raw_filter(raw)?;
            let others = !extra.is_empty() || !self.options.filter.is_empty();
            extra.push(if others && raw.contains(" or ") { format!("({raw})") } else { raw.clone() });
        }
        let (filter, expand, order) = self.options.paths();
        let asked = self.options.asked(&filter, &expand, &order, !extra.is_empty());
        self.resource.restrictions.check(&self.resource.name, &asked)?;
        let mut pairs: Vec<(&str, String)> = self.options.pairs(extra)?;
        pairs.extend(self.extension.options()?);
        let managed: Vec<&str> = pairs.iter().map(|(name, _)| *name).collect();
        let reserved = RESERVED_OPTIONS.iter().chain(self.extension.reserved_options()).chain(&managed);
        for (name, value) in &self.custom {
            if name.is_empty() || reserved.clone().any(|r| r.eq_ignore_ascii_case(name)) {
                return Err(Error::InvalidQuery(format!(
                    "custom option {name:?} is managed by the query builder or empty"
                )));
            }
            pairs.push((name, value.clone()));
        }
        Ok(pairs)
    }

    fn start(&self) -> Result<paging::Start, Error> {
        let first = self.request_url()?;
        match &self.resume {
            None => Ok(paging::Start::first(first)),
            Some(cursor) => cursor.start(&self.resource.name, first, self.resource.client.service_root()),
        }
    }

    /// Like [`pages`](Query::pages), decoding rows into `T` instead of `E` (e.g. after
    /// [`select`](Query::select), or into `serde_json::Value`).
    pub fn pages_as<T: DeserializeOwned + Send + 'static>(&self) -> Pages<T> {
        let headers = header_map(&self.resource.headers);
        let start = headers.as_ref().map_err(|e| Error::InvalidQuery(e.to_string())).and_then(|_| self.start());
        paging::pages(self.resource.client.clone(), self.resource.name.clone(), headers.unwrap_or_default(), start)
    }

    /// Like [`stream`](Query::stream), decoding rows into `T`.
    pub fn stream_as<T: DeserializeOwned + Send + 'static>(&self) -> Rows<T> {
        Rows::of(self.pages_as::<T>())
    }

    /// The number of rows of the query (`GET …/$count`, with its `$filter`), without the rows.
    pub async fn count(&self) -> Result<u64, Error>
    where
        C: CanCount,
    {
        let pairs: Vec<(&str, String)> =
            self.pairs()?.into_iter().filter(|(name, _)| *name == "$filter" || !name.starts_with('$')).collect();
        let url = self.resource.url_with(Some("$count"), pairs)?;
        let body = self.resource.client.get_text(&url, &header_map(&self.resource.headers)?).await?;
        let text = String::from_utf8_lossy(&body);
        text.trim_start_matches('\u{feff}').trim().parse().map_err(|_| {
            Error::InvalidQuery(format!(
                "GET {url}: the answer {:?} is not a count",
                text.chars().take(40).collect::<String>()
            ))
        })
    }
}

impl<'c, E: Structured, X: QueryExtension, C> Query<'c, E, X, C> {
    /// Only the rows for which `condition` holds (`$filter`): `condition` gets the entity's
    /// properties and returns an [`Expr`]; joined with `and` to earlier filters.
    pub fn filter(mut self, condition: impl FnOnce(E::Props) -> Expr) -> Self
    where
        C: CanFilter,
    {
        self.options.filter.push(condition(E::PROPS));
        self
    }

    /// The rows in this order (`$orderby`): one [`OrderBy`] (`p.name.asc()`) or several
    /// (`[p.name.asc(), p.born.desc()]`); after earlier ones.
    pub fn order_by<O: IntoIterator<Item = OrderBy>>(mut self, order: impl FnOnce(E::Props) -> O) -> Self
    where
        C: CanSort,
    {
        self.options.order.extend(order(E::PROPS));
        self
    }

    /// Related entities to bring with each row (`$expand`): one [`Expand`]
    /// (`p.author.expand()`) or several, each with options of its own
    /// ([`expand_with`](Prop::expand_with)); decoded into the rows' navigation fields.
    pub fn expand<Y: IntoIterator<Item = Expand>>(mut self, expand: impl FnOnce(E::Props) -> Y) -> Self
    where
        C: CanExpand,
    {
        self.options.expand.extend(expand(E::PROPS));
        self
    }

    /// Only these properties (`$select`), chosen from the entity's properties: one, a tuple of
    /// them, or a list of [`Selected`].
    pub fn select_with<S: Selection>(mut self, pick: impl FnOnce(E::Props) -> S) -> Self
    where
        C: CanSelect,
    {
        pick(E::PROPS).paths(&mut self.options.select);
        self
    }
}

impl<'c, E: Entity, X: QueryExtension, C> Query<'c, E, X, C> {
    /// The entity of this collection with this key (`Books(201)`, `Chapters(book=201,number=2)`),
    /// requested with [`Single::get`]; string keys are quoted with their quotes doubled, and the
    /// URL percent-encodes what the path needs.
    pub fn key(self, key: impl Into<E::Key>) -> Single<'c, E> {
        Single::at(self.resource.key(E::KEY, &key.into()))
    }

    /// Every page, fetched lazily as the stream is polled; each page carries the [`Cursor`]
    /// of the next one. The stream ends after the last page or after the first error.
    pub fn pages(&self) -> Pages<E> {
        self.pages_as()
    }

    /// Every row of every page, following `@odata.nextLink` lazily: at most one page is held
    /// in memory. Use [`pages`](Query::pages) to be able to resume after a failure.
    pub fn stream(&self) -> Rows<E> {
        self.stream_as()
    }

    /// Reads every row into memory.
    pub async fn collect_all(&self) -> Result<Vec<E>, Error> {
        self.stream().try_collect().await
    }

    /// The pages of a change-tracking query ([`track_changes`](Query::track_changes)), or of its
    /// later run from a [`delta`](crate::Page::delta) cursor: rows added or changed, and rows
    /// removed (`@removed`), as [`Change`]s.
    pub fn changes(&self) -> Pages<Change<E>> {
        self.pages_as()
    }
}

/// Characters sent unescaped in query keys and values: RFC 3986 unreserved plus `$` (option
/// names), `@` (parameter aliases), `:` (timestamps) and `,` (`$select` lists). Spaces become
/// `%20`, not `+`.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'$')
    .remove(b':')
    .remove(b',')
    .remove(b'@');

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
    use time::{OffsetDateTime, UtcOffset};

    #[derive(Serialize, Deserialize)]
    struct Person;
    struct PersonProps {
        user_name: Prop<String>,
        first_name: Prop<Option<String>>,
        friends: Prop<Many<Person>>,
        best_friend: Prop<One<Person>>,
    }
    impl Structured for Person {
        type Props = PersonProps;
        const PROPS: PersonProps = PersonProps {
            user_name: Prop::new("UserName"),
            first_name: Prop::new("FirstName"),
            friends: Prop::new("Friends"),
            best_friend: Prop::new("BestFriend"),
        };
    }
    impl Entity for Person {
        const KEY: &'static [&'static str] = &["UserName"];
        type Key = String;
    }
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
        type Field = PersonField;
    }

    /// An entity set with restrictions, as the generator writes them from `Capabilities`.
    #[derive(Serialize, Deserialize)]
    struct Airport;
    struct AirportProps {
        code: Prop<String>,
        name: Prop<String>,
        city: Prop<Option<String>>,
    }
    impl Structured for Airport {
        type Props = AirportProps;
        const PROPS: AirportProps =
            AirportProps { code: Prop::new("IcaoCode"), name: Prop::new("Name"), city: Prop::new("City") };
    }
    impl Entity for Airport {
        const KEY: &'static [&'static str] = &["IcaoCode"];
        type Key = String;
    }
    impl EntitySet for Airport {
        const NAME: &'static str = "Airports";
        type Field = PersonField;
        const RESTRICTIONS: &'static Restrictions = &Restrictions {
            non_filterable: &["Name"],
            required_properties: &["City"],
            non_sortable: &["City"],
            non_navigable: &["Nearby"],
            ..Restrictions::NONE
        };
    }

    /// An entity set whose service refuses `$select`.
    #[derive(Serialize, Deserialize)]
    struct Runway;
    impl Structured for Runway {
        type Props = AirportProps;
        const PROPS: AirportProps = Airport::PROPS;
    }
    impl Entity for Runway {
        const KEY: &'static [&'static str] = &["IcaoCode"];
        type Key = String;
    }
    impl EntitySet for Runway {
        const NAME: &'static str = "Runways";
        type Field = PersonField;
        const RESTRICTIONS: &'static Restrictions = &Restrictions { select: false, ..Restrictions::NONE };
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

    fn path_and_query(url: Url) -> String {
        let text = url.to_string();
        text.strip_prefix(ROOT).unwrap().to_owned()
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
        let typed_order = Query::<Person>::new(&c, None).order_by(|p| p.user_name.asc()).custom_option("$orderby", "x");
        assert!(matches!(typed_order.request_url(), Err(Error::InvalidQuery(_))), "set by the builder");
        assert_eq!(query_of(Query::<Person>::new(&c, None).request_url().unwrap()), "");
    }

    #[test]
    fn typed_options_are_written_in_odata_syntax() {
        let c = client();
        let q = Query::<Person>::new(&c, None)
            .filter(|p| p.first_name.eq("Scott") | p.friends.any(|f| f.user_name.starts_with("r")))
            .filter(|p| p.best_friend.then(|b| b.first_name).is_not_null())
            .raw_filter("a eq 1 or b eq 2")
            .order_by(|p| [p.user_name.asc(), p.best_friend.then(|b| b.user_name).desc()])
            .expand(|p| {
                [
                    p.best_friend.expand(),
                    p.friends.expand_with(|f| f.select_with(|f| (f.user_name, f.first_name)).top(2)),
                ]
            })
            .select_with(|p| p.user_name)
            .with_count();
        let url = q.request_url().unwrap();
        let decoded: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let expected = [
            ("$select", "UserName"),
            (
                "$filter",
                "(FirstName eq 'Scott' or Friends/any(x0:startswith(x0/UserName,'r'))) \
                 and BestFriend/FirstName ne null and (a eq 1 or b eq 2)",
            ),
            ("$orderby", "UserName,BestFriend/UserName desc"),
            ("$expand", "BestFriend,Friends($select=UserName,FirstName;$top=2)"),
            ("$count", "true"),
        ];
        let expected: Vec<(String, String)> = expected.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn keys_and_navigation_make_the_path() {
        let c = client();
        let people = || Query::<Person>::new(&c, Some("v1"));
        let single = people().key("O'Brien/é 100%").select_with(|p| p.first_name).expand(|p| p.friends.expand());
        assert_eq!(
            path_and_query(single.request_url().unwrap()),
            "/People('O''Brien%2F%C3%A9%20100%25')?api-version=v1&$select=FirstName&$expand=Friends"
        );
        let friends = people().key("russell").nav(|p| p.friends).filter(|f| f.first_name.eq("x")).top(1);
        assert_eq!(friends.name(), "People('russell')/Friends");
        assert_eq!(
            path_and_query(friends.request_url().unwrap()),
            "/People('russell')/Friends?api-version=v1&$filter=FirstName%20eq%20%27x%27&$top=1"
        );
        let best = people().key("a").nav(|p| p.best_friend).nav(|b| b.friends).key("b");
        assert_eq!(path_and_query(best.request_url().unwrap()), "/People('a')/BestFriend/Friends('b')?api-version=v1");
        let me = Single::<Person>::singleton(&c, None, "Me").nav(|m| m.best_friend);
        assert_eq!(path_and_query(me.request_url().unwrap()), "/Me/BestFriend");
    }

    #[test]
    fn restrictions_are_checked_before_sending_and_name_the_annotation() {
        let c = client();
        let airports = || Query::<Airport>::new(&c, None);
        let error = |q: Query<'_, Airport>| match q.request_url() {
            Err(Error::InvalidQuery(message)) => message,
            other => panic!("{other:?}"),
        };
        assert!(error(airports()).contains("FilterRestrictions/RequiredProperties"));
        let by_city = airports().filter(|a| a.city.eq("Oslo"));
        assert!(by_city.request_url().is_ok());
        let by_name = airports().filter(|a| a.city.eq("Oslo") & a.name.eq("x"));
        assert!(error(by_name).contains("$filter on Name (Capabilities.FilterRestrictions/NonFilterableProperties)"));
        let sorted = airports().filter(|a| a.city.eq("Oslo")).order_by(|a| a.city.asc());
        assert!(error(sorted).contains("SortRestrictions/NonSortableProperties"));
        assert!(airports().raw_filter("City eq 'x'").request_url().is_ok(), "a raw filter is not read");
        let code = airports().filter(|a| a.city.eq("Oslo")).order_by(|a| a.code.desc());
        assert!(code.request_url().is_ok());
        // `$select` by field or by property, refused alike.
        let by_field = Query::<Runway>::new(&c, None).select([PersonField::FirstName]).request_url();
        assert!(matches!(by_field, Err(Error::InvalidQuery(m)) if m.contains("SelectSupport")));
        let by_prop = Query::<Runway>::new(&c, None).select_with(|r| r.name).request_url();
        assert!(matches!(by_prop, Err(Error::InvalidQuery(m)) if m.contains("SelectSupport")));
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
        let _ = UtcOffset::UTC;
    }
}
