//! `intune-dw sync` against the mock Warehouse: real HTTP on loopback, a real SQLite file.

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use intune_dw::mock::MockConfig;
use intune_dw::schema::{ApiVersion, VersionSchema};
use intune_dw::store::Store;
use serde_json::json;
use support::{Served, assert_store_matches, edit_type, small, stored};

const V1: ApiVersion = ApiVersion::V1_0;

fn store_arg(path: &std::path::Path) -> String {
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_full_sync_stores_exactly_the_served_rows_in_tables_named_like_the_service() {
    let served = Served::start(small());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    assert_eq!(served.cli(&["sync", "--store", &store_arg(&path)], &[]), 0);
    assert_store_matches(&path, &served.warehouse, V1, &[]);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: HashSet<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let collections: HashSet<String> = V1.schema().names().into_iter().map(str::to_owned).collect();
    let bookkeeping: Vec<&String> = tables.difference(&collections).collect();
    assert!(bookkeeping.iter().all(|t| t.starts_with('_')), "{bookkeeping:?}");
    let columns: Vec<(String, String, bool, i64)> = conn
        .prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info('devices')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let devices = V1.schema().collection("devices").unwrap();
    let names: Vec<&str> = columns.iter().map(|c| c.0.as_str()).collect();
    let mut expected: Vec<&str> = devices.columns.iter().map(|c| c.name.as_str()).collect();
    expected.push("_extra");
    assert_eq!(names, expected);
    assert_eq!(columns[0], ("deviceKey".into(), "INTEGER".into(), true, 1));
    let registered = columns.iter().find(|c| c.0 == "azureADRegistered").unwrap();
    assert_eq!((registered.1.as_str(), registered.2), ("BOOLEAN", false));
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_second_sync_fetches_only_new_days_and_modified_rows() {
    let served = Served::start(small());
    let warehouse = &served.warehouse;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    let args = ["sync", "--store", &store_arg(&path), "--collections", "mamCheckins,devices,deviceTypes,dates"];
    assert_eq!(served.cli(&args, &[]), 0);
    let last_day = intune_dw::mock::rules::date_key(warehouse.today());

    warehouse.add_days(2);
    assert_eq!(warehouse.modify_rows(V1, "devices", 3).len(), 3);
    warehouse.modify_rows(V1, "mamCheckins", 2); // rows of the last stored day
    warehouse.clear_requests();
    assert_eq!(served.cli(&args, &[]), 0);

    let requests = warehouse.requests();
    let first_page = |name: &str| {
        requests
            .iter()
            .find(|r| r.collection() == Some(name) && r.param("$skiptoken").is_none())
            .unwrap_or_else(|| panic!("no request for {name}"))
    };
    let day_filter = format!("dateKey ge {last_day}");
    assert_eq!(first_page("mamCheckins").param("$filter"), Some(day_filter.as_str()));
    assert_eq!(first_page("dates").param("$filter"), Some(day_filter.as_str()));
    let since = first_page("devices").param("$filter").unwrap().to_owned();
    assert!(since.starts_with("rowLastModifiedDateTimeUTC ge "), "{since}");
    assert_eq!(first_page("deviceTypes").param("$filter"), None, "lookups are refreshed whole");
    // Three days of mamCheckins (the re-fetched one and two new ones) at 10 rows a day: two pages
    // of 7; devices: the 3 modified rows and the one at the watermark, one page.
    let pages = |name: &str| requests.iter().filter(|r| r.collection() == Some(name)).count();
    assert_eq!((pages("mamCheckins"), pages("devices")), (5, 1));
    assert_store_matches(&path, warehouse, V1, &unsynced(&["mamCheckins", "devices", "deviceTypes", "dates"]));
    let dates = V1.schema().collection("dates").unwrap();
    assert_eq!(stored(&path, dates).len(), 5);
}

/// Every collection but `synced`.
fn unsynced(synced: &[&str]) -> Vec<&'static str> {
    V1.schema().names().into_iter().filter(|n| !synced.contains(n)).collect()
}

#[test]
fn kill_9_at_random_points_then_resume_ends_equal_to_a_clean_sync() {
    let config =
        MockConfig { rows: 40, days: 4, page_size: 4, latency: Duration::from_millis(4), ..MockConfig::default() };
    let served = Served::start(config);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    let bin = env!("CARGO_BIN_EXE_intune-dw");
    let command = || {
        let mut command = std::process::Command::new(bin);
        command
            .args(["sync", "--store", &store_arg(&path), "--concurrency", "3"])
            .envs(served.warehouse.env())
            .env_remove("INTUNE_DW_LOCATION")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        command
    };
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut kills = 0;
    for _ in 0..6 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let after = Duration::from_millis(30 + (seed >> 33) % 400);
        let mut child = command().spawn().unwrap();
        std::thread::sleep(after);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    let started = Instant::now();
    let status = command().status().unwrap();
    assert!(status.success(), "the resumed sync failed: {status}");
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(kills > 0, "no run was killed mid-way");
    assert_store_matches(&path, &served.warehouse, V1, &[]);
    let store = Store::open_existing(&path).unwrap();
    assert!(V1.schema().collections.iter().all(|c| store.plan(c).unwrap().checkpoint.is_none()));
}

#[test]
fn a_429_storm_is_retried_and_the_sync_completes() {
    let served = Served::start(small());
    served.warehouse.throttle_first_attempts(true);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    let args = ["sync", "--store", &store_arg(&path), "--collections", "devices,mamCheckins,users"];
    assert_eq!(served.cli(&args, &[]), 0);
    let requests = served.warehouse.requests();
    let throttled = requests.iter().filter(|r| r.status == 429).count();
    let pages = requests.iter().filter(|r| r.collection().is_some() && r.status == 200).count();
    assert_eq!(throttled, pages, "every page was throttled once");
    assert_store_matches(&path, &served.warehouse, V1, &unsynced(&["devices", "mamCheckins", "users"]));
}

#[test]
fn a_401_mid_run_refreshes_the_client_credentials_token() {
    let served = Served::start(small());
    served.warehouse.revoke_tokens_after(5);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    let env = served.warehouse.client_credentials_env();
    let args =
        ["sync", "--store", &store_arg(&path), "--concurrency", "1", "--collections", "devices,users,mamCheckins"];
    assert_eq!(served.cli(&args, &env), 0);
    assert!(served.warehouse.tokens_issued() >= 2, "the token was not refreshed");
    assert!(served.warehouse.requests().iter().any(|r| r.status == 401));
    assert_store_matches(&path, &served.warehouse, V1, &unsynced(&["devices", "users", "mamCheckins"]));

    // A static token cannot be refreshed: the sync fails (exit 1) and says so.
    served.warehouse.revoke_tokens_after(0);
    served.warehouse.modify_rows(V1, "devices", 1);
    assert_eq!(served.cli(&["sync", "--store", &store_arg(&path), "--collections", "devices"], &[]), 1);
}

#[test]
fn a_row_that_does_not_decode_stops_its_collection_without_storing_its_page() {
    let served = Served::start(small());
    // Row 12 is row 5 of the second page (pages of 7).
    let field = served.warehouse.corrupt_row(V1, "devices", 12).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    let client = intune_dw_client::Client::builder()
        .service_root(&served.warehouse.service_root())
        .bearer_token(intune_dw::mock::TOKEN)
        .build()
        .unwrap();
    let options = intune_dw::sync::SyncOptions {
        store: intune_dw::store::Location::Sqlite(path.clone()),
        version: V1,
        collections: vec!["devices".into(), "users".into()],
        concurrency: 2,
    };
    let report = served
        .runtime
        .block_on(intune_dw::sync::run(&client, &options, &intune_dw::progress::Progress::plain()))
        .unwrap();
    assert!(!report.complete());
    let intune_dw::sync::Outcome::Failed(message) = &report.collections[0].1 else {
        panic!("devices did not fail: {report:?}");
    };
    assert!(message.starts_with("devices: row 5 of page "), "{message}");
    assert!(message.contains("$skiptoken=7") && message.contains(&format!("`{field}`")), "{message}");
    assert!(matches!(report.collections[1].1, intune_dw::sync::Outcome::Done { rows: 30, .. }));
    let devices = V1.schema().collection("devices").unwrap();
    let first_page: Vec<_> = served.warehouse.rows(V1, "devices").into_iter().take(7).collect();
    assert_eq!(stored(&path, devices), support::keyed(devices, first_page));
}

/// A lookup is refreshed whole: when the refresh fails on a later page, the table keeps every row
/// of the previous sync rather than the pages read so far.
#[test]
fn a_refresh_that_fails_midway_keeps_the_previous_rows() {
    let served = Served::start(small());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    let sync_from = |root: &str| {
        let options = intune_dw::sync::SyncOptions {
            store: intune_dw::store::Location::Sqlite(path.clone()),
            version: V1,
            collections: vec!["deviceTypes".into()],
            concurrency: 1,
        };
        let client = intune_dw_client::Client::builder()
            .service_root(root)
            .bearer_token(intune_dw::mock::TOKEN)
            .build()
            .unwrap();
        served
            .runtime
            .block_on(intune_dw::sync::run(&client, &options, &intune_dw::progress::Progress::plain()))
            .unwrap()
    };
    let sync = || sync_from(&served.warehouse.service_root());
    assert!(sync().complete());
    // A sync that returned has let go of its store: the next may open it at once.
    drop(intune_dw::store::Store::open(&path, V1).expect("the store is still locked after its sync returned"));
    let device_types = V1.schema().collection("deviceTypes").unwrap();
    let before = stored(&path, device_types);
    assert_eq!(before.len(), 30);

    // Row 12 is on the second page (pages of 7).
    served.warehouse.corrupt_row(V1, "deviceTypes", 12).unwrap();
    let report = sync();
    assert!(matches!(report.collections[0].1, intune_dw::sync::Outcome::Failed(_)), "{report:?}");
    assert_eq!(stored(&path, device_types), before, "the first page of the failed refresh did not replace the table");

    // The saved position (a next link of this service) is refused by a client of another
    // service root: the refresh starts again there rather than failing every run.
    let elsewhere = served.runtime.block_on(intune_dw::mock::MockWarehouse::start(small())).unwrap();
    assert!(sync_from(&elsewhere.service_root()).complete());
    let served_there = support::keyed(device_types, elsewhere.rows(V1, "deviceTypes"));
    assert_eq!(stored(&path, device_types), served_there);
}

#[test]
fn a_breaking_drift_stops_its_collection_and_the_others_go_on() {
    let served = Served::start(small());
    let live = edit_type(
        V1.embedded_metadata(),
        "user",
        r#"<Property Name="userEmail" Type="Edm.String"/>"#,
        r#"<Property Name="userEmail" Type="Edm.Int32"/>"#,
    );
    served.warehouse.set_metadata(V1, live);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    let args = ["sync", "--store", &store_arg(&path), "--collections", "users,devices"];
    assert_eq!(served.cli(&args, &[]), 1);
    assert!(!served.warehouse.requests().iter().any(|r| r.collection() == Some("users")), "users was fetched");
    assert_store_matches(&path, &served.warehouse, V1, &unsynced(&["devices"]));
}

#[test]
fn an_additive_drift_keeps_the_new_property_in_extra() {
    let served = Served::start(small());
    let live = edit_type(
        V1.embedded_metadata(),
        "device",
        r#"<Property Name="deviceName" Type="Edm.String">"#,
        r#"<Property Name="newThing" Type="Edm.String"/><Property Name="deviceName" Type="Edm.String">"#,
    );
    served.warehouse.set_metadata(V1, live);
    served.warehouse.add_property(V1, "devices", "newThing", json!("hello"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    assert_eq!(served.cli(&["sync", "--store", &store_arg(&path), "--collections", "devices"], &[]), 0);
    assert_store_matches(&path, &served.warehouse, V1, &unsynced(&["devices"]));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let extra: String = conn.query_row("SELECT _extra FROM devices LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(extra, r#"{"newThing":"hello"}"#);
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let served = Served::start(small());
    let dir = tempfile::tempdir().unwrap();
    let path = store_arg(&dir.path().join("dw.db"));
    assert_eq!(served.cli(&["sync", "--store", &path, "--collections", "nope"], &[]), 2);
    assert_eq!(served.cli(&["sync"], &[]), 2);
    assert_eq!(served.cli(&["sync", "--store", &path], &[("INTUNE_DW_TOKEN".into(), "t".into())]), 2);
    assert_eq!(served.cli(&["collections", "--api-version", "v2"], &[]), 2);
    assert_eq!(served.cli(&["collections", "--api-version", "beta"], &[]), 0);
}

#[test]
fn days_the_service_no_longer_keeps_stay_in_the_store() {
    let served = Served::start(MockConfig { retention_days: Some(3), ..small() });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    let args = ["sync", "--store", &store_arg(&path), "--collections", "mamCheckins"];
    assert_eq!(served.cli(&args, &[]), 0);
    let before = stored(&path, V1.schema().collection("mamCheckins").unwrap());
    served.warehouse.add_days(2);
    assert_eq!(served.cli(&args, &[]), 0);
    let checkins = V1.schema().collection("mamCheckins").unwrap();
    let after = stored(&path, checkins);
    let served_now = support::served(&served.warehouse, V1, checkins);
    assert_eq!(served_now.len(), 30, "the service keeps 3 days");
    assert_eq!(after.len(), 50, "the store keeps all 5");
    assert!(served_now.iter().all(|(key, row)| after.get(key) == Some(row)));
    assert!(before.iter().all(|(key, row)| after.get(key) == Some(row)));
}

#[test]
fn the_quick_start_mock_server_then_sync_works() {
    use std::io::BufRead;
    let bin = env!("CARGO_BIN_EXE_intune-dw");
    let mut server = std::process::Command::new(bin)
        .args(["mock-server", "--port", "0", "--rows", "20", "--page-size", "8"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
    let exports = lines.nth(1).unwrap().unwrap();
    let vars: Vec<(String, String)> = exports
        .trim_start_matches("export ")
        .split(' ')
        .filter_map(|pair| pair.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(bin)
        .args(["sync", "--store", &store_arg(&dir.path().join("dw.db")), "--collections", "devices"])
        .envs(vars)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(status.success());
    assert_eq!(stored(&dir.path().join("dw.db"), V1.schema().collection("devices").unwrap()).len(), 20);
}

#[test]
fn a_beta_sync_stores_exactly_the_served_beta_rows() {
    let served = Served::start(small());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("beta.db");
    assert_eq!(served.cli(&["sync", "--store", &store_arg(&path), "--api-version", "beta"], &[]), 0);
    assert_store_matches(&path, &served.warehouse, ApiVersion::Beta, &[]);
    // A store keeps one API version.
    assert_eq!(served.cli(&["sync", "--store", &store_arg(&path), "--collections", "devices"], &[]), 1);
}

/// A refresh of a date-keyed fact's latest days (and a lookup's whole table) killed at every
/// commit boundary, one after the other: the next run exits 0 and ends with the rows of a clean
/// run. The kill is `abort()` at the boundary (feature `fault-injection`), so every boundary is
/// hit, not only those a random kill happens to reach.
#[test]
#[cfg(feature = "fault-injection")]
fn a_refresh_killed_at_every_commit_boundary_resumes_to_a_clean_store() {
    let collections = "mamCheckins,deviceTypes,devices";
    let served = Served::start(MockConfig { rows: 40, days: 4, page_size: 6, ..MockConfig::default() });
    let bin = env!("CARGO_BIN_EXE_intune-dw");
    let run = |path: &std::path::Path, abort: Option<String>| {
        let mut command = std::process::Command::new(bin);
        command
            .args(["sync", "--store", &store_arg(path), "--collections", collections, "--concurrency", "1"])
            .envs(served.warehouse.env())
            .env_remove("INTUNE_DW_LOCATION")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        if let Some(abort) = abort {
            command.env("INTUNE_DW_ABORT_AT", abort);
        }
        command.output().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    // A store synced once; then new days, so that the next sync refreshes the latest day.
    let base = dir.path().join("base.db");
    assert!(run(&base, None).status.success());
    served.warehouse.add_days(2);
    served.warehouse.modify_rows(V1, "devices", 5);
    let mut boundary = 0;
    loop {
        boundary += 1;
        for when in ["before", "after"] {
            let path = dir.path().join(format!("{when}-{boundary}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let from = dir.path().join(format!("base.db{suffix}"));
                if from.exists() {
                    std::fs::copy(&from, dir.path().join(format!("{when}-{boundary}.db{suffix}"))).unwrap();
                }
            }
            let killed = run(&path, Some(format!("{when}:{boundary}")));
            if killed.status.success() {
                // Past the last commit: every boundary was hit.
                assert!(boundary > 4, "only {boundary} commits");
                return;
            }
            let resumed = run(&path, None);
            assert!(
                resumed.status.success(),
                "killed {when} commit {boundary}, the next run failed:\n{}",
                String::from_utf8_lossy(&resumed.stderr)
            );
            for name in collections.split(',') {
                let collection = V1.schema().collection(name).unwrap();
                let expected = support::served(&served.warehouse, V1, collection);
                let stored = stored(&path, collection);
                assert!(
                    expected.iter().all(|(key, row)| stored.get(key) == Some(row)),
                    "killed {when} commit {boundary}: {name} lacks served rows"
                );
            }
            let store = Store::open_existing(&path).unwrap();
            for name in collections.split(',') {
                let plan = store.plan(V1.schema().collection(name).unwrap()).unwrap();
                assert!(plan.checkpoint.is_none(), "killed {when} commit {boundary}: {name} left unfinished");
            }
        }
    }
}

/// Two syncs of one store would interleave their transactions (the root of a refresh failing
/// with `no such table: _pending_…` after a "killed" sync that was in fact still running, as a
/// `kill -9` of `cargo run` leaves its child): the second refuses to start, and the first ends
/// as if alone.
#[test]
fn a_second_sync_of_the_same_store_refuses_to_start() {
    let served =
        Served::start(MockConfig { rows: 60, days: 4, page_size: 4, latency: Duration::from_millis(20), ..small() });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dw.db");
    let bin = env!("CARGO_BIN_EXE_intune-dw");
    let command = || {
        let mut command = std::process::Command::new(bin);
        command
            .args(["sync", "--store", &store_arg(&path), "--collections", "mamCheckins,dates"])
            .envs(served.warehouse.env())
            .env_remove("INTUNE_DW_LOCATION")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        command
    };
    let first = command().spawn().unwrap();
    // The first holds the lock once its store is open.
    let lock = dir.path().join("dw.db.lock");
    let started = Instant::now();
    while std::fs::read_to_string(&lock).unwrap_or_default().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "the first sync never locked the store");
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = command().output().unwrap();
    assert_eq!(second.status.code(), Some(1));
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(message.contains("another intune-dw sync is writing to"), "{message}");
    assert!(message.contains(&format!("process {}", first.id())), "{message}");
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    for name in ["mamCheckins", "dates"] {
        let collection = V1.schema().collection(name).unwrap();
        assert_eq!(stored(&path, collection), support::served(&served.warehouse, V1, collection), "{name}");
    }
    // Once it ended, the store is free again.
    assert!(command().output().unwrap().status.success());
}
