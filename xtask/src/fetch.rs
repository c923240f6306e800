//! `cargo xtask fetch --api-version v1.0|beta (--location LOC | --url SERVICE_ROOT) [--out FILE]`:
//! download a live `$metadata` document, check that it parses and resolves, replace the fixture
//! atomically and print what changed.
//!
//! The request is the client's own (`Client::download_metadata`): the service root is built and
//! checked by [`ClientBuilder`](intune_dw_client::ClientBuilder) (`https`, plain `http` only to
//! loopback addresses), the token comes from [`auth::provider_from_env`] (`INTUNE_DW_TOKEN`, else
//! the `AZURE_*` client credentials), and retries, `Retry-After`, the one token refresh after a
//! 401 and the refusal of redirects (so the token only ever goes to the service root's origin)
//! are the runtime's transport; this command only shows the download's progress.
//!
//! Nothing is written unless the download succeeded and the document is valid CSDL; an
//! identical document is not rewritten.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use codegen::csdl::{self, Model, Parsed};
use codegen::diff;
use intune_dw_client::auth;
use intune_dw_client::error::ErrorBody;
use intune_dw_client::warehouse::ApiVersion;
use intune_dw_client::{Client, Error, RetryPolicy, Transfer};
use reqwest::{StatusCode, Url};

use crate::report::{self, Strictness};

/// The download or authentication failed (nothing was written).
const DOWNLOAD_FAILED: u8 = 1;
/// The downloaded document is not valid CSDL (nothing was written).
const INVALID_DOCUMENT: u8 = 2;

/// The largest `$metadata` accepted (the reader's own limit); the Warehouse's are a few hundred
/// KiB.
const MAX_DOCUMENT_BYTES: u64 = csdl::MAX_DOCUMENT_BYTES as u64;

/// Longest error-body text quoted in a message (an HTML error page is cut).
const MAX_DETAIL_CHARS: usize = 200;

/// Said after every authentication failure.
const AUTH_HINT: &str = "check INTUNE_DW_TOKEN / the AZURE_* credentials and the app's \
                         get_data_warehouse permission";

const AFTER_HELP: &str = "\
Credentials: INTUNE_DW_TOKEN (a bearer token), or else AZURE_TENANT_ID, AZURE_CLIENT_ID,
AZURE_CLIENT_SECRET and optionally AZURE_AUTHORITY_HOST (client credentials), as the client uses.

Exit status:
  0  the file was written (the diff against the previous one is printed) or is unchanged
  1  the download or authentication failed; nothing was written
  2  the document is not valid CSDL, or (--strict) has warnings (each printed as
     file:line:col: error|warning: path: message, the file being a kept copy of the download);
     nothing was written. Also: a usage error

Warnings (defects read with a fallback) are printed as file:line:col: warning: path: message
against the written file, and counted on the line that reports the write";

#[derive(Debug, clap::Args)]
#[command(
    override_usage = "cargo xtask fetch --api-version <VERSION> \
                      (--location <LOC> | --url <SERVICE_ROOT>)\n       \
                      [--out <FILE>] [--max-attempts <N>] [--strict]",
    group(clap::ArgGroup::new("service").required(true).args(["location", "url"])),
    after_help = AFTER_HELP
)]
pub struct Args {
    /// The API version whose `$metadata` to download.
    #[arg(long, value_name = "VERSION", value_parser = api_versions())]
    api_version: ApiVersion,
    /// The tenant's Data Warehouse location, e.g. `msua06` (Intune admin center → Reports →
    /// Data warehouse).
    #[arg(long, value_name = "LOC")]
    location: Option<String>,
    /// The full service root URL instead of a location (https; plain http only to loopback).
    #[arg(long, value_name = "SERVICE_ROOT")]
    url: Option<String>,
    /// Where to write the document [default: fixtures/VERSION/metadata.xml in the workspace].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Send the request at most this many times (429, 500, 502, 503, 504 and connection
    /// failures are retried with exponential backoff, or after the server's Retry-After).
    #[arg(long, value_name = "N", default_value_t = RetryPolicy::default().max_attempts(),
          value_parser = clap::value_parser!(u32).range(1..))]
    max_attempts: u32,
    /// Refuse a document that has warnings (leaving the previous file untouched).
    #[command(flatten)]
    strictness: Strictness,
}

