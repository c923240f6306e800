//! The store in PostgreSQL: one schema per tenant, in it the same tables, columns and bookkeeping
//! as the SQLite store (see the [module docs](super)), typed from the metadata: `bigint`,
//! `boolean`, `double precision`, `numeric`, `text`, `timestamptz`, `date` and `jsonb`.
//!
//! A page is written with binary `COPY` into a temporary staging table, then merged into its
//! table (or a refresh's pending table) by key, with its checkpoint, in one transaction: every
//! guarantee of the SQLite store holds. One sync writes to a schema at a time: it holds a session
//! advisory lock on the schema's name while it runs.

use std::collections::HashSet;
use std::error::Error as StdError;

use anyhow::{Context, Result, bail};
use bytes::{BufMut, BytesMut};
use futures::TryStreamExt;
use intune_dw_client::query::{DATE_KEY, date_time_offset_literal};
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, Config, NoTls};

use super::{
    Checkpoint, EXTRA_COLUMN, PageWrite, Plan, Scope, column_names, create_table, fault, key_names, pending_table,
    quote,
};
use crate::schema::{ApiVersion, Collection, Column, ColumnType};

/// Whether the table `$1` has nothing a swap with its pending table `$2` would lose: no index but
/// its key, the same grants as the pending table got from the schema's defaults, no trigger, no
/// row security.
const SWAPPABLE: &str = "SELECT t.relacl IS NOT DISTINCT FROM p.relacl AND NOT t.relhastriggers \
     AND NOT t.relrowsecurity AND (SELECT count(*) FROM pg_index i WHERE i.indrelid = t.oid) <= 1 \
     FROM pg_class t, pg_class p WHERE t.oid = to_regclass($1) AND p.oid = to_regclass($2)";

/// A column's PostgreSQL type, from its metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgType {
    /// `Edm.Byte` … `Edm.Int64`.
    BigInt,
    /// `Edm.Boolean`.
    Boolean,
    /// `Edm.Single`, `Edm.Double`.
    Double,
    /// `Edm.Decimal`.
    Numeric,
    /// `Edm.DateTimeOffset`.
    TimestampTz,
    /// `Edm.Date`.
    Date,
    /// Strings, GUIDs, durations, times of day, enums.
    Text,
    /// Collections, complex types, anything structured.
    Jsonb,
}

impl PgType {
    /// The type of `column`.
    pub fn of(column: &Column) -> PgType {
        match (column.ty, column.edm.as_str()) {
            (ColumnType::Integer, _) => PgType::BigInt,
            (ColumnType::Boolean, _) => PgType::Boolean,
            (ColumnType::Real, _) => PgType::Double,
            (ColumnType::Json, _) => PgType::Jsonb,
            (ColumnType::Text, "Edm.Decimal") => PgType::Numeric,
            (ColumnType::Text, "Edm.DateTimeOffset") => PgType::TimestampTz,
            (ColumnType::Text, "Edm.Date") => PgType::Date,
            (ColumnType::Text, _) => PgType::Text,
        }
    }

    /// The declared type.
    pub fn sql(self) -> &'static str {
        match self {
            PgType::BigInt => "bigint",
            PgType::Boolean => "boolean",
            PgType::Double => "double precision",
            PgType::Numeric => "numeric",
            PgType::TimestampTz => "timestamptz",
            PgType::Date => "date",
            PgType::Text => "text",
            PgType::Jsonb => "jsonb",
        }
    }

    fn wire(self) -> Type {
        match self {
            PgType::BigInt => Type::INT8,
            PgType::Boolean => Type::BOOL,
            PgType::Double => Type::FLOAT8,
            PgType::Numeric => Type::NUMERIC,
            PgType::TimestampTz => Type::TIMESTAMPTZ,
            PgType::Date => Type::DATE,
            PgType::Text => Type::TEXT,
            PgType::Jsonb => Type::JSONB,
        }
    }
}

/// A value to `COPY`, converted from what the page decoder made of the served JSON.
#[derive(Debug)]
enum PgValue {
    Null,
    BigInt(i64),
    Boolean(bool),
    Double(f64),
    Numeric(String),
    TimestampTz(OffsetDateTime),
    Date(Date),
    Text(String),
    Jsonb(Value),
}

