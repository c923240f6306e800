//! Row decoding speed, as ratios against floors measured in the same run: a 10,000-row `devices`
//! page (the v1.0 sample rows, repeated) read by serde_json without building anything (the
//! floor), decoded straight into the generated `Device` rows by serde_json, and decoded by the
//! runtime's `paging::decode_page` (what every stream does per page, with located errors).
//!
//! `cargo bench -p intune-dw-client --bench decode` prints criterion's timings, then the ratios.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput};
use intune_dw_client::paging::decode_page;
use intune_dw_client::v1_0::devices::Device;

const ROWS: usize = 10_000;

/// (benchmark id, what it measures); the first is the floor.
const STAGES: [(&str, &str); 3] = [
    ("json_floor", "serde_json, nothing built (floor)"),
    ("serde_typed", "serde_json into Vec<Device>"),
    ("runtime_page", "paging::decode_page::<Device>"),
];

#[derive(serde::Deserialize)]
struct Page {
    value: Vec<Device>,
}

fn page_body() -> Vec<u8> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/v1.0/samples/devices.json");
    let page: serde_json::Value = serde_json::from_slice(&std::fs::read(sample).unwrap()).unwrap();
    let rows = page["value"].as_array().unwrap();
    let value: Vec<&serde_json::Value> = rows.iter().cycle().take(ROWS).collect();
    serde_json::to_vec(&serde_json::json!({ "@odata.context": page["@odata.context"], "value": value })).unwrap()
}

fn main() {
    let body = page_body();
    let url =
        url::Url::parse("https://fef.msua06.manage.microsoft.com/ReportingService/DataWarehouseFEService/devices")
            .unwrap();
    let mut criterion = Criterion::default().configure_from_args().sample_size(20);
    {
        let mut group = criterion.benchmark_group("decode");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(STAGES[0].0, |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&body)).unwrap())
        });
        group.bench_function(STAGES[1].0, |b| {
            b.iter(|| serde_json::from_slice::<Page>(black_box(&body)).unwrap().value)
        });
        group.bench_function(STAGES[2].0, |b| {
            b.iter(|| decode_page::<Device>(black_box(&body), "devices", 0, &url).unwrap())
        });
        group.finish();
    }
    criterion.final_summary();
    report(body.len());
}

/// Reads criterion's estimates back and prints each stage as a multiple of the floor.
fn report(size: usize) {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"), PathBuf::from)
        .join("criterion/decode");
    let mean = |id: &str| -> Option<f64> {
        let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
        serde_json::from_str::<serde_json::Value>(&text).ok()?["mean"]["point_estimate"].as_f64()
    };
    let Some(floor) = mean(STAGES[0].0) else {
        eprintln!("no estimates under {} (was the floor filtered out?)", dir.display());
        return;
    };
    println!("\n{ROWS} device rows ({} KiB), mean times as multiples of the floor:", size / 1024);
    for (id, what) in STAGES {
        if let Some(ns) = mean(id) {
            println!("  {what:<40} {:>8.2} ms  {:>6.1}x", ns / 1e6, ns / floor);
        }
    }
}
