//! The runtime of the OData v4 clients that this project's generator (`codegen`) writes: every
//! generated crate depends on it, and it knows OData and HTTP, no particular service.
//!
//! - [`client`]: the [`Client`] (service root, HTTP, timeouts, user agent, token provider,
//!   retry policy), the service document and `$metadata`;
//! - [`auth`]: credentials (none, HTTP basic, bearer tokens) and token providers (static token;
//!   client credentials against Entra ID or any OAuth 2.0 server, with a secret, a certificate
//!   or a federated token; managed identities);
//! - [`query`]: typed queries (keys, `$filter`, `$orderby`, `$expand`, `$select`, counts,
//!   navigation, capabilities as types) and the extension point for service-specific state;
//!   functions and actions (`Call`, `Operation`); writes with ETags (`Write`, `Tagged`) and
//!   `$batch` (`Batch`); media (`Media`);
//! - [`paging`]: lazy page and row streams following `@odata.nextLink`, resumable cursors;
//! - [`retry`]: the retry policy;
//! - [`edm`]: serde adapters for the Edm primitive types, and flags enums;
//! - [`record`]: how generated structured types are read and written (`#[derive(Record)]`);
//! - [`error`]: the one [`Error`] type, with the standard OData error body.
//!
//! ```no_run
//! # async fn run() -> Result<(), odata_runtime::Error> {
//! use odata_runtime::{Client, auth::ClientCredentials};
//!
//! let client = Client::builder()
//!     .service_root("https://services.example.com/odata")
//!     .token_provider(ClientCredentials::from_env("api://example/.default")?)
//!     .build()?;
//! let metadata = client.metadata(None).await?;
//! # let _ = metadata;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod auth;
pub mod client;
pub mod edm;
pub mod error;
pub mod paging;
pub mod query;
pub mod record;
pub mod retry;

mod body;
mod origin;
mod transport;

/// What the runtime's macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}

pub use auth::{AccessToken, ClientCredentials, StaticToken, TokenProvider};
pub use client::{Client, ClientBuilder, ServiceDocument, Transfer};
pub use error::Error;
pub use paging::{Change, Cursor, Page};
pub use query::{Entity, EntitySet, EntitySetVisitor, Field, Query, QueryExtension, Single, Structured};
pub use record::Record;
pub use retry::RetryPolicy;
