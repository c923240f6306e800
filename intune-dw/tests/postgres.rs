//! `intune-dw sync --store postgres://…` against a private PostgreSQL server (started by the
//! tests; skipped with a notice where the server binaries are missing): the same rows, tables and
//! guarantees as the SQLite store, in one schema per tenant, typed from the metadata.

mod support;

use std::collections::BTreeMap;

use intune_dw::mock::MockConfig;
use intune_dw::schema::{ApiVersion, Collection, Column, ColumnType, Kind, VersionSchema};
use intune_dw::store::postgres::PgStore;
use intune_dw::store::{Checkpoint, PageWrite, Scope, to_sql};
use serde_json::{Map, Value, json};
use support::{Keyed, Served, keyed, small};
use test_servers::postgres::Postgres;

const V1: ApiVersion = ApiVersion::V1_0;

/// The rows of `collection` in schema `schema` of `url`.
fn pg_stored(served: &Served, url: &str, schema: &str, collection: &Collection) -> Keyed {
    served.runtime.block_on(async {
        let config = url.parse().unwrap();
        let (store, _) = PgStore::open_existing(&config, schema).await.unwrap();
        let mut rows = Vec::new();
        store
            .for_each_row(collection, |row| {
                rows.push(row);
                Ok(())
            })
            .await
            .unwrap();
        keyed(collection, rows)
    })
}

fn assert_schema_matches(served: &Served, url: &str, schema: &str, names: Option<&[&str]>) {
    for collection in &V1.schema().collections {
        if names.is_some_and(|names| !names.contains(&collection.name.as_str())) {
            continue;
        }
        let expected = support::served(&served.warehouse, V1, collection);
        let stored = pg_stored(served, url, schema, collection);
        assert_eq!(stored.len(), expected.len(), "{}: row count", collection.name);
        assert!(stored == expected, "{}: the stored rows differ from the served rows", collection.name);
    }
}

#[test]
fn a_sync_into_postgresql_stores_the_served_rows_in_typed_tables() {
    let Some(pg) = Postgres::start("intune-dw/tests/postgres.rs") else { return };
    let served = Served::start(small());
    let url = pg.url("postgres");
    assert_eq!(served.cli(&["sync", "--store", &url], &[]), 0);
    assert_schema_matches(&served, &url, "intune_dw", None);

    // Columns named like the properties, typed from the metadata; the key as primary key.
    let columns: BTreeMap<String, String> = served.runtime.block_on(async {
        let client = pg.connect("postgres").await;
        let rows = client
            .query(
                "SELECT column_name, data_type FROM information_schema.columns
                 WHERE table_schema = 'intune_dw' AND table_name = 'devices'",
                &[],
            )
            .await
            .unwrap();
        rows.iter().map(|r| (r.get(0), r.get(1))).collect()
    });
    assert_eq!(columns["deviceKey"], "bigint");
    assert_eq!(columns["azureADRegistered"], "boolean");
    assert_eq!(columns["rowLastModifiedDateTimeUTC"], "timestamp with time zone");
    assert_eq!(columns["deviceName"], "text");
    assert_eq!(columns["_extra"], "jsonb");

    // What a user adds to a table read whole each sync (an index, a grant) outlives the refresh.
    let lookup = V1.schema().collections.iter().find(|c| c.kind == Kind::Lookup).unwrap().name.clone();
    let added = |client: tokio_postgres::Client| {
        let table = format!("intune_dw.\"{lookup}\"");
        async move {
            let index = "SELECT count(*) FROM pg_indexes WHERE schemaname = 'intune_dw' AND indexname = 'users_index'";
            let grant = format!("SELECT has_table_privilege('bi_reader', '{table}', 'SELECT')");
            (
                client.query_one(index, &[]).await.unwrap().get::<_, i64>(0),
                client.query_one(&grant, &[]).await.unwrap().get::<_, bool>(0),
            )
        }
    };
    served.runtime.block_on(async {
        let client = pg.connect("postgres").await;
        let table = format!("intune_dw.\"{lookup}\"");
        let first_column = &V1.schema().collections.iter().find(|c| c.name == lookup).unwrap().columns[0].name;
        client
            .batch_execute(&format!(
                "CREATE ROLE bi_reader; GRANT USAGE ON SCHEMA intune_dw TO bi_reader; \
                 GRANT SELECT ON {table} TO bi_reader; CREATE INDEX users_index ON {table} (\"{first_column}\")"
            ))
            .await
            .unwrap();
        assert_eq!(added(client).await, (1, true));
    });

    // Incremental: new days, modified rows.
    served.warehouse.add_days(2);
    served.warehouse.modify_rows(V1, "devices", 4);
    served.warehouse.modify_rows(V1, "mamCheckins", 3);
    assert_eq!(served.cli(&["sync", "--store", &url], &[]), 0);
    assert_schema_matches(&served, &url, "intune_dw", None);
    assert_eq!(served.runtime.block_on(async { added(pg.connect("postgres").await).await }), (1, true));
}

