//! Where the stores are, and the handle a sync writes through, whatever the store.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, bail};
use time::OffsetDateTime;

use super::postgres::{self, PgStore};
use super::{PageWrite, Plan, SqliteWriter};
use crate::schema::{ApiVersion, Collection};

/// What `{tenant}` in a SQLite path stands for: the tenant's name.
pub const TENANT_PLACEHOLDER: &str = "{tenant}";

/// Where the stores are.
#[derive(Debug, Clone)]
pub enum Location {
    /// SQLite files: the path, in which `{tenant}` names one file per tenant.
    Sqlite(PathBuf),
    /// A PostgreSQL database: one schema per tenant, named as the tenant.
    Postgres(Box<tokio_postgres::Config>),
}

impl Location {
    /// `--store`'s value: a `postgres://` (or `postgresql://`) URL, the usual `PG*` variables
    /// (read through `env`) filling what it leaves out; else a SQLite file's path.
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Location> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Location::Postgres(Box::new(postgres::config(text, env)?)));
        }
        Ok(Location::Sqlite(PathBuf::from(text)))
    }

    /// Whether each tenant gets a store of its own (else only one tenant may use it).
    pub fn per_tenant(&self) -> bool {
        match self {
            Location::Sqlite(path) => path.to_string_lossy().contains(TENANT_PLACEHOLDER),
            Location::Postgres(_) => true,
        }
    }

    /// The SQLite file of `tenant`.
    pub fn sqlite_path(&self, tenant: &str) -> Option<PathBuf> {
        match self {
            Location::Sqlite(path) => Some(PathBuf::from(path.to_string_lossy().replace(TENANT_PLACEHOLDER, tenant))),
            Location::Postgres(_) => None,
        }
    }

    /// Opens the store of `tenant`, to write.
    pub async fn open(&self, tenant: &str, version: ApiVersion) -> Result<StoreHandle> {
        match self {
            Location::Sqlite(_) => {
                let Some(path) = self.sqlite_path(tenant) else { bail!("no store for {tenant}") };
                if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
                    std::fs::create_dir_all(folder)?;
                }
                Ok(StoreHandle::Sqlite(SqliteWriter::open(&path, version).await?))
            }
            Location::Postgres(config) => {
                Ok(StoreHandle::Postgres(Arc::new(PgPool::open(config, tenant, version).await?)))
            }
        }
    }
}

/// An open store, written by a sync.
#[derive(Debug, Clone)]
pub enum StoreHandle {
    /// A SQLite file, on its writer thread.
    Sqlite(SqliteWriter),
    /// A PostgreSQL schema, through a few connections written side by side.
    Postgres(Arc<PgPool>),
}

/// Connections to one schema, each used by one collection at a time.
#[derive(Debug)]
pub struct PgPool {
    free: std::sync::Mutex<Vec<PgStore>>,
    available: tokio::sync::Semaphore,
}

/// The connections of a [`PgPool`]: the first holds the schema's lock; more write pages of
/// several collections side by side (PostgreSQL runs each on a process of its own).
const PG_CONNECTIONS: usize = 4;

impl PgPool {
    async fn open(config: &tokio_postgres::Config, schema: &str, version: ApiVersion) -> Result<PgPool> {
        let first = PgStore::open(config, schema, version).await?;
        let mut stores = Vec::with_capacity(PG_CONNECTIONS);
        for _ in 1..PG_CONNECTIONS {
            stores.push(first.another(config).await?);
        }
        stores.push(first);
        Ok(PgPool { free: std::sync::Mutex::new(stores), available: tokio::sync::Semaphore::new(PG_CONNECTIONS) })
    }

    /// Releases the schema's lock now, not when the server notices the connections are gone.
    async fn close(&self) {
        let stores: Vec<PgStore> = std::mem::take(&mut *self.free.lock().unwrap_or_else(|e| e.into_inner()));
        for store in stores {
            store.unlock().await;
        }
    }

