//! Row decoding speed, as ratios against floors measured in the same run: a 10,000-row `devices`
//! page (the v1.0 sample rows, repeated) read by serde_json without building anything (the
//! floor); decoded by serde_json into a twin of `Device` with serde's own derive (the baseline
//! for `#[derive(Record)]`), and straight into the generated `Device` rows; and decoded by the
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
const STAGES: [(&str, &str); 4] = [
    ("json_floor", "serde_json, nothing built (floor)"),
    ("serde_derive", "serde_json into serde-derived twins"),
    ("record_typed", "serde_json into Vec<Device> (derive(Record))"),
    ("runtime_page", "paging::decode_page::<Device>"),
];

#[derive(serde::Deserialize)]
struct Page<T> {
    value: Vec<T>,
}

/// `Device` as the generator wrote it before `#[derive(Record)]`: serde's derive, with the same
/// fields and adapters.
#[allow(dead_code)]
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SerdeDevice {
    device_key: i32,
    device_id: Option<String>,
    device_name: Option<String>,
    device_type_key: i32,
    device_registration_state_key: i32,
    owner_type_key: i32,
    #[serde(default, with = "odata_runtime::edm::with::option::DateTimeOffset")]
    enrolled_date_time: Option<::time::OffsetDateTime>,
    #[serde(default, with = "odata_runtime::edm::with::option::DateTimeOffset")]
    last_sync_date_time: Option<::time::OffsetDateTime>,
    management_agent_key: i32,
    management_state_key: i32,
    #[serde(rename = "azureADDeviceId")]
    azure_ad_device_id: Option<String>,
    #[serde(rename = "azureADRegistered")]
    azure_ad_registered: Option<bool>,
    device_category_key: i32,
    device_enrollment_type_key: i32,
    compliance_state_key: i32,
    os_version: Option<String>,
    eas_device_id: Option<String>,
    serial_number: Option<String>,
    user_id: Option<String>,
    #[serde(rename = "rowLastModifiedDateTimeUTC", with = "odata_runtime::edm::with::DateTimeOffset")]
    row_last_modified_date_time_utc: ::time::OffsetDateTime,
    manufacturer: Option<String>,
    model: Option<String>,
    operating_system: Option<String>,
    is_deleted: bool,
    android_security_patch_level: Option<String>,
    meid: Option<String>,
    is_supervised: Option<i32>,
    #[serde(default, with = "odata_runtime::edm::with::option::Int64")]
    free_storage_space_in_bytes: Option<i64>,
    #[serde(default, with = "odata_runtime::edm::with::option::Int64")]
    total_storage_space_in_bytes: Option<i64>,
    encryption_state: Option<i32>,
    subscriber_carrier: Option<String>,
    phone_number: Option<String>,
    imei: Option<String>,
    cellular_technology: Option<String>,
    wi_fi_mac_address: Option<String>,
    ethernet_mac_address: Option<String>,
    office365_version: Option<String>,
    windows_os_edition: Option<String>,
    primary_user: Option<String>,
    iccid: Option<String>,
    subnet_address_v4_wifi: Option<String>,
    ip_address_v4_wifi: Option<String>,
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
            b.iter(|| serde_json::from_slice::<Page<SerdeDevice>>(black_box(&body)).unwrap().value)
        });
        group.bench_function(STAGES[2].0, |b| {
            b.iter(|| serde_json::from_slice::<Page<Device>>(black_box(&body)).unwrap().value)
        });
        group.bench_function(STAGES[3].0, |b| {
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