#[test]
fn a_second_sync_of_the_same_schema_refuses_to_start() {
    let Some(pg) = Postgres::start("intune-dw/tests/postgres.rs") else { return };
    let served = Served::start(small());
    let url = pg.url("postgres");
    served.runtime.block_on(async {
        let config = url.parse().unwrap();
        let first = PgStore::open(&config, "intune_dw", V1).await.unwrap();
        let second = PgStore::open(&config, "intune_dw", V1).await.unwrap_err();
        assert!(second.to_string().contains("another intune-dw sync"), "{second}");
        assert!(PgStore::open(&config, "other", V1).await.is_ok(), "another schema is another store");
        assert!(PgStore::open(&config, "intune_dw", ApiVersion::Beta).await.is_err());
        drop(first);
    });
}

/// Every PostgreSQL type the store uses, through `COPY` and back to the served form.
#[test]
fn every_column_type_round_trips() {
    let Some(pg) = Postgres::start("intune-dw/tests/postgres.rs") else { return };
    let served = Served::start(small());
    let column = |name: &str, ty, edm: &str| Column { name: name.into(), edm: edm.into(), ty, nullable: true };
    let collection: &'static Collection = Box::leak(Box::new(Collection {
        name: "probe".into(),
        entity_type: "Probe".into(),
        key: vec!["id".into()],
        kind: Kind::Lookup,
        columns: vec![
            Column { nullable: false, ..column("id", ColumnType::Integer, "Edm.Int64") },
            column("flag", ColumnType::Boolean, "Edm.Boolean"),
            column("ratio", ColumnType::Real, "Edm.Double"),
            column("amount", ColumnType::Text, "Edm.Decimal"),
            column("at", ColumnType::Text, "Edm.DateTimeOffset"),
            column("day", ColumnType::Text, "Edm.Date"),
            column("name", ColumnType::Text, "Edm.String"),
            column("tags", ColumnType::Json, "Collection(Edm.String)"),
        ],
    }));
    let rows = [
        json!({"id": 9007199254740993i64, "flag": true, "ratio": 0.25, "amount": "12345678901234567890.0123456789",
               "at": "2025-03-01T12:34:56.1234560Z", "day": "2025-02-28", "name": "O'Brien \"quoted\" é", "tags": ["a", "b"]}),
        json!({"id": -1, "flag": false, "ratio": -1.5e300, "amount": "-0.5", "at": null, "day": null, "name": null, "tags": []}),
    ];
    let sql_rows = rows
        .iter()
        .map(|row| {
            collection
                .columns
                .iter()
                .map(|c| to_sql(c.ty, &row[&c.name]))
                .chain([rusqlite::types::Value::Null])
                .collect()
        })
        .collect();
    let page = PageWrite {
        replace: None,
        rows: sql_rows,
        watermark: None,
        checkpoint: Checkpoint { scope: Scope::ModifiedSince { since: None }, cursor: None },
    };
    let stored: Vec<Map<String, Value>> = served.runtime.block_on(async {
        let config = pg.url("postgres").parse().unwrap();
        let mut store = PgStore::open(&config, "types", V1).await.unwrap();
        store.ensure_table(collection).await.unwrap();
        store.write_page(collection, page).await.unwrap();
        let mut stored = Vec::new();
        store
            .for_each_row(collection, |row| {
                stored.push(row);
                Ok(())
            })
            .await
            .unwrap();
        stored
    });
    // Key order; decimals as text, every digit kept (as the SQLite store keeps them).
    let expected: Vec<Map<String, Value>> = rows.iter().rev().map(|r| r.as_object().unwrap().clone()).collect();
    assert_eq!(stored, expected);
}

