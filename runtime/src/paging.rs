//! Following `@odata.nextLink`: pages, rows and resumable cursors; the inline count
//! (`@odata.count`) and change tracking (`@odata.deltaLink`, `@removed`).
//!
//! A next link is followed only when it stays on the service root's scheme, host and port (the
//! bearer token goes nowhere else) and has not been requested before in the same stream (a
//! server that loops would otherwise be read forever).

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use url::Url;

use crate::client::Client;
use crate::error::{DecodeError, Error};
use crate::origin::same_origin;

/// A stream of pages, see [`Query::pages`](crate::query::Query::pages).
pub type Pages<T> = BoxStream<'static, Result<Page<T>, Error>>;

/// A stream of rows, see [`Query::stream`](crate::query::Query::stream): every row of every
/// page, and the total the service announced (`$count=true`) once the first page is read.
pub struct Rows<T> {
    rows: BoxStream<'static, Result<T, Error>>,
    total: Arc<OnceLock<u64>>,
}

impl<T> std::fmt::Debug for Rows<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows").field("total", &self.total()).finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Rows<T> {
    /// The rows of `pages`, one page in memory at a time.
    pub fn of(pages: Pages<T>) -> Rows<T> {
        let total = Arc::new(OnceLock::new());
        let seen = Arc::clone(&total);
        let rows = pages
            .map_ok(move |page| {
                if let Some(count) = page.count() {
                    let _ = seen.set(count);
                }
                futures::stream::iter(page.into_rows().into_iter().map(Ok))
            })
            .try_flatten()
            .boxed();
        Rows { rows, total }
    }
}

impl<T> Rows<T> {
    /// The number of rows the service said the query has (`@odata.count`, with
    /// [`with_count`](crate::query::Query::with_count)), once the first page is read.
    pub fn total(&self) -> Option<u64> {
        self.total.get().copied()
    }
}

impl<T> Stream for Rows<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rows.poll_next_unpin(cx)
    }
}

/// One page of rows.
#[derive(Debug, Clone)]
pub struct Page<T> {
    rows: Vec<T>,
    next: Option<Cursor>,
    delta: Option<Cursor>,
    count: Option<u64>,
    number: usize,
    url: Url,
}

impl<T> Page<T> {
    /// The rows, in the service's order.
    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    /// Takes the rows.
    pub fn into_rows(self) -> Vec<T> {
        self.rows
    }

    /// Where the next page starts; `None` on the last page, or when the next link cannot be
    /// followed (the stream's next item is then that error). Save it once this page's rows are
    /// stored to be able to [`resume`](crate::query::Query::resume) there.
    pub fn next(&self) -> Option<&Cursor> {
        self.next.as_ref()
    }

    /// The page's position in this stream (0 for the first page read).
    pub fn number(&self) -> usize {
        self.number
    }

    /// The URL this page was read from.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The total number of rows of the query (`@odata.count`), when it was asked for with
    /// [`with_count`](crate::query::Query::with_count); on the first page at least.
    pub fn count(&self) -> Option<u64> {
        self.count
    }

    /// On the last page of a change-tracking query ([`track_changes`](crate::query::Query::track_changes)),
    /// where the next run starts (`@odata.deltaLink`): save it and [`resume`](crate::query::Query::resume)
    /// from it to receive only what changed since.
    pub fn delta(&self) -> Option<&Cursor> {
        self.delta.as_ref()
    }
}

/// Where an extraction stands: the next page of a query. Serializable, to survive a restart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    entity_set: String,
    query: String,
    next_link: String,
    /// A delta link (the next run of a change-tracking query) rather than the next page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    delta: bool,
}

impl Cursor {
    /// The collection.
    pub fn entity_set(&self) -> &str {
        &self.entity_set
    }

    /// The URL of the query's first page (identifies the query).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The service's `@odata.nextLink` (or `@odata.deltaLink`), resolved to an absolute URL.
    pub fn next_link(&self) -> &str {
        &self.next_link
    }

    /// Whether the cursor is a delta link: it starts a later run of a change-tracking query,
    /// which receives only the changes since this one.
    pub fn is_delta(&self) -> bool {
        self.delta
    }

