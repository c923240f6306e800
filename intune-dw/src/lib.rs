//! `intune-dw`: keeps a local SQLite copy of the Intune Data Warehouse, built on the public API
//! of `intune-dw-client`.
//!
//! - [`schema`]: the collections, keys, kinds and typed columns of the metadata the client was
//!   generated from;
//! - [`catalog`]: the client's collections, chosen by name at run time;
//! - [`mock`] (feature `mock-server`): a local Warehouse for demos and tests.

pub mod catalog;
#[cfg(feature = "mock-server")]
pub mod mock;
pub mod schema;
