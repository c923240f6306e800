//! The local SQLite copy: one table per collection, named exactly as the entity set, one column
//! per property named exactly as its wire name (typed from the metadata), the entity key as
//! primary key, plus an `_extra` JSON column for properties the metadata did not have.
//! Bookkeeping lives only in `_`-prefixed tables:
//!
//! - `_meta(key, value)`: the store's `api_version`;
//! - `_sync_state(collection, scope, cursor)`: an unfinished sync of a collection: what it
//!   fetches and the client's cursor of its next page, written in the same transaction as the
//!   page's rows, so a sync killed anywhere continues where it stopped;
//! - `_collections(collection, watermark, last_synced)`: the highest
//!   `rowLastModifiedDateTimeUTC` stored and when the collection last completed;
//! - `_pending_{collection}`: the rows of an unfinished refresh that replaces rows (a lookup
//!   fetched whole, the latest days of a fact), moved into the collection's table in one
//!   transaction when its last page is stored. Until then the table keeps its previous rows, so a
//!   refresh that fails for good never leaves a collection cut short.
//!
//! The database is in WAL mode with `synchronous=NORMAL`: a committed page survives the
//! process being killed.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use intune_dw_client::Cursor;
use intune_dw_client::query::{DATE_KEY, date_time_offset_literal};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::schema::{ApiVersion, Collection, Column};

pub(crate) mod fault;
mod location;
pub mod postgres;
mod rows;
mod writer;

pub use location::{Location, StoreHandle, StoreReader, TENANT_PLACEHOLDER};
pub use rows::{Decoded, RowError, decode_page, to_json, to_sql};
pub use writer::SqliteWriter;

/// The column holding properties the metadata does not know, as a JSON object.
pub const EXTRA_COLUMN: &str = "_extra";

/// What one sync of a collection fetches, and what it replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Scope {
    /// Every row; replaces the table.
    Whole,
    /// The days from `date_key` on; replaces them.
    #[serde(rename_all = "camelCase")]
    FromDay {
        /// `yyyymmdd`
        date_key: i64,
    },
    /// Rows modified at or after `since` (everything when `None`); upserted by key.
    ModifiedSince {
        /// The watermark the sync started from (RFC 3339 in the saved state).
        #[serde(with = "time::serde::rfc3339::option")]
        since: Option<OffsetDateTime>,
    },
}

/// An unfinished sync of a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// What it fetches.
    pub scope: Scope,
    /// Where the next page starts; `None` once the last page is stored (the sync then restarts
    /// the same scope, which is idempotent).
    pub cursor: Option<Cursor>,
}

impl Checkpoint {
    /// The scope and cursor as both stores keep them (JSON text).
    pub(crate) fn stored(&self) -> Result<(String, Option<String>)> {
        Ok((serde_json::to_string(&self.scope)?, self.cursor.as_ref().map(serde_json::to_string).transpose()?))
    }

    /// Reads a stored checkpoint back. A refresh whose pending table is gone (a store from before
    /// pending tables) starts over: its cursor is dropped.
    pub(crate) fn read(scope: &str, cursor: Option<&str>, pending_exists: bool) -> Result<Checkpoint> {
        let scope: Scope = serde_json::from_str(scope).context("unreadable sync state")?;
        let cursor = match (&scope, pending_exists) {
            (Scope::ModifiedSince { .. }, _) | (_, true) => {
                cursor.map(serde_json::from_str).transpose().context("unreadable sync cursor")?
            }
            _ => None,
        };
        Ok(Checkpoint { scope, cursor })
    }
}

/// What the store knows before syncing a collection.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// An unfinished sync to continue.
    pub checkpoint: Option<Checkpoint>,
    /// The most recent `dateKey` stored (facts).
    pub latest_day: Option<i64>,
    /// The highest `rowLastModifiedDateTimeUTC` stored.
    pub watermark: Option<OffsetDateTime>,
}

