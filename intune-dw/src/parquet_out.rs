//! Parquet output (feature `parquet`): rows in their served JSON form to Arrow record batches
//! with column types from the metadata (`Edm.Int32` → Int32, `Edm.DateTimeOffset` → timestamp
//! in nanoseconds UTC, `Edm.Date` → Date32, ...), written in row groups so memory stays bounded.
//! The lake ([`crate::lake`]) writes its partitions with it.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float32Builder, Float64Builder, Int8Builder, Int16Builder, Int32Builder,
    Int64Builder, StringBuilder, TimestampMicrosecondBuilder, UInt8Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema as ArrowSchema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::schema::{Collection, Column, ColumnType};
use crate::store::EXTRA_COLUMN;

/// Rows buffered before they become a record batch.
const BATCH_ROWS: usize = 8_192;
/// Rows per row group.
const ROW_GROUP_ROWS: usize = 65_536;

fn data_type(column: &Column) -> DataType {
    match (column.ty, column.edm.as_str()) {
        (ColumnType::Integer, "Edm.Int64") => DataType::Int64,
        (ColumnType::Integer, "Edm.Int16") => DataType::Int16,
        (ColumnType::Integer, "Edm.Byte") => DataType::UInt8,
        (ColumnType::Integer, "Edm.SByte") => DataType::Int8,
        (ColumnType::Integer, _) => DataType::Int32,
        (ColumnType::Boolean, _) => DataType::Boolean,
        (ColumnType::Real, "Edm.Single") => DataType::Float32,
        (ColumnType::Real, _) => DataType::Float64,
        (ColumnType::Text, "Edm.DateTimeOffset") => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        (ColumnType::Text, "Edm.Date") => DataType::Date32,
        (ColumnType::Text | ColumnType::Json, _) => DataType::Utf8,
    }
}

/// The Arrow schema of a collection: its columns, then `_extra` (JSON text). Every column is
/// nullable, whatever the metadata says: a column the service added later is null in the rows
/// stored before it. Timestamps are kept to the microsecond (the service sends up to 100 ns),
/// as PostgreSQL keeps them and as every Parquet reader (Spark included) reads them, over the
/// whole range of `Edm.DateTimeOffset` (nanoseconds end in 2262).
pub fn arrow_schema(collection: &Collection) -> Arc<ArrowSchema> {
    let mut fields: Vec<Field> = collection.columns.iter().map(|c| Field::new(&c.name, data_type(c), true)).collect();
    fields.push(Field::new(EXTRA_COLUMN, DataType::Utf8, true));
    Arc::new(ArrowSchema::new(fields))
}

/// One column being built.
enum Builder {
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    U8(UInt8Builder),
    Bool(BooleanBuilder),
    F32(Float32Builder),
    F64(Float64Builder),
    Timestamp(TimestampMicrosecondBuilder),
    Date(Date32Builder),
    Text(StringBuilder),
}

