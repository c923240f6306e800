//! `intune-dw export --store … --out …`: the stores as a Parquet lake, in a folder and on Azure
//! Blob Storage (Azurite, started by the test; skipped with a notice without Node.js): only the
//! partitions that changed are written, the manifest last, and an export killed at any write
//! leaves the previous manifest and its files valid.

#![cfg(feature = "parquet")]

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use intune_dw::lake::{Lake, Manifest};
use intune_dw::mock::MockConfig;
use intune_dw::schema::ApiVersion;
use object_store::ObjectStore;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sha2::{Digest, Sha256};
use support::{Served, small};
use test_servers::azurite::{ACCOUNT, ACCOUNT_KEY, Azurite};

const V1: ApiVersion = ApiVersion::V1_0;

fn rows_of(bytes: &[u8]) -> usize {
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes)).unwrap().build().unwrap();
    reader.map(|batch| batch.unwrap().num_rows()).sum()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The manifest of `tenant` in the lake folder `root`, with every file it names checked: its
/// size, checksum and row count.
fn checked_manifest(root: &Path, tenant: &str) -> Manifest {
    let folder = root.join(format!("tenant={tenant}"));
    let manifest: Manifest = serde_json::from_slice(&std::fs::read(folder.join("_manifest.json")).unwrap()).unwrap();
    for partition in &manifest.partitions {
        let bytes = std::fs::read(folder.join(&partition.path)).unwrap_or_else(|e| panic!("{}: {e}", partition.path));
        assert_eq!(bytes.len() as u64, partition.bytes, "{}", partition.path);
        assert_eq!(hex(&Sha256::digest(&bytes)), partition.sha256, "{}", partition.path);
        assert_eq!(rows_of(&bytes) as u64, partition.rows, "{}", partition.path);
    }
    manifest
}

/// Rows per collection in a manifest.
fn rows_by_collection(manifest: &Manifest) -> BTreeMap<String, u64> {
    let mut rows = BTreeMap::new();
    for partition in &manifest.partitions {
        *rows.entry(partition.collection.clone()).or_default() += partition.rows;
    }
    rows
}

fn served_rows(served: &Served, names: &[&str]) -> BTreeMap<String, u64> {
    names.iter().map(|name| ((*name).to_owned(), served.warehouse.rows(V1, name).len() as u64)).collect()
}

#[test]
fn an_export_writes_only_the_partitions_that_changed_and_the_manifest_last() {
    let served = Served::start(small());
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("dw.db");
    let (store, lake) = (store.to_str().unwrap(), dir.path().join("lake"));
    let names = ["devices", "mamCheckins", "deviceTypes"];
    let sync = ["sync", "--store", store, "--collections", "devices,mamCheckins,deviceTypes"];
    assert_eq!(served.cli(&sync, &[]), 0);
    let export = ["export", "--store", store, "--out", lake.to_str().unwrap()];
    assert_eq!(served.cli(&export, &[]), 0);
    let first = checked_manifest(&lake, "intune_dw");
    assert_eq!(rows_by_collection(&first), served_rows(&served, &names));
    let days: Vec<Option<i64>> =
        first.partitions.iter().filter(|p| p.collection == "mamCheckins").map(|p| p.date_key).collect();
    assert_eq!(days, [Some(20250301), Some(20250302), Some(20250303)], "a partition per day");
    assert!(first.partitions.iter().any(|p| p.path.starts_with("mamCheckins/dateKey=20250301/part-")));

    // Nothing changed: nothing is written again.
    assert_eq!(served.cli(&export, &[]), 0);
    let again = checked_manifest(&lake, "intune_dw");
    assert_eq!(again.partitions, first.partitions);

    // A new day and modified devices: those partitions only.
    served.warehouse.add_days(1);
    served.warehouse.modify_rows(V1, "devices", 2);
    assert_eq!(served.cli(&sync, &[]), 0);
    assert_eq!(served.cli(&export, &[]), 0);
    let third = checked_manifest(&lake, "intune_dw");
    assert_eq!(rows_by_collection(&third), served_rows(&served, &names));
    let changed: Vec<(String, Option<i64>)> = third
        .partitions
        .iter()
        .filter(|p| !first.partitions.contains(p))
        .map(|p| (p.collection.clone(), p.date_key))
        .collect();
    assert_eq!(changed, [("devices".to_owned(), None), ("mamCheckins".to_owned(), Some(20250304))]);
    // The replaced file stays for the readers of the previous manifest, until the next export.
    let replaced = again.partitions.iter().filter(|p| !third.partitions.contains(p)).count();
    assert_eq!(replaced, 1, "the devices file");
    let files: Vec<_> = walk(&lake.join("tenant=intune_dw"));
    assert_eq!(files.len(), third.partitions.len() + replaced + 1, "the manifests' files, nothing else: {files:?}");
    assert_eq!(served.cli(&export, &[]), 0);
    let files: Vec<_> = walk(&lake.join("tenant=intune_dw"));
    assert_eq!(files.len(), third.partitions.len() + 1, "the manifest and its files, nothing else: {files:?}");
}

fn walk(folder: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path.display().to_string());
        }
    }
    files
}