impl PgValue {
    fn from_sql(ty: PgType, value: SqlValue) -> Result<PgValue, String> {
        let text = |v: SqlValue| match v {
            SqlValue::Text(s) => s,
            SqlValue::Integer(i) => i.to_string(),
            SqlValue::Real(f) => f.to_string(),
            SqlValue::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
            SqlValue::Null => String::new(),
        };
        let parse = |v: SqlValue, what: &str, f: &dyn Fn(&str) -> Option<PgValue>| {
            let text = text(v);
            f(&text).ok_or_else(|| format!("{text:?} is not {what}"))
        };
        Ok(match (ty, value) {
            (_, SqlValue::Null) => PgValue::Null,
            (PgType::BigInt, SqlValue::Integer(i)) => PgValue::BigInt(i),
            (PgType::BigInt, other) => parse(other, "a whole number", &|t| t.parse().ok().map(PgValue::BigInt))?,
            (PgType::Boolean, SqlValue::Integer(i)) => PgValue::Boolean(i != 0),
            (PgType::Boolean, other) => parse(other, "a boolean", &|t| t.parse().ok().map(PgValue::Boolean))?,
            (PgType::Double, SqlValue::Real(f)) => PgValue::Double(f),
            (PgType::Double, SqlValue::Integer(i)) => PgValue::Double(i as f64),
            (PgType::Double, other) => parse(other, "a number", &|t| {
                match t {
                    "INF" => Some(f64::INFINITY),
                    "-INF" => Some(f64::NEG_INFINITY),
                    number => number.parse().ok(),
                }
                .map(PgValue::Double)
            })?,
            (PgType::Numeric, other) => PgValue::Numeric(text(other)),
            (PgType::TimestampTz, other) => parse(other, "an RFC 3339 timestamp", &|t| {
                OffsetDateTime::parse(t, &Rfc3339).ok().map(PgValue::TimestampTz)
            })?,
            (PgType::Date, other) => parse(other, "a date", &|t| {
                let format = time::macros::format_description!("[year]-[month]-[day]");
                Date::parse(t, format).ok().map(PgValue::Date)
            })?,
            (PgType::Text, other) => PgValue::Text(text(other)),
            (PgType::Jsonb, other) => parse(other, "JSON", &|t| serde_json::from_str(t).ok().map(PgValue::Jsonb))?,
        })
    }
}

impl ToSql for PgValue {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            PgValue::Null => Ok(IsNull::Yes),
            PgValue::BigInt(v) => v.to_sql(ty, out),
            PgValue::Boolean(v) => v.to_sql(ty, out),
            PgValue::Double(v) => v.to_sql(ty, out),
            PgValue::Numeric(v) => write_numeric(v, out),
            PgValue::TimestampTz(v) => v.to_sql(ty, out),
            PgValue::Date(v) => v.to_sql(ty, out),
            PgValue::Text(v) => v.to_sql(ty, out),
            PgValue::Jsonb(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// `numeric` in PostgreSQL's binary form, from a decimal's text (every digit kept, which no
/// Rust decimal type does for `Edm.Decimal`'s 38 digits and beyond): base-10000 digits with a
/// weight, a sign and the scale.
fn write_numeric(text: &str, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("nan") {
        out.put_i16(0);
        out.put_i16(0);
        out.put_u16(0xC000);
        out.put_u16(0);
        return Ok(IsNull::No);
    }
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return Err(format!("{text:?} is not a decimal number").into());
    }
    let whole = whole.trim_start_matches('0');
    let scale = u16::try_from(fraction.len()).map_err(|_| "too many fractional digits")?;
    let whole = format!("{}{whole}", "0".repeat((4 - whole.len() % 4) % 4));
    let fraction = format!("{fraction}{}", "0".repeat((4 - fraction.len() % 4) % 4));
    let group = |chunk: &[u8]| chunk.iter().fold(0i16, |n, d| n * 10 + i16::from(d - b'0'));
    let mut groups: Vec<i16> = whole.as_bytes().chunks(4).chain(fraction.as_bytes().chunks(4)).map(group).collect();
    let mut weight = i16::try_from(whole.len() / 4).map_err(|_| "too many digits")? - 1;
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= i16::try_from(leading).map_err(|_| "too many digits")?;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let (weight, negative) = if groups.is_empty() { (0, false) } else { (weight, negative) };
    out.put_i16(i16::try_from(groups.len()).map_err(|_| "too many digits")?);
    out.put_i16(weight);
    out.put_u16(if negative { 0x4000 } else { 0 });
    out.put_u16(scale);
    for group in groups {
        out.put_i16(group);
    }
    Ok(IsNull::No)
}

/// The connection settings of `--store postgres://…`, the usual `PG*` variables (read through
/// `env`) filling what the URL leaves out.
pub fn config(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
    let mut config: Config = url.parse().with_context(|| "invalid PostgreSQL URL".to_owned())?;
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        config.host(var("PGHOST").as_deref().unwrap_or("localhost"));
    }
    if config.get_ports().is_empty()
        && let Some(port) = var("PGPORT")
    {
        config.port(port.parse().context("PGPORT is not a port")?);
    }
    if config.get_user().is_none()
        && let Some(user) = var("PGUSER")
    {
        config.user(&user);
    }
    if config.get_password().is_none()
        && let Some(password) = var("PGPASSWORD")
    {
        config.password(password);
    }
    if config.get_dbname().is_none()
        && let Some(name) = var("PGDATABASE")
    {
        config.dbname(&name);
    }
    if config.get_application_name().is_none() {
        config.application_name(var("PGAPPNAME").as_deref().unwrap_or("intune-dw"));
    }
    if let Some(mode) = var("PGSSLMODE")
        && !url.contains("sslmode")
    {
        config.ssl_mode(match mode.as_str() {
            "disable" => tokio_postgres::config::SslMode::Disable,
            "require" | "verify-ca" | "verify-full" => tokio_postgres::config::SslMode::Require,
            _ => tokio_postgres::config::SslMode::Prefer,
        });
    }
    Ok(config)
}

