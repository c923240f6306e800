//! Shared by the integration tests: a mock Warehouse on its own runtime, the CLI run in
//! process, and the comparison of a store with what the mock serves.
#![allow(dead_code)] // each test binary uses a different part

use std::collections::BTreeMap;
use std::path::Path;

use intune_dw::mock::{MockConfig, MockWarehouse};
use intune_dw::schema::{ApiVersion, Collection, VersionSchema};
use intune_dw::store::Store;
use serde_json::{Map, Value};

/// A mock Warehouse served by a runtime of its own, so tests may block (wait for child
/// processes) while it answers.
pub struct Served {
    pub warehouse: MockWarehouse,
    pub runtime: tokio::runtime::Runtime,
}

impl Served {
    pub fn start(config: MockConfig) -> Served {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let warehouse = runtime.block_on(MockWarehouse::start(config)).unwrap();
        Served { warehouse, runtime }
    }

    /// Runs `intune-dw {args}` in process against the mock (static token unless `env` is
    /// given); returns the exit code.
    pub fn cli(&self, args: &[&str], env: &[(String, String)]) -> u8 {
        let env: Vec<(String, String)> = if env.is_empty() { self.warehouse.env() } else { env.to_vec() };
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let mut out = Vec::new();
        let args: Vec<&str> = std::iter::once("intune-dw").chain(args.iter().copied()).collect();
        // The CLI runs on a runtime of its own, like the binary.
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(intune_dw::cli::run(args, &lookup, &mut out))
    }
}

/// A small mock: 30 rows per collection over 3 days, pages of 7 rows.
pub fn small() -> MockConfig {
    MockConfig { rows: 30, days: 3, page_size: 7, ..MockConfig::default() }
}

/// Rows keyed by their entity key.
pub type Keyed = BTreeMap<String, Map<String, Value>>;

fn key_of(collection: &Collection, row: &Map<String, Value>) -> String {
    collection.key.iter().map(|k| row.get(k).map(Value::to_string).unwrap_or_default()).collect::<Vec<_>>().join("|")
}

pub fn keyed(collection: &Collection, rows: Vec<Map<String, Value>>) -> Keyed {
    rows.into_iter().map(|row| (key_of(collection, &row), row)).collect()
}

/// The rows of `collection` in the store.
pub fn stored(path: &Path, collection: &Collection) -> Keyed {
    let store = Store::open_existing(path).unwrap();
    let mut rows = Vec::new();
    store
        .for_each_row(collection, |row| {
            rows.push(row);
            Ok(())
        })
        .unwrap();
    keyed(collection, rows)
}

/// The rows of `collection` the mock serves now.
pub fn served(warehouse: &MockWarehouse, version: ApiVersion, collection: &Collection) -> Keyed {
    keyed(collection, warehouse.rows(version, &collection.name))
}

/// Asserts that the store holds exactly the rows the mock serves, for every collection but
/// `except`.
pub fn assert_store_matches(path: &Path, warehouse: &MockWarehouse, version: ApiVersion, except: &[&str]) {
    for collection in &version.schema().collections {
        if except.contains(&collection.name.as_str()) {
            continue;
        }
        let served = served(warehouse, version, collection);
        let stored = stored(path, collection);
        assert_eq!(stored.len(), served.len(), "{}: row count", collection.name);
        assert!(stored == served, "{}: the stored rows differ from the served rows", collection.name);
    }
}

/// `text` with `from` replaced by `to` once, inside the entity type `type_name`.
pub fn edit_type(text: &str, type_name: &str, from: &str, to: &str) -> String {
    let marker = format!("<EntityType Name=\"{type_name}\">");
    let start = text.find(&marker).unwrap();
    let (head, tail) = text.split_at(start);
    assert!(tail.contains(from), "{type_name} has no {from}");
    format!("{head}{}", tail.replacen(from, to, 1))
}
