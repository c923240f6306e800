//! `cargo xtask generate` on every OData v4 document with entity types in the shared corpora
//! (Microsoft Graph v1.0 included): the standalone crate it writes passes `cargo check` with
//! `-D warnings`, offline, against the workspace's locked dependency versions.
//!
//! The crates share one target directory (`target/generated-crates/target`), so dependencies
//! are compiled once and later runs are incremental.

#[path = "../../codegen/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn generated_dir() -> PathBuf {
    support::workspace_root().join("target/generated-crates")
}

/// Runs `xtask generate` and returns the crate directory.
fn generate(metadata: &Path, name: &str) -> PathBuf {
    generate_into(metadata, generated_dir().join(name))
}

/// Runs `xtask generate --out out` and copies the workspace's lock file beside the crate.
fn generate_into(metadata: &Path, out: PathBuf) -> PathBuf {
    let name = out.display().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--metadata"])
        .arg(metadata)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "generate {name} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    // The workspace's lock file pins the versions the offline check may use.
    std::fs::copy(support::workspace_root().join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
    out
}

fn cargo_check(dir: &Path) {
    cargo_check_features(dir, None);
}

/// `cargo check` with the default features, or with only `features` (`Some("")`: none at all).
fn cargo_check_features(dir: &Path, features: Option<&str>) {
    let mut command = Command::new(env!("CARGO"));
    command.args(["check", "--offline", "--quiet", "--all-targets"]);
    if let Some(features) = features {
        command.args(["--no-default-features", "--features", features]);
    }
    let output = command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", generated_dir().join("target"))
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo check of {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr).lines().take(60).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn every_v4_corpus_document_generates_a_crate_that_compiles_without_warnings() {
    let Some(corpora) =
        support::corpora_dir("every_v4_corpus_document_generates_a_crate_that_compiles_without_warnings")
    else {
        return;
    };
    let mut checked = Vec::new();
    for row in support::manifest(&corpora) {
        if !row.is_v4() || row.count("EntityType") == 0 {
            continue;
        }
        let name = row.file.trim_end_matches(".xml").replace('.', "-");
        let dir = generate(&corpora.join(&row.file), &name);
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("odata-runtime = { version = \"0.1.0\", path = \""), "{manifest}");
        assert!(manifest.contains("[workspace]"), "the crate stands alone: {manifest}");
        cargo_check(&dir);
        if row.file.starts_with("graph-v1.0") {
            // One entity set's feature alone, and none: each compiles without warnings.
            assert!(manifest.contains("\n[features]\ndefault = [\"full\"]\n"), "{manifest}");
            cargo_check_features(&dir, Some("users"));
            cargo_check_features(&dir, Some(""));
        }
        checked.push(row.file);
    }
    assert!(checked.iter().any(|f| f.starts_with("graph-")), "Microsoft Graph was checked: {checked:?}");
    assert!(checked.len() >= 3, "{checked:?}");
}

/// Every document that reads, with warnings or without, generates a crate that checks with
/// `-D warnings`: one per fallback class of `support::warnings`, and the shapes that once failed.
/// Under `--strict`, the documents with warnings are refused and nothing is written.
#[test]
fn documents_with_warnings_generate_crates_that_compile_without_warnings() {
    let warned = support::warnings::warning_cases().into_iter().map(|case| (case.name, case.text, true));
    let clean = support::warnings::generation_cases().into_iter().map(|(name, text)| (name, text, false));
    for (name, text, has_warnings) in warned.chain(clean) {
        let metadata = generated_dir().join(format!("{name}.xml"));
        std::fs::create_dir_all(generated_dir()).unwrap();
        std::fs::write(&metadata, &text).unwrap();
        let strict_dir = generated_dir().join(format!("{name}-strict"));
        let _ = std::fs::remove_dir_all(&strict_dir);
        let strict = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["generate", "--strict", "--metadata"])
            .arg(&metadata)
            .arg("--out")
            .arg(&strict_dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&strict.stderr);
        if has_warnings {
            assert_eq!(strict.status.code(), Some(1), "{name}: --strict refuses it");
            assert!(
                stderr.lines().any(|line| line.contains(".xml:") && line.contains(": error: ")),
                "{name}: {stderr}"
            );
            assert!(!strict_dir.exists(), "{name}: nothing was written");
        } else {
            assert!(strict.status.success(), "{name}: {stderr}");
        }
        let dir = generate(&metadata, name);
        if name == "unknown-types" {
            let types = std::fs::read_to_string(dir.join("src/types.rs")).unwrap();
            assert!(types.contains("/// Raw JSON: the type `NS.Missing` is not declared in this document"), "{types}");
        }
        cargo_check(&dir);
    }
}

