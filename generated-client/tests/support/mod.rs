//! What the integration tests share: the fixture samples, fast retries, and clients for the
//! local mock Warehouse (crate `intune-dw-mock`), the one server that behaves like the Warehouse
//! (`adversarial.rs` keeps its own hostile raw-socket server on purpose).
#![allow(dead_code)] // each test binary uses a different part

use std::time::Duration;

use intune_dw_client::{Client, ClientCredentials, RetryPolicy};
use intune_dw_mock::{CLIENT_ID, MockConfig, MockWarehouse, TENANT, TOKEN};
use serde_json::Value;

#[allow(unused_imports)] // not every test binary uses it
pub use intune_dw_mock::ROOT_PATH;

/// Reads a v1.0 sample page and returns its `value` rows.
pub fn sample_rows(file: &str) -> Vec<Value> {
    let path = format!("{}/../fixtures/v1.0/samples/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let page: Value = serde_json::from_str(&text).unwrap();
    page["value"].as_array().unwrap().clone()
}

/// The sample rows decoded into `T`.
pub fn sample<T: serde::de::DeserializeOwned>(file: &str) -> Vec<T> {
    serde_json::from_value(Value::Array(sample_rows(file))).unwrap()
}

/// A retry policy with millisecond backoffs, so tests stay fast.
pub fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(40))
        .with_max_elapsed(Duration::from_secs(10))
}

/// The mock Warehouse serving the fixture samples in pages of 2 rows
/// ([`MockConfig::for_samples`]): `devices` has 5 rows, `dates` 7 (the last is "today"),
/// `mamCheckins` 6; beta `devices` 3.
pub async fn start() -> MockWarehouse {
    MockWarehouse::start(MockConfig::for_samples()).await.unwrap()
}

/// Clients and credentials for a mock.
pub trait Connect {
    /// A client with the mock's static [`TOKEN`] and [`fast_retries`]`(4)`.
    fn client(&self) -> Client {
        self.client_with(fast_retries(4))
    }

    /// A client with the static [`TOKEN`] and `retry`.
    fn client_with(&self, retry: RetryPolicy) -> Client;

    /// Client credentials for the mock's token endpoint ([`TENANT`], [`CLIENT_ID`]) with `secret`.
    fn credentials(&self, secret: &str) -> ClientCredentials;
}

impl Connect for MockWarehouse {
    fn client_with(&self, retry: RetryPolicy) -> Client {
        Client::builder().service_root(&self.service_root()).bearer_token(TOKEN).retry_policy(retry).build().unwrap()
    }

    fn credentials(&self, secret: &str) -> ClientCredentials {
        ClientCredentials::new(TENANT, CLIENT_ID, secret)
            .unwrap()
            .with_authority_host(self.base())
            .unwrap()
            .with_retry_policy(fast_retries(2))
    }
}
