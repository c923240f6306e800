//! `intune-dw sync`: the Warehouse into the local store, incrementally and resumably.
//!
//! For each collection, in parallel up to the concurrency:
//!
//! 1. the store's [`Plan`] says what is there: an unfinished sync continues with its saved
//!    scope and cursor; otherwise the [`Scope`] follows from the kind — facts fetch
//!    `dateKey ge` the most recent stored day (new days plus a re-fetch of that day, which it
//!    replaces), dimensions fetch `rowLastModifiedDateTimeUTC ge` the watermark (upserted by
//!    key), lookups are fetched whole (replacing the table);
//! 2. pages come from the client's query (`pages_as`, following `@odata.nextLink` under its
//!    retry policy and token refresh); every row is decoded through the generated row type, so
//!    a row that does not decode stops the collection before anything of its page is stored;
//! 3. each page is stored with its checkpoint in one transaction by the single writer thread
//!    that owns the SQLite connection.
//!
//! Re-running a scope from its first page is idempotent (it replaces what it fetches), so a
//! sync killed anywhere and resumed ends with the rows of a clean run.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use futures::{StreamExt, TryStreamExt};
use intune_dw_client::Client;
use intune_dw_client::query::ROW_LAST_MODIFIED;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use crate::catalog;
use crate::drift;
use crate::fetch::{self, Decoder, Request, RowPages};
use crate::progress::{CollectionProgress, Progress};
use crate::schema::{self, ApiVersion, Collection, Kind, format_timestamp};
use crate::store::{self, Checkpoint, PageWrite, Plan, Scope, Store};

/// What to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// The SQLite file.
    pub store: PathBuf,
    /// The API version.
    pub version: ApiVersion,
    /// The collections (all when empty).
    pub collections: Vec<String>,
    /// How many collections are fetched at once (at least 1).
    pub concurrency: usize,
}

/// How one collection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every page stored.
    Done {
        /// Rows stored by this run.
        rows: u64,
        /// Pages stored by this run.
        pages: u64,
    },
    /// Not synced: the live schema changed in a breaking way.
    Stopped(String),
    /// Failed part-way (what was committed stays, and the next run continues from it).
    Failed(String),
}

/// The result of a sync.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Each collection asked for, in order.
    pub collections: Vec<(String, Outcome)>,
    /// Additive schema changes seen.
    pub notes: Vec<String>,
}

impl Report {
    /// Whether every collection completed.
    pub fn complete(&self) -> bool {
        self.collections.iter().all(|(_, o)| matches!(o, Outcome::Done { .. }))
    }
}

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

/// The collections named in `names` (all when empty), or the unknown names.
pub fn select(version: ApiVersion, names: &[String]) -> Result<Vec<&'static Collection>, Vec<String>> {
    let schema = version.schema();
    if names.is_empty() {
        return Ok(schema.collections.iter().filter(|c| catalog::entry(version, &c.name).is_some()).collect());
    }
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| catalog::entry(version, n).is_none() || schema.collection(n).is_none())
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let mut seen = HashSet::new();
    Ok(names.iter().filter(|n| seen.insert(n.as_str())).filter_map(|n| schema.collection(n)).collect())
}

/// Syncs `options.collections` from `client` into the store.
pub async fn run(client: &Client, options: &SyncOptions, progress: &Progress) -> Result<Report> {
    let collections = select(options.version, &options.collections)
        .map_err(|unknown| anyhow!("api-version {} has no collection {}", options.version, unknown.join(", ")))?;
    let store = StoreHandle::open(&options.store, options.version).await?;
    let drift = drift::check(client, options.version).await?;
    for note in &drift.notes {
        progress.println(&format!("schema drift (additive): {note}"));
    }
    let tasks = collections.iter().map(|&collection| {
        let store = store.clone();
        let stopped = drift.stopped.get(&collection.name).cloned();
        async move {
            let outcome = match stopped {
                Some(changes) => {
                    let message = format!("the live $metadata changed in a breaking way: {}", changes.join("; "));
                    progress.println(&format!("{}: stopped: {message}", collection.name));
                    Outcome::Stopped(message)
                }
                None => {
                    let mut bar = progress.collection(&collection.name);
                    match sync_collection(client, &store, options.version, collection, &mut bar).await {
                        Ok(()) => {
                            bar.finish("done");
                            let (rows, pages) = bar.counts();
                            Outcome::Done { rows, pages }
                        }
                        Err(e) => {
                            let message = format!("{e:#}");
                            bar.finish(&format!("failed: {message}"));
                            Outcome::Failed(message)
                        }
                    }
                }
            };
            (collection.name.clone(), outcome)
        }
    });
    let mut results: Vec<(String, Outcome)> =
        futures::stream::iter(tasks).buffer_unordered(options.concurrency.max(1)).collect().await;
    let order: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
    results.sort_by_key(|(name, _)| order.iter().position(|n| n == name));
    Ok(Report { collections: results, notes: drift.notes })
}

