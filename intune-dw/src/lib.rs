//! `intune-dw`: keeps a copy of the Intune Data Warehouse of one tenant or many, in SQLite files
//! or PostgreSQL, and exports it as a Parquet lake; built on the public API of
//! `intune-dw-client`.
//!
//! - [`schema`] (crate `intune-dw-schema`): the collections, keys, kinds and typed columns of
//!   the metadata the client was generated from;
//! - [`catalog`]: the client's collections, chosen by name at run time;
//! - [`config`]: the tenants (a tenants file, or one from the environment) and their clients;
//! - [`fetch`]: pages of a collection through its typed query, rows checked against its type;
//! - [`store`]: the stores (SQLite, PostgreSQL) and their bookkeeping;
//! - [`sync`]: incremental, resumable, concurrent sync; [`drift`]: schema drift;
//! - [`export`]: one collection to NDJSON, CSV or Parquet; `parquet_out` (feature `parquet`):
//!   Parquet files; `lake` (feature `parquet`): the stores as a Parquet lake in a folder or on
//!   object storage, incremental, with a manifest;
//! - [`progress`]: progress bars or lines on stderr;
//! - [`cli`]: the command line;
//! - [`mock`] (crate `intune-dw-mock`, feature `mock-server`, default): the local Warehouse for
//!   demos and tests.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod drift;
pub mod export;
pub mod fetch;
#[cfg(feature = "parquet")]
pub mod lake;
#[cfg(feature = "parquet")]
pub mod parquet_out;
pub mod progress;
pub mod store;
pub mod sync;

#[cfg(feature = "mock-server")]
pub use intune_dw_mock as mock;
pub use intune_dw_schema as schema;