/// Connects, over TLS (the platform's certificate roots) unless the server is on this machine
/// or the settings disable it.
async fn connect(config: &Config) -> Result<Client> {
    use tokio_postgres::config::{Host, SslMode};
    let local = config.get_hosts().iter().all(|host| match host {
        Host::Tcp(name) => name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
        Host::Unix(_) => true,
    });
    let client = if config.get_ssl_mode() == SslMode::Disable || (local && config.get_ssl_mode() == SslMode::Prefer) {
        let (client, connection) = config.connect(NoTls).await.context("cannot connect to PostgreSQL")?;
        tokio::spawn(connection);
        client
    } else {
        use rustls_platform_verifier::ConfigVerifierExt;
        let tls = rustls::ClientConfig::with_platform_verifier().context("cannot set up TLS")?;
        let (client, connection) = config
            .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
            .await
            .context("cannot connect to PostgreSQL")?;
        tokio::spawn(connection);
        client
    };
    Ok(client)
}

/// One tenant's store in PostgreSQL.
pub struct PgStore {
    client: Client,
    schema: String,
    /// The collections whose staging table this session has made.
    staged: HashSet<String>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("schema", &self.schema).finish_non_exhaustive()
    }
}

impl PgStore {
    /// Opens (creating it if needed) the schema `schema` for `version`, to write: a schema
    /// holding another version is refused, and so is one another sync writes to.
    pub async fn open(config: &Config, schema: &str, version: ApiVersion) -> Result<PgStore> {
        let client = connect(config).await?;
        let store = PgStore { client, schema: schema.to_owned(), staged: HashSet::new() };
        let locked: bool = store
            .client
            .query_one("SELECT pg_try_advisory_lock(hashtextextended('intune-dw:' || $1, 0))", &[&schema])
            .await?
            .get(0);
        if !locked {
            bail!("another intune-dw sync is writing to the PostgreSQL schema {schema}; wait for it to end");
        }
        let s = quote(schema);
        store
            .client
            .batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {s};
                 CREATE TABLE IF NOT EXISTS {s}._meta (key text PRIMARY KEY, value text NOT NULL);
                 CREATE TABLE IF NOT EXISTS {s}._sync_state (collection text PRIMARY KEY, scope text NOT NULL, cursor text);
                 CREATE TABLE IF NOT EXISTS {s}._collections (collection text PRIMARY KEY, watermark text, last_synced text);"
            ))
            .await
            .with_context(|| format!("cannot set up the schema {schema}"))?;
        let stored = store
            .client
            .query_opt(&format!("SELECT value FROM {s}._meta WHERE key = 'api_version'"), &[])
            .await?
            .map(|row| row.get::<_, String>(0));
        match stored {
            None => {
                let insert = format!("INSERT INTO {s}._meta (key, value) VALUES ('api_version', $1)");
                store.client.execute(&insert, &[&version.as_str()]).await?;
            }
            Some(stored) if stored == version.as_str() => {}
            Some(stored) => bail!("the PostgreSQL schema {schema} holds api-version {stored}, not {version}"),
        }
        Ok(store)
    }

    /// Another connection to the schema of `self`, opened by [`open`](Self::open) (which holds the
    /// schema's lock), for writing side by side.
    pub async fn another(&self, config: &Config) -> Result<PgStore> {
        Ok(PgStore { client: connect(config).await?, schema: self.schema.clone(), staged: HashSet::new() })
    }

    /// Opens an existing schema to read, whatever its version.
    pub async fn open_existing(config: &Config, schema: &str) -> Result<(PgStore, ApiVersion)> {
        let client = connect(config).await?;
        let store = PgStore { client, schema: schema.to_owned(), staged: HashSet::new() };
        let stored = store
            .client
            .query_opt(&format!("SELECT value FROM {}._meta WHERE key = 'api_version'", quote(schema)), &[])
            .await
            .with_context(|| format!("no intune-dw store in the PostgreSQL schema {schema}"))?
            .map(|row| row.get::<_, String>(0));
        let version = stored
            .as_deref()
            .and_then(ApiVersion::parse)
            .with_context(|| format!("the PostgreSQL schema {schema} has no known api-version"))?;
        Ok((store, version))
    }

    fn table(&self, name: &str) -> String {
        format!("{}.{}", quote(&self.schema), quote(name))
    }

    async fn table_exists(&self, name: &str) -> Result<bool> {
        let row = self
            .client
            .query_one(
                "SELECT count(*) > 0 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
                &[&self.schema, &name],
            )
            .await?;
        Ok(row.get(0))
    }

    /// Creates the table of `collection`, or adds the columns it lacks (to its pending table
    /// too).
    pub async fn ensure_table(&self, collection: &Collection) -> Result<()> {
        let table = self.table(&collection.name);
        self.client
            .batch_execute(&create_table(&table, collection, |c| PgType::of(c).sql(), "jsonb"))
            .await
            .with_context(|| format!("cannot create the table {}", collection.name))?;
        // Each table's own columns: a run killed between the two tables' changes is mended by
        // the next.
        let pending = pending_table(&collection.name);
        let tables =
            std::iter::once(collection.name.clone()).chain(self.table_exists(&pending).await?.then_some(pending));
        for name in tables {
            let existing: HashSet<String> = self
                .client
                .query(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
                    &[&self.schema, &name],
                )
                .await?
                .iter()
                .map(|row| row.get(0))
                .collect();
            for column in collection.columns.iter().filter(|c| !existing.contains(&c.name)) {
                self.client
                    .batch_execute(&format!(
                        "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}",
                        self.table(&name),
                        quote(&column.name),
                        PgType::of(column).sql()
                    ))
                    .await?;
            }
        }
        Ok(())
    }

    /// Releases the session's advisory locks (the schema's, on the connection that took it).
    pub(crate) async fn unlock(&self) {
        let _ = self.client.batch_execute("SELECT pg_advisory_unlock_all()").await;
    }

    /// What is stored for `collection`.
    pub async fn plan(&self, collection: &Collection) -> Result<Plan> {
        let state = self
            .client
            .query_opt(
                &format!("SELECT scope, cursor FROM {} WHERE collection = $1", self.table("_sync_state")),
                &[&collection.name],
            )
            .await?;
        let pending_exists = self.table_exists(&pending_table(&collection.name)).await?;
        let checkpoint =
            state.map(|row| Checkpoint::read(row.get(0), row.get::<_, Option<&str>>(1), pending_exists)).transpose()?;
        let latest_day = match collection.column(DATE_KEY) {
            Some(_) => self
                .client
                .query_one(&format!("SELECT max({}) FROM {}", quote(DATE_KEY), self.table(&collection.name)), &[])
                .await?
                .get::<_, Option<i64>>(0),
            None => None,
        };
        let watermark: Option<String> = self
            .client
            .query_opt(
                &format!("SELECT watermark FROM {} WHERE collection = $1", self.table("_collections")),
                &[&collection.name],
            )
            .await?
            .and_then(|row| row.get(0));
        Ok(Plan { checkpoint, latest_day, watermark: super::parse_watermark(watermark, collection)? })
    }

    /// Stores one page and its checkpoint in one transaction (see the module docs): a
    /// refresh's page straight into its pending table (merged, each key once, when it is
    /// swapped in), any other through the session's staging table, merged by key.
    pub async fn write_page(&mut self, collection: &Collection, page: PageWrite) -> Result<()> {
        let table = self.table(&collection.name);
        let refresh = !matches!(page.checkpoint.scope, Scope::ModifiedSince { .. });
        let watermark = page.watermark.map(date_time_offset_literal).transpose()?;
        let (scope, cursor) = page.checkpoint.stored()?;
        let types: Vec<PgType> = collection.columns.iter().map(PgType::of).chain([PgType::Jsonb]).collect();
        let keys = (!refresh).then(|| page_keys(collection, &page.rows));
        let mut rows = Vec::with_capacity(page.rows.len());
        for row in page.rows {
            let values = row
                .into_iter()
                .zip(&types)
                .zip(collection.columns.iter().map(|c| c.name.as_str()).chain([EXTRA_COLUMN]))
                .map(|((value, ty), name)| {
                    PgValue::from_sql(*ty, value).map_err(|why| anyhow::anyhow!("{}: {name}: {why}", collection.name))
                })
                .collect::<Result<Vec<PgValue>>>()?;
            rows.push(values);
        }
        if let Some(keys) = keys {
            rows = last_per_key(&keys, rows);
        }
        let names = column_names(collection);
        let key = key_names(collection);
        let (collections, sync_state) = (self.table("_collections"), self.table("_sync_state"));
        let pending = self.table(&pending_table(&collection.name));
        // A staging table per collection and session, emptied by each commit.
        let staging = quote(&format!("_staging_{}", collection.name));
        if !refresh && !self.staged.contains(&collection.name) {
            self.client
                .batch_execute(&format!("CREATE TEMPORARY TABLE {staging} (LIKE {table}) ON COMMIT DELETE ROWS"))
                .await?;
            self.staged.insert(collection.name.clone());
        }
        let tx = self.client.transaction().await?;
        if page.replace.is_some() && refresh {
            // The first page of a refresh: a pending table of the table's columns, without rows
            // (and without its key, so pages go in by `COPY` alone).
            tx.batch_execute(&format!("DROP TABLE IF EXISTS {pending}; CREATE TABLE {pending} (LIKE {table});"))
                .await?;
        }
        let copy_into = if refresh { &pending } else { &staging };
        let sink = tx.copy_in(&format!("COPY {copy_into} ({}) FROM STDIN BINARY", names.join(", "))).await?;
        let wire: Vec<Type> = types.iter().map(|t| t.wire()).collect();
        let writer = BinaryCopyInWriter::new(sink, &wire);
        let mut writer = std::pin::pin!(writer);
        for row in &rows {
            let values: Vec<&(dyn ToSql + Sync)> = row.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            writer
                .as_mut()
                .write(&values)
                .await
                .with_context(|| format!("cannot copy a row of {}", collection.name))?;
        }
        writer.as_mut().finish().await?;
        // The merge and the bookkeeping, pipelined on the connection.
        let merge = (!refresh).then(|| {
            format!(
                "INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging} {conflict}",
                cols = names.join(", "),
                conflict = upsert(&names, &key),
            )
        });
        let checkpoint = format!(
            "INSERT INTO {sync_state} (collection, scope, cursor) VALUES ($1, $2, $3)
             ON CONFLICT (collection) DO UPDATE SET scope = excluded.scope, cursor = excluded.cursor"
        );
        let high_water = format!(
            "INSERT INTO {collections} (collection, watermark) VALUES ($1, $2) ON CONFLICT (collection) \
             DO UPDATE SET watermark = greatest(coalesce({collections}.watermark, ''), excluded.watermark)"
        );
        futures::try_join!(
            async {
                match &merge {
                    Some(merge) => tx.execute(merge, &[]).await.map(|_| ()),
                    None => Ok(()),
                }
                .with_context(|| format!("cannot store a page of {}", collection.name))
            },
            async { tx.execute(&checkpoint, &[&collection.name, &scope, &cursor]).await.map_err(anyhow::Error::from) },
            async {
                match &watermark {
                    Some(watermark) => tx.execute(&high_water, &[&collection.name, watermark]).await.map(|_| ()),
                    None => Ok(()),
                }
                .map_err(anyhow::Error::from)
            },
        )?;
        fault::at(fault::Boundary::Before);
        tx.commit().await.with_context(|| format!("cannot commit a page of {}", collection.name))?;
        fault::at(fault::Boundary::After);
        Ok(())
    }

    /// Marks the sync of `collection` complete, moving a finished refresh's rows into its table
    /// in the same transaction.
    pub async fn finish(&mut self, collection: &Collection, at: OffsetDateTime) -> Result<()> {
        let at = date_time_offset_literal(at)?;
        let table = self.table(&collection.name);
        let pending_name = pending_table(&collection.name);
        let pending_exists = self.table_exists(&pending_name).await?;
        let pending = self.table(&pending_name);
        let (sync_state, collections) = (self.table("_sync_state"), self.table("_collections"));
        let names = column_names(collection);
        let key = key_names(collection);
        let tx = self.client.transaction().await?;
        let scope: Option<String> = tx
            .query_opt(&format!("SELECT scope FROM {sync_state} WHERE collection = $1"), &[&collection.name])
            .await?
            .map(|row| row.get(0));
        if pending_exists {
            let scope =
                scope.as_deref().map(serde_json::from_str::<Scope>).transpose().context("unreadable sync state")?;
            // A whole refresh takes the table's place, its key built in one pass, unless the
            // table holds what a user added (indexes, grants other than the schema's defaults,
            // triggers, row security), which a swap would drop; then, or should the swap fail (a
            // key twice, a view on the table), its rows are merged like any others'.
            let whole = matches!(scope, Some(Scope::Whole));
            let swappable = whole && tx.query_one(SWAPPABLE, &[&table, &pending]).await?.get::<_, bool>(0);
            let swapped = match scope {
                Some(Scope::Whole) if !swappable => {
                    tx.batch_execute(&format!("TRUNCATE {table}")).await?;
                    false
                }
                Some(Scope::Whole) => {
                    tx.batch_execute("SAVEPOINT swap").await?;
                    let swap = tx
                        .batch_execute(&format!(
                            "DROP TABLE {table}; ALTER TABLE {pending} RENAME TO {name}; \
                             ALTER TABLE {table} ADD PRIMARY KEY ({key});",
                            name = quote(&collection.name),
                            key = key.join(", "),
                        ))
                        .await;
                    match swap {
                        Ok(()) => tx.batch_execute("RELEASE SAVEPOINT swap").await.map(|()| true)?,
                        Err(_) => tx
                            .batch_execute(&format!("ROLLBACK TO SAVEPOINT swap; TRUNCATE {table};"))
                            .await
                            .map(|()| false)?,
                    }
                }
                Some(Scope::FromDay { date_key }) => {
                    tx.execute(&format!("DELETE FROM {table} WHERE {} >= $1", quote(DATE_KEY)), &[&date_key]).await?;
                    false
                }
                Some(Scope::ModifiedSince { .. }) | None => false,
            };
            if !swapped {
                let (cols, conflict) = (names.join(", "), upsert(&names, &key));
                // Pages do not repeat keys, as a rule: then the rows go in as they are. When one
                // did, each key once, the row of the last page that had it.
                tx.batch_execute("SAVEPOINT merge").await?;
                let merged = tx
                    .batch_execute(&format!("INSERT INTO {table} ({cols}) SELECT {cols} FROM {pending} {conflict}"))
                    .await;
                match merged {
                    Ok(()) => tx.batch_execute("RELEASE SAVEPOINT merge").await?,
                    Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::CARDINALITY_VIOLATION) => {
                        tx.batch_execute(&format!(
                            "ROLLBACK TO SAVEPOINT merge; INSERT INTO {table} ({cols}) SELECT DISTINCT ON ({key}) {cols} \
                             FROM {pending} ORDER BY {key}, ctid DESC {conflict}",
                            key = key.join(", "),
                        ))
                        .await?
                    }
                    Err(e) => return Err(e.into()),
                }
                tx.batch_execute(&format!("DROP TABLE {pending}")).await?;
            }
        }
        tx.execute(&format!("DELETE FROM {sync_state} WHERE collection = $1"), &[&collection.name]).await?;
        tx.execute(
            &format!(
                "INSERT INTO {collections} (collection, last_synced) VALUES ($1, $2)
                 ON CONFLICT (collection) DO UPDATE SET last_synced = excluded.last_synced"
            ),
            &[&collection.name, &at],
        )
        .await?;
        fault::at(fault::Boundary::Before);
        tx.commit().await?;
        fault::at(fault::Boundary::After);
        Ok(())
    }

    /// The tables of the schema.
    pub async fn tables(&self) -> Result<HashSet<String>> {
        let rows = self
            .client
            .query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", &[&self.schema])
            .await?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// Calls `f` with every row of `collection` as a JSON object in its served form (`_extra`
    /// merged back in), in key order.
    pub async fn for_each_row(
        &self,
        collection: &Collection,
        mut f: impl FnMut(Map<String, Value>) -> Result<()>,
    ) -> Result<()> {
        if !self.table_exists(&collection.name).await? {
            return Ok(());
        }
        // Each column as its served JSON value, computed by the server.
        let values: Vec<String> = collection
            .columns
            .iter()
            .map(|c| {
                let name = quote(&c.name);
                match PgType::of(c) {
                    PgType::TimestampTz => {
                        format!("to_jsonb(to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"0Z\"'))")
                    }
                    PgType::Date => format!("to_jsonb(to_char({name}, 'YYYY-MM-DD'))"),
                    // As text, like the SQLite store keeps it: every digit, which an f64 would not.
                    PgType::Numeric => format!("to_jsonb({name}::text)"),
                    _ => format!("to_jsonb({name})"),
                }
            })
            .chain([quote(EXTRA_COLUMN)])
            .collect();
        let key = key_names(collection);
        let query =
            format!("SELECT {} FROM {} ORDER BY {}", values.join(", "), self.table(&collection.name), key.join(", "));
        // Streamed: a collection is never held whole.
        let rows = self.client.query_raw(&query, std::iter::empty::<&(dyn ToSql + Sync)>()).await?;
        let mut rows = std::pin::pin!(rows);
        while let Some(row) = rows.try_next().await? {
            let mut object = Map::new();
            for (i, column) in collection.columns.iter().enumerate() {
                object.insert(column.name.clone(), row.get::<_, Option<Value>>(i).unwrap_or(Value::Null));
            }
            if let Some(Value::Object(extra)) = row.get::<_, Option<Value>>(collection.columns.len()) {
                object.extend(extra);
            }
            f(object)?;
        }
        Ok(())
    }
}

