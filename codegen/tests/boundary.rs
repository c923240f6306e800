//! The CSDL reader, the generator and the runtime know OData, not any one service: the Intune Data Warehouse's
//! rules live in its client crate and its profile (`fixtures/profile.toml`), never here.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;

/// Words that only the Warehouse uses.
const WAREHOUSE_WORDS: &[&str] = &["datekey", "rowlastmodified", "maxhistorydays", "intune", "warehouse", "msua06"];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn generator_and_runtime_sources_name_no_service() {
    let root = support::workspace_root();
    let mut files = Vec::new();
    rust_files(&root.join("csdl/src"), &mut files);
    rust_files(&root.join("codegen/src"), &mut files);
    rust_files(&root.join("runtime/src"), &mut files);
    assert!(files.len() > 10, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap().to_lowercase();
        for word in WAREHOUSE_WORDS {
            assert!(!text.contains(word), "{} names `{word}`", file.display());
        }
    }
}

/// The dependencies a manifest names in its `[dependencies]` table.
fn dependencies(manifest: &str) -> Vec<String> {
    let text = std::fs::read_to_string(support::workspace_root().join(manifest)).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    manifest.get("dependencies").and_then(|d| d.as_table()).map(|d| d.keys().cloned().collect()).unwrap_or_default()
}

/// Reading and comparing metadata needs no Rust emitter: the CSDL crate does not depend on one,
/// and the crates that only read metadata (the sync tool, its schema and mock) do not depend on
/// the generator.
#[test]
fn metadata_readers_do_not_link_the_emitter() {
    let csdl = dependencies("csdl/Cargo.toml");
    for emitter in ["syn", "quote", "proc-macro2", "prettyplease", "heck", "codegen"] {
        assert!(!csdl.iter().any(|d| d == emitter), "odata-csdl depends on {emitter}");
    }
    for manifest in ["intune-dw/Cargo.toml", "intune-dw-schema/Cargo.toml", "intune-dw-mock/Cargo.toml"] {
        let deps = dependencies(manifest);
        assert!(!deps.iter().any(|d| d == "codegen"), "{manifest} depends on the generator");
    }
}