    /// A connection, until the guard is dropped.
    async fn get(&self) -> Result<Pooled<'_>> {
        let permit = self.available.acquire().await?;
        let store = self.free.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let store = store.ok_or_else(|| anyhow::anyhow!("no free connection"))?;
        Ok(Pooled { pool: self, store: Some(store), _permit: permit })
    }
}

/// A connection taken from a [`PgPool`], given back when dropped.
struct Pooled<'p> {
    pool: &'p PgPool,
    store: Option<PgStore>,
    _permit: tokio::sync::SemaphorePermit<'p>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = PgStore;
    fn deref(&self) -> &PgStore {
        self.store.as_ref().expect("taken until dropped")
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut PgStore {
        self.store.as_mut().expect("taken until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            self.pool.free.lock().unwrap_or_else(|e| e.into_inner()).push(store);
        }
    }
}

impl StoreHandle {
    /// Closes the store once the other handles are dropped, its lock released when this returns.
    pub async fn close(self) {
        match self {
            StoreHandle::Sqlite(writer) => writer.close().await,
            StoreHandle::Postgres(pool) => pool.close().await,
        }
    }

    /// Creates the table of `collection` (or adds its new columns), and says what is stored.
    pub async fn prepare(&self, collection: &'static Collection) -> Result<Plan> {
        match self {
            StoreHandle::Sqlite(writer) => {
                writer.call(move |s| s.ensure_table(collection).and_then(|()| s.plan(collection))).await?
            }
            StoreHandle::Postgres(pool) => {
                let store = pool.get().await?;
                store.ensure_table(collection).await?;
                store.plan(collection).await
            }
        }
    }

    /// Stores one page with its checkpoint, in one transaction.
    pub async fn write_page(&self, collection: &'static Collection, page: PageWrite) -> Result<()> {
        match self {
            StoreHandle::Sqlite(writer) => writer.call(move |s| s.write_page(collection, &page)).await?,
            StoreHandle::Postgres(pool) => pool.get().await?.write_page(collection, page).await,
        }
    }

    /// Marks the sync of `collection` complete (swapping in a refresh), in one transaction.
    pub async fn finish(&self, collection: &'static Collection, at: OffsetDateTime) -> Result<()> {
        match self {
            StoreHandle::Sqlite(writer) => writer.call(move |s| s.finish(collection, at)).await?,
            StoreHandle::Postgres(pool) => pool.get().await?.finish(collection, at).await,
        }
    }
}

/// A store opened to read (exports), whatever the store.
#[derive(Debug)]
pub enum StoreReader {
    /// A SQLite file.
    Sqlite(super::Store),
    /// A PostgreSQL schema.
    Postgres(PgStore),
}

impl StoreReader {
    /// Opens the existing store of `tenant`, and says its API version.
    pub async fn open(location: &Location, tenant: &str) -> Result<(StoreReader, ApiVersion)> {
        match location {
            Location::Sqlite(_) => {
                let Some(path) = location.sqlite_path(tenant) else { bail!("no store for {tenant}") };
                let store = super::Store::open_existing(&path)?;
                let version = store.version();
                Ok((StoreReader::Sqlite(store), version))
            }
            Location::Postgres(config) => {
                let (store, version) = PgStore::open_existing(config, tenant).await?;
                Ok((StoreReader::Postgres(store), version))
            }
        }
    }

    /// The collections of `version` that have a table, in the version's order.
    pub async fn collections(&self, version: ApiVersion) -> Result<Vec<&'static Collection>> {
        use crate::schema::VersionSchema;
        let tables = match self {
            StoreReader::Sqlite(store) => store.tables()?,
            StoreReader::Postgres(store) => store.tables().await?,
        };
        Ok(version.schema().collections.iter().filter(|c| tables.contains(&c.name)).collect())
    }

    /// Calls `f` with every row of `collection` in its served JSON form, in key order.
    pub async fn for_each_row(
        &self,
        collection: &Collection,
        f: impl FnMut(serde_json::Map<String, serde_json::Value>) -> Result<()>,
    ) -> Result<()> {
        match self {
            StoreReader::Sqlite(store) => store.for_each_row(collection, f),
            StoreReader::Postgres(store) => store.for_each_row(collection, f).await,
        }
    }
}