/// A fixed sample of the hostile documents that `codegen/tests/properties.rs` checks (drawn by
/// proptest's deterministic runner, so always the same ones: the first three with an entity set)
/// generates crates that check with `-D warnings`: hostile names compile, not only parse.
#[test]
fn hostile_documents_generate_crates_that_compile_without_warnings() {
    use proptest::strategy::{Strategy, ValueTree};
    use support::hostile::{self, Order};

    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let sample = std::iter::repeat_with(|| hostile::document().new_tree(&mut runner).unwrap().current())
        .filter(|document| !document.container.sets.is_empty())
        .take(3);
    std::fs::create_dir_all(generated_dir()).unwrap();
    for (n, document) in sample.enumerate() {
        let metadata = generated_dir().join(format!("hostile-{n}.xml"));
        std::fs::write(&metadata, document.xml(Order::Drawn)).unwrap();
        cargo_check(&generate(&metadata, &format!("hostile-{n}")));
    }
}

/// The Microsoft Graph v1.0 release of mid-2022, which the specification's strict reading refuses,
/// generates a crate that checks with `-D warnings` (its warnings printed, not fatal).
#[test]
fn real_world_graph_2022_generates_a_crate_that_compiles_without_warnings() {
    let Some(corpora) = support::corpora_dir("real_world_graph_2022_generates_a_crate_that_compiles_without_warnings")
    else {
        return;
    };
    cargo_check(&generate(&corpora.join("real-world/graph-v1.0-2022-06-28.xml"), "graph-v1-0-2022-06-28"));
}

/// A crate name taken from an `--out` directory with capital letters is lowered, so that rustc
/// does not warn about it.
#[test]
fn a_crate_name_from_a_capitalised_directory_is_lowered() {
    let dir = generated_dir().join("Capitalised-Name");
    let _ = std::fs::remove_dir_all(&dir);
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--metadata"])
        .arg(support::fixture("v1.0/metadata.xml"))
        .arg("--out")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"capitalised-name\""), "{manifest}");
}