/// `ON CONFLICT (key) DO UPDATE SET …` for every column but the key's.
fn upsert(names: &[String], key: &[String]) -> String {
    let set: Vec<String> = names.iter().filter(|n| !key.contains(n)).map(|n| format!("{n} = excluded.{n}")).collect();
    match set.is_empty() {
        true => format!("ON CONFLICT ({}) DO NOTHING", key.join(", ")),
        false => format!("ON CONFLICT ({}) DO UPDATE SET {}", key.join(", "), set.join(", ")),
    }
}

/// The key of each row of a page.
fn page_keys(collection: &Collection, page: &[Vec<SqlValue>]) -> Vec<Vec<String>> {
    let key: Vec<usize> = collection.key.iter().filter_map(|k| collection.column_index(k)).collect();
    page.iter().map(|row| key.iter().map(|&i| format!("{:?}", row[i])).collect()).collect()
}

/// The rows of a page with each key once, its last row kept (as SQLite's `INSERT OR REPLACE`
/// would): `INSERT … ON CONFLICT DO UPDATE` refuses a key twice in one statement.
fn last_per_key(keys: &[Vec<String>], rows: Vec<Vec<PgValue>>) -> Vec<Vec<PgValue>> {
    let mut seen = HashSet::new();
    let keep: Vec<bool> = keys.iter().rev().map(|key| seen.insert(key)).collect();
    if keep.iter().all(|k| *k) {
        return rows;
    }
    rows.into_iter().zip(keep.into_iter().rev()).filter_map(|(row, keep)| keep.then_some(row)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(text: &str) -> Vec<u8> {
        let mut out = BytesMut::new();
        write_numeric(text, &mut out).unwrap();
        out.to_vec()
    }

    #[test]
    fn decimals_keep_every_digit_in_postgresql_binary_form() {
        // ndigits, weight, sign, dscale, then base-10000 digits.
        assert_eq!(numeric("12345.678"), [0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 9, 41, 26, 124]);
        assert_eq!(numeric("-0.5"), [0, 1, 255, 255, 64, 0, 0, 1, 19, 136]);
        assert_eq!(numeric("0.000"), [0, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(numeric("NaN"), [0, 0, 0, 0, 192, 0, 0, 0]);
        let mut out = BytesMut::new();
        assert!(write_numeric("1e5", &mut out).is_err());
    }
}