/// One page, ready to store.
#[derive(Debug, Clone)]
pub struct PageWrite {
    /// Delete what the scope replaces first (the first page of a scope).
    pub replace: Option<Scope>,
    /// One value per column, then `_extra`.
    pub rows: Vec<Vec<SqlValue>>,
    /// The highest `rowLastModifiedDateTimeUTC` of the page.
    pub watermark: Option<OffsetDateTime>,
    /// Saved with the rows.
    pub checkpoint: Checkpoint,
}

/// An open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    version: ApiVersion,
    /// Held while the store is open for writing (see [`Store::open`]).
    _writer: Option<std::fs::File>,
}

/// Takes the store's writer lock: `{store}.lock`, locked exclusively by the one process that
/// syncs into the store. Two syncs of one store would interleave their transactions (one
/// swapping in and dropping a refresh's pending table while the other still writes to it); a
/// sync killed by the OS releases the lock with the process.
fn lock_for_writing(path: &Path) -> Result<std::fs::File> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = std::path::PathBuf::from(lock_path);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            use std::io::{Seek, Write};
            // Who holds it, for the message of the next one (best effort).
            let _ = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| write!(file, "{}", std::process::id()));
            Ok(file)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&lock_path).unwrap_or_default();
            let holder = if holder.trim().is_empty() { String::new() } else { format!(" (process {})", holder.trim()) };
            bail!("another intune-dw sync is writing to {}{holder}; wait for it to end", path.display())
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock {}", lock_path.display())),
    }
}

/// A collection's watermark as both stores keep it (RFC 3339 text).
pub(crate) fn parse_watermark(text: Option<String>, collection: &Collection) -> Result<Option<OffsetDateTime>> {
    text.map(|text| {
        OffsetDateTime::parse(&text, &Rfc3339)
            .with_context(|| format!("unreadable watermark {text:?} of {} in the store", collection.name))
    })
    .transpose()
}

/// The pending table of a refresh of `collection` (see the module docs).
pub(crate) fn pending_table(collection: &str) -> String {
    format!("_pending_{collection}")
}

fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| r.get(0))
}

/// `"name"`, with embedded quotes doubled.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The quoted names of a collection's columns, `_extra` last: the columns of its table, in order.
pub(crate) fn column_names(collection: &Collection) -> Vec<String> {
    collection.columns.iter().map(|c| quote(&c.name)).chain([quote(EXTRA_COLUMN)]).collect()
}

/// The quoted names of a collection's key properties.
pub(crate) fn key_names(collection: &Collection) -> Vec<String> {
    collection.key.iter().map(|k| quote(k)).collect()
}

/// `CREATE TABLE IF NOT EXISTS` of a collection's table, each column typed by `ty`, `_extra`
/// typed `extra`, the key as primary key (the same for either store).
pub(crate) fn create_table(
    table: &str,
    collection: &Collection,
    ty: impl Fn(&Column) -> &'static str,
    extra: &str,
) -> String {
    let columns: Vec<String> = collection
        .columns
        .iter()
        .map(|c| format!("{} {}{}", quote(&c.name), ty(c), if c.nullable { "" } else { " NOT NULL" }))
        .chain([format!("{} {extra}", quote(EXTRA_COLUMN))])
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {table} ({}, PRIMARY KEY ({}))",
        columns.join(", "),
        key_names(collection).join(", ")
    )
}

