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
//!
//! Several tenants sync side by side ([`run_tenants`]), each into its own store, their
//! collections sharing one limit of concurrent fetches; a tenant that fails (its credentials,
//! its store) stops alone.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::{Result, anyhow};
use futures::{StreamExt, TryStreamExt};
use intune_dw_client::Client;
use time::OffsetDateTime;

use crate::catalog;
use crate::config::Tenant;
use crate::drift;
use crate::fetch::{self, Request, RowPages};
use crate::progress::{CollectionProgress, Progress};
use crate::schema::{ApiVersion, Collection, Kind, VersionSchema};
use crate::store::{Checkpoint, Decoded, Location, PageWrite, Plan, Scope, StoreHandle, decode_page};

/// What to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Where the stores are.
    pub store: Location,
    /// The API version.
    pub version: ApiVersion,
    /// The collections (all when empty).
    pub collections: Vec<String>,
    /// How many collections are fetched at once, across tenants (at least 1).
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

/// Syncs `options.collections` from `client` into the store of the environment's tenant
/// ([`ENV_TENANT`](crate::config::ENV_TENANT)).
pub async fn run(client: &Client, options: &SyncOptions, progress: &Progress) -> Result<Report> {
    let limit = tokio::sync::Semaphore::new(options.concurrency.max(1));
    run_tenant(client, crate::config::ENV_TENANT, "", options, &limit, progress).await
}

/// Syncs every tenant into its store, all tenants' collections sharing `options.concurrency`;
/// each tenant's report, or why it failed as a whole, in the tenants' order.
pub async fn run_tenants(
    tenants: &[Tenant],
    options: &SyncOptions,
    progress: &Progress,
) -> Vec<(String, Result<Report>)> {
    let limit = tokio::sync::Semaphore::new(options.concurrency.max(1));
    let several = tenants.len() > 1;
    let runs = tenants.iter().map(|tenant| {
        let label = if several { format!("{}/", tenant.name) } else { String::new() };
        let limit = &limit;
        async move {
            let report = run_tenant(&tenant.client, &tenant.name, &label, options, limit, progress).await;
            if let Err(error) = &report {
                progress.println(&format!("{}: failed: {error:#}", tenant.name));
            }
            (tenant.name.clone(), report)
        }
    });
    futures::future::join_all(runs).await
}

/// Syncs one tenant; `label` prefixes its progress lines; a collection fetches only with a
/// permit of `limit`.
async fn run_tenant(
    client: &Client,
    tenant: &str,
    label: &str,
    options: &SyncOptions,
    limit: &tokio::sync::Semaphore,
    progress: &Progress,
) -> Result<Report> {
    let collections = select(options.version, &options.collections)
        .map_err(|unknown| anyhow!("api-version {} has no collection {}", options.version, unknown.join(", ")))?;
    let store = options.store.open(tenant, options.version).await?;
    let drift = match drift::check(client, options.version).await {
        Ok(drift) => drift,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    for note in &drift.notes {
        progress.println(&format!("{label}schema drift (additive): {note}"));
    }
    let tasks = collections.iter().map(|&collection| {
        let store = store.clone();
        let stopped = drift.stopped.get(&collection.name).cloned();
        async move {
            let outcome = match stopped {
                Some(changes) => {
                    let message = format!("the live $metadata changed in a breaking way: {}", changes.join("; "));
                    progress.println(&format!("{label}{}: stopped: {message}", collection.name));
                    Outcome::Stopped(message)
                }
                None => {
                    let Ok(_permit) = limit.acquire().await else {
                        return (collection.name.clone(), Outcome::Failed("the sync was shut down".into()));
                    };
                    let mut bar = progress.collection(&format!("{label}{}", collection.name));
                    let warn = |message: &str| progress.println(&format!("{label}{}: {message}", collection.name));
                    match sync_collection(client, &store, options.version, collection, &mut bar, &warn).await {
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
    // The permits bound the fetches; this bounds the tasks waiting for one.
    let mut results: Vec<(String, Outcome)> =
        futures::stream::iter(tasks).buffer_unordered(options.concurrency.max(1)).collect().await;
    store.close().await;
    let order: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
    results.sort_by_key(|(name, _)| order.iter().position(|n| n == name));
    Ok(Report { collections: results, notes: drift.notes })
}

/// The scope of a new sync of `collection`, from what is stored.
fn next_scope(collection: &Collection, plan: &Plan) -> Scope {
    match (collection.kind, plan.latest_day) {
        (Kind::Fact, Some(date_key)) => Scope::FromDay { date_key },
        (Kind::Fact, None) | (Kind::Lookup, _) => Scope::Whole,
        (Kind::Dimension, _) => Scope::ModifiedSince { since: plan.watermark },
    }
}

async fn sync_collection(
    client: &Client,
    store: &StoreHandle,
    version: ApiVersion,
    collection: &'static Collection,
    progress: &mut CollectionProgress,
    warn: &(dyn Fn(&str) + Sync),
) -> Result<()> {
    let plan = store.prepare(collection).await?;
    let (scope, cursor) = match plan.checkpoint.clone() {
        Some(Checkpoint { scope, cursor }) => (scope, cursor),
        None => (next_scope(collection, &plan), None),
    };
    let resuming = cursor.is_some();
    let request = match &scope {
        Scope::Whole | Scope::ModifiedSince { since: None } => Request::default(),
        Scope::FromDay { date_key } => Request { from_date_key: Some(*date_key), ..Request::default() },
        Scope::ModifiedSince { since: Some(since) } => Request { modified_since: Some(*since), ..Request::default() },
    };
    let open = |cursor| fetch::open(client, version, &collection.name, Request { cursor, ..request.clone() });
    match store_pages(store, collection, scope.clone(), !resuming, open(cursor)?, progress).await {
        // A saved position the client no longer takes (another service root, a runtime that
        // builds the query otherwise): the scope starts again, its rows replaced as on a first
        // run, rather than failing every run from now on.
        Err(error) if resuming && unusable_cursor(&error) => {
            warn(&format!("the saved position cannot be resumed ({error:#}); starting the refresh again"));
            store_pages(store, collection, scope.clone(), true, open(None)?, progress).await?;
        }
        stored => stored?,
    }
    let now = OffsetDateTime::now_utc();
    store.finish(collection, now).await?;
    Ok(())
}

/// Whether `error` says the saved cursor does not fit the query (not a failure of the service).
fn unusable_cursor(error: &anyhow::Error) -> bool {
    use intune_dw_client::Error;
    error.chain().any(|cause| {
        matches!(cause.downcast_ref::<Error>(), Some(Error::InvalidQuery(_) | Error::InvalidNextLink { .. }))
    })
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
        store.write_page(collection, write).await?;
        replace = false;
        progress.page(count);
    }
    Ok(())
}