/// A refresh killed at every commit boundary, one after the other (feature `fault-injection`):
/// the next run exits 0 and ends with the rows of a clean run, as with SQLite.
#[test]
#[cfg(feature = "fault-injection")]
fn a_refresh_killed_at_every_commit_boundary_resumes_to_a_clean_schema() {
    let Some(pg) = Postgres::start("intune-dw/tests/postgres.rs") else { return };
    let collections = "mamCheckins,deviceTypes,devices";
    let served = Served::start(MockConfig { rows: 40, days: 4, page_size: 6, ..MockConfig::default() });
    let bin = env!("CARGO_BIN_EXE_intune-dw");
    let run = |db: &str, abort: Option<String>| {
        let mut command = std::process::Command::new(bin);
        command
            .args(["sync", "--store", &pg.url(db), "--collections", collections, "--concurrency", "1"])
            .envs(served.warehouse.env())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        if let Some(abort) = abort {
            command.env("INTUNE_DW_ABORT_AT", abort);
        }
        command.output().unwrap()
    };
    served.runtime.block_on(pg.execute("postgres", "CREATE DATABASE base"));
    assert!(run("base", None).status.success());
    served.warehouse.add_days(2);
    served.warehouse.modify_rows(V1, "devices", 5);
    let mut boundary = 0;
    loop {
        boundary += 1;
        for when in ["before", "after"] {
            let db = format!("{when}_{boundary}");
            served.runtime.block_on(pg.execute("postgres", &format!("CREATE DATABASE {db} TEMPLATE base")));
            let killed = run(&db, Some(format!("{when}:{boundary}")));
            if killed.status.success() {
                assert!(boundary > 4, "only {boundary} commits");
                return;
            }
            let resumed = run(&db, None);
            assert!(
                resumed.status.success(),
                "killed {when} commit {boundary}, the next run failed:\n{}",
                String::from_utf8_lossy(&resumed.stderr)
            );
            let names: Vec<&str> = collections.split(',').collect();
            assert_schema_matches(&served, &pg.url(&db), "intune_dw", Some(&names));
        }
    }
}

#[test]
fn tenants_sync_into_schemas_of_their_own() {
    let Some(pg) = Postgres::start("intune-dw/tests/postgres.rs") else { return };
    let contoso = Served::start(MockConfig { tenant: "contoso-tenant".into(), rows: 21, ..small() });
    let fabrikam = Served::start(MockConfig { tenant: "fabrikam-tenant".into(), rows: 12, ..small() });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tenants.toml");
    let entry = |name: &str, served: &Served| {
        format!(
            "[[tenant]]\nname = \"{name}\"\ntenant_id = \"{}\"\nclient_id = \"{}\"\nservice_root = \"{}\"\n\
             authority_host = \"{}\"\nclient_secret_env = \"SECRET\"\n\n",
            served.warehouse.tenant(),
            intune_dw::mock::CLIENT_ID,
            served.warehouse.service_root(),
            served.warehouse.base()
        )
    };
    std::fs::write(&file, entry("contoso", &contoso) + &entry("fabrikam", &fabrikam)).unwrap();
    let env = vec![("SECRET".to_owned(), intune_dw::mock::CLIENT_SECRET.to_owned())];
    let url = pg.url("postgres");
    assert_eq!(contoso.cli(&["sync", "--tenants", file.to_str().unwrap(), "--store", &url], &env), 0);
    assert_schema_matches(&contoso, &url, "contoso", None);
    assert_schema_matches(&fabrikam, &url, "fabrikam", None);
}

/// A PostgreSQL store exported as a lake: the same rows.
#[test]
#[cfg(feature = "parquet")]
fn a_postgresql_store_exports_as_a_lake() {
    let Some(pg) = Postgres::start("intune-dw/tests/postgres.rs") else { return };
    let served = Served::start(small());
    let url = pg.url("postgres");
    assert_eq!(served.cli(&["sync", "--store", &url, "--collections", "devices,mamCheckins"], &[]), 0);
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    assert_eq!(served.cli(&["export", "--store", &url, "--out", lake.to_str().unwrap()], &[]), 0);
    let manifest: intune_dw::lake::Manifest =
        serde_json::from_slice(&std::fs::read(lake.join("tenant=intune_dw/_manifest.json")).unwrap()).unwrap();
    for name in ["devices", "mamCheckins"] {
        let rows: u64 = manifest.partitions.iter().filter(|p| p.collection == name).map(|p| p.rows).sum();
        assert_eq!(rows, served.warehouse.rows(V1, name).len() as u64, "{name}");
    }
}
