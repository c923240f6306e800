//! `intune-dw export` against the mock Warehouse.

mod support;

use intune_dw::schema::ApiVersion;
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
