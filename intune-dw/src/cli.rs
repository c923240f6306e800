//! The command line: `intune-dw collections | sync | export | mock-server`.
//!
//! Exit codes: 0 when everything asked for completed, 1 when something failed part-way (what
//! was stored stays and the next run continues from it), 2 for usage and configuration errors.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::catalog;
use crate::config;
use crate::export::{self, ExportOptions, Format};
use crate::progress::Progress;
use crate::schema::{ApiVersion, Kind};
use crate::store::{Location, TENANT_PLACEHOLDER};
use crate::sync::{self, Outcome, SyncOptions};
use intune_dw_client::query::ROW_LAST_MODIFIED;

/// Everything asked for completed.
pub const EXIT_OK: u8 = 0;
/// Something failed part-way.
pub const EXIT_FAILED: u8 = 1;
/// A usage or configuration error.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(name = "intune-dw", version, about = "Keep a local copy of the Intune Data Warehouse")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every collection the client knows, with its key and kind (with `--tenants`, for each
    /// tenant of the file, which is checked).
    Collections {
        #[arg(long, default_value = "v1.0", value_parser = api_versions())]
        api_version: ApiVersion,
        /// A tenants file (TOML): its tenants' names prefix the lines.
        #[arg(long)]
        tenants: Option<PathBuf>,
    },
    /// Copy the Warehouse into a store, incrementally and resumably: for one tenant (from the
    /// environment) or for every tenant of a tenants file.
    Sync {
        /// The store: a SQLite file (created if needed; `{tenant}` in the path makes one file per
        /// tenant), or a PostgreSQL database, `postgres://user@host/db` (one schema per tenant;
        /// the `PG*` variables fill what the URL leaves out).
        #[arg(long)]
        store: String,
        /// A tenants file (TOML, see the README): every tenant in it, side by side; without it,
        /// the one tenant the environment configures.
        #[arg(long)]
        tenants: Option<PathBuf>,
        #[arg(long, default_value = "v1.0", value_parser = api_versions())]
        api_version: ApiVersion,
        /// Only these collections (comma-separated entity-set names).
        #[arg(long, value_delimiter = ',')]
        collections: Vec<String>,
        /// How many collections are fetched at once, across tenants.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
    },
    /// Write one collection from the service to a file (or stdout), streamed; or, with
    /// `--store`, the stores as a Parquet lake (a folder, or `az://`, `abfss://`, `s3://`):
    /// `tenant={name}/{collection}/[dateKey={day}/]`, only the partitions that changed, then a
    /// manifest.
    Export {
        /// The collection (entity set), e.g. `devices`; not with `--store`.
        #[arg(required_unless_present = "store", conflicts_with = "store")]
        collection: Option<String>,
        /// The store to export as a lake into `--out`: a SQLite file (`{tenant}` in its path
        /// with `--tenants`) or a PostgreSQL URL.
        #[arg(long, requires = "out", conflicts_with_all = ["since", "max_history_days"])]
        store: Option<String>,
        /// With `--store`: every tenant of this tenants file (only the names are read).
        #[arg(long, requires = "store")]
        tenants: Option<PathBuf>,
        /// The format (`--store` writes Parquet).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// The file (written atomically; stdout when absent) or, with `--store`, the lake: a
        /// folder or an object-store URL.
        #[arg(long)]
        out: Option<String>,
        #[arg(long, default_value = "v1.0", value_parser = api_versions())]
        api_version: ApiVersion,
        /// Only rows modified at or after this RFC 3339 time (collections with
        /// rowLastModifiedDateTimeUTC).
        #[arg(long, value_parser = parse_rfc3339)]
        since: Option<OffsetDateTime>,
        /// Only the last N days (date-keyed collections).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        max_history_days: Option<u32>,
    },
    /// Serve a local mock Warehouse (generated rows for every collection) until interrupted.
    #[cfg(feature = "mock-server")]
    MockServer {
        /// The loopback port (0: any free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Rows per collection.
        #[arg(long, default_value_t = 1000)]
        rows: usize,
        /// Days of data in date-keyed collections.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Rows per page.
        #[arg(long, default_value_t = 1000)]
        page_size: usize,
        /// Delay before each page, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// Answer the first attempt of every page with 429 and `Retry-After: 0`.
        #[arg(long)]
        throttle: bool,
        /// Serve the fixture sample rows (`fixtures/*/samples/`) for the collections that have
        /// them, generated rows for the others.
        #[arg(long)]
        samples: bool,
    },
}

