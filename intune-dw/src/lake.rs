//! The stores as a Parquet lake (feature `parquet`), in a local folder or on object storage
//! (`az://` and `abfss://`: Azure Blob Storage, ADLS Gen2, OneLake; `s3://`), through the
//! `object_store` crate:
//!
//! ```text
//! tenant={tenant}/_manifest.json
//! tenant={tenant}/{collection}/part-{content}.parquet                  (whole collections)
//! tenant={tenant}/{collection}/dateKey={yyyymmdd}/part-{content}.parquet   (date-keyed facts)
//! ```
//!
//! An export writes only the partitions whose rows changed since the last one (each partition's
//! content hash is in the manifest), each to a new file named by that hash, then the manifest
//! (files, row counts, checksums) last, in one write; then it deletes the files that neither the
//! new manifest nor the one before it names (a reader of the previous manifest keeps its files
//! until the next export). A reader that follows the manifest never sees a half-written export,
//! and an export killed anywhere leaves the previous manifest and all its files valid. Local
//! files are synced before the manifest names them.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use futures::TryStreamExt;
use intune_dw_client::query::DATE_KEY;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::parquet_out::ParquetRows;
use crate::schema::{ApiVersion, Collection};
use crate::store::{StoreReader, fault};

/// The manifest's name in each tenant's folder.
pub const MANIFEST: &str = "_manifest.json";

/// Where the lake is: an object store and a folder in it.
#[derive(Debug, Clone)]
pub struct Lake {
    store: Arc<dyn ObjectStore>,
    root: Path,
}

/// One tenant's export, as its manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest's format (1).
    pub format: u32,
    /// The tenant.
    pub tenant: String,
    /// The API version of the store.
    pub api_version: String,
    /// When the export ended (RFC 3339).
    pub exported_at: String,
    /// Every partition of every collection.
    pub partitions: Vec<Partition>,
}

/// One Parquet file of the lake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partition {
    /// The collection.
    pub collection: String,
    /// The day of a date-keyed fact's partition.
    pub date_key: Option<i64>,
    /// The file, relative to the tenant's folder.
    pub path: String,
    /// Its rows.
    pub rows: u64,
    /// Its size in bytes.
    pub bytes: u64,
    /// The SHA-256 of the file (hex).
    pub sha256: String,
    /// The SHA-256 (hex) of the partition's rows (their served JSON, in key order): an
    /// export rewrites a partition only when this changes.
    pub content: String,
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exported {
    /// Partitions written.
    pub written: usize,
    /// Partitions unchanged since the last export (not written again).
    pub unchanged: usize,
    /// Rows in the lake after it.
    pub rows: u64,
    /// Files deleted (no longer named by the manifest).
    pub removed: usize,
}

/// The variables handed to `object_store` (as its option names: the same in lower case).
const STORE_VARIABLES: &[&str] = &[
    "AZURE_STORAGE_ACCOUNT_NAME",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_SAS_KEY",
    "AZURE_STORAGE_TOKEN",
    "AZURE_STORAGE_ENDPOINT",
    "AZURE_STORAGE_USE_EMULATOR",
    "AZURE_ALLOW_HTTP",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "AZURE_AUTHORITY_HOST",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_MSI_ENDPOINT",
    "AZURE_USE_FABRIC_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT",
    "AWS_ENDPOINT_URL",
    "AWS_ALLOW_HTTP",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
];

/// Whether `text` names an object store by URL scheme (else it is a local folder).
fn is_object_store_url(text: &str) -> bool {
    ["az://", "azure://", "abfs://", "abfss://", "adl://", "s3://", "s3a://", "file://"]
        .iter()
        .any(|s| text.starts_with(s))
}