/// The scope of a new sync of `collection`, from what is stored.
fn next_scope(collection: &Collection, plan: &Plan) -> Scope {
    match (collection.kind, plan.latest_day) {
        (Kind::Fact, Some(date_key)) => Scope::FromDay { date_key },
        (Kind::Fact, None) | (Kind::Lookup, _) => Scope::Whole,
        (Kind::Dimension, _) => Scope::ModifiedSince { since: plan.watermark.clone() },
    }
}

async fn sync_collection(
    client: &Client,
    store: &StoreHandle,
    version: ApiVersion,
    collection: &'static Collection,
    progress: &mut CollectionProgress,
) -> Result<()> {
    let plan = store.call(move |s| s.ensure_table(collection).and_then(|()| s.plan(collection))).await??;
    let (scope, cursor) = match plan.checkpoint.clone() {
        Some(Checkpoint { scope, cursor }) => (scope, cursor),
        None => (next_scope(collection, &plan), None),
    };
    let resuming = cursor.is_some();
    let request = match &scope {
        Scope::Whole | Scope::ModifiedSince { since: None } => Request::default(),
        Scope::FromDay { date_key } => Request { from_date_key: Some(*date_key), ..Request::default() },
        Scope::ModifiedSince { since: Some(since) } => Request {
            modified_since: Some(
                OffsetDateTime::parse(since, &Rfc3339)
                    .with_context(|| format!("unreadable watermark {since:?} in the store"))?,
            ),
            ..Request::default()
        },
    };
    let pages = fetch::open(client, version, &collection.name, Request { cursor, ..request })?;
    store_pages(store, collection, scope.clone(), !resuming, pages, progress).await?;
    let now = format_timestamp(OffsetDateTime::now_utc());
    store.call(move |s| s.finish(collection, &now)).await??;
    Ok(())
}

async fn store_pages(
    store: &StoreHandle,
    collection: &'static Collection,
    scope: Scope,
    mut replace: bool,
    mut pages: RowPages,
    progress: &mut CollectionProgress,
) -> Result<()> {
    let known: Arc<HashSet<&'static str>> = Arc::new(collection.columns.iter().map(|c| c.name.as_str()).collect());
    while let Some(page) = pages.pages.try_next().await? {
        let url = page.url().clone();
        let cursor = page.next().cloned();
        let rows = page.into_rows();
        let count = rows.len();
        let Decoded { rows, watermark } = decode_page(collection, &known, pages.decoder, &url, rows)?;
        let write = PageWrite {
            replace: replace.then(|| scope.clone()),
            rows,
            watermark,
            checkpoint: Checkpoint { scope: scope.clone(), cursor },
        };
        store.call(move |s| s.write_page(collection, &write)).await??;
        replace = false;
        progress.page(count);
    }
    Ok(())
}

/// A page's rows as column values, and its highest `rowLastModifiedDateTimeUTC`.
struct Decoded {
    rows: Vec<Vec<SqlValue>>,
    watermark: Option<String>,
}

/// Checks every row of a page and turns it into column values; the highest
/// `rowLastModifiedDateTimeUTC` comes along.
fn decode_page(
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
            .map(|c| object.get(&c.name).map_or(SqlValue::Null, |v| store::to_sql(c.ty, v)))
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
    Ok(Decoded { rows: out, watermark: watermark.map(format_timestamp) })
}

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// The store, owned by one writer thread; collections send it work.
#[derive(Debug, Clone)]
pub struct StoreHandle {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl StoreHandle {
    /// Opens the store on its own thread.
    pub async fn open(path: &Path, version: ApiVersion) -> Result<StoreHandle> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let (opened, ready) = tokio::sync::oneshot::channel();
        let path = path.to_owned();
        std::thread::Builder::new()
            .name("intune-dw-store".into())
            .spawn(move || match Store::open(&path, version) {
                Ok(mut store) => {
                    let _ = opened.send(Ok(()));
                    // Ends when every handle is dropped.
                    while let Ok(job) = queue.recv() {
                        job(&mut store);
                    }
                }
                Err(e) => {
                    let _ = opened.send(Err(e));
                }
            })
            .context("cannot start the store thread")?;
        ready.await.context("the store thread stopped")??;
        Ok(StoreHandle { jobs })
    }

    /// Runs `f` on the store and returns its result.
    pub async fn call<R: Send + 'static>(&self, f: impl FnOnce(&mut Store) -> R + Send + 'static) -> Result<R> {
        let (reply, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |store| {
                let _ = reply.send(f(store));
            }))
            .map_err(|_| anyhow!("the store thread stopped"))?;
        result.await.map_err(|_| anyhow!("the store thread stopped"))
    }
}
