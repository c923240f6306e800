//! `cargo xtask diff OLD NEW` and `cargo xtask diff --versions`: the semantic diff of two CSDL
//! documents with each change's impact on the generated crate, as text, Markdown or JSON, with an
//! exit code for CI.

use std::io::Write;
use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;

use codegen::csdl::Model;
use codegen::diff::{self, Change, Diff, Impact};
use intune_dw_client::warehouse::ApiVersion;

use crate::report::{self, Strictness};

/// Some change reaches `--fail-on`, or the policy is broken.
const FAILED: u8 = 1;
/// An input cannot be read or is not valid CSDL.
const INVALID_INPUT: u8 = 2;

const EXIT_STATUS: &str = "\
Exit status:
  0  no change reaches --fail-on (and the --policy promise holds)
  1  a change reaches --fail-on, or the --policy promise is broken
  2  an input cannot be read or is not valid CSDL, or (--strict) has warnings (each printed as
     file:line:col: error|warning: path: message)";

#[derive(Debug, clap::Args)]
#[command(
    override_usage = "cargo xtask diff OLD NEW [--format FORMAT] [--fail-on LEVEL] [--policy v1.0] [--strict]\n       \
                      cargo xtask diff --versions [--format FORMAT] [--strict]",
    after_help = EXIT_STATUS
)]
pub struct Args {
    /// The older CSDL document.
    #[arg(required_unless_present = "versions")]
    old: Option<PathBuf>,
    /// The newer CSDL document.
    #[arg(required_unless_present = "versions")]
    new: Option<PathBuf>,
    /// Compare the beta fixture with the v1.0 fixture instead: what beta has that v1.0 lacks,
    /// what v1.0 has that beta lacks, and what differs (for the README and release notes).
    #[arg(long, conflicts_with_all = ["old", "new", "fail_on", "policy"])]
    versions: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 1 when a change has at least this impact (`additive`: additive or breaking).
    #[arg(long, value_enum, default_value_t = FailOn::Breaking)]
    fail_on: FailOn,
    /// Enforce a promise of the service, whatever --fail-on says.
    #[arg(long, value_enum)]
    policy: Option<Policy>,
    #[command(flatten)]
    strictness: Strictness,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    /// A pull-request comment: a summary line, then one table per impact.
    Markdown,
    /// `{"summary": {...}, "changes": [...]}`.
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FailOn {
    Breaking,
    Additive,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Impact> {
        match self {
            FailOn::Breaking => Some(Impact::Breaking),
            FailOn::Additive => Some(Impact::Additive),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Policy {
    /// The Warehouse promises that changes to api-version v1.0 are additive: fail on any
    /// breaking change.
    #[value(name = "v1.0")]
    V1_0,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if args.versions {
        return versions(args.format, args.strictness.strict);
    }
    let (Some(old), Some(new)) = (&args.old, &args.new) else {
        anyhow::bail!("OLD and NEW are required without --versions");
    };
    let Some((old, new)) = load_both(old, new, args.strictness.strict) else {
        return Ok(ExitCode::from(INVALID_INPUT));
    };
    let diff = diff::compare(&old, &new);
    print(&render(&diff, args.format))?;
    let policy_holds = args.policy.is_none_or(|policy| check_policy(policy, &diff));
    let reached = args.fail_on.threshold().is_some_and(|threshold| reaches(&diff, threshold));
    Ok(if policy_holds && !reached { ExitCode::SUCCESS } else { ExitCode::from(FAILED) })
}

/// `fixtures/beta` compared with `fixtures/v1.0`; informative, so it fails only on invalid input.
fn versions(format: Format, strict: bool) -> anyhow::Result<ExitCode> {
    let root = crate::codegen::workspace_root();
    let metadata = |version| root.join(crate::codegen::fixture(version));
    let (old, new) = (ApiVersion::V1_0, ApiVersion::Beta);
    let Some((v1_0, beta)) = load_both(&metadata(old), &metadata(new), strict) else {
        return Ok(ExitCode::from(INVALID_INPUT));
    };
    let diff = diff::compare(&v1_0, &beta);
    let text = match format {
        Format::Text => diff.to_comparison_text(old.as_str(), new.as_str()),
        Format::Markdown => diff.to_comparison_markdown(old.as_str(), new.as_str()),
        Format::Json => render(&diff, Format::Json),
    };
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn render(diff: &Diff, format: Format) -> String {
    match format {
        Format::Text => diff.to_text(),
        Format::Markdown => diff.to_markdown(),
        Format::Json => diff.to_json() + "\n",
    }
}

/// Loads both documents, reporting the problems of each (not only the first one's); `None` when
/// either cannot be read or is invalid.
fn load_both(old: &Path, new: &Path, strict: bool) -> Option<(Model, Model)> {
    let (old, new) = (load(old, strict), load(new, strict));
    Some((old?, new?))
}

/// [`report::load`], with a read failure reported like a CSDL error.
fn load(path: &Path, strict: bool) -> Option<Model> {
    report::load(path, strict).unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        None
    })
}

/// Whether some change has at least `threshold`'s impact; says so on stderr.
fn reaches(diff: &Diff, threshold: Impact) -> bool {
    let count = diff.changes.iter().filter(|c| c.impact >= threshold).count();
    if count > 0 {
        let level = threshold.as_str();
        complain(&format!("diff: {count} change(s) with impact {level} or higher (--fail-on {level})\n"));
    }
    count > 0
}

/// Whether the diff keeps the policy's promise; when it does not, says which promise was broken
/// and names each change that broke it, on stderr.
fn check_policy(policy: Policy, diff: &Diff) -> bool {
    match policy {
        Policy::V1_0 => {
            let breaking: Vec<&Change> = diff.with_impact(Impact::Breaking).collect();
            if breaking.is_empty() {
                return true;
            }
            let mut message = format!(
                "policy v1.0 broken: the Intune Data Warehouse promises that changes to api-version v1.0 are additive, \
                 but {} change(s) are breaking:\n",
                breaking.len()
            );
            for change in breaking {
                let (kind, item) = (change.kind.as_str(), change.item.as_str());
                message.push_str(&format!("  - {kind} {item} {}: {}\n", change.path, change.reason));
            }
            complain(&message);
            false
        }
    }
}

/// Writes to stderr; a closed stderr is ignored (the exit code still tells).
fn complain(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => Ok(result?),
    }
}
