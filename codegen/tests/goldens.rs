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

/// The service profile of a case: `cases/<case>.toml` when it exists.
fn profile(path: &Path) -> codegen::Profile {
    match std::fs::read_to_string(path.with_extension("toml")) {
        Ok(text) => toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        Err(_) => codegen::Profile::default(),
    }
}

fn options(case: &str, source: &[u8], profile: codegen::Profile) -> codegen::Options {
    codegen::Options {
        layout: codegen::Layout::module(case).unwrap(),
        runtime: codegen::RustPath::parse("::odata_runtime").unwrap(),
        api_version: api_version(&String::from_utf8_lossy(source)),
        title: format!("The `{case}` golden case"),
        header: codegen::Header {
            command: "UPDATE_EXPECT=1 cargo test -p codegen --test goldens".to_owned(),
            source_name: format!("codegen/tests/goldens/cases/{case}.xml"),
        },
        profile,
        // One case has a feature per entity set (the goldens crate declares its features).
        set_features: case == "features",
        // One case embeds its document (from `src/profile/mod.rs`).
        embed_metadata: (case == "profile").then(|| format!("../../cases/{case}.xml")),
    }
}

fn generate(case: &str, path: &Path) -> codegen::Files {
    let source = std::fs::read(path).unwrap();
    codegen::generate(&source, &options(case, &source, profile(path))).unwrap_or_else(|e| panic!("{case}: {e}"))
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

#[test]
fn profile_rules_add_marker_impls_only_with_the_profile() {
    let path = goldens_dir().join("cases/profile.xml");
    let source = std::fs::read(&path).unwrap();
    let with = codegen::generate(&source, &options("profile", &source, profile(&path))).unwrap();
    let without = codegen::generate(&source, &options("profile", &source, codegen::Profile::default())).unwrap();
    let ledger = "src/profile/ledger_entries.rs";
    assert!(with[ledger].contains("impl crate::Audited for LedgerEntry {}"), "{}", with[ledger]);
    assert!(with[ledger].contains("Rows carry an audit stamp"), "{}", with[ledger]);
    assert!(!without[ledger].contains("impl crate::Audited"), "{}", without[ledger]);
    // The rule's condition is checked per entity set: the other set has no `stamp`.
    assert!(!with["src/profile/accounts.rs"].contains("impl crate::Audited"));
    // And the profile's query type replaces the runtime's.
    assert!(with[ledger].contains("crate::AuditedQuery<'_, LedgerEntry>"), "{}", with[ledger]);
    // Without it, the set's static restrictions (no `$top`) are in its query's type.
    let restricted = "::odata_runtime::query::Query<\n    '_,\n    LedgerEntry,\n    (),\n    \
                      ::odata_runtime::query::Caps<true, true, true, true, false, true, true>,\n>";
    assert!(without[ledger].contains(restricted), "{}", without[ledger]);
}

#[test]
fn capabilities_restrictions_are_documented() {
    let path = goldens_dir().join("cases/profile.xml");
    let source = std::fs::read(&path).unwrap();
    let files = codegen::generate(&source, &options("profile", &source, codegen::Profile::default())).unwrap();
    let ledger = &files["src/profile/ledger_entries.rs"];
    assert!(ledger.contains("Not filterable (`Capabilities.FilterRestrictions`): `memo`"), "{ledger}");
    assert!(ledger.contains("does not support `$top`"), "{ledger}");
    let accounts = &files["src/profile/accounts.rs"];
    assert!(
        accounts.contains("does not support `$filter`") && accounts.contains("does not support `$skip`"),
        "{accounts}"
    );
}

#[test]
fn a_runtime_elsewhere_is_named_by_the_derive_too() {
    let path = goldens_dir().join("cases/nullable.xml");
    let source = std::fs::read(&path).unwrap();
    let mut options = options("nullable", &source, codegen::Profile::default());
    options.runtime = codegen::RustPath::parse("crate::odata").unwrap();
    let files = codegen::generate(&source, &options).unwrap();
    let samples = files.iter().find(|(path, _)| path.ends_with("samples.rs")).map(|(_, text)| text).unwrap();
    assert!(samples.contains("#[derive(Debug, Clone, PartialEq, crate::odata::Record)]"), "{samples}");
    assert!(samples.contains(r#"#[odata(rename_all = "camelCase", crate = "crate::odata""#), "{samples}");
    // The default path is the derive's own, so the goldens never spell it out.
    let default = generate("nullable", &path);
    assert!(default.values().all(|text| !text.contains("crate = ")));
}
