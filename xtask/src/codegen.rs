//! `cargo xtask codegen [--check]`: regenerate the client's version modules from the pinned
//! fixtures, or check that the committed ones are fresh.
//!
//! Each API version is generated on its own from its own fixture into its own directory
//! (`generated-client/src/v1_0/`, `generated-client/src/beta/`), so a beta change can never alter
//! v1.0 code. Only files under those directories are generated; everything else in the crate is
//! hand-written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use codegen::{Files, Header, Layout, Options, Profile, RustPath};
use intune_dw_client::warehouse::ApiVersion;

use crate::report::{self, Strictness};

/// The command that regenerates the client, as named in file headers and error messages.
pub const COMMAND: &str = "cargo xtask codegen";

/// The Warehouse's service profile, beside the fixtures.
pub const PROFILE: &str = "fixtures/profile.toml";

/// Reads a service profile (TOML, see `codegen::Profile`).
pub fn read_profile(path: &Path) -> anyhow::Result<Profile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid service profile {}", path.display()))
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write nothing; exit 1 if any generated file is stale, missing or extra.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    strictness: Strictness,
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// The fixture of `version`, relative to the workspace: `fixtures/{api-version}/metadata.xml`.
pub fn fixture(version: ApiVersion) -> String {
    format!("fixtures/{version}/metadata.xml")
}

/// The client crate's directory.
pub fn client_dir(root: &Path) -> PathBuf {
    root.join("generated-client")
}

/// The generated files of every version, relative to the client crate. The diagnostics of each
/// fixture are printed; one that cannot be used (under `strict`, one with warnings) fails.
pub fn expected_files(root: &Path, strict: bool) -> anyhow::Result<Files> {
    let mut all = Files::new();
    let mut failures = Vec::new();
    let profile = read_profile(&root.join(PROFILE))?;
    for version in ApiVersion::ALL {
        let module = version.module();
        let source_name = fixture(version);
        let source = std::fs::read(root.join(&source_name)).with_context(|| format!("cannot read {source_name}"))?;
        let options = Options {
            layout: Layout::module(module)?,
            runtime: RustPath::parse("::odata_runtime")?,
            api_version: Some(version.as_str().to_owned()),
            title: "Intune Data Warehouse".to_owned(),
            header: Header { command: COMMAND.to_owned(), source_name: source_name.clone() },
            profile: profile.clone(),
            // The whole of one version checks in under 2 s: per-set features would not pay for
            // the 88 features they would add to the client's manifest.
            set_features: false,
            // From `generated-client/src/{module}/mod.rs`.
            embed_metadata: Some(format!("../../../{source_name}")),
        };
        if report::parse(&source, &source_name, strict).is_none() {
            failures.push(format!("{source_name}: not generated (see the diagnostics above)"));
            continue;
        }
        match codegen::generate(&source, &options) {
            Ok(files) => all.extend(files),
            Err(error) => failures.push(prefix_lines(&source_name, &error.to_string())),
        }
    }
    if !failures.is_empty() {
        bail!("generation failed; nothing was written:\n{}", failures.join("\n"));
    }
    Ok(all)
}

fn prefix_lines(source: &str, text: &str) -> String {
    text.lines().map(|line| format!("{source}:{line}")).collect::<Vec<_>>().join("\n")
}

/// The generated files currently on disk (everything under the version directories).
fn existing_files(client: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for version in ApiVersion::ALL {
        let dir = client.join("src").join(version.module());
        for path in atomic_files::files_under(&dir)? {
            let relative =
                path.strip_prefix(client).expect("under the client dir").to_string_lossy().replace('\\', "/");
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            files.insert(relative, bytes);
        }
    }
    Ok(files)
}

