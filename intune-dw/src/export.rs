//! `intune-dw export`: one collection from the service to NDJSON or CSV, streamed page by page
//! (one page in memory), every row checked against the generated row type. A file is written
//! atomically (`atomic_files::AtomicFile`): a failed or killed export leaves the previous file, or
//! none, never a partial one.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Result, anyhow};
use futures::TryStreamExt;
use intune_dw_client::Client;
use serde_json::Value;
use time::OffsetDateTime;

use crate::fetch::{self, Request};
use crate::progress::Progress;
use crate::schema::{ApiVersion, Collection, VersionSchema};
use crate::store::EXTRA_COLUMN;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line, as served.
    Ndjson,
    /// A header of wire names, then one line per row (`_extra` last: unknown properties as JSON).
    Csv,
    /// Apache Parquet, column types from the metadata (needs the `parquet` feature).
    Parquet,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The API version.
    pub version: ApiVersion,
    /// The collection.
    pub collection: String,
    /// The format.
    pub format: Format,
    /// The file (stdout when `None`).
    pub out: Option<PathBuf>,
    /// Only rows modified at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Only the last N days.
    pub max_history_days: Option<u32>,
}

/// Rows and pages written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    /// Rows.
    pub rows: u64,
    /// Pages.
    pub pages: u64,
}

/// Runs the export.
pub async fn run(client: &Client, options: &ExportOptions, progress: &Progress) -> Result<Written> {
    let collection = options
        .version
        .schema()
        .collection(&options.collection)
        .ok_or_else(|| anyhow!("api-version {} has no collection {:?}", options.version, options.collection))?;
    let request =
        Request { modified_since: options.since, max_history_days: options.max_history_days, ..Request::default() };
    let pages = fetch::open(client, options.version, &collection.name, request)?;
    match &options.out {
        None => {
            let mut out = BufWriter::new(io::stdout());
            write_rows(collection, options.format, pages, &mut out, progress).await
        }
        Some(path) => {
            let mut file = atomic_files::AtomicFile::create(path)?;
            let written = write_rows(collection, options.format, pages, file.writer(), progress).await?;
            file.commit()?;
            Ok(written)
        }
    }
}

type Out<'a> = &'a mut (dyn Write + Send);

/// Where rows go.
enum Sink<'a> {
    Ndjson(Out<'a>),
    Csv(Box<csv::Writer<Out<'a>>>),
    #[cfg(feature = "parquet")]
    Parquet(Box<crate::parquet_out::ParquetRows<Out<'a>>>),
}

impl<'a> Sink<'a> {
    fn new(collection: &Collection, format: Format, out: Out<'a>) -> Result<Sink<'a>> {
        Ok(match format {
            Format::Ndjson => Sink::Ndjson(out),
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record(collection.columns.iter().map(|c| c.name.as_str()).chain([EXTRA_COLUMN]))?;
                Sink::Csv(Box::new(csv))
            }
            #[cfg(feature = "parquet")]
            Format::Parquet => Sink::Parquet(Box::new(crate::parquet_out::ParquetRows::new(collection, out)?)),
            #[cfg(not(feature = "parquet"))]
            Format::Parquet => anyhow::bail!("built without Parquet support: add `--features parquet`"),
        })
    }

    fn row(&mut self, collection: &Collection, row: &Value) -> Result<()> {
        match self {
            Sink::Ndjson(out) => {
                serde_json::to_writer(&mut **out, row)?;
                out.write_all(b"\n")?;
            }
            Sink::Csv(csv) => csv.write_record(csv_record(collection, row))?,
            #[cfg(feature = "parquet")]
            Sink::Parquet(parquet) => {
                let empty = serde_json::Map::new();
                parquet.push(row.as_object().unwrap_or(&empty))?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::Ndjson(out) => out.flush()?,
            Sink::Csv(mut csv) => csv.flush()?,
            #[cfg(feature = "parquet")]
            Sink::Parquet(parquet) => {
                parquet.finish()?;
            }
        }
        Ok(())
    }
}

async fn write_rows(
    collection: &Collection,
    format: Format,
    mut pages: fetch::RowPages,
    out: Out<'_>,
    progress: &Progress,
) -> Result<Written> {
    let mut bar = progress.collection(&collection.name);
    let mut sink = Sink::new(collection, format, out)?;
    let mut written = Written::default();
    let result: Result<()> = async {
        while let Some(page) = pages.pages.try_next().await? {
            let url = page.url().clone();
            for (index, row) in page.rows().iter().enumerate() {
                pages.decoder.check(row).map_err(|(field, message)| {
                    anyhow!("{}: row {index} of page {url} does not decode at `{field}`: {message}", collection.name)
                })?;
            }
            for row in page.rows() {
                sink.row(collection, row)?;
            }
            written.rows += page.rows().len() as u64;
            written.pages += 1;
            bar.page(page.rows().len());
        }
        sink.finish()
    }
    .await;
    bar.finish(if result.is_ok() { "done" } else { "failed" });
    result.map(|()| written)
}

/// A row's fields in column order, then its unknown properties as JSON.
fn csv_record(collection: &Collection, row: &Value) -> Vec<String> {
    let text = |value: Option<&Value>| match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let mut record: Vec<String> = collection.columns.iter().map(|c| text(row.get(&c.name))).collect();
    record.push(row.as_object().and_then(|r| collection.extra_json(r)).unwrap_or_default());
    record
}
