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
//!
//! Then, in the same run: a sync into PostgreSQL (a private server, skipped without its
//! binaries) against the SQLite one at latency 0 (goal ≥ 0.8× its rows/s); and four tenants
//! (four mock Warehouses, a tenants file, one SQLite file each) against one, at concurrency 8
//! with latency: wall time and peak memory (goals ≤ 1.3× and ≤ 1.5×), and the wall time of the
//! four at 4 × 8 (each tenant the concurrency one has alone).

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

/// The rows of every table of the schema `intune_dw` of the database at `url`.
fn postgres_rows(runtime: &tokio::runtime::Runtime, url: &str) -> u64 {
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("PostgreSQL");
        tokio::spawn(connection);
        let mut total = 0;
        for collection in &ApiVersion::V1_0.schema().collections {
            let query = format!("SELECT count(*) FROM intune_dw.{}", intune_dw::store::quote(&collection.name));
            total += client.query_one(&query, &[]).await.map(|row| row.get::<_, i64>(0) as u64).unwrap_or(0);
        }
        total
    })
}

fn mock(
    runtime: &tokio::runtime::Runtime,
    rows_total: u64,
    latency_ms: u64,
    page_size: u64,
    tenant: &str,
) -> MockWarehouse {
    let collections = ApiVersion::V1_0.schema().collections.len() as u64;
    let config = MockConfig {
        rows: (rows_total / collections).max(1) as usize,
        days: 30,
        page_size: page_size as usize,
        latency: Duration::from_millis(latency_ms),
        tenant: tenant.to_owned(),
        ..MockConfig::default()
    };
    runtime.block_on(MockWarehouse::start(config)).expect("the mock starts")
}

/// Runs the built `intune-dw {args}` with `env`: its wall time and peak memory.
fn run(args: &[&str], env: &[(String, String)]) -> (f64, u64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_intune-dw"))
        .args(args)
        .envs(env.iter().cloned())
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
    assert!(status.success(), "intune-dw {args:?} failed: {status}");
    (started.elapsed().as_secs_f64(), peak)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// A sync of one tenant into a fresh SQLite file, or into the database at `postgres`.
fn sync(rows_total: u64, latency_ms: u64, page_size: u64, concurrency: u32, postgres: Option<&str>) -> Run {
    let runtime = runtime();
    let warehouse = mock(&runtime, rows_total, latency_ms, page_size, intune_dw::mock::TENANT);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("bench.db");
    let store = postgres.map_or_else(|| file.to_str().expect("UTF-8 path").to_owned(), str::to_owned);
    let (seconds, peak_kib) =
        run(&["sync", "--store", &store, "--concurrency", &concurrency.to_string()], &warehouse.env());
    drop(warehouse);
    let rows = match postgres {
        Some(url) => postgres_rows(&runtime, url),
        None => stored_rows(&file),
    };
    Run { seconds, rows, peak_kib }
}

/// A sync of `tenants` tenants (a mock Warehouse each, the same rows) into a SQLite file each.
fn sync_tenants(tenants: usize, rows_total: u64, latency_ms: u64, page_size: u64, concurrency: u32) -> Run {
    let runtime = runtime();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut file = String::new();
    let mut warehouses = Vec::new();
    for n in 0..tenants {
        let warehouse = mock(&runtime, rows_total, latency_ms, page_size, &format!("tenant-{n}"));
        file += &format!(
            "[[tenant]]\nname = \"t{n}\"\ntenant_id = \"tenant-{n}\"\nclient_id = \"{}\"\nservice_root = \"{}\"\n\
             authority_host = \"{}\"\nclient_secret_env = \"SECRET\"\n\n",
            intune_dw::mock::CLIENT_ID,
            warehouse.service_root(),
            warehouse.base()
        );
        warehouses.push(warehouse);
    }
    let tenants_file = dir.path().join("tenants.toml");
    std::fs::write(&tenants_file, file).expect("the tenants file");
    let store = dir.path().join("{tenant}.db");
    let env = [("SECRET".to_owned(), intune_dw::mock::CLIENT_SECRET.to_owned())];
    let args = [
        "sync",
        "--tenants",
        tenants_file.to_str().expect("UTF-8 path"),
        "--store",
        store.to_str().expect("UTF-8 path"),
        "--concurrency",
        &concurrency.to_string(),
    ];
    let (seconds, peak_kib) = run(&args, &env);
    drop(warehouses);
    let rows = (0..tenants).map(|n| stored_rows(&dir.path().join(format!("t{n}.db")))).sum();
    Run { seconds, rows, peak_kib }
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

    // `INTUNE_DW_BENCH_PARTS=postgres,tenants` runs only those parts (and the SQLite run they
    // are compared with).
    let parts = std::env::var("INTUNE_DW_BENCH_PARTS").unwrap_or_default();
    let part = |name: &str| parts.is_empty() || parts.split(',').any(|p| p == name);
    if part("single") {
        single(rows, latency, page_size);
    }
    if part("postgres") {
        postgres(rows, page_size);
    }
    if part("tenants") {
        tenants(rows, latency, page_size);
    }
}

fn single(rows: u64, latency: u64, page_size: u64) {
    let c1 = sync(rows, latency, page_size, 1, None);
    report(&format!("latency {latency} ms, concurrency 1"), &c1);
    let c8 = sync(rows, latency, page_size, 8, None);
    report(&format!("latency {latency} ms, concurrency 8"), &c8);
    let fast = sync(rows, 0, page_size, 8, None);
    report("latency 0, concurrency 8", &fast);
    let small = sync(rows / 10, 0, page_size, 8, None);
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

fn postgres(rows: u64, page_size: u64) {
    match test_servers::postgres::Postgres::start("the PostgreSQL benchmark") {
        Some(pg) => {
            let fast = sync(rows, 0, page_size, 8, None);
            report("SQLite, latency 0, concurrency 8", &fast);
            let postgres = sync(rows, 0, page_size, 8, Some(&pg.url("postgres")));
            report("PostgreSQL, latency 0, concurrency 8", &postgres);
            let ratio = (postgres.rows as f64 / postgres.seconds) / (fast.rows as f64 / fast.seconds);
            println!("PostgreSQL vs SQLite rows/s at latency 0: {ratio:.2}x (goal >= 0.8)");
        }
        None => println!("PostgreSQL: skipped (no server binaries)"),
    }
}

fn tenants(rows: u64, latency: u64, page_size: u64) {
    let one = sync_tenants(1, rows, latency, page_size, 8);
    report(&format!("1 tenant, latency {latency} ms, concurrency 8"), &one);
    let four = sync_tenants(4, rows, latency, page_size, 8);
    report(&format!("4 tenants, latency {latency} ms, concurrency 8"), &four);
    let four_wide = sync_tenants(4, rows, latency, page_size, 32);
    report(&format!("4 tenants, latency {latency} ms, concurrency 32"), &four_wide);
    println!("4 tenants vs 1, wall time at concurrency 8: {:.2}x (goal <= 1.3)", four.seconds / one.seconds);
    println!("4 tenants at 32 vs 1 at 8, wall time: {:.2}x", four_wide.seconds / one.seconds);
    println!("4 tenants vs 1, peak memory: {:.2}x (goal <= 1.5)", four.peak_kib as f64 / one.peak_kib.max(1) as f64);
}