/// What differs between the expected and the existing tree.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    pub stale: Vec<String>,
    pub missing: Vec<String>,
    pub extra: Vec<String>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.stale.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }

    /// One line per file, naming what is wrong and the command that fixes it.
    pub fn report(&self) -> String {
        let mut lines = Vec::new();
        for (label, files) in [("stale", &self.stale), ("missing", &self.missing), ("extra", &self.extra)] {
            lines.extend(files.iter().map(|f| format!("{label}: generated-client/{f}")));
        }
        lines.push(format!("run `{COMMAND}` to regenerate the client"));
        lines.join("\n")
    }
}

/// Compares, normalising CRLF so a checkout with Windows line endings is not "stale".
pub fn drift(expected: &Files, existing: &BTreeMap<String, Vec<u8>>) -> Drift {
    let mut drift = Drift::default();
    for (path, text) in expected {
        match existing.get(path) {
            None => drift.missing.push(path.clone()),
            Some(bytes) if String::from_utf8_lossy(bytes).replace("\r\n", "\n") != *text => {
                drift.stale.push(path.clone())
            }
            Some(_) => {}
        }
    }
    let expected_paths: BTreeSet<&String> = expected.keys().collect();
    drift.extra = existing.keys().filter(|p| !expected_paths.contains(p)).cloned().collect();
    drift
}

/// A fresh generation and how the committed client differs from it.
pub fn check(root: &Path, strict: bool) -> anyhow::Result<(Files, Drift)> {
    let expected = expected_files(root, strict)?;
    let existing = existing_files(&client_dir(root))?;
    let drift = drift(&expected, &existing);
    Ok((expected, drift))
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let root = workspace_root();
    let client = client_dir(&root);
    let (expected, drift) = check(&root, args.strictness.strict)?;
    if args.check {
        if drift.is_empty() {
            println!("generated-client is up to date ({} generated files)", expected.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("{}", drift.report());
        return Ok(ExitCode::FAILURE);
    }
    if drift.is_empty() {
        println!("generated-client is up to date ({} generated files)", expected.len());
        return Ok(ExitCode::SUCCESS);
    }
    // Each drifted version's tree is replaced in one atomic step: a kill leaves it old or new.
    for version in ApiVersion::ALL {
        let module = version.module();
        let prefix = format!("src/{module}/");
        let drifted =
            drift.stale.iter().chain(&drift.missing).chain(&drift.extra).any(|path| path.starts_with(&prefix));
        if !drifted {
            continue;
        }
        let tree: Files = expected
            .iter()
            .filter_map(|(path, text)| Some((path.strip_prefix(&prefix)?.to_owned(), text.clone())))
            .collect();
        atomic_files::replace_tree(&client.join("src").join(module), &tree)?;
    }
    for (label, files) in [("updated", &drift.stale), ("created", &drift.missing), ("deleted", &drift.extra)] {
        for file in files {
            println!("{label} generated-client/{file}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` fails when the committed client is not what the fixtures generate.
    #[test]
    fn generated_client_is_fresh() {
        let (_, drift) = check(&workspace_root(), true).unwrap();
        assert!(drift.is_empty(), "{}", drift.report());
    }

    #[test]
    fn drift_names_stale_missing_and_extra_files() {
        let expected: Files = [("src/v1_0/a.rs", "a\n"), ("src/v1_0/b.rs", "b\n"), ("src/v1_0/c.rs", "c\n")]
            .into_iter()
            .map(|(p, t)| (p.to_owned(), t.to_owned()))
            .collect();
        let existing: BTreeMap<String, Vec<u8>> =
            [("src/v1_0/a.rs", "a\r\n"), ("src/v1_0/b.rs", "old\n"), ("src/v1_0/z.rs", "z\n")]
                .into_iter()
                .map(|(p, t)| (p.to_owned(), t.as_bytes().to_vec()))
                .collect();
        let drift = drift(&expected, &existing);
        assert_eq!(drift.stale, ["src/v1_0/b.rs"]);
        assert_eq!(drift.missing, ["src/v1_0/c.rs"]);
        assert_eq!(drift.extra, ["src/v1_0/z.rs"]);
        assert!(drift.report().ends_with("run `cargo xtask codegen` to regenerate the client"));
    }
}