/// The client's API versions, listed by `--help` and in errors.
fn api_versions() -> impl clap::builder::TypedValueParser<Value = ApiVersion> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(ApiVersion::ALL.map(ApiVersion::as_str)).try_map(|name| name.parse::<ApiVersion>())
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let target = match &args.out {
        Some(out) => out.clone(),
        None => crate::codegen::workspace_root().join(crate::codegen::fixture(args.api_version)),
    };
    let shown = display_path(&target);
    let request = match MetadataRequest::new(args) {
        Ok(request) => request,
        Err(error) => return Ok(fail(&error, &shown, DOWNLOAD_FAILED)),
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    let stderr = std::io::stderr();
    let interactive = stderr.is_terminal();
    let mut progress = Progress::new(stderr, interactive);
    let downloaded = runtime.block_on(request.download(&mut progress));
    let bytes = match downloaded {
        Ok(bytes) => bytes,
        Err(error) => return Ok(fail(&error, &shown, DOWNLOAD_FAILED)),
    };
    let Some(parsed) = validate(&bytes, &request.url, args.api_version, args.strictness.strict) else {
        eprintln!("nothing was written to {shown}");
        return Ok(ExitCode::from(INVALID_DOCUMENT));
    };
    // The warnings are located in the file about to be written.
    report::print(&shown, &parsed.warnings);
    replace(&target, &shown, &bytes, &parsed)?;
    Ok(ExitCode::SUCCESS)
}

/// Reports a failure that left `shown` untouched.
fn fail(error: &anyhow::Error, shown: &str, code: u8) -> ExitCode {
    eprintln!("error: {error:#}");
    eprintln!("nothing was written to {shown}");
    ExitCode::from(code)
}

/// A path for messages: relative to the workspace when under it.
fn display_path(path: &Path) -> String {
    let root = crate::codegen::workspace_root();
    path.strip_prefix(&root).unwrap_or(path).display().to_string()
}

/// The GET of one `$metadata` document: the client that sends it, and what it asks for.
struct MetadataRequest {
    client: Client,
    api_version: ApiVersion,
    url: Url,
}

impl MetadataRequest {
    fn new(args: &Args) -> anyhow::Result<Self> {
        let tokens = auth::provider_from_env().map_err(anyhow::Error::new)?;
        let builder = match (&args.location, &args.url) {
            (_, Some(url)) => Client::builder().service_root(url),
            (Some(location), None) => Client::builder().location(location.trim()),
            (None, None) => anyhow::bail!("give --location or --url"),
        };
        let client = builder
            .token_provider(tokens)
            .user_agent(concat!("intune-dw-rs-xtask/", env!("CARGO_PKG_VERSION")))
            .retry_policy(RetryPolicy::default().with_max_attempts(args.max_attempts))
            .max_response_bytes(MAX_DOCUMENT_BYTES)
            .build()
            .map_err(anyhow::Error::new)?;
        let url = metadata_url(client.service_root(), args.api_version);
        Ok(MetadataRequest { client, api_version: args.api_version, url })
    }

    /// The response body, with the download's progress on `progress`.
    async fn download(&self, progress: &mut Progress<impl Write + Send>) -> anyhow::Result<Vec<u8>> {
        progress.note(&format!("downloading {}", self.url));
        let mut report = |transfer: Transfer<'_>| match transfer {
            Transfer::Receiving { length } => progress.start(length, Instant::now()),
            Transfer::Received { received } => progress.advance(received, Instant::now()),
            Transfer::Retrying { attempt, delay, error } => {
                progress.note(&format!("attempt {attempt} failed, retrying in {delay:.1?}: {:#}", failure(error)));
            }
            Transfer::RefreshingToken => progress.note("401 Unauthorized: retrying once with a fresh token"),
            _ => {}
        };
        let downloaded = self.client.download_metadata(Some(self.api_version.as_str()), &mut report).await;
        match downloaded {
            Ok(body) => {
                progress.finish(body.len() as u64, Instant::now());
                Ok(body)
            }
            Err(error) => {
                progress.abandon();
                Err(failure(&error))
            }
        }
    }
}

