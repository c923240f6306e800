//! `cargo bench -p intune-dw`: the built `intune-dw sync` against the mock Warehouse.
//!
//! Knobs (environment): `INTUNE_DW_BENCH_ROWS` (rows over all v1.0 collections, default
//! 100,000; the goal is stated for 1,000,000), `INTUNE_DW_BENCH_LATENCY_MS` (per page,
//! default 50), `INTUNE_DW_BENCH_PAGE_SIZE` (default 1,000).
//!
//! Reports, for a sync into a fresh SQLite file: wall time, rows/s and peak memory (the
//! child's `VmHWM`, sampled from /proc) at concurrency 1 and 8 with latency, rows/s at
//! latency 0, and the ratios the goals are stated in: c8 vs c1 speed-up (goal ≥ 4), rows/s at
//! latency 0 (goal ≥ 50,000), peak memory of ROWS vs ROWS/10 (goal ≤ 1.2, stated for 1M vs
//! 100k rows; below that the smaller run's pages are not full, which flatters it).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use intune_dw::mock::{MockConfig, MockWarehouse};
use intune_dw::schema::{ApiVersion, VersionSchema};

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Run {
    seconds: f64,
    rows: u64,
    peak_kib: u64,
}

/// The peak resident memory of a running process, in KiB (Linux; 0 elsewhere).
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn stored_rows(path: &Path) -> u64 {
    let conn = rusqlite::Connection::open(path).expect("the store opens");
    ApiVersion::V1_0
        .schema()
        .collections
        .iter()
        .map(|c| {
            conn.query_row(&format!("SELECT count(*) FROM {}", intune_dw::store::quote(&c.name)), [], |r| {
                r.get::<_, u64>(0)
            })
            .unwrap_or(0)
        })
        .sum()
}

fn sync(rows_total: u64, latency_ms: u64, page_size: u64, concurrency: u32) -> Run {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let collections = ApiVersion::V1_0.schema().collections.len() as u64;
    let config = MockConfig {
        rows: (rows_total / collections).max(1) as usize,
        days: 30,
        page_size: page_size as usize,
        latency: Duration::from_millis(latency_ms),
        ..MockConfig::default()
    };
    let warehouse = runtime.block_on(MockWarehouse::start(config)).expect("the mock starts");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = dir.path().join("bench.db");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_intune-dw"))
        .args(["sync", "--store", store.to_str().expect("UTF-8 path"), "--concurrency", &concurrency.to_string()])
        .envs(warehouse.env())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("intune-dw starts");
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for intune-dw") {
            break status;
        }
        peak = peak.max(peak_kib(child.id()).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(10));
    };
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success(), "intune-dw sync failed: {status}");
    drop(warehouse);
    Run { seconds, rows: stored_rows(&store), peak_kib: peak }
}

fn report(label: &str, run: &Run) {
    println!(
        "{label:<34} {:>9} rows {:>8.2} s {:>10.0} rows/s  peak {:>7.1} MiB",
        run.rows,
        run.seconds,
        run.rows as f64 / run.seconds,
        run.peak_kib as f64 / 1024.0
    );
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: keep it short then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rows = knob("INTUNE_DW_BENCH_ROWS", if quick { 5_000 } else { 100_000 });
    let latency = knob("INTUNE_DW_BENCH_LATENCY_MS", if quick { 5 } else { 50 });
    let page_size = knob("INTUNE_DW_BENCH_PAGE_SIZE", 1_000);
    println!("intune-dw sync of the mock Warehouse: {rows} rows over the v1.0 collections, pages of {page_size}");

    let c1 = sync(rows, latency, page_size, 1);
    report(&format!("latency {latency} ms, concurrency 1"), &c1);
    let c8 = sync(rows, latency, page_size, 8);
    report(&format!("latency {latency} ms, concurrency 8"), &c8);
    let fast = sync(rows, 0, page_size, 8);
    report("latency 0, concurrency 8", &fast);
    let small = sync(rows / 10, 0, page_size, 8);
    report("latency 0, concurrency 8, rows/10", &small);

    println!("speed-up c8 vs c1 at {latency} ms: {:.2}x (goal >= 4)", c1.seconds / c8.seconds);
    println!("rows/s at latency 0: {:.0} (goal >= 50,000)", fast.rows as f64 / fast.seconds);
    println!(
        "peak memory, {} vs {} rows: {:.2}x (goal <= 1.2)",
        fast.rows,
        small.rows,
        fast.peak_kib as f64 / small.peak_kib.max(1) as f64
    );
}