    /// Checks that the cursor belongs to this query and this service, and starts there.
    pub(crate) fn start(&self, entity_set: &str, first: Url, service_root: &Url) -> Result<Start, Error> {
        if self.entity_set != entity_set {
            return Err(Error::InvalidQuery(format!("the cursor belongs to {}, not {entity_set}", self.entity_set)));
        }
        if self.query != first.as_str() {
            return Err(Error::InvalidQuery(format!(
                "the cursor was taken from another query ({}, not {first})",
                self.query
            )));
        }
        let url = Url::parse(&self.next_link)
            .map_err(|e| Error::InvalidNextLink { link: self.next_link.clone(), reason: e.to_string() })?;
        if !same_origin(&url, service_root) {
            return Err(Error::InvalidNextLink {
                link: self.next_link.clone(),
                reason: format!("not on the service root's origin ({service_root})"),
            });
        }
        Ok(Start { seen: HashSet::from([first.to_string(), url.to_string()]), query: first.to_string(), url })
    }
}

/// Where a page stream starts.
#[derive(Debug)]
pub(crate) struct Start {
    query: String,
    url: Url,
    seen: HashSet<String>,
}

impl Start {
    pub(crate) fn first(url: Url) -> Self {
        Start { query: url.to_string(), seen: HashSet::from([url.to_string()]), url }
    }
}

enum Next {
    Fetch(Url),
    Fail(Error),
    Done,
}

struct State {
    client: Client,
    collection: String,
    headers: HeaderMap,
    query: String,
    next: Next,
    seen: HashSet<String>,
    page: usize,
}

/// The lazy page stream of `collection`: one request per poll, after the previous page.
pub(crate) fn pages<T: DeserializeOwned + Send + 'static>(
    client: Client,
    collection: String,
    headers: HeaderMap,
    start: Result<Start, Error>,
) -> Pages<T> {
    let (query, next, seen) = match start {
        Ok(start) => (start.query, Next::Fetch(start.url), start.seen),
        Err(e) => (String::new(), Next::Fail(e), HashSet::new()),
    };
    let state = State { client, collection, headers, query, next, seen, page: 0 };
    // `try_unfold` ends the stream after the first error.
    futures::stream::try_unfold(state, |mut state| async move {
        let url = match std::mem::replace(&mut state.next, Next::Done) {
            Next::Fetch(url) => url,
            Next::Fail(error) => return Err(error),
            Next::Done => return Ok(None),
        };
        let body = state.client.get_json(&url, &state.headers).await?;
        let RawPage { value: rows, next_link, delta_link, count, context } =
            decode_raw(&body, &state.collection, state.page, &url)?;
        drop(body);
        // Links in a payload are relative to its context URL, itself relative to the request.
        let base = link_base(&url, context.as_deref());
        let (collection, query) = (state.collection.clone(), state.query.clone());
        let cursor = move |link: &Url, delta| Cursor {
            entity_set: collection.clone(),
            query: query.clone(),
            next_link: link.to_string(),
            delta,
        };
        let next = match next_link.map(|link| state.follow(&base, link)) {
            None => None,
            Some(Ok(next_url)) => {
                let next = cursor(&next_url, false);
                state.next = Next::Fetch(next_url);
                Some(next)
            }
            Some(Err(error)) => {
                // Hand out this page's rows first; the error is the stream's next item.
                state.next = Next::Fail(error);
                None
            }
        };
        let delta = match delta_link.map(|link| resolve_next_link(&base, &link, state.client.service_root())) {
            None => None,
            Some(Ok(delta_url)) => Some(cursor(&delta_url, true)),
            Some(Err(error)) => {
                state.next = Next::Fail(error);
                None
            }
        };
        let page = Page { rows, next, delta, count, number: state.page, url };
        state.page += 1;
        Ok(Some((page, state)))
    })
    .boxed()
}

impl State {
    fn follow(&mut self, current: &Url, link: String) -> Result<Url, Error> {
        let url = resolve_next_link(current, &link, self.client.service_root())?;
        if !self.seen.insert(url.to_string()) {
            return Err(Error::InvalidNextLink { link, reason: "it repeats a page already requested".into() });
        }
        Ok(url)
    }
}

/// The URL the relative links of a page read from `page_url` are relative to: its
/// `@odata.context` (resolved against `page_url`; e.g. `../$metadata#Books` for the page of
/// `People('x')/Books`), else `page_url` itself.
fn link_base(page_url: &Url, context: Option<&str>) -> Url {
    context.and_then(|context| page_url.join(context).ok()).unwrap_or_else(|| page_url.clone())
}

