//! The Warehouse [`Client`]: the runtime's client, configured for a tenant's location, with one
//! accessor per API version.

use std::ops::Deref;
use std::time::Duration;

use odata_runtime::{Error, RetryPolicy, ServiceDocument, TokenProvider};

use crate::warehouse;

/// A connection to one tenant's Intune Data Warehouse. Cheap to clone (shared state).
///
/// Everything the OData runtime's client offers is available through `Deref`
/// ([`service_root`](odata_runtime::Client::service_root), …).
///
/// ```no_run
/// # async fn run() -> Result<(), intune_dw_client::Error> {
/// use intune_dw_client::{Client, auth::ClientCredentials};
///
/// let client = Client::builder()
///     .location("msua06")
///     .token_provider(ClientCredentials::from_env()?)
///     .build()?;
/// let names = client.service_document("v1.0").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: odata_runtime::Client,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The OData service document: the collections of `api_version` (`v1.0` or `beta`).
    pub async fn service_document(&self, api_version: &str) -> Result<ServiceDocument, Error> {
        self.inner.service_document(Some(api_version)).await
    }

    /// The raw CSDL `$metadata` document of `api_version`.
    pub async fn metadata(&self, api_version: &str) -> Result<String, Error> {
        self.inner.metadata(Some(api_version)).await
    }

    /// The `api-version=v1.0` collections.
    #[cfg(feature = "v1_0")]
    pub fn v1_0(&self) -> crate::v1_0::Collections<'_> {
        crate::v1_0::Collections::new(&self.inner)
    }

    /// The `api-version=beta` collections (may change without notice).
    #[cfg(feature = "beta")]
    pub fn beta(&self) -> crate::beta::Collections<'_> {
        crate::beta::Collections::new(&self.inner)
    }
}

impl Deref for Client {
    type Target = odata_runtime::Client;

    fn deref(&self) -> &odata_runtime::Client {
        &self.inner
    }
}

impl AsRef<odata_runtime::Client> for Client {
    fn as_ref(&self) -> &odata_runtime::Client {
        &self.inner
    }
}

/// Configures a [`Client`]. A location (or service root) and a token provider are required.
#[derive(Debug)]
pub struct ClientBuilder {
    inner: odata_runtime::ClientBuilder,
    /// An invalid [`location`](ClientBuilder::location), reported by `build`.
    invalid_location: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            inner: odata_runtime::Client::builder().user_agent(warehouse::USER_AGENT),
            invalid_location: None,
        }
    }
}

impl ClientBuilder {
    /// The tenant's location as shown in the Intune admin center (Reports → Data warehouse),
    /// e.g. `msua06` for
    /// `https://fef.msua06.manage.microsoft.com/ReportingService/DataWarehouseFEService`.
    pub fn location(mut self, location: &str) -> Self {
        match warehouse::service_root(location) {
            Ok(root) => {
                self.inner = self.inner.service_root(&root);
                self.invalid_location = None;
            }
            Err(message) => self.invalid_location = Some(message),
        }
        self
    }

    /// The full service root URL, e.g. for the US Government cloud
    /// (`https://fef.fxpasu01.manage.microsoft.us/ReportingService/DataWarehouseFEService`).
    ///
    /// The URL shown in the admin center ends in `?api-version=v1.0`: that query is accepted and
    /// dropped, since the version is chosen per request. Only `https` is accepted, and plain
    /// `http` to loopback addresses (test servers).
    pub fn service_root(mut self, url: &str) -> Self {
        self.inner = self.inner.service_root(url);
        self.invalid_location = None;
        self
    }

    /// The source of bearer tokens.
    pub fn token_provider(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.inner = self.inner.token_provider(provider);
        self
    }

    /// A fixed bearer token (shorthand for [`StaticToken`](crate::StaticToken)).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.inner = self.inner.bearer_token(token);
        self
    }

    /// Time limit for one request, body included (default 5 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.inner = self.inner.timeout(timeout);
        self
    }

    /// Time limit for opening a connection (default 30 seconds).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.inner = self.inner.connect_timeout(timeout);
        self
    }

    /// Longest silence while reading a response (default 60 seconds); a stalled request fails
    /// with a timeout, which is retried.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.inner = self.inner.read_timeout(timeout);
        self
    }

    /// Longest response body accepted, in bytes (default 256 MiB); a longer answer fails with
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge) before it is buffered.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.inner = self.inner.max_response_bytes(limit);
        self
    }

    /// The `User-Agent` header (default `intune-dw-client/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.inner = self.inner.user_agent(user_agent);
        self
    }

    /// When and how often failed requests are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.inner = self.inner.retry_policy(policy);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(message) = self.invalid_location {
            return Err(Error::Config(message));
        }
        Ok(Client { inner: self.inner.build()? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_root_from_a_location() {
        let c = Client::builder().location("msua06").bearer_token("t").build().unwrap();
        assert_eq!(
            c.service_root().as_str(),
            "https://fef.msua06.manage.microsoft.com/ReportingService/DataWarehouseFEService"
        );
        assert_eq!(
            c.url(&["devices"]).as_str(),
            "https://fef.msua06.manage.microsoft.com/ReportingService/DataWarehouseFEService/devices"
        );
        for bad in ["", "MSUA06", "msua06.evil.com/x", "a b"] {
            let err = Client::builder().location(bad).bearer_token("t").build();
            assert!(matches!(err, Err(Error::Config(_))), "{bad:?}");
        }
        assert!(matches!(Client::builder().location("msua06").build(), Err(Error::Config(_))));
    }

    #[test]
    fn accepts_the_admin_center_url() {
        let gov = "https://fef.fxpasu01.manage.microsoft.us/ReportingService/DataWarehouseFEService/?api-version=v1.0";
        let c = Client::builder().service_root(gov).bearer_token("t").build().unwrap();
        assert_eq!(
            c.url(&["$metadata"]).as_str(),
            "https://fef.fxpasu01.manage.microsoft.us/ReportingService/DataWarehouseFEService/$metadata"
        );
    }
}
