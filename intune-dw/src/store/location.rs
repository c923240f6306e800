//! Where the stores are, and the handle a sync writes through, whatever the store.

use std::path::PathBuf;

use anyhow::{Result, bail};
use time::OffsetDateTime;

use super::{PageWrite, Plan, SqliteWriter};
use crate::schema::{ApiVersion, Collection};

/// What `{tenant}` in a SQLite path stands for: the tenant's name.
pub const TENANT_PLACEHOLDER: &str = "{tenant}";

/// Where the stores are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// SQLite files: the path, in which `{tenant}` names one file per tenant.
    Sqlite(PathBuf),
}

impl Location {
    /// `--store`'s value: a SQLite file's path.
    pub fn parse(text: &str) -> Location {
        Location::Sqlite(PathBuf::from(text))
    }

    /// Whether each tenant gets a store of its own (else only one tenant may use it).
    pub fn per_tenant(&self) -> bool {
        match self {
            Location::Sqlite(path) => path.to_string_lossy().contains(TENANT_PLACEHOLDER),
        }
    }

    /// The SQLite file of `tenant`.
    pub fn sqlite_path(&self, tenant: &str) -> Option<PathBuf> {
        match self {
            Location::Sqlite(path) => Some(PathBuf::from(path.to_string_lossy().replace(TENANT_PLACEHOLDER, tenant))),
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
        }
    }
}

/// An open store, written by a sync.
#[derive(Debug, Clone)]
pub enum StoreHandle {
    /// A SQLite file, on its writer thread.
    Sqlite(SqliteWriter),
}

impl StoreHandle {
    /// Creates the table of `collection` (or adds its new columns), and says what is stored.
    pub async fn prepare(&self, collection: &'static Collection) -> Result<Plan> {
        match self {
            StoreHandle::Sqlite(writer) => {
                writer.call(move |s| s.ensure_table(collection).and_then(|()| s.plan(collection))).await?
            }
        }
    }

    /// Stores one page with its checkpoint, in one transaction.
    pub async fn write_page(&self, collection: &'static Collection, page: PageWrite) -> Result<()> {
        match self {
            StoreHandle::Sqlite(writer) => writer.call(move |s| s.write_page(collection, &page)).await?,
        }
    }

    /// Marks the sync of `collection` complete (swapping in a refresh), in one transaction.
    pub async fn finish(&self, collection: &'static Collection, at: OffsetDateTime) -> Result<()> {
        match self {
            StoreHandle::Sqlite(writer) => writer.call(move |s| s.finish(collection, at)).await?,
        }
    }
}
