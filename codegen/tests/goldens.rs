//! Golden tests: each CSDL document in `goldens/cases/` is generated and compared with the files
//! committed under `goldens/src/<case>/`, which the `codegen-goldens` crate compiles (so the
//! snapshots are checked by rustc and clippy too).
//!
//! After a deliberate change to the generator, update the goldens with
//! `UPDATE_EXPECT=1 cargo test -p codegen --test goldens` (expect-test) and review `git diff`.

use std::path::{Path, PathBuf};

fn goldens_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/goldens")
}

fn cases() -> Vec<(String, PathBuf)> {
    let mut cases: Vec<_> = std::fs::read_dir(goldens_dir().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    cases.sort();
    cases
}

/// Flags from a `<!-- golden: api-version=v1.0 -->` line.
fn api_version(source: &str) -> Option<String> {
    source
        .lines()
        .find_map(|line| line.trim().strip_prefix("<!-- golden: api-version=")?.strip_suffix(" -->").map(str::to_owned))
}

fn generate(case: &str, path: &Path) -> codegen::Files {
    let source = std::fs::read(path).unwrap();
    let options = codegen::Options {
        api_version: api_version(&String::from_utf8_lossy(&source)),
        title: format!("The `{case}` golden case"),
        out_dir: format!("src/{case}"),
        root_file: "mod.rs".to_owned(),
        module_root: format!("crate::{case}"),
        runtime: "::intune_dw_client".to_owned(),
        command: "UPDATE_EXPECT=1 cargo test -p codegen --test goldens".to_owned(),
        source_name: format!("codegen/tests/goldens/cases/{case}.xml"),
    };
    codegen::generate(&source, &options).unwrap_or_else(|e| panic!("{case}: {e}"))
}

/// The golden files of a case currently on disk, relative to the goldens directory.
fn existing(case: &str) -> Vec<String> {
    let dir = goldens_dir();
    let mut files = Vec::new();
    let mut pending = vec![dir.join("src").join(case)];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files
}

#[test]
fn generated_code_matches_the_goldens() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    for (case, path) in cases() {
        let expected = generate(&case, &path);
        for stale in existing(&case).into_iter().filter(|f| !expected.contains_key(f)) {
            assert!(update, "golden {stale} is no longer generated; run with UPDATE_EXPECT=1 to remove it");
            std::fs::remove_file(goldens_dir().join(stale)).unwrap();
        }
        for (file, text) in &expected {
            let golden = goldens_dir().join(file);
            if update {
                std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            }
            expect_test::expect_file![golden].assert_eq(text);
        }
    }
}

/// Every case is a module of the goldens crate, so every golden is compiled.
#[test]
fn every_case_is_compiled_by_the_goldens_crate() {
    let lib = std::fs::read_to_string(goldens_dir().join("src/lib.rs")).unwrap();
    for (case, _) in cases() {
        assert!(lib.contains(&format!("pub mod {case};")), "goldens/src/lib.rs does not declare `pub mod {case};`");
    }
}

/// Same input, same bytes: generation is deterministic.
#[test]
fn generation_is_deterministic() {
    for (case, path) in cases() {
        assert_eq!(generate(&case, &path), generate(&case, &path), "{case}");
    }
}