impl Store {
    /// Opens (creating it if needed) the store at `path` for `version`, to write: a store made
    /// for another version is refused, and so is a store another process writes to (its lock,
    /// `{path}.lock`, is held until the returned store is dropped).
    pub fn open(path: &Path, version: ApiVersion) -> Result<Store> {
        let writer = lock_for_writing(path)?;
        let conn = Connection::open(path).with_context(|| format!("cannot open the store {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 512 KiB of page cache (SQLite's default is 2 MiB): pages are appended and merged by
        // key, which needs little; with a file per tenant, the default was most of what each
        // tenant added to a sync's memory (1.69x for four tenants, 1.39x with this).
        conn.pragma_update(None, "cache_size", -512)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS _sync_state (collection TEXT PRIMARY KEY, scope TEXT NOT NULL, cursor TEXT);
             CREATE TABLE IF NOT EXISTS _collections (collection TEXT PRIMARY KEY, watermark TEXT, last_synced TEXT);",
        )
        .with_context(|| format!("cannot set up the store {}", path.display()))?;
        let stored: Option<String> =
            conn.query_row("SELECT value FROM _meta WHERE key = 'api_version'", [], |r| r.get(0)).optional()?;
        match stored {
            None => {
                conn.execute("INSERT INTO _meta (key, value) VALUES ('api_version', ?1)", [version.as_str()])?;
            }
            Some(stored) if stored == version.as_str() => {}
            Some(stored) => bail!("{} holds api-version {stored}, not {version}", path.display()),
        }
        Ok(Store { conn, version, _writer: Some(writer) })
    }

    /// Opens an existing store, whatever its version.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            bail!("no store at {}", path.display());
        }
        let conn = Connection::open(path).with_context(|| format!("cannot open the store {}", path.display()))?;
        let stored: Option<String> = conn
            .query_row("SELECT value FROM _meta WHERE key = 'api_version'", [], |r| r.get(0))
            .optional()
            .with_context(|| format!("{} is not an intune-dw store", path.display()))?;
        let version = stored
            .as_deref()
            .and_then(ApiVersion::parse)
            .with_context(|| format!("{} has no known api-version", path.display()))?;
        Ok(Store { conn, version, _writer: None })
    }

    /// The store's API version.
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// Creates the table of `collection`, or adds the columns it lacks.
    pub fn ensure_table(&self, collection: &Collection) -> Result<()> {
        let table = quote(&collection.name);
        self.conn
            .execute_batch(&create_table(&table, collection, |c| c.ty.sql(), "JSON"))
            .with_context(|| format!("cannot create the table {}", collection.name))?;
        // Each table's own columns: a run killed between the two tables' changes is mended by
        // the next.
        let pending = pending_table(&collection.name);
        let tables =
            std::iter::once(collection.name.clone()).chain(table_exists(&self.conn, &pending)?.then_some(pending));
        for name in tables {
            let existing: HashSet<String> = self
                .conn
                .prepare(&format!("SELECT name FROM pragma_table_info({})", sql_string(&name)))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for column in collection.columns.iter().filter(|c| !existing.contains(&c.name)) {
                self.conn.execute_batch(&format!(
                    "ALTER TABLE {} ADD COLUMN {} {}",
                    quote(&name),
                    quote(&column.name),
                    column.ty.sql()
                ))?;
            }
        }
        Ok(())
    }

    /// What is stored for `collection`.
    pub fn plan(&self, collection: &Collection) -> Result<Plan> {
        let state: Option<(String, Option<String>)> = self
            .conn
            .query_row("SELECT scope, cursor FROM _sync_state WHERE collection = ?1", [&collection.name], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let pending_exists = table_exists(&self.conn, &pending_table(&collection.name))?;
        let checkpoint =
            state.map(|(scope, cursor)| Checkpoint::read(&scope, cursor.as_deref(), pending_exists)).transpose()?;
        let latest_day = match collection.column(DATE_KEY) {
            Some(_) => self.conn.query_row(
                &format!("SELECT max({}) FROM {}", quote(DATE_KEY), quote(&collection.name)),
                [],
                |r| r.get(0),
            )?,
            None => None,
        };
        let watermark: Option<String> = self
            .conn
            .query_row("SELECT watermark FROM _collections WHERE collection = ?1", [&collection.name], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(Plan { checkpoint, latest_day, watermark: parse_watermark(watermark, collection)? })
    }

    /// Stores one page and its checkpoint in one transaction: upserted into the collection's
    /// table, or, for a scope that replaces rows, into its pending table (see the module docs).
    pub fn write_page(&mut self, collection: &Collection, page: &PageWrite) -> Result<()> {
        let table = quote(&collection.name);
        let target = match page.checkpoint.scope {
            Scope::ModifiedSince { .. } => table.clone(),
            Scope::Whole | Scope::FromDay { .. } => quote(&pending_table(&collection.name)),
        };
        let tx = self.conn.transaction()?;
        if page.replace.is_some() && target != table {
            // The first page of a refresh: a pending table of the table's columns, without rows.
            tx.execute_batch(&format!(
                "DROP TABLE IF EXISTS {target}; CREATE TABLE {target} AS SELECT * FROM {table} WHERE 0;"
            ))?;
        }
        {
            let names = column_names(collection);
            let marks = vec!["?"; names.len()].join(", ");
            let mut insert =
                tx.prepare_cached(&format!("INSERT OR REPLACE INTO {target} ({}) VALUES ({marks})", names.join(", ")))?;
            for row in &page.rows {
                insert
                    .execute(rusqlite::params_from_iter(row.iter()))
                    .with_context(|| format!("cannot store a row of {}", collection.name))?;
            }
        }
        if let Some(watermark) = page.watermark {
            // Stored in the service's format (UTC, 7 fractional digits), whose text order is time
            // order, so `max` keeps the latest.
            let watermark = date_time_offset_literal(watermark)?;
            tx.execute(
                "INSERT INTO _collections (collection, watermark) VALUES (?1, ?2)
                 ON CONFLICT (collection) DO UPDATE SET watermark = max(coalesce(watermark, ''), excluded.watermark)",
                params![collection.name, watermark],
            )?;
        }
        let (scope, cursor) = page.checkpoint.stored()?;
        tx.execute(
            "INSERT OR REPLACE INTO _sync_state (collection, scope, cursor) VALUES (?1, ?2, ?3)",
            params![collection.name, scope, cursor],
        )?;
        fault::at(fault::Boundary::Before);
        tx.commit().with_context(|| format!("cannot commit a page of {}", collection.name))?;
        fault::at(fault::Boundary::After);
        Ok(())
    }

    /// Marks the sync of `collection` complete, moving a finished refresh's rows into its table
    /// (replacing what the refresh's scope covers) in the same transaction.
    pub fn finish(&mut self, collection: &Collection, at: OffsetDateTime) -> Result<()> {
        let at = date_time_offset_literal(at)?;
        let table = quote(&collection.name);
        let pending_name = pending_table(&collection.name);
        let tx = self.conn.transaction()?;
        let scope: Option<String> = tx
            .query_row("SELECT scope FROM _sync_state WHERE collection = ?1", [&collection.name], |r| r.get(0))
            .optional()?;
        if table_exists(&tx, &pending_name)? {
            let pending = quote(&pending_name);
            match scope.as_deref().map(serde_json::from_str::<Scope>).transpose().context("unreadable sync state")? {
                Some(Scope::Whole) => {
                    tx.execute(&format!("DELETE FROM {table}"), [])?;
                }
                Some(Scope::FromDay { date_key }) => {
                    tx.execute(&format!("DELETE FROM {table} WHERE {} >= ?1", quote(DATE_KEY)), [date_key])?;
                }
                Some(Scope::ModifiedSince { .. }) | None => {}
            }
            // Same columns in the same order: the pending table was made from this one, and
            // `ensure_table` adds new columns to both.
            tx.execute_batch(&format!(
                "INSERT OR REPLACE INTO {table} SELECT * FROM {pending}; DROP TABLE {pending};"
            ))?;
        }
        tx.execute("DELETE FROM _sync_state WHERE collection = ?1", [&collection.name])?;
        tx.execute(
            "INSERT INTO _collections (collection, last_synced) VALUES (?1, ?2)
             ON CONFLICT (collection) DO UPDATE SET last_synced = excluded.last_synced",
            params![collection.name, at],
        )?;
        fault::at(fault::Boundary::Before);
        tx.commit()?;
        fault::at(fault::Boundary::After);
        Ok(())
    }

    /// The collections that have a table.
    pub fn tables(&self) -> Result<HashSet<String>> {
        let mut statement = self.conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
        let names = statement.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(names)
    }

    /// Calls `f` with every row of `collection` as a JSON object (the served form: integers,
    /// booleans, numbers and strings; `_extra` merged back in), in key order.
    pub fn for_each_row(
        &self,
        collection: &Collection,
        mut f: impl FnMut(Map<String, Value>) -> Result<()>,
    ) -> Result<()> {
        let key = key_names(collection);
        let names = column_names(collection);
        let mut statement = self.conn.prepare(&format!(
            "SELECT {} FROM {} ORDER BY {}",
            names.join(", "),
            quote(&collection.name),
            key.join(", ")
        ))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let mut object = Map::new();
            for (i, column) in collection.columns.iter().enumerate() {
                object.insert(column.name.clone(), to_json(column.ty, row.get_ref(i)?));
            }
            if let ValueRef::Text(extra) = row.get_ref(collection.columns.len())?
                && let Ok(Value::Object(extra)) = serde_json::from_slice::<Value>(extra)
            {
                object.extend(extra);
            }
            f(object)?;
        }
        Ok(())
    }
}