/// An export killed at every write, one after the other (feature `fault-injection`): the
/// previous manifest stays, with every file it names intact; the next export completes.
#[test]
#[cfg(feature = "fault-injection")]
fn an_export_killed_at_any_write_leaves_the_previous_manifest_valid() {
    let served = Served::start(MockConfig { rows: 20, days: 3, page_size: 7, ..MockConfig::default() });
    let bin = env!("CARGO_BIN_EXE_intune-dw");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("dw.db");
    let store = store.to_str().unwrap();
    let sync = ["sync", "--store", store, "--collections", "devices,mamCheckins"];
    assert_eq!(served.cli(&sync, &[]), 0);
    let lake = dir.path().join("lake");
    let export = |abort: Option<String>| {
        let mut command = std::process::Command::new(bin);
        command.args(["export", "--store", store, "--out", lake.to_str().unwrap()]);
        command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        if let Some(abort) = abort {
            command.env("INTUNE_DW_ABORT_AT", abort);
        }
        command.status().unwrap().success()
    };
    assert!(export(None));
    let before = checked_manifest(&lake, "intune_dw");
    served.warehouse.add_days(1);
    served.warehouse.modify_rows(V1, "devices", 3);
    assert_eq!(served.cli(&sync, &[]), 0);
    for write in 1.. {
        for when in ["before", "after"] {
            if export(Some(format!("{when}:{write}"))) {
                assert!(write > 2, "only {write} writes");
                let after = checked_manifest(&lake, "intune_dw");
                assert_eq!(rows_by_collection(&after), served_rows(&served, &["devices", "mamCheckins"]));
                return;
            }
            // Killed: the manifest is the previous one (or, after its own write, the new one),
            // and all its files are there.
            let now = checked_manifest(&lake, "intune_dw");
            assert!(now.partitions == before.partitions || now.partitions.len() == before.partitions.len() + 1);
        }
    }
}

/// Creates `container` in Azurite (`object_store` cannot), signed with the account key.
async fn create_container(azurite: &Azurite, container: &str) {
    use object_store::azure::{AzureAccessKey, AzureAuthorizer, AzureCredential};
    use object_store::client::{HttpRequest, HttpRequestBody};
    let credential = AzureCredential::AccessKey(AzureAccessKey::try_new(ACCOUNT_KEY).unwrap());
    let mut request = HttpRequest::new(HttpRequestBody::from(Vec::<u8>::new()));
    *request.method_mut() = http::Method::PUT;
    *request.uri_mut() = format!("{}/{container}?restype=container", azurite.endpoint()).parse().unwrap();
    AzureAuthorizer::new(&credential, ACCOUNT).try_authorize(&mut request).unwrap();
    let response = reqwest::Client::new()
        .put(request.uri().to_string())
        .headers(request.headers().clone())
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201, "{:?}", response.text().await);
}

#[test]
fn tenants_export_side_by_side_to_azure_blob_storage() {
    let Some(azurite) = Azurite::start("intune-dw/tests/lake.rs") else { return };
    let contoso = Served::start(MockConfig { tenant: "contoso-tenant".into(), rows: 14, ..small() });
    let fabrikam = Served::start(MockConfig { tenant: "fabrikam-tenant".into(), rows: 9, ..small() });
    let dir = tempfile::tempdir().unwrap();
    // Two stores, synced one by one from the environment's tenant.
    for (name, served) in [("contoso", &contoso), ("fabrikam", &fabrikam)] {
        let store = dir.path().join(format!("{name}.db"));
        assert_eq!(
            served.cli(&["sync", "--store", store.to_str().unwrap(), "--collections", "devices,mamCheckins"], &[]),
            0
        );
    }
    let file = dir.path().join("tenants.toml");
    std::fs::write(
        &file,
        "[[tenant]]\nname = \"contoso\"\nlocation = \"x\"\nmanaged_identity = true\n\n\
         [[tenant]]\nname = \"fabrikam\"\nlocation = \"x\"\nmanaged_identity = true\n",
    )
    .unwrap();
    contoso.runtime.block_on(create_container(&azurite, "lake"));
    let env: Vec<(String, String)> = [
        ("AZURE_STORAGE_ACCOUNT_NAME", ACCOUNT.to_owned()),
        ("AZURE_STORAGE_ACCOUNT_KEY", ACCOUNT_KEY.to_owned()),
        ("AZURE_STORAGE_ENDPOINT", azurite.endpoint()),
        ("AZURE_ALLOW_HTTP", "true".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let store = dir.path().join("{tenant}.db");
    let args = [
        "export",
        "--store",
        store.to_str().unwrap(),
        "--tenants",
        file.to_str().unwrap(),
        "--out",
        "az://lake/intune",
    ];
    assert_eq!(contoso.cli(&args, &env), 0);

    // Read back through object_store.
    let blob: Arc<dyn ObjectStore> = Arc::new(
        object_store::azure::MicrosoftAzureBuilder::new()
            .with_account(ACCOUNT)
            .with_access_key(ACCOUNT_KEY)
            .with_endpoint(azurite.endpoint())
            .with_allow_http(true)
            .with_container_name("lake")
            .build()
            .unwrap(),
    );
    let lake = Lake::on(blob.clone(), object_store::path::Path::from("intune"));
    contoso.runtime.block_on(async {
        for (name, served) in [("contoso", &contoso), ("fabrikam", &fabrikam)] {
            let manifest = lake.manifest(name).await.unwrap().unwrap();
            assert_eq!(rows_by_collection(&manifest), served_rows(served, &["devices", "mamCheckins"]), "{name}");
            for partition in &manifest.partitions {
                let path = object_store::path::Path::from(format!("intune/tenant={name}/{}", partition.path));
                let bytes = object_store::ObjectStoreExt::get(&blob, &path).await.unwrap().bytes().await.unwrap();
                assert_eq!(hex(&Sha256::digest(&bytes)), partition.sha256);
                assert_eq!(rows_of(&bytes) as u64, partition.rows);
            }
        }
    });
}
