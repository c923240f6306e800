//! Where the stores are, and the handle a sync writes through, whatever the store.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, bail};
use time::OffsetDateTime;
use tokio::sync::Mutex;

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
                Ok(StoreHandle::Postgres(Arc::new(Mutex::new(PgStore::open(config, tenant, version).await?))))
            }
        }
    }
}

/// An open store, written by a sync.
#[derive(Debug, Clone)]
pub enum StoreHandle {
    /// A SQLite file, on its writer thread.
    Sqlite(SqliteWriter),
    /// A PostgreSQL schema, one connection written by one collection at a time.
    Postgres(Arc<Mutex<PgStore>>),
}

impl StoreHandle {
    /// Creates the table of `collection` (or adds its new columns), and says what is stored.
    pub async fn prepare(&self, collection: &'static Collection) -> Result<Plan> {
        match self {
            StoreHandle::Sqlite(writer) => {
                writer.call(move |s| s.ensure_table(collection).and_then(|()| s.plan(collection))).await?
            }
            StoreHandle::Postgres(store) => {
                let store = store.lock().await;
                store.ensure_table(collection).await?;
                store.plan(collection).await
            }
        }
    }

    /// Stores one page with its checkpoint, in one transaction.
    pub async fn write_page(&self, collection: &'static Collection, page: PageWrite) -> Result<()> {
        match self {
            StoreHandle::Sqlite(writer) => writer.call(move |s| s.write_page(collection, &page)).await?,
            StoreHandle::Postgres(store) => store.lock().await.write_page(collection, &page).await,
        }
    }

    /// Marks the sync of `collection` complete (swapping in a refresh), in one transaction.
    pub async fn finish(&self, collection: &'static Collection, at: OffsetDateTime) -> Result<()> {
        match self {
            StoreHandle::Sqlite(writer) => writer.call(move |s| s.finish(collection, at)).await?,
            StoreHandle::Postgres(store) => store.lock().await.finish(collection, at).await,
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
