//! Exports one Intune Data Warehouse collection as NDJSON (one JSON object per row on stdout).
//!
//! ```sh
//! cargo run -p intune-dw-client --example export -- <collection> \
//!     [--api-version v1.0|beta] [--since RFC3339] [--max-history-days N]
//! ```
//!
//! Configuration comes from the environment:
//!
//! - `INTUNE_DW_SERVICE_ROOT` (full service root URL) or `INTUNE_DW_LOCATION` (e.g. `msua06`);
//! - `INTUNE_DW_TOKEN` (a bearer token), or else `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
//!   `AZURE_CLIENT_SECRET` and optionally `AZURE_AUTHORITY_HOST` (client credentials).
//!
//! Every page is followed; progress and errors go to stderr. The exit code is 0 only when every
//! page was read, 1 when the export failed part-way (the rows printed so far are complete
//! lines), 2 for a usage or configuration error.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use futures::TryStreamExt;
use futures::future::LocalBoxFuture;
use intune_dw_client::query::{DateScope, EntitySet, EntitySetVisitor, Query};
use intune_dw_client::{ApiVersion, Client, auth};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Parser)]
#[command(name = "export", about = "Export one Intune Data Warehouse collection as NDJSON")]
struct Args {
    /// The collection (entity set), e.g. `devices`.
    collection: String,
    /// The API version.
    #[arg(long, default_value = "v1.0", value_parser = api_versions())]
    api_version: ApiVersion,
    /// Only rows modified at or after this RFC 3339 time (collections with
    /// rowLastModifiedDateTimeUTC).
    #[arg(long, value_parser = parse_rfc3339)]
    since: Option<OffsetDateTime>,
    /// Only the last N days (collections keyed by dateKey).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_history_days: Option<u32>,
}

/// The client's API versions, listed by `--help` and in errors.
fn api_versions() -> impl clap::builder::TypedValueParser<Value = ApiVersion> {
    let names = ApiVersion::ALL.map(ApiVersion::as_str);
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(names).try_map(|name| name.parse::<ApiVersion>())
}

fn parse_rfc3339(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| format!("not an RFC 3339 time: {e}"))
}

type Failure = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let code =
        runtime.block_on(run(std::env::args_os(), |name| std::env::var(name).ok(), &mut stdout, &mut io::stderr()));
    ExitCode::from(code)
}

/// The whole program, with its arguments, environment and output streams passed in (tests
/// call it directly). Returns the exit code.
pub async fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    env: impl Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(e) if e.use_stderr() => {
            let _ = write!(err, "{e}");
            return 2;
        }
        Err(help) => {
            let _ = write!(out, "{help}");
            return 0;
        }
    };
    if !args.api_version.is_compiled() {
        let feature = args.api_version.module();
        let _ = writeln!(err, "error: built without {} support: add `--features {feature}`", args.api_version);
        return 2;
    }
    let client = match client_from_env(&env) {
        Ok(client) => client,
        Err(e) => {
            let _ = writeln!(err, "error: {}", chain(&*e));
            return 2;
        }
    };
    let export = Export {
        client: &client,
        api_version: args.api_version,
        since: args.since,
        max_history_days: args.max_history_days,
        out,
        err,
    };
    let Some(result) = args.api_version.visit_entity_set(&args.collection, export) else {
        let _ = writeln!(
            err,
            "error: api-version {} has no collection {:?}; it has: {}",
            args.api_version,
            args.collection,
            args.api_version.entity_sets().join(", ")
        );
        return 2;
    };
    match result.await {
        Ok(summary) => {
            let _ = writeln!(err, "done: {} rows in {} pages of {}", summary.rows, summary.pages, args.collection);
            0
        }
        Err(e) => {
            let _ = writeln!(err, "error: {}", chain(&*e));
            1
        }
    }
}

fn client_from_env(env: &impl Fn(&str) -> Option<String>) -> Result<Client, Failure> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let builder = match (var("INTUNE_DW_SERVICE_ROOT"), var("INTUNE_DW_LOCATION")) {
        (Some(root), _) => Client::builder().service_root(&root),
        (None, Some(location)) => Client::builder().location(location.trim()),
        (None, None) => {
            return Err("set INTUNE_DW_SERVICE_ROOT or INTUNE_DW_LOCATION".into());
        }
    };
    let tokens = auth::provider_from_env_with(env)?;
    Ok(builder.token_provider(tokens).build()?)
}

struct Summary {
    pages: usize,
    rows: usize,
}

/// Streams one collection to `out`, page by page.
struct Export<'a> {
    client: &'a Client,
    api_version: ApiVersion,
    since: Option<OffsetDateTime>,
    max_history_days: Option<u32>,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
}

impl<'a> EntitySetVisitor for Export<'a> {
    type Output = LocalBoxFuture<'a, Result<Summary, Failure>>;

    fn visit<E: EntitySet>(self) -> Self::Output {
        Box::pin(async move {
            let query = Query::<E>::new(self.client, Some(self.api_version.as_str()));
            // Checked at run time: the collection is only known by name here.
            match self.max_history_days {
                Some(days) => {
                    let query = query.try_max_history_days(days)?;
                    self.write(query).await
                }
                None => self.write(query).await,
            }
        })
    }
}

impl Export<'_> {
    async fn write<E: EntitySet, S: DateScope>(self, query: Query<'_, E, S>) -> Result<Summary, Failure> {
        let query = match self.since {
            Some(since) => query.try_modified_since(since)?,
            None => query,
        };
        let mut pages = query.pages();
        let mut summary = Summary { pages: 0, rows: 0 };
        while let Some(page) = pages.try_next().await? {
            for row in page.rows() {
                serde_json::to_writer(&mut *self.out, row)?;
                self.out.write_all(b"\n")?;
            }
            self.out.flush()?;
            summary.pages += 1;
            summary.rows += page.rows().len();
            writeln!(
                self.err,
                "{}: page {} with {} rows ({} so far)",
                E::NAME,
                summary.pages,
                page.rows().len(),
                summary.rows
            )?;
        }
        Ok(summary)
    }
}

/// An error and its causes, `: `-separated.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