/// `'text'` as an SQL string literal.
fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::VersionSchema;
    use serde_json::json;

    #[test]
    fn pages_replace_their_scope_and_keep_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let mut store = Store::open(&path, ApiVersion::V1_0).unwrap();
        let dates = ApiVersion::V1_0.schema().collection("dates").unwrap();
        store.ensure_table(dates).unwrap();
        let row = |key: i64| -> Vec<SqlValue> {
            dates
                .columns
                .iter()
                .map(|c| if c.name == DATE_KEY { SqlValue::Integer(key) } else { to_sql(c.ty, &json!("x")) })
                .chain([SqlValue::Null])
                .collect()
        };
        let page = |scope: &Scope, rows| PageWrite {
            replace: Some(scope.clone()),
            rows,
            watermark: None,
            checkpoint: Checkpoint { scope: scope.clone(), cursor: None },
        };
        let keys = |store: &Store| {
            let mut keys = Vec::new();
            store
                .for_each_row(dates, |r| {
                    keys.push(r[DATE_KEY].as_i64().unwrap());
                    Ok(())
                })
                .unwrap();
            keys
        };
        store.write_page(dates, &page(&Scope::Whole, vec![row(20250301), row(20250302), row(20250303)])).unwrap();
        assert_eq!(keys(&store), [0; 0], "a refresh's rows wait in its pending table");
        store.finish(dates, OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(keys(&store), [20250301, 20250302, 20250303]);

        let scope = Scope::FromDay { date_key: 20250302 };
        store.write_page(dates, &page(&scope, vec![row(20250304)])).unwrap();
        let plan = store.plan(dates).unwrap();
        assert_eq!(plan.latest_day, Some(20250303), "the table keeps its rows until the refresh is done");
        assert_eq!(plan.checkpoint, Some(Checkpoint { scope, cursor: None }));
        store.finish(dates, OffsetDateTime::now_utc()).unwrap();
        assert_eq!(keys(&store), [20250301, 20250304], "the refreshed days are replaced");
        assert!(store.plan(dates).unwrap().checkpoint.is_none());
        assert!(!store.tables().unwrap().contains("_pending_dates"));
        drop(store);
        assert!(Store::open(&path, ApiVersion::Beta).is_err());
        assert_eq!(Store::open_existing(&path).unwrap().version(), ApiVersion::V1_0);
    }
}
