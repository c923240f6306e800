//! `intune-dw export` against the mock Warehouse.

mod support;

use intune_dw::schema::{ApiVersion, VersionSchema};
use support::{Served, small};

#[test]
fn exports_ndjson_and_csv_files_with_every_served_row() {
    let served = Served::start(small());
    let dir = tempfile::tempdir().unwrap();
    let ndjson = dir.path().join("devices.ndjson");
    let args = ["export", "devices", "--format", "ndjson", "--out", ndjson.to_str().unwrap()];
    assert_eq!(served.cli(&args, &[]), 0);
    let lines: Vec<serde_json::Map<String, serde_json::Value>> =
        std::fs::read_to_string(&ndjson).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines, served.warehouse.rows(ApiVersion::V1_0, "devices"));

    let csv = dir.path().join("checkins.csv");
    let args = ["export", "mamCheckins", "--format", "csv", "--max-history-days", "1", "--out", csv.to_str().unwrap()];
    assert_eq!(served.cli(&args, &[]), 0);
    let text = std::fs::read_to_string(&csv).unwrap();
    let checkins = ApiVersion::V1_0.schema().collection("mamCheckins").unwrap();
    let header: Vec<&str> = checkins.columns.iter().map(|c| c.name.as_str()).chain(["_extra"]).collect();
    assert_eq!(text.lines().next().unwrap(), header.join(","));
    assert_eq!(text.lines().count(), 1 + 20, "two days of 10 rows");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left");
}

#[test]
fn a_failed_export_leaves_no_file() {
    let served = Served::start(small());
    served.warehouse.corrupt_row(ApiVersion::V1_0, "devices", 9);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("devices.ndjson");
    assert_eq!(served.cli(&["export", "devices", "--out", out.to_str().unwrap()], &[]), 1);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert_eq!(served.cli(&["export", "devices", "--since", "yesterday"], &[]), 2);
    assert_eq!(served.cli(&["export", "dates", "--since", "2025-03-01T00:00:00Z"], &[]), 2);
    assert_eq!(served.cli(&["export", "devices", "--max-history-days", "3"], &[]), 2);
}

#[cfg(feature = "parquet")]
mod parquet_files {
    use std::fs::File;
    use std::path::Path;

    use arrow_schema::{DataType, TimeUnit};
    use intune_dw::schema::{ApiVersion, VersionSchema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::support::{Served, small};

    /// The row count and column types of a Parquet file.
    fn read(path: &Path) -> (usize, Vec<(String, DataType)>) {
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
        let types = builder.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect();
        let rows = builder.build().unwrap().map(|batch| batch.unwrap().num_rows()).sum();
        (rows, types)
    }

    #[test]
    fn a_collection_and_the_whole_store_as_typed_parquet() {
        let served = Served::start(small());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("devices.parquet");
        let args = ["export", "devices", "--format", "parquet", "--out", file.to_str().unwrap()];
        assert_eq!(served.cli(&args, &[]), 0);
        let (rows, types) = read(&file);
        assert_eq!(rows, 30);
        let devices = ApiVersion::V1_0.schema().collection("devices").unwrap();
        assert_eq!(types.len(), devices.columns.len() + 1);
        assert!(types.contains(&("deviceKey".into(), DataType::Int32)));
        assert!(types.contains(&("azureADRegistered".into(), DataType::Boolean)));
        let timestamp = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        assert!(types.contains(&("rowLastModifiedDateTimeUTC".into(), timestamp)));

        let store = dir.path().join("dw.db");
        let store = store.to_str().unwrap();
        assert_eq!(served.cli(&["sync", "--store", store, "--collections", "devices,mamCheckins"], &[]), 0);
        let lake = dir.path().join("lake");
        assert_eq!(served.cli(&["export", "--store", store, "--out", lake.to_str().unwrap()], &[]), 0);
        let tenant = lake.join("tenant=intune_dw");
        let part = |folder: &Path| {
            let files: Vec<_> =
                std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
            assert_eq!(files.len(), 1, "{files:?}");
            files[0].clone()
        };
        assert_eq!(read(&part(&tenant.join("devices"))).0, 30);
        for day in ["20250301", "20250302", "20250303"] {
            assert_eq!(read(&part(&tenant.join(format!("mamCheckins/dateKey={day}")))).0, 10, "{day}");
        }
        assert!(!tenant.join("users").exists(), "only the synced collections");
    }
}
