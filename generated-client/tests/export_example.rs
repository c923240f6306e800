//! The `export` example, run in-process against the local mock Warehouse with the generated
//! v1.0 row types.

#[allow(dead_code)] // the example's `main`
#[path = "../examples/export.rs"]
mod export;
mod support;

use intune_dw_mock::{CLIENT_ID, CLIENT_SECRET, Reply, TENANT, TOKEN};
use support::*;

struct Output {
    code: u8,
    stdout: String,
    stderr: String,
}

async fn export(args: &[&str], env: &[(&str, &str)]) -> Output {
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let args = std::iter::once("export").chain(args.iter().copied());
    let code = export::run(args, lookup, &mut stdout, &mut stderr).await;
    Output { code, stdout: String::from_utf8(stdout).unwrap(), stderr: String::from_utf8(stderr).unwrap() }
}

fn ndjson(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

#[tokio::test]
async fn exports_every_page_as_ndjson() {
    let warehouse = start().await;
    let root = warehouse.service_root();

    let out = export(&["devices"], &[("INTUNE_DW_SERVICE_ROOT", &root), ("INTUNE_DW_TOKEN", TOKEN)]).await;

    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = ndjson(&out.stdout);
    let keys: Vec<i64> = rows.iter().map(|r| r["deviceKey"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = sample_rows("devices.json").iter().map(|r| r["deviceKey"].as_i64().unwrap()).collect();
    assert_eq!(keys, expected);
    assert!(out.stderr.contains("done: 5 rows in 3 pages of devices"), "{}", out.stderr);
    assert_eq!(warehouse.service_requests().len(), 3);
}

#[tokio::test]
async fn applies_since_and_max_history_days_where_supported() {
    let warehouse = start().await;
    let root = warehouse.service_root();
    let env = [("INTUNE_DW_SERVICE_ROOT", root.as_str()), ("INTUNE_DW_TOKEN", TOKEN)];

    let out = export(&["dates", "--max-history-days", "2"], &env).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(ndjson(&out.stdout).len(), 3);
    assert_eq!(warehouse.service_requests()[0].param("maxhistorydays"), Some("2"));

    let out = export(&["devices", "--since", "2025-03-01T00:00:00+01:00"], &env).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(ndjson(&out.stdout).len(), 4);
    assert_eq!(
        warehouse.service_requests().last().unwrap().param("$filter"),
        Some("rowLastModifiedDateTimeUTC ge 2025-02-28T23:00:00.0000000Z")
    );

    let before = warehouse.service_requests().len();
    let out = export(&["devices", "--max-history-days", "7"], &env).await;
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not keyed by dateKey"), "{}", out.stderr);
    let out = export(&["dates", "--since", "2025-03-01T00:00:00Z"], &env).await;
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no rowLastModifiedDateTimeUTC"), "{}", out.stderr);
    assert_eq!(warehouse.service_requests().len(), before, "refused before sending");
}

#[tokio::test]
async fn exits_non_zero_when_a_page_fails() {
    let warehouse = start().await;
    warehouse.intercept(|request| {
        (request.param("$skiptoken") == Some("2"))
            .then(|| Reply::warehouse_error(400, "An error has occurred - Operation ID: 42"))
    });
    let root = warehouse.service_root();

    let out = export(&["devices"], &[("INTUNE_DW_SERVICE_ROOT", &root), ("INTUNE_DW_TOKEN", TOKEN)]).await;

    assert_eq!(out.code, 1);
    assert_eq!(ndjson(&out.stdout).len(), 2, "the first page was written");
    assert!(out.stderr.contains("HTTP 400"), "{}", out.stderr);
    assert!(out.stderr.contains("Operation ID: 42"), "{}", out.stderr);
    assert!(!out.stderr.contains(TOKEN));
}

#[tokio::test]
async fn uses_client_credentials_from_the_azure_variables() {
    let warehouse = start().await;
    let root = warehouse.service_root();

    let out = export(
        &["dates"],
        &[
            ("INTUNE_DW_SERVICE_ROOT", &root),
            ("AZURE_TENANT_ID", TENANT),
            ("AZURE_CLIENT_ID", CLIENT_ID),
            ("AZURE_CLIENT_SECRET", CLIENT_SECRET),
            ("AZURE_AUTHORITY_HOST", warehouse.base()),
        ],
    )
    .await;

    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(ndjson(&out.stdout).len(), 7);
    assert_eq!(warehouse.tokens_issued(), 1);
}

#[tokio::test]
async fn reports_usage_and_configuration_errors() {
    let warehouse = start().await;
    let root = warehouse.service_root();
    let env = [("INTUNE_DW_SERVICE_ROOT", root.as_str()), ("INTUNE_DW_TOKEN", TOKEN)];

    let unknown = export(&["gadgets"], &env).await;
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("has no collection \"gadgets\""), "{}", unknown.stderr);
    assert!(unknown.stderr.contains("devices"));

    let bad_version = export(&["devices", "--api-version", "v2"], &env).await;
    assert_eq!(bad_version.code, 2);
    assert!(bad_version.stderr.contains("possible values: v1.0, beta"), "{}", bad_version.stderr);

    let help = export(&["--help"], &env).await;
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("--max-history-days"), "{}", help.stdout);

    let no_root = export(&["devices"], &[("INTUNE_DW_TOKEN", TOKEN)]).await;
    assert_eq!(no_root.code, 2);
    assert!(no_root.stderr.contains("INTUNE_DW_SERVICE_ROOT"), "{}", no_root.stderr);

    let no_token = export(&["devices"], &[("INTUNE_DW_SERVICE_ROOT", &root)]).await;
    assert_eq!(no_token.code, 2);
    assert!(no_token.stderr.contains("AZURE_TENANT_ID"), "{}", no_token.stderr);
    assert_eq!(warehouse.service_requests().len(), 0);
}
