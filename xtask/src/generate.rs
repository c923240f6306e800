//! `cargo xtask generate --metadata FILE --out DIR [--crate-name NAME] [--api-version V]
//! [--profile FILE] [--runtime-from-registry]`: a client crate of its own for any OData v4
//! service, on this project's runtime (`odata-runtime`).
//!
//! The crate is portable: its manifest names the runtime by version and by a path relative to
//! `DIR` (or by version only, for a crate to publish), never by an absolute path, and lists only
//! the dependencies the generated code uses.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use codegen::{Files, Header, Options};

use crate::codegen::{read_profile, workspace_root};
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
    /// A service profile (TOML, like `fixtures/profile.toml`) with the service's own rules.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Depend on the runtime by version only (from the registry), with no path.
    #[arg(long)]
    runtime_from_registry: bool,
    #[command(flatten)]
    strictness: Strictness,
}

/// The runtime crate's package (its library, `odata_runtime`, is `Options::standalone`'s runtime).
const RUNTIME_PACKAGE: &str = "odata-runtime";
/// Crates the generated code may name besides the runtime; each becomes a dependency when the
/// code names it, with the version and features the runtime itself uses, so both always agree.
const DIRECT_DEPENDENCIES: &[&str] = &["serde", "serde_json", "time", "uuid", "bigdecimal"];

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
    let mut options = Options::standalone(
        format!("The `{crate_name}` service"),
        Header { command: "cargo xtask generate".to_owned(), source_name },
    );
    options.api_version.clone_from(&args.api_version);
    if let Some(profile) = &args.profile {
        options.profile = read_profile(profile)?;
    }
    options.set_features = true;
    let (files, features) = match codegen::generate_with_features(&source, &options) {
        Ok(generated) => generated,
        Err(error) => {
            for line in error.to_string().lines() {
                eprintln!("{}:{line}", args.metadata.display());
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let runtime_dir = workspace_root().join("runtime");
    let runtime_path = if args.runtime_from_registry { None } else { Some(relative_path(&args.out, &runtime_dir)?) };
    let manifest_path = args.out.join("Cargo.toml");
    let src = args.out.join("src");
    let previous_src = atomic_files::files_under(&src)?
        .iter()
        .map(|path| std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display())))
        .collect::<anyhow::Result<Vec<String>>>()?;
    let new_src: Vec<&str> = files.values().map(String::as_str).collect();
    let manifest_for = |texts: &mut dyn Iterator<Item = &str>| {
        manifest(&crate_name, &runtime_dir, runtime_path.as_deref(), &texts.collect::<Vec<_>>(), &features)
    };
    let final_manifest = manifest_for(&mut new_src.iter().copied())?;
    // While the tree is swapped, the manifest names the crates of both the old and the new
    // code, so the crate builds whenever the process is stopped.
    let interim = manifest_for(&mut previous_src.iter().map(String::as_str).chain(new_src.iter().copied()))?;
    let previous_manifest = std::fs::read(&manifest_path).ok();
    atomic_files::write(&manifest_path, interim.as_bytes())?;
    let tree = files
        .iter()
        .map(|(path, text)| {
            let relative = path.strip_prefix("src/").with_context(|| format!("generated {path} is not under src/"))?;
            Ok((relative.to_owned(), text.clone()))
        })
        .collect::<anyhow::Result<Files>>()?;
    if let Err(error) = atomic_files::replace_tree(&src, &tree) {
        // Best effort: the tree is unchanged, so the old manifest fits it.
        let _ = match &previous_manifest {
            Some(bytes) => atomic_files::write(&manifest_path, bytes),
            None => std::fs::remove_file(&manifest_path).map_err(Into::into),
        };
        return Err(error);
    }
    if interim != final_manifest {
        atomic_files::write(&manifest_path, final_manifest.as_bytes())?;
    }
    let writes = tree.len() + 1;
    println!("wrote crate `{crate_name}` to {} ({writes} files)", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// The default package name: the `--out` directory's name in lower case (`Graph-V1` →
/// `graph-v1`), since rustc warns about a crate name that is not snake case.
fn crate_name_from_dir(out: &Path) -> anyhow::Result<String> {
    let name = out.file_name().and_then(|n| n.to_str()).context("--out has no directory name; pass --crate-name")?;
    Ok(name.to_ascii_lowercase())
}

/// The generated crate's `Cargo.toml`: the runtime by version (and `runtime_path`, relative to
/// the crate), and each crate the generated code names, as the runtime's manifest declares it.
fn manifest(
    crate_name: &str,
    runtime_dir: &Path,
    runtime_path: Option<&str>,
    texts: &[&str],
    features: &[String],
) -> anyhow::Result<String> {
    let runtime_manifest_path = runtime_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&runtime_manifest_path)
        .with_context(|| format!("cannot read {}", runtime_manifest_path.display()))?;
    let runtime_manifest: toml::Table =
        text.parse().with_context(|| format!("cannot parse {}", runtime_manifest_path.display()))?;
    let version = runtime_manifest
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(toml::Value::as_str)
        .context("the runtime manifest has no package version")?;
    let dependencies = runtime_manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .context("the runtime manifest has no [dependencies]")?;
    let path = runtime_path.map(|p| format!(", path = {}", toml::Value::String(p.to_owned()))).unwrap_or_default();
    let mut lines = vec![format!("{RUNTIME_PACKAGE} = {{ version = \"{version}\"{path} }}")];
    for name in DIRECT_DEPENDENCIES {
        let used = *name == "serde" || texts.iter().any(|text| text.contains(&format!("::{name}::")));
        if !used {
            continue;
        }
        let spec = dependencies.get(*name).with_context(|| format!("the runtime does not depend on {name}"))?;
        lines.push(format!("{name} = {spec}"));
    }
    Ok(format!(
        "# @generated by `cargo xtask generate`.\n[package]\nname = \"{crate_name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n# A crate of its own, even when generated inside another workspace.\n[workspace]\n\n[dependencies]\n{}\n{}",
        lines.join("\n"),
        features_table(features)
    ))
}

/// One feature per entity set, `full` for all of them and the types no set contains, and `full`
/// by default: `default-features = false, features = ["users"]` compiles one set alone.
fn features_table(features: &[String]) -> String {
    let quoted: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
    let mut table = format!(
        "\n# One feature per entity set: its module and the types its rows contain.\n[features]\ndefault = [\"{full}\"]\n{full} = [{}]\n",
        quoted.join(", "),
        full = codegen::FULL_FEATURE
    );
    for feature in features {
        table.push_str(&format!("{feature} = []\n"));
    }
    table
}

/// The path of `target` relative to the directory `from` (created if missing), with `/`
/// separators, for a manifest that keeps working when both move together.
fn relative_path(from: &Path, target: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(from).with_context(|| format!("cannot create {}", from.display()))?;
    let from = from.canonicalize().with_context(|| format!("cannot resolve {}", from.display()))?;
    let target = target.canonicalize().with_context(|| format!("cannot resolve {}", target.display()))?;
    let relative = pathdiff::diff_paths(&target, &from)
        .with_context(|| format!("no relative path from {} to {}", from.display(), target.display()))?;
    let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.is_empty() { Ok(".".to_owned()) } else { Ok(parts.join("/")) }
}