impl Lake {
    /// The lake at `out`: a local folder (created if needed), or an object-store URL whose
    /// configuration and credentials come from the `AZURE_*` and `AWS_*` variables (read
    /// through `env`, e.g. `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`, or the
    /// tenant's `AZURE_CLIENT_ID` with a secret, federated token file or managed identity).
    pub fn open(out: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Lake> {
        if !is_object_store_url(out) {
            std::fs::create_dir_all(out).with_context(|| format!("cannot create the folder {out}"))?;
            // Synced files and folders: else a power cut could keep the new manifest and lose
            // the files it names, after the previous ones were deleted.
            let store = object_store::local::LocalFileSystem::new_with_prefix(out)
                .with_context(|| format!("cannot use the folder {out}"))?
                .with_fsync(true);
            return Ok(Lake { store: Arc::new(store), root: Path::default() });
        }
        let url = url::Url::parse(out).with_context(|| format!("invalid URL {out}"))?;
        // object_store's option names are the variables' names in lower case.
        let options: Vec<(String, String)> =
            STORE_VARIABLES.iter().filter_map(|name| Some((name.to_ascii_lowercase(), env(name)?))).collect();
        let (store, root) = object_store::parse_url_opts(&url, options)
            .with_context(|| format!("cannot open the object store {out}"))?;
        Ok(Lake { store: Arc::from(store), root })
    }

    /// A lake on `store` under `root` (tests, and stores configured by hand).
    pub fn on(store: Arc<dyn ObjectStore>, root: Path) -> Lake {
        Lake { store, root }
    }

    /// Writes one object (whole, or not at all: `object_store`'s `put` is atomic).
    async fn put(&self, path: &Path, bytes: Vec<u8>) -> Result<()> {
        fault::at(fault::Boundary::Before);
        self.store.put(path, PutPayload::from(bytes)).await.with_context(|| format!("cannot write {path}"))?;
        fault::at(fault::Boundary::After);
        Ok(())
    }

    fn path(&self, relative: &str) -> Path {
        relative.split('/').filter(|part| !part.is_empty()).fold(self.root.clone(), |path, part| path.join(part))
    }

    /// The current manifest of `tenant`, if any.
    pub async fn manifest(&self, tenant: &str) -> Result<Option<Manifest>> {
        let path = self.path(&format!("tenant={tenant}/{MANIFEST}"));
        match self.store.get(&path).await {
            Ok(found) => {
                let bytes = found.bytes().await?;
                Ok(Some(serde_json::from_slice(&bytes).with_context(|| format!("unreadable {path}"))?))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {path}")),
        }
    }

    /// Exports the store of `tenant` (see the module docs).
    pub async fn export(&self, tenant: &str, store: &StoreReader, version: ApiVersion) -> Result<Exported> {
        let folder = format!("tenant={tenant}");
        let previous = self.manifest(tenant).await.unwrap_or_else(|e| {
            eprintln!("warning: {e:#}; every partition is written again");
            None
        });
        let existing: HashSet<String> = self
            .store
            .list(Some(&self.path(&folder)))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .with_context(|| format!("cannot list {folder}"))?;
        let known: BTreeMap<(String, Option<i64>), Partition> = previous
            .iter()
            .flat_map(|m| &m.partitions)
            .filter(|p| existing.contains(&self.path(&format!("{folder}/{}", p.path)).to_string()))
            .map(|p| ((p.collection.clone(), p.date_key), p.clone()))
            .collect();
        let mut exported = Exported::default();
        let mut partitions = Vec::new();
        for collection in store.collections(version).await? {
            for built in build_partitions(store, collection).await? {
                let key = (collection.name.clone(), built.date_key);
                let partition = match known.get(&key).filter(|p| p.content == built.content) {
                    Some(unchanged) => {
                        exported.unchanged += 1;
                        unchanged.clone()
                    }
                    None => {
                        let partition = built.describe(collection);
                        let target = self.path(&format!("{folder}/{}", partition.path));
                        self.put(&target, built.file).await?;
                        exported.written += 1;
                        partition
                    }
                };
                exported.rows += partition.rows;
                partitions.push(partition);
            }
        }
        let manifest = Manifest {
            format: 1,
            tenant: tenant.to_owned(),
            api_version: version.as_str().to_owned(),
            exported_at: OffsetDateTime::now_utc().format(&Rfc3339)?,
            partitions,
        };
        let manifest_path = self.path(&format!("{folder}/{MANIFEST}"));
        self.put(&manifest_path, serde_json::to_vec_pretty(&manifest)?).await?;
        // Only now may older files go: those named by neither this manifest nor the previous
        // one, which a reader (or an export that started before this one) may still be using
        // until the next export.
        let named: HashSet<String> = manifest
            .partitions
            .iter()
            .chain(previous.iter().flat_map(|m| &m.partitions))
            .map(|p| self.path(&format!("{folder}/{}", p.path)).to_string())
            .chain([manifest_path.to_string()])
            .collect();
        for stale in existing.iter().filter(|path| !named.contains(*path)) {
            match self.store.delete(&Path::from(stale.as_str())).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => exported.removed += 1,
                Err(e) => return Err(e).with_context(|| format!("cannot delete {stale}")),
            }
        }
        Ok(exported)
    }
}

/// One partition, built in memory.
struct Built {
    date_key: Option<i64>,
    rows: u64,
    content: String,
    file: Vec<u8>,
}

impl Built {
    fn describe(&self, collection: &Collection) -> Partition {
        let name = format!("part-{}.parquet", &self.content[..16]);
        let path = match self.date_key {
            Some(day) => format!("{}/{DATE_KEY}={day}/{name}", collection.name),
            None => format!("{}/{name}", collection.name),
        };
        Partition {
            collection: collection.name.clone(),
            date_key: self.date_key,
            path,
            rows: self.rows,
            bytes: self.file.len() as u64,
            sha256: hex(&Sha256::digest(&self.file)),
            content: self.content.clone(),
        }
    }
}

/// A partition being filled.
struct Filling {
    date_key: Option<i64>,
    rows: ParquetRows<Vec<u8>>,
    hash: Sha256,
}

impl Filling {
    fn new(collection: &Collection, date_key: Option<i64>) -> Result<Filling> {
        Ok(Filling { date_key, rows: ParquetRows::new(collection, Vec::new())?, hash: Sha256::new() })
    }

    fn push(&mut self, row: &Map<String, Value>) -> Result<()> {
        self.hash.update(serde_json::to_vec(row)?);
        self.hash.update(b"\n");
        self.rows.push(row)
    }

    fn finish(self) -> Result<Built> {
        let (rows, file) = self.rows.finish_into()?;
        Ok(Built { date_key: self.date_key, rows, content: hex(&self.hash.finalize()), file })
    }
}

/// The partitions of `collection`: one per day of a fact keyed by `dateKey` first, else one.
async fn build_partitions(store: &StoreReader, collection: &Collection) -> Result<Vec<Built>> {
    let by_day = collection.key.first().map(String::as_str) == Some(DATE_KEY);
    let mut built = Vec::new();
    let mut current: Option<Filling> = if by_day { None } else { Some(Filling::new(collection, None)?) };
    store
        .for_each_row(collection, |row| {
            if by_day {
                let day =
                    row.get(DATE_KEY).and_then(Value::as_i64).ok_or_else(|| anyhow!("a row without {DATE_KEY}"))?;
                if current.as_ref().and_then(|c| c.date_key) != Some(day) {
                    if let Some(done) = current.take() {
                        built.push(done.finish()?);
                    }
                    current = Some(Filling::new(collection, Some(day))?);
                }
            }
            match &mut current {
                Some(filling) => filling.push(&row),
                None => bail!("no open partition"),
            }
        })
        .await?;
    if let Some(done) = current {
        built.push(done.finish()?);
    }
    Ok(built)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
