//! Shared helpers of the integration tests: where the workspace and the shared research data are,
//! and small builders of CSDL documents.
//!
//! Also used by `xtask/tests` (through `#[path]`), so the shared directory is located in one place.

#![allow(dead_code)]

pub mod hostile;
pub mod warnings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The workspace root: the parent of the package being tested.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("a package lies inside the workspace").to_owned()
}

/// The shared research data: `$INTUNE_DW_SHARED_DIR` if set, else `<workspace root>/../shared`.
///
/// `None`, after printing a notice, when it is absent (on a user's machine); the caller then skips
/// its test. CI always has it.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("INTUNE_DW_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("..").join("shared"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "notice: {test} skipped: shared data directory {} not found (set INTUNE_DW_SHARED_DIR)",
            dir.display()
        );
        None
    }
}

/// The directory of the public CSDL corpus, if the shared data is present.
pub fn corpora_dir(test: &str) -> Option<PathBuf> {
    shared_dir(test).map(|dir| dir.join("corpora"))
}

/// A fixture of the workspace, e.g. `fixture("v1.0/metadata.xml")`.
pub fn fixture(path: &str) -> PathBuf {
    workspace_root().join("fixtures").join(path)
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// One row of the table of `corpora/MANIFEST.md`.
#[derive(Debug)]
pub struct ManifestRow {
    pub file: String,
    /// The "OData version" column, e.g. `v4.0` or `v2/v3 (Edmx 1.0; ...)`.
    pub version: String,
    /// Element counts by column name (`EntityType`, `ComplexType`, ...).
    pub counts: BTreeMap<String, usize>,
}

impl ManifestRow {
    pub fn is_v4(&self) -> bool {
        self.version.starts_with("v4")
    }

    pub fn count(&self, column: &str) -> usize {
        *self.counts.get(column).unwrap_or_else(|| panic!("MANIFEST.md has no column {column}"))
    }
}

/// Reads the first table of `MANIFEST.md` (the one whose header starts with `| file |`).
pub fn manifest(corpora: &Path) -> Vec<ManifestRow> {
    let text = String::from_utf8(read(&corpora.join("MANIFEST.md"))).expect("MANIFEST.md is UTF-8");
    let cells = |line: &str| -> Vec<String> {
        line.trim().trim_matches('|').split('|').map(|cell| cell.trim().to_owned()).collect()
    };
    let mut lines = text.lines().skip_while(|line| !line.starts_with("| file |"));
    let header = cells(lines.next().expect("MANIFEST.md has a `| file |` table"));
    let version_column =
        header.iter().position(|column| column == "OData version").expect("MANIFEST.md has an `OData version` column");
    let rows: Vec<ManifestRow> = lines
        .skip(1) // the |---| line
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells = cells(line);
            assert_eq!(cells.len(), header.len(), "MANIFEST.md row {line:?}");
            let mut counts = BTreeMap::new();
            for (column, cell) in header.iter().zip(&cells) {
                if let Ok(n) = cell.parse() {
                    counts.insert(column.clone(), n);
                }
            }
            ManifestRow { file: cells[0].clone(), version: cells[version_column].clone(), counts }
        })
        .collect();
    assert!(!rows.is_empty(), "MANIFEST.md table has no rows");
    rows
}

pub const EDMX_OPEN: &str = r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">"#;
pub const SCHEMA_OPEN: &str = r#"<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="NS">"#;
pub const CLOSE: &str = "</Schema></edmx:DataServices></edmx:Edmx>";

/// A document with one schema `NS` whose children are `lines`; the first of them is line 4:
///
/// ```text
/// 1 <edmx:Edmx Version="4.0" ...>
/// 2 <edmx:DataServices>
/// 3 <Schema xmlns="..." Namespace="NS">
/// 4 lines[0]
/// ```
pub fn schema_doc(lines: &[&str]) -> String {
    let mut text = format!("{EDMX_OPEN}\n<edmx:DataServices>\n{SCHEMA_OPEN}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(CLOSE);
    text
}

/// Parses a document that must be valid and without warnings.
pub fn model(text: &str) -> codegen::csdl::Model {
    clean(codegen::csdl::parse(text), text)
}

/// The model of a parse that must have succeeded without warnings; `what` names the document.
pub fn clean(
    result: Result<codegen::csdl::Parsed, codegen::csdl::Errors>,
    what: &(impl std::fmt::Display + ?Sized),
) -> codegen::csdl::Model {
    match result {
        Ok(parsed) if parsed.warnings.is_empty() => parsed.model,
        Ok(parsed) => {
            let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
            panic!("unexpected warnings:\n{}\nin:\n{what}", warnings.join("\n"))
        }
        Err(errors) => panic!("unexpected errors:\n{errors}\nin:\n{what}"),
    }
}

/// Parses a document that must be invalid; its diagnostics as their display forms.
pub fn error_lines(text: &str) -> Vec<String> {
    match codegen::csdl::parse(text) {
        Ok(_) => panic!("expected errors in:\n{text}"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}