#[test]
fn a_crate_generated_anywhere_builds_in_place_and_is_plain_odata() {
    let Some(corpora) = support::corpora_dir("a_crate_generated_anywhere_builds_in_place_and_is_plain_odata") else {
        return;
    };
    // Outside the workspace: the manifest must not rely on where it was written from.
    let scratch = tempfile::tempdir().unwrap();
    let dir = generate_into(&corpora.join("trippin.xml"), scratch.path().join("trippin-client"));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let parsed: toml::Table = manifest.parse().unwrap();
    let runtime = &parsed["dependencies"]["odata-runtime"];
    assert_eq!(runtime["version"].as_str(), Some("0.1.0"), "{manifest}");
    let path = runtime["path"].as_str().unwrap();
    assert!(Path::new(path).is_relative() && !path.contains('\\'), "{manifest}");
    assert_eq!(
        dir.join(path).canonicalize().unwrap(),
        support::workspace_root().join("runtime").canonicalize().unwrap(),
        "the relative path leads to the runtime"
    );
    assert!(!manifest.contains("intune"), "{manifest}");
    assert!(!manifest.contains("bigdecimal"), "TripPin has no Edm.Decimal: {manifest}");
    for file in walk(&dir.join("src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for warehouse in ["max_history_days", "date_key", "fn location", "DateKeyed", "RowLastModified", "intune"] {
            assert!(!text.to_lowercase().contains(&warehouse.to_lowercase()), "{warehouse} in {}", file.display());
        }
    }
    cargo_check(&dir);

    // Published crates name the runtime by version only.
    let registry = scratch.path().join("registry");
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--runtime-from-registry", "--metadata"])
        .arg(corpora.join("trippin.xml"))
        .arg("--out")
        .arg(&registry)
        .status()
        .unwrap();
    assert!(status.success());
    let manifest = std::fs::read_to_string(registry.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("odata-runtime = { version = \"0.1.0\" }") && !manifest.contains("path ="), "{manifest}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[test]
fn a_second_run_removes_files_that_are_no_longer_generated() {
    let dir = generated_dir().join("rerun-scratch");
    let _ = std::fs::remove_dir_all(&dir);
    let stale = dir.join("src/stale_module.rs");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, "// left over\n").unwrap();
    let metadata = support::fixture("v1.0/metadata.xml");
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--crate-name", "warehouse", "--api-version", "v1.0", "--metadata"])
        .arg(&metadata)
        .arg("--out")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(!stale.exists(), "the stale file was removed");
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    assert!(lib.starts_with("// @generated by `cargo xtask generate`"), "{lib}");
    assert!(lib.contains("pub const API_VERSION: &str = \"v1.0\";"));
    assert!(dir.join("src/devices.rs").exists());
}

#[test]
fn invalid_metadata_writes_nothing() {
    let dir = generated_dir().join("invalid-scratch");
    let _ = std::fs::remove_dir_all(&dir);
    let bad = generated_dir().join("invalid.xml");
    std::fs::create_dir_all(generated_dir()).unwrap();
    std::fs::write(&bad, "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\"><edmx:DataServices><Schema Namespace=\"N\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\"><EntityType Name=\"A\" BaseType=\"N.Missing\"/></Schema></edmx:DataServices></edmx:Edmx>").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--metadata"])
        .arg(&bad)
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid.xml:1:")
            && stderr.contains(": error: ")
            && stderr.contains("unknown base type `N.Missing`"),
        "{stderr}"
    );
    assert!(!dir.exists(), "nothing was written");
}

/// The committed client of the bookshop (`cap-client`, which `cap-tests` runs against the real
/// server) is what `xtask generate` makes of the committed `cap/metadata.xml`; `--check` reports
/// a difference and writes nothing.
#[test]
fn the_committed_bookshop_client_is_fresh_and_check_reports_drift() {
    let root = support::workspace_root();
    let check = |out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .current_dir(&root)
            .args(["generate", "--metadata", "cap/metadata.xml", "--crate-name", "cap-client", "--in-workspace"])
            .arg("--out")
            .arg(out)
            .arg("--check")
            .output()
            .unwrap()
    };
    let fresh = check(Path::new("cap-client"));
    assert!(
        fresh.status.success(),
        "cap-client is stale:\n{}\nregenerate it: cargo xtask generate --metadata cap/metadata.xml --out cap-client \
         --crate-name cap-client --in-workspace",
        String::from_utf8_lossy(&fresh.stderr)
    );
    // A copy one level deeper (under `target/`), with one file changed and one added.
    let copy = root.join("target").join("cap-client-drift");
    let _ = std::fs::remove_dir_all(&copy);
    for file in atomic_files::files_under(&root.join("cap-client")).unwrap() {
        let relative = file.strip_prefix(root.join("cap-client")).unwrap();
        let target = copy.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
    std::fs::write(copy.join("src/books.rs"), "// edited\n").unwrap();
    std::fs::write(copy.join("src/extra.rs"), "").unwrap();
    let drift = check(&copy);
    assert_eq!(drift.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&drift.stderr);
    assert!(stderr.contains("stale: src/books.rs") && stderr.contains("extra: src/extra.rs"), "{stderr}");
    // `Cargo.toml` differs too: its runtime path is relative to a crate one level deeper.
    assert!(stderr.contains("stale: Cargo.toml"), "{stderr}");
    assert_eq!(std::fs::read_to_string(copy.join("src/books.rs")).unwrap(), "// edited\n", "nothing written");
}