/// What a failed download says: which request, what the service answered and what to check.
fn failure(error: &Error) -> anyhow::Error {
    match error {
        Error::Auth(cause) => {
            anyhow!("authentication failed: cannot obtain a token: {}; {AUTH_HINT}", chain(cause))
        }
        Error::Status(status) if matches!(status.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
            rejected(status.status, &status.body)
        }
        Error::Status(status) => {
            let mut message = format!("GET {} returned HTTP {}", status.url, status.status);
            if status.attempts > 1 {
                message.push_str(&format!(" after {} attempts", status.attempts));
            }
            if let Some(detail) = body_detail(&status.body) {
                message.push_str(": ");
                message.push_str(&detail);
            }
            anyhow!(message)
        }
        Error::ResponseTooLarge { url, .. } => {
            anyhow!("GET {url}: the document is larger than {}; refusing it", size(MAX_DOCUMENT_BYTES))
        }
        other => anyhow!(chain(other)),
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

/// `{service root}/$metadata?api-version={version}`.
fn metadata_url(service_root: &Url, api_version: ApiVersion) -> Url {
    let mut url = service_root.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        // The client only accepts http(s) roots, which always have path segments.
        segments.pop_if_empty().push("$metadata");
    }
    url.query_pairs_mut().append_pair("api-version", api_version.as_str());
    url
}

/// A 401 or 403 from the service, with what it said and what to check.
fn rejected(status: StatusCode, body: &ErrorBody) -> anyhow::Error {
    let detail = body_detail(body).map_or_else(String::new, |d| format!(" ({d})"));
    anyhow!("authentication failed: the service answered {status}{detail}; {AUTH_HINT}")
}

/// The message of an error body (OData or Warehouse JSON), or its text.
fn body_detail(body: &ErrorBody) -> Option<String> {
    match body.clone() {
        ErrorBody::OData { code, message } if code.is_empty() => Some(message),
        ErrorBody::OData { code, message } => Some(format!("{code}: {message}")),
        ErrorBody::Text(text) => Some(one_line(&text, MAX_DETAIL_CHARS)),
        other => other.message().map(str::to_owned),
    }
}

/// `text` with its whitespace runs (line breaks included) collapsed, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match words.char_indices().nth(max) {
        Some((end, _)) => format!("{}...", &words[..end]),
        None => words,
    }
}

/// Parses and resolves the download. On errors (under `strict`, also on warnings) keeps a copy in
/// the temporary directory, prints every diagnostic against that copy
/// (`file:line:col: severity: path: message`, so editors can open it) and returns `None`.
fn validate(bytes: &[u8], url: &Url, api_version: ApiVersion, strict: bool) -> Option<Parsed> {
    let errors = match report::judge(csdl::parse_bytes(bytes), strict) {
        Ok(parsed) => return Some(parsed),
        Err(errors) => errors,
    };
    let kept = keep_copy(bytes, api_version);
    let source = match &kept {
        Ok(path) => path.display().to_string(),
        Err(_) => url.to_string(),
    };
    report::print(&source, &errors);
    let why = if strict { "has warnings (--strict)" } else { "is not valid CSDL" };
    eprintln!("error: the document downloaded from {url} {why}");
    match kept {
        Ok(path) => eprintln!("the download is kept at {}", path.display()),
        Err(error) => eprintln!("warning: cannot keep a copy of the download: {error:#}"),
    }
    None
}

