//! `cargo xtask generate --metadata FILE --out DIR [--crate-name NAME] [--api-version V]`: a
//! standalone client crate for any OData v4 service, using this project's runtime through a path
//! dependency.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use codegen::Options;

use crate::codegen::{client_dir, workspace_root};
use crate::fsutil;
use crate::report::{self, Strictness};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The CSDL `$metadata` document.
    #[arg(long)]
    metadata: PathBuf,
    /// The directory of the new crate (created if missing; generated files are replaced).
    #[arg(long)]
    out: PathBuf,
    /// The package name (default: the output directory's name).
    #[arg(long)]
    crate_name: Option<String>,
    /// An `api-version` query parameter to send with every request.
    #[arg(long)]
    api_version: Option<String>,
    #[command(flatten)]
    strictness: Strictness,
}

/// The runtime crate's package and library names.
const RUNTIME_PACKAGE: &str = "intune-dw-client";
const RUNTIME_LIB: &str = "intune_dw_client";
/// Dependencies the generated code names directly; their versions and features are taken from
/// the client crate's manifest so both always agree.
const DIRECT_DEPENDENCIES: &[&str] = &["serde", "serde_with", "serde_json", "time", "uuid", "bigdecimal"];

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let crate_name = match &args.crate_name {
        Some(name) => name.clone(),
        None => crate_name_from_dir(&args.out)?,
    };
    if crate_name.is_empty() || !crate_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        bail!("invalid crate name {crate_name:?}: use ASCII letters, digits, `-` and `_`");
    }
    let source = std::fs::read(&args.metadata).with_context(|| format!("cannot read {}", args.metadata.display()))?;
    if report::parse(&source, &args.metadata.display().to_string(), args.strictness.strict).is_none() {
        return Ok(ExitCode::FAILURE);
    }
    let source_name =
        args.metadata.file_name().map_or_else(|| "metadata".to_owned(), |n| n.to_string_lossy().into_owned());
    let options = Options {
        api_version: args.api_version.clone(),
        title: format!("The `{crate_name}` service"),
        out_dir: "src".to_owned(),
        root_file: "lib.rs".to_owned(),
        module_root: "crate".to_owned(),
        runtime: format!("::{RUNTIME_LIB}"),
        command: "cargo xtask generate".to_owned(),
        source_name,
    };
    let files = match codegen::generate(&source, &options) {
        Ok(files) => files,
        Err(error) => {
            for line in error.to_string().lines() {
                eprintln!("{}:{line}", args.metadata.display());
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let manifest = manifest(&crate_name, &client_dir(&workspace_root()))?;
    let mut writes: Vec<(PathBuf, String)> = vec![(args.out.join("Cargo.toml"), manifest)];
    writes.extend(files.into_iter().map(|(path, text)| (args.out.join(path), text)));
    // Files a previous run generated but this one does not are removed.
    let stale: Vec<PathBuf> = fsutil::files_under(&args.out.join("src"))?
        .into_iter()
        .filter(|p| !writes.iter().any(|(w, _)| w == p))
        .collect();
    let writes: Vec<(PathBuf, &str)> = writes.iter().map(|(p, t)| (p.clone(), t.as_str())).collect();
    fsutil::apply_all_or_nothing(&writes, &stale)?;
    println!("wrote crate `{crate_name}` to {} ({} files)", args.out.display(), writes.len());
    Ok(ExitCode::SUCCESS)
}

/// The default package name: the `--out` directory's name in lower case (`Graph-V1` →
/// `graph-v1`), since rustc warns about a crate name that is not snake case.
fn crate_name_from_dir(out: &Path) -> anyhow::Result<String> {
    let name = out.file_name().and_then(|n| n.to_str()).context("--out has no directory name; pass --crate-name")?;
    Ok(name.to_ascii_lowercase())
}

/// The generated crate's `Cargo.toml`: the runtime by path, and the generated code's direct
/// dependencies exactly as the client crate declares them.
fn manifest(crate_name: &str, client: &Path) -> anyhow::Result<String> {
    let client_manifest_path = client.join("Cargo.toml");
    let text = std::fs::read_to_string(&client_manifest_path)
        .with_context(|| format!("cannot read {}", client_manifest_path.display()))?;
    let client_manifest: toml::Table =
        text.parse().with_context(|| format!("cannot parse {}", client_manifest_path.display()))?;
    let dependencies = client_manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .context("the client manifest has no [dependencies]")?;
    let runtime_path = std::path::absolute(client)?;
    let mut lines = vec![format!(
        "{RUNTIME_PACKAGE} = {{ path = {}, default-features = false }}",
        toml::Value::String(runtime_path.display().to_string())
    )];
    for name in DIRECT_DEPENDENCIES {
        let spec = dependencies.get(*name).with_context(|| format!("the client manifest does not depend on {name}"))?;
        lines.push(format!("{name} = {spec}"));
    }
    Ok(format!(
        "# @generated by `cargo xtask generate`.\n[package]\nname = \"{crate_name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n# A crate of its own, even when generated inside another workspace.\n[workspace]\n\n[dependencies]\n{}\n",
        lines.join("\n")
    ))
}