/// The client's API versions, listed by `--help` and in errors.
fn api_versions() -> impl clap::builder::TypedValueParser<Value = ApiVersion> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(ApiVersion::ALL.map(ApiVersion::as_str)).try_map(|name| name.parse::<ApiVersion>())
}

fn parse_rfc3339(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| format!("not an RFC 3339 time: {e}"))
}

/// The whole program, with its arguments, environment and standard output passed in (tests
/// call it directly); progress and errors go to stderr. Returns the exit code.
pub async fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            eprint!("{e}");
            return EXIT_USAGE;
        }
        Err(help) => {
            let _ = write!(out, "{help}");
            return EXIT_OK;
        }
    };
    match cli.command {
        Command::Collections { api_version, tenants } => {
            let prefixes: Vec<String> = match &tenants {
                None => vec![String::new()],
                Some(file) => match config::tenants_from_file(file, env) {
                    Ok(tenants) => tenants.into_iter().map(|t| format!("{}\t", t.name)).collect(),
                    Err(e) => return usage_error(e),
                },
            };
            for prefix in &prefixes {
                for entry in catalog::entries(api_version) {
                    let _ = writeln!(out, "{prefix}{}\t{}\t{}", entry.name, entry.key.join(","), entry.kind.describe());
                }
            }
            EXIT_OK
        }
        Command::Sync { store, tenants, api_version, collections, concurrency } => {
            if let Err(unknown) = sync::select(api_version, &collections) {
                eprintln!("error: api-version {api_version} has no collection {}", unknown.join(", "));
                return EXIT_USAGE;
            }
            let tenants = match load_tenants(tenants.as_deref(), env) {
                Ok(tenants) => tenants,
                Err(e) => return usage_error(e),
            };
            let store = match store_for(&store, tenants.len(), env) {
                Ok(store) => store,
                Err(code) => return code,
            };
            let options = SyncOptions { store, version: api_version, collections, concurrency: concurrency.into() };
            let results = sync::run_tenants(&tenants, &options, &Progress::stderr()).await;
            let several = results.len() > 1;
            let mut failed = false;
            for (tenant, result) in &results {
                let label = if several { format!("{tenant}: ") } else { String::new() };
                match result {
                    Err(e) => {
                        eprintln!("error: {label}{e:#}");
                        failed = true;
                    }
                    Ok(report) => {
                        let (mut done, mut rows) = (0, 0);
                        for (name, outcome) in &report.collections {
                            match outcome {
                                Outcome::Done { rows: n, .. } => {
                                    done += 1;
                                    rows += n;
                                }
                                Outcome::Stopped(why) => eprintln!("error: {label}{name}: stopped: {why}"),
                                Outcome::Failed(why) => eprintln!("error: {label}{name}: {why}"),
                            }
                        }
                        let total = report.collections.len();
                        eprintln!("{label}synced {done} of {total} collections ({rows} rows fetched)");
                        failed |= !report.complete();
                    }
                }
            }
            if failed { EXIT_FAILED } else { EXIT_OK }
        }
        Command::Export { collection, store, tenants, format, out: file, api_version, since, max_history_days } => {
            match store {
                Some(store) => export_store(&store, tenants.as_deref(), format, file, env).await,
                None => {
                    let options = ExportOptions {
                        version: api_version,
                        collection: collection.unwrap_or_default(),
                        format: format.unwrap_or(Format::Ndjson),
                        out: file.map(PathBuf::from),
                        since,
                        max_history_days,
                    };
                    export_collection(options, env).await
                }
            }
        }
        #[cfg(feature = "mock-server")]
        Command::MockServer { port, rows, days, page_size, latency_ms, throttle, samples } => {
            let config = crate::mock::MockConfig {
                port,
                rows,
                days,
                page_size,
                latency: std::time::Duration::from_millis(latency_ms),
                samples,
                ..crate::mock::MockConfig::default()
            };
            mock_server(config, throttle, out).await
        }
    }
}

async fn export_collection(options: ExportOptions, env: &dyn Fn(&str) -> Option<String>) -> u8 {
    let (version, collection) = (options.version, options.collection.as_str());
    let Some(entry) = catalog::entry(version, collection) else {
        eprintln!(
            "error: api-version {version} has no collection {collection:?}; it has: {}",
            version.entity_sets().join(", ")
        );
        return EXIT_USAGE;
    };
    if options.max_history_days.is_some() && entry.kind != Kind::Fact {
        eprintln!("error: {collection} is not keyed by dateKey: --max-history-days does not apply");
        return EXIT_USAGE;
    }
    if options.since.is_some() && entry.kind != Kind::Dimension {
        eprintln!("error: {collection} has no {ROW_LAST_MODIFIED}: --since does not apply");
        return EXIT_USAGE;
    }
    if options.format == Format::Parquet && (options.out.is_none() || cfg!(not(feature = "parquet"))) {
        eprintln!("error: --format parquet needs --out FILE and a build with `--features parquet`");
        return EXIT_USAGE;
    }
    let client = match config::client_from_env(env) {
        Ok(client) => client,
        Err(e) => return usage_error(e),
    };
    match export::run(&client, &options, &Progress::stderr()).await {
        Ok(written) => {
            eprintln!("exported {} rows in {} pages", written.rows, written.pages);
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_FAILED
        }
    }
}