/// Resolves the `@odata.nextLink` of a page against `page_url` (the page's URL, or the base its
/// context URL gives, see OData JSON 4.01 §4.6) and checks that it stays on the scheme, host and port of `service_root`,
/// the only place the bearer token may go. The streams use it for every link; it is public for
/// pages fetched by other means (see [`decode_page`]).
pub fn resolve_next_link(page_url: &Url, link: &str, service_root: &Url) -> Result<Url, Error> {
    let refuse = |reason: String| Error::InvalidNextLink { link: link.to_owned(), reason };
    let url = page_url.join(link).map_err(|e| refuse(e.to_string()))?;
    if !same_origin(&url, service_root) {
        return Err(refuse(format!("it leaves the service root's scheme, host or port ({service_root})")));
    }
    Ok(url)
}

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct RawPage<T> {
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink", default)]
    delta_link: Option<String>,
    #[serde(rename = "@odata.count", default, deserialize_with = "count")]
    count: Option<u64>,
    #[serde(rename = "@odata.context", default)]
    context: Option<String>,
}

/// `@odata.count` as a number or, with `IEEE754Compatible`, a string.
fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        Number(u64),
        Text(String),
    }
    match Option::<Count>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Count::Number(n)) => Ok(Some(n)),
        Some(Count::Text(text)) => text.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Decodes the body of a collection page (`{"value": [...], "@odata.nextLink": ...}`) into rows
/// and the next link, in one pass; a decode error names the collection, the page number, the row
/// and the field (from the JSON path, e.g. `value[3].deviceKey`). The streams use it for every
/// page; it is public for pages fetched by other means.
pub fn decode_page<T: DeserializeOwned>(
    body: &[u8],
    collection: &str,
    page: usize,
    url: &Url,
) -> Result<(Vec<T>, Option<String>), Error> {
    decode_raw(body, collection, page, url).map(|raw| (raw.value, raw.next_link))
}

/// Decodes a collection answer (`{"value": [...]}`) that is not a query's page (an operation's
/// result): its items, its next link and the URL the link is relative to.
pub(crate) fn decode_collection<T: DeserializeOwned>(
    body: &[u8],
    collection: &str,
    page: usize,
    url: &Url,
) -> Result<(Vec<T>, Option<String>, Url), Error> {
    let raw = decode_raw(body, collection, page, url)?;
    Ok((raw.value, raw.next_link, link_base(url, raw.context.as_deref())))
}

fn decode_raw<T: DeserializeOwned>(body: &[u8], collection: &str, page: usize, url: &Url) -> Result<RawPage<T>, Error> {
    // Tracking the path costs time on every value, so it is only done again for a page that
    // failed, to say where.
    if let Ok(raw) = serde_json::from_slice::<RawPage<T>>(body) {
        return Ok(raw);
    }
    let raw: RawPage<T> =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(body)).map_err(|e| {
            // Broken JSON is the page's fault, wherever it broke off; a value of the wrong shape is
            // its row's.
            let (row, path) = if e.inner().is_data() { row_and_path(e.path()) } else { (None, e.path().to_string()) };
            Error::Decode(Box::new(DecodeError {
                collection: collection.to_owned(),
                url: url.clone(),
                page,
                row,
                path,
                source: e.into_inner(),
            }))
        })?;
    Ok(raw)
}

/// A row of a change-tracking query (see [`Query::track_changes`](crate::query::Query::track_changes)):
/// an entity added or changed since the delta link, or one removed (`@removed`).
#[derive(Debug, Clone, PartialEq)]
pub enum Change<T> {
    /// Added or changed: the row as it is now.
    Upserted(T),
    /// Removed (or moved out of the query's scope): what the service says of it, usually its key
    /// properties and `@odata.id`.
    Removed {
        /// `@removed.reason` (`deleted` or `changed`), when given.
        reason: Option<String>,
        /// The entry's other properties (the key, `@odata.id`).
        entry: serde_json::Map<String, serde_json::Value>,
    },
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Change<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut entry = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        match entry.remove("@removed") {
            Some(removed) => {
                let reason = removed.get("reason").and_then(|r| r.as_str()).map(str::to_owned);
                Ok(Change::Removed { reason, entry })
            }
            None => {
                T::deserialize(serde_json::Value::Object(entry)).map(Change::Upserted).map_err(serde::de::Error::custom)
            }
        }
    }
}