impl Builder {
    fn new(data_type: &DataType) -> Builder {
        match data_type {
            DataType::Int8 => Builder::I8(Int8Builder::new()),
            DataType::Int16 => Builder::I16(Int16Builder::new()),
            DataType::Int32 => Builder::I32(Int32Builder::new()),
            DataType::Int64 => Builder::I64(Int64Builder::new()),
            DataType::UInt8 => Builder::U8(UInt8Builder::new()),
            DataType::Boolean => Builder::Bool(BooleanBuilder::new()),
            DataType::Float32 => Builder::F32(Float32Builder::new()),
            DataType::Float64 => Builder::F64(Float64Builder::new()),
            DataType::Timestamp(..) => Builder::Timestamp(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
            DataType::Date32 => Builder::Date(Date32Builder::new()),
            _ => Builder::Text(StringBuilder::new()),
        }
    }

    /// Appends `value` (served JSON form); `Err` names what does not fit.
    fn push(&mut self, value: Option<&Value>) -> Result<(), String> {
        let value = value.filter(|v| !v.is_null());
        let int = |v: &Value| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()));
        let bad = |v: &Value| format!("{v} does not fit the column type");
        macro_rules! integer {
            ($b:expr, $t:ty) => {
                match value {
                    None => $b.append_null(),
                    Some(v) => $b.append_value(int(v).and_then(|i| <$t>::try_from(i).ok()).ok_or_else(|| bad(v))?),
                }
            };
        }
        match self {
            Builder::I8(b) => integer!(b, i8),
            Builder::I16(b) => integer!(b, i16),
            Builder::I32(b) => integer!(b, i32),
            Builder::I64(b) => integer!(b, i64),
            Builder::U8(b) => integer!(b, u8),
            Builder::Bool(b) => match value {
                None => b.append_null(),
                Some(v) => b.append_value(v.as_bool().ok_or_else(|| bad(v))?),
            },
            Builder::F32(b) => match value {
                None => b.append_null(),
                Some(v) => b.append_value(v.as_f64().ok_or_else(|| bad(v))? as f32),
            },
            Builder::F64(b) => match value {
                None => b.append_null(),
                Some(v) => b.append_value(v.as_f64().ok_or_else(|| bad(v))?),
            },
            Builder::Timestamp(b) => match value {
                None => b.append_null(),
                Some(v) => {
                    let at = v.as_str().and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok()).ok_or_else(|| bad(v))?;
                    b.append_value(i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000)).map_err(|_| bad(v))?);
                }
            },
            Builder::Date(b) => match value {
                None => b.append_null(),
                Some(v) => {
                    let format = time::macros::format_description!("[year]-[month]-[day]");
                    let date = v.as_str().and_then(|s| time::Date::parse(s, format).ok()).ok_or_else(|| bad(v))?;
                    let epoch = time::macros::date!(1970 - 01 - 01);
                    b.append_value((date - epoch).whole_days() as i32);
                }
            },
            Builder::Text(b) => match value {
                None => b.append_null(),
                Some(Value::String(s)) => b.append_value(s),
                Some(other) => b.append_value(other.to_string()),
            },
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::I8(b) => Arc::new(b.finish()),
            Builder::I16(b) => Arc::new(b.finish()),
            Builder::I32(b) => Arc::new(b.finish()),
            Builder::I64(b) => Arc::new(b.finish()),
            Builder::U8(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::F32(b) => Arc::new(b.finish()),
            Builder::F64(b) => Arc::new(b.finish()),
            Builder::Timestamp(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows of one collection into one Parquet file.
pub struct ParquetRows<W: Write + Send> {
    collection: Collection,
    schema: Arc<ArrowSchema>,
    builders: Vec<Builder>,
    buffered: usize,
    rows: u64,
    writer: ArrowWriter<W>,
}

impl<W: Write + Send> std::fmt::Debug for ParquetRows<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetRows").field("collection", &self.collection.name).field("rows", &self.rows).finish()
    }
}

impl<W: Write + Send> ParquetRows<W> {
    /// Starts a file for `collection` on `out`.
    pub fn new(collection: &Collection, out: W) -> Result<ParquetRows<W>> {
        let schema = arrow_schema(collection);
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_size(ROW_GROUP_ROWS)
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties))?;
        let builders = schema.fields().iter().map(|f| Builder::new(f.data_type())).collect();
        Ok(ParquetRows { collection: collection.clone(), schema, builders, buffered: 0, rows: 0, writer })
    }

    /// Adds one row (served JSON form; unknown properties go to `_extra`).
    pub fn push(&mut self, row: &Map<String, Value>) -> Result<()> {
        let columns = self.collection.columns.len();
        for (index, column) in self.collection.columns.iter().enumerate() {
            self.builders[index]
                .push(row.get(&column.name))
                .map_err(|e| anyhow!("{}: row {} at `{}`: {e}", self.collection.name, self.rows, column.name))?;
        }
        let extra = self.collection.extra_json(row).map(Value::from);
        self.builders[columns].push(extra.as_ref()).map_err(|e| anyhow!(e))?;
        self.buffered += 1;
        self.rows += 1;
        if self.buffered >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .with_context(|| format!("{}: rows do not fit the Parquet schema", self.collection.name))?;
        self.writer.write(&batch)?;
        self.buffered = 0;
        Ok(())
    }

    /// Writes the rest and the footer; returns the number of rows.
    pub fn finish(self) -> Result<u64> {
        self.finish_into().map(|(rows, _)| rows)
    }

    /// Like [`finish`](Self::finish), giving back the output too.
    pub fn finish_into(mut self) -> Result<(u64, W)> {
        self.flush()?;
        let out = self.writer.into_inner()?;
        Ok((self.rows, out))
    }
}