/// Writes a rejected download to the temporary directory, for inspection.
fn keep_copy(bytes: &[u8], api_version: ApiVersion) -> anyhow::Result<PathBuf> {
    let mut file = tempfile::Builder::new()
        .prefix(&format!("metadata-{}-", api_version.as_str()))
        .suffix(".xml")
        .tempfile()
        .context("cannot create a temporary file")?;
    file.write_all(bytes).context("cannot write the temporary file")?;
    let (_, path) = file.keep().context("cannot keep the temporary file")?;
    Ok(path)
}

/// Writes the new document unless it is byte-identical to the previous one, then prints the diff
/// against the previous one, and how many warnings the new one has.
fn replace(target: &Path, shown: &str, bytes: &[u8], new: &Parsed) -> anyhow::Result<()> {
    let previous = read_previous(target)?;
    let warnings = match new.warnings.len() {
        0 => String::new(),
        1 => ", read with 1 warning".to_owned(),
        n => format!(", read with {n} warnings"),
    };
    if previous.as_deref() == Some(bytes) {
        println!("{shown}: unchanged ({} bytes{warnings})", bytes.len());
        return Ok(());
    }
    let new = &new.model;
    // Parsed before the write replaces it.
    let old = previous.as_deref().map(|old| parse_previous(old, shown));
    atomic_files::write(target, bytes)?;
    println!("wrote {shown} ({} bytes{warnings})", bytes.len());
    match old {
        None => println!("no previous file at {shown}: nothing to compare"),
        Some(None) => println!("the previous {shown} was not valid CSDL: no diff"),
        Some(Some(old)) => print!("{}", diff::compare(&old, new).to_text()),
    }
    Ok(())
}

/// The previous file's bytes; `None` when there is none.
fn read_previous(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The previous document's model; `None` (with a warning naming its first error) when it is not
/// valid CSDL, which does not stop its replacement by a valid one.
fn parse_previous(bytes: &[u8], shown: &str) -> Option<Model> {
    match csdl::parse_bytes(bytes) {
        Ok(parsed) => Some(parsed.model),
        Err(errors) => {
            let first = errors.errors().next().map(ToString::to_string);
            eprintln!(
                "warning: the previous {shown} is not valid CSDL ({} error(s), first {shown}:{})",
                errors.errors().count(),
                first.unwrap_or_default()
            );
            None
        }
    }
}

/// `512 B`, `56.4 KiB`, `3.2 MiB`.
fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / (KIB * KIB))
    }
}

/// Download progress on stderr: bytes received, and the total when the server sent a
/// Content-Length. On a terminal one line is redrawn at most every 100 ms; otherwise (CI logs) a
/// line is written at most every 2 s. Either way a final line says how much arrived in how long.
struct Progress<W: Write> {
    out: W,
    interactive: bool,
    total: Option<u64>,
    started: Instant,
    last_shown: Option<Instant>,
    /// A redrawn line is on screen and must be ended before other output.
    line_open: bool,
}

impl<W: Write> Progress<W> {
    const INTERACTIVE_INTERVAL: Duration = Duration::from_millis(100);
    const LOG_INTERVAL: Duration = Duration::from_secs(2);

    fn new(out: W, interactive: bool) -> Self {
        Progress { out, interactive, total: None, started: Instant::now(), last_shown: None, line_open: false }
    }

    /// A new download (attempt) begins.
    fn start(&mut self, total: Option<u64>, now: Instant) {
        self.total = total;
        self.started = now;
        self.last_shown = Some(now);
    }

    /// `received` bytes have arrived so far; shown if the last update is old enough.
    fn advance(&mut self, received: u64, now: Instant) {
        let interval = if self.interactive { Self::INTERACTIVE_INTERVAL } else { Self::LOG_INTERVAL };
        if self.last_shown.is_some_and(|last| now.duration_since(last) < interval) {
            return;
        }
        self.last_shown = Some(now);
        let line = format!("  {}", self.amount(received));
        self.show(&line);
    }

    /// The download is complete.
    fn finish(&mut self, received: u64, now: Instant) {
        let elapsed = now.duration_since(self.started).as_secs_f64();
        let line = format!("received {received} bytes ({}) in {elapsed:.2} s", size(received));
        self.note(&line);
    }