/// `value[3].deviceKey` → (row 3, `deviceKey`); any other path is about the page itself.
fn row_and_path(path: &serde_path_to_error::Path) -> (Option<usize>, String) {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    match segments.as_slice() {
        [Segment::Map { key }, Segment::Seq { index }, rest @ ..] if key == "value" => {
            let mut field = String::new();
            for segment in rest {
                match segment {
                    Segment::Seq { index } => field.push_str(&format!("[{index}]")),
                    Segment::Map { key } | Segment::Enum { variant: key } => {
                        if !field.is_empty() {
                            field.push('.');
                        }
                        field.push_str(key);
                    }
                    Segment::Unknown => field.push('?'),
                }
            }
            (Some(*index), field)
        }
        _ => (None, path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        #[serde(rename = "deviceKey")]
        key: i32,
        #[serde(rename = "deviceName")]
        name: Option<String>,
    }

    fn url() -> Url {
        Url::parse("https://h/svc/devices?api-version=v1.0").unwrap()
    }

    #[test]
    fn decodes_rows_and_the_next_link() {
        let body = br#"{"@odata.context":"x","value":[{"deviceKey":1,"deviceName":"a","extra":0},{"deviceKey":2,"deviceName":null}],"@odata.nextLink":"https://h/svc/devices?$skiptoken=1"}"#;
        let (rows, next) = decode_page::<Row>(body, "devices", 0, &url()).unwrap();
        assert_eq!(rows, [Row { key: 1, name: Some("a".into()) }, Row { key: 2, name: None }]);
        assert_eq!(next.as_deref(), Some("https://h/svc/devices?$skiptoken=1"));
    }

    #[test]
    fn decode_errors_name_collection_page_row_and_field() {
        let body = br#"{"value":[{"deviceKey":1,"deviceName":"a"},{"deviceKey":"two","deviceName":"b"}]}"#;
        let Err(Error::Decode(e)) = decode_page::<Row>(body, "devices", 3, &url()) else {
            panic!("expected a decode error");
        };
        assert_eq!((e.collection.as_str(), e.page, e.row), ("devices", 3, Some(1)));
        assert_eq!(e.path, "deviceKey");
        assert!(e.to_string().contains("devices page 3 row 1 at `deviceKey`"), "{e}");

        let Err(Error::Decode(e)) = decode_page::<Row>(br#"{"value":{"a":1}}"#, "devices", 0, &url()) else {
            panic!("expected a decode error");
        };
        assert_eq!((e.row, e.path.as_str()), (None, "value"));
        assert!(matches!(decode_page::<Row>(b"{\"value\":[", "devices", 0, &url()), Err(Error::Decode(_))));
    }

    #[test]
    fn links_are_relative_to_the_context_url() {
        let page = Url::parse("https://h/svc/People('x')/Friends?$top=2").unwrap();
        let base = link_base(&page, Some("../$metadata#People"));
        let root = Url::parse("https://h/svc").unwrap();
        let next = resolve_next_link(&base, "People('x')/Friends?$skiptoken=2", &root).unwrap();
        assert_eq!(next.as_str(), "https://h/svc/People('x')/Friends?$skiptoken=2");
        assert_eq!(link_base(&page, None), page, "without a context, the page's own URL");
    }

    #[test]
    fn cursors_survive_serialization_and_check_their_query() {
        let cursor = Cursor {
            entity_set: "devices".into(),
            query: url().to_string(),
            next_link: "https://h/svc/devices?api-version=v1.0&$skiptoken=2".into(),
            delta: false,
        };
        let json = serde_json::to_string(&cursor).unwrap();
        assert_eq!(
            json,
            r#"{"entitySet":"devices","query":"https://h/svc/devices?api-version=v1.0","nextLink":"https://h/svc/devices?api-version=v1.0&$skiptoken=2"}"#
        );
        let back: Cursor = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cursor);
        let root = Url::parse("https://h/svc").unwrap();
        let start = back.start("devices", url(), &root).unwrap();
        assert_eq!(start.url.as_str(), cursor.next_link());
        assert!(matches!(back.start("dates", url(), &root), Err(Error::InvalidQuery(_))));
        let other = Url::parse("https://h/svc/devices?api-version=beta").unwrap();
        assert!(matches!(back.start("devices", other, &root), Err(Error::InvalidQuery(_))));
        let foreign = Cursor { next_link: "https://evil.example/svc/devices".into(), ..cursor };
        assert!(matches!(foreign.start("devices", url(), &root), Err(Error::InvalidNextLink { .. })));
    }
}
