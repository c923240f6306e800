//! `intune-dw sync --tenants`: several mock Warehouses, each its own tenant with its own data and
//! its own token endpoint, synced side by side into one SQLite file each; every kind of
//! credential of the tenants file, checked by the mock's token endpoints as Entra ID and the
//! managed-identity endpoints check them; one tenant failing alone.

mod support;

use std::path::Path;

use intune_dw::mock::{CLIENT_ID, FEDERATED_TOKEN, IDENTITY_HEADER, MockConfig};
use intune_dw::schema::ApiVersion;
use support::{Served, assert_store_matches, small};

const V1: ApiVersion = ApiVersion::V1_0;

fn mock(tenant: &str, rows: usize) -> Served {
    Served::start(MockConfig { tenant: tenant.to_owned(), rows, ..small() })
}

/// A `[[tenant]]` of the file for `served`, with `credential` (TOML lines).
fn tenant_entry(name: &str, served: &Served, credential: &str) -> String {
    format!(
        "[[tenant]]\nname = \"{name}\"\ntenant_id = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nservice_root = \"{}\"\n\
         authority_host = \"{}\"\n{credential}\n\n",
        served.warehouse.tenant(),
        served.warehouse.service_root(),
        served.warehouse.base(),
    )
}

/// A certificate and its key in one PEM file, which the mock then trusts.
fn certificate(served: &Served, path: &Path) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let certificate =
        rcgen::CertificateParams::new(vec!["intune-dw.test".to_owned()]).unwrap().self_signed(&key).unwrap();
    std::fs::write(path, format!("{}{}", key.serialize_pem(), certificate.pem())).unwrap();
    served.warehouse.trust_certificate(certificate.der());
}

#[test]
fn every_tenant_syncs_into_its_own_store_with_its_own_credential() {
    let contoso = mock("contoso-tenant", 30);
    let fabrikam = mock("fabrikam-tenant", 23);
    let northwind = mock("northwind-tenant", 17);
    let azure = mock("azure-tenant", 11);
    let dir = tempfile::tempdir().unwrap();
    certificate(&fabrikam, &dir.path().join("fabrikam.pem"));
    std::fs::write(dir.path().join("northwind.token"), FEDERATED_TOKEN).unwrap();
    let file = dir.path().join("tenants.toml");
    std::fs::write(
        &file,
        [
            tenant_entry("contoso", &contoso, "client_secret_env = \"CONTOSO_SECRET\""),
            tenant_entry("fabrikam", &fabrikam, "certificate = \"fabrikam.pem\""),
            tenant_entry("northwind", &northwind, "federated_token_file = \"northwind.token\""),
            // The App Service identity endpoint of the mock (its variables below).
            format!(
                "[[tenant]]\nname = \"on_azure\"\nservice_root = \"{}\"\nmanaged_identity = true\n",
                azure.warehouse.service_root()
            ),
        ]
        .concat(),
    )
    .unwrap();
    let env = vec![
        ("CONTOSO_SECRET".to_owned(), intune_dw::mock::CLIENT_SECRET.to_owned()),
        ("IDENTITY_ENDPOINT".to_owned(), format!("{}/msi/token", azure.warehouse.base())),
        ("IDENTITY_HEADER".to_owned(), IDENTITY_HEADER.to_owned()),
    ];
    let store = dir.path().join("stores/{tenant}.db");
    let args = ["sync", "--tenants", file.to_str().unwrap(), "--store", store.to_str().unwrap(), "--concurrency", "8"];
    assert_eq!(contoso.cli(&args, &env), 0);

    for (name, served) in
        [("contoso", &contoso), ("fabrikam", &fabrikam), ("northwind", &northwind), ("on_azure", &azure)]
    {
        assert_store_matches(&dir.path().join(format!("stores/{name}.db")), &served.warehouse, V1, &[]);
        let requests = served.warehouse.token_requests();
        assert!(!requests.is_empty() && requests.iter().all(|r| r.status == 200), "{name}: {requests:?}");
    }
    let assertion = fabrikam.warehouse.token_requests()[0].field("client_assertion").unwrap().to_owned();
    assert_eq!(assertion.split('.').count(), 3, "a signed JWT");
    assert_eq!(northwind.warehouse.token_requests()[0].field("client_assertion"), Some(FEDERATED_TOKEN));
    assert_eq!(azure.warehouse.token_requests()[0].header("x-identity-header"), Some(IDENTITY_HEADER));
}

#[test]
fn one_tenant_failing_stops_only_that_tenant() {
    let good = mock("good-tenant", 19);
    let bad = mock("bad-tenant", 13);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tenants.toml");
    std::fs::write(
        &file,
        [
            tenant_entry("good", &good, "client_secret_env = \"GOOD_SECRET\""),
            tenant_entry("bad", &bad, "client_secret_env = \"BAD_SECRET\""),
        ]
        .concat(),
    )
    .unwrap();
    let secret = intune_dw::mock::CLIENT_SECRET.to_owned();
    let wrong = vec![("GOOD_SECRET".to_owned(), secret.clone()), ("BAD_SECRET".to_owned(), "expired".to_owned())];
    let store = dir.path().join("{tenant}.db");
    let args = ["sync", "--tenants", file.to_str().unwrap(), "--store", store.to_str().unwrap()];
    assert_eq!(good.cli(&args, &wrong), 1, "one tenant failed");
    assert_store_matches(&dir.path().join("good.db"), &good.warehouse, V1, &[]);
    let requests = bad.warehouse.service_requests();
    assert!(requests.is_empty(), "no token, no request to its Warehouse: {requests:?}");

    let right = vec![("GOOD_SECRET".to_owned(), secret.clone()), ("BAD_SECRET".to_owned(), secret)];
    assert_eq!(good.cli(&args, &right), 0);
    assert_store_matches(&dir.path().join("bad.db"), &bad.warehouse, V1, &[]);
}

#[test]
fn several_tenants_need_a_store_per_tenant() {
    let served = mock("t", 5);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tenants.toml");
    let entries = [
        tenant_entry("one", &served, "client_secret_env = \"S\""),
        tenant_entry("two", &served, "client_secret_env = \"S\""),
    ];
    std::fs::write(&file, entries.concat()).unwrap();
    let env = vec![("S".to_owned(), "x".to_owned())];
    let shared = dir.path().join("all.db");
    let args = ["sync", "--tenants", file.to_str().unwrap(), "--store", shared.to_str().unwrap()];
    assert_eq!(served.cli(&args, &env), 2);
    assert!(!shared.exists());
}