async fn export_store(
    store: &str,
    tenants: Option<&std::path::Path>,
    format: Option<Format>,
    out: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> u8 {
    if format.is_some_and(|f| f != Format::Parquet) {
        eprintln!("error: --store exports Parquet only");
        return EXIT_USAGE;
    }
    let Some(out) = out else {
        eprintln!("error: --store needs --out (a folder or an object-store URL)");
        return EXIT_USAGE;
    };
    let names = match tenants {
        Some(file) => match config::tenant_names_from_file(file) {
            Ok(names) => names,
            Err(e) => return usage_error(e),
        },
        None => vec![config::ENV_TENANT.to_owned()],
    };
    let location = match store_for(store, names.len(), env) {
        Ok(location) => location,
        Err(code) => return code,
    };
    #[cfg(feature = "parquet")]
    {
        let lake = match crate::lake::Lake::open(&out, env) {
            Ok(lake) => lake,
            Err(e) => {
                eprintln!("error: --out: {e:#}");
                return EXIT_USAGE;
            }
        };
        let mut failed = false;
        for name in &names {
            let exported = async {
                let (reader, version) = crate::store::StoreReader::open(&location, name).await?;
                lake.export(name, &reader, version).await
            };
            match exported.await {
                Ok(done) => eprintln!(
                    "{name}: {} rows; {} partitions written, {} unchanged; {} stale files removed",
                    done.rows, done.written, done.unchanged, done.removed
                ),
                Err(e) => {
                    eprintln!("error: {name}: {e:#}");
                    failed = true;
                }
            }
        }
        if failed { EXIT_FAILED } else { EXIT_OK }
    }
    #[cfg(not(feature = "parquet"))]
    {
        let _ = (location, out);
        eprintln!("error: built without Parquet support: add `--features parquet`");
        EXIT_USAGE
    }
}

/// The tenants of `file`, or the one tenant of the environment.
fn load_tenants(
    file: Option<&std::path::Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<config::Tenant>, config::ConfigError> {
    match file {
        Some(file) => config::tenants_from_file(file, env),
        None => config::tenant_from_env(env).map(|tenant| vec![tenant]),
    }
}

/// The store of `--store` for `tenants` tenants (a usage error, printed, when unusable).
fn store_for(text: &str, tenants: usize, env: &dyn Fn(&str) -> Option<String>) -> Result<Location, u8> {
    let location = Location::parse(text, env).map_err(|e| {
        eprintln!("error: --store: {e:#}");
        EXIT_USAGE
    })?;
    if tenants > 1 && !location.per_tenant() {
        eprintln!(
            "error: {tenants} tenants cannot share one SQLite file: put {TENANT_PLACEHOLDER} in the --store path, \
             or give a PostgreSQL URL (one schema per tenant)"
        );
        return Err(EXIT_USAGE);
    }
    Ok(location)
}

fn usage_error(error: config::ConfigError) -> u8 {
    eprintln!("error: {:#}", anyhow::Error::new(error));
    EXIT_USAGE
}

#[cfg(feature = "mock-server")]
async fn mock_server(config: crate::mock::MockConfig, throttle: bool, out: &mut dyn Write) -> u8 {
    use crate::mock::{MockWarehouse, TOKEN};
    let port = config.port;
    let warehouse = match MockWarehouse::start(config).await {
        Ok(warehouse) => warehouse,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return EXIT_USAGE;
        }
    };
    warehouse.throttle_first_attempts(throttle);
    let _ = writeln!(out, "mock Intune Data Warehouse on {}", warehouse.base());
    let _ = writeln!(out, "export INTUNE_DW_SERVICE_ROOT={} INTUNE_DW_TOKEN={TOKEN}", warehouse.service_root());
    let _ = out.flush();
    match tokio::signal::ctrl_c().await {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: cannot wait for Ctrl-C: {e}");
            EXIT_FAILED
        }
    }
}
