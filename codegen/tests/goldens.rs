//! Golden tests: each CSDL document in `goldens/cases/` is generated and compared with the files
//! committed under `goldens/src/<case>/`, which the `codegen-goldens` crate compiles (so the
//! snapshots are checked by rustc and clippy too).
//!
//! After a deliberate change to the generator, review the new output with
//! `UPDATE_GOLDENS=1 cargo test -p codegen --test goldens` and `git diff`.

use std::collections::BTreeMap;
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
        command: "UPDATE_GOLDENS=1 cargo test -p codegen --test goldens".to_owned(),
        source_name: format!("codegen/tests/goldens/cases/{case}.xml"),
    };
    codegen::generate(&source, &options).unwrap_or_else(|e| panic!("{case}: {e}"))
}

fn existing(case: &str) -> BTreeMap<String, String> {
    let dir = goldens_dir();
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.join("src").join(case)];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
                files.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn generated_code_matches_the_goldens() {
    let update = std::env::var_os("UPDATE_GOLDENS").is_some();
    let mut problems = Vec::new();
    for (case, path) in cases() {
        let expected = generate(&case, &path);
        let existing = existing(&case);
        if update {
            let _ = std::fs::remove_dir_all(goldens_dir().join("src").join(&case));
            for (file, text) in &expected {
                let target = goldens_dir().join(file);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(target, text).unwrap();
            }
            continue;
        }
        for (file, text) in &expected {
            match existing.get(file) {
                None => problems.push(format!("missing golden {file}")),
                Some(old) if old.replace("\r\n", "\n") != *text => {
                    problems.push(format!("golden {file} differs:\n{}", first_difference(old, text)))
                }
                Some(_) => {}
            }
        }
        problems.extend(existing.keys().filter(|f| !expected.contains_key(*f)).map(|f| format!("extra golden {f}")));
    }
    assert!(
        problems.is_empty(),
        "{}\n\nreview with UPDATE_GOLDENS=1 cargo test -p codegen --test goldens",
        problems.join("\n")
    );
}

fn first_difference(old: &str, new: &str) -> String {
    let line = old
        .lines()
        .zip(new.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| old.lines().count().min(new.lines().count()));
    format!(
        "  line {}:\n  - {}\n  + {}",
        line + 1,
        old.lines().nth(line).unwrap_or("<end of file>"),
        new.lines().nth(line).unwrap_or("<end of file>")
    )
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