    /// The download broke off: the redrawn line, if any, is ended.
    fn abandon(&mut self) {
        self.end_line();
    }

    /// A message on its own line.
    fn note(&mut self, message: &str) {
        self.end_line();
        // Progress is best effort: a closed stderr must not fail the download.
        let _ = writeln!(self.out, "{message}");
    }

    fn amount(&self, received: u64) -> String {
        match self.total {
            Some(total) if total > 0 => {
                format!("{} of {} ({}%)", size(received), size(total), received.saturating_mul(100) / total)
            }
            _ => format!("{} received", size(received)),
        }
    }

    fn show(&mut self, line: &str) {
        let _ = if self.interactive {
            self.line_open = true;
            write!(self.out, "\r{line}\x1b[K")
        } else {
            writeln!(self.out, "{line}")
        };
        let _ = self.out.flush();
    }

    fn end_line(&mut self) {
        if std::mem::take(&mut self.line_open) {
            let _ = writeln!(self.out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(progress: Progress<Vec<u8>>) -> String {
        String::from_utf8(progress.out).unwrap()
    }

    #[test]
    fn progress_in_logs_is_throttled_and_ends_with_a_summary() {
        let mut progress = Progress::new(Vec::new(), false);
        let t0 = Instant::now();
        progress.start(Some(4096), t0);
        for (i, ms) in [10, 500, 1999, 2000, 2100, 4100].into_iter().enumerate() {
            progress.advance((i as u64 + 1) * 512, t0 + Duration::from_millis(ms));
        }
        progress.finish(4096, t0 + Duration::from_millis(4500));
        assert_eq!(
            output(progress),
            "  2.0 KiB of 4.0 KiB (50%)\n  3.0 KiB of 4.0 KiB (75%)\n\
             received 4096 bytes (4.0 KiB) in 4.50 s\n"
        );
    }

    #[test]
    fn progress_on_a_terminal_redraws_one_line() {
        let mut progress = Progress::new(Vec::new(), true);
        let t0 = Instant::now();
        progress.start(None, t0);
        progress.advance(100, t0 + Duration::from_millis(50));
        progress.advance(2048, t0 + Duration::from_millis(150));
        progress.advance(4096, t0 + Duration::from_millis(300));
        progress.finish(5000, t0 + Duration::from_millis(310));
        assert_eq!(
            output(progress),
            "\r  2.0 KiB received\x1b[K\r  4.0 KiB received\x1b[K\n\
             received 5000 bytes (4.9 KiB) in 0.31 s\n"
        );
    }

    #[test]
    fn reads_error_bodies() {
        let detail = |body: &[u8]| body_detail(&ErrorBody::parse(body));
        assert_eq!(detail(br#"{"_version":3,"Message":"Operation ID: 42"}"#).as_deref(), Some("Operation ID: 42"));
        assert_eq!(
            detail(br#"{"error":{"code":"NotFound","message":"no such version"}}"#).as_deref(),
            Some("NotFound: no such version")
        );
        assert_eq!(detail(b"  "), None);
        let page = format!("<html>\n  <p>Error code: 404</p>\n{}</html>", "x".repeat(500));
        let detail = detail(page.as_bytes()).unwrap();
        assert!(detail.starts_with("<html> <p>Error code: 404</p> xxx"), "{detail}");
        assert_eq!(detail.chars().count(), MAX_DETAIL_CHARS + 3);
    }

    #[test]
    fn builds_the_metadata_url_below_the_service_root() {
        let root =
            Url::parse("https://fef.msua06.manage.microsoft.com/ReportingService/DataWarehouseFEService").unwrap();
        assert_eq!(
            metadata_url(&root, ApiVersion::Beta).as_str(),
            "https://fef.msua06.manage.microsoft.com/ReportingService/DataWarehouseFEService/$metadata?api-version=beta"
        );
        assert_eq!(size(512), "512 B");
        assert_eq!(size(57_794), "56.4 KiB");
        assert_eq!(size(3 * 1024 * 1024 + 200_000), "3.2 MiB");
    }
}
