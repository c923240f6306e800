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
