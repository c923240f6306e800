//! Typed client for the Microsoft Intune Data Warehouse, a read-only OData v4 service.
//!
//! The version modules (`v1_0`, `beta`) are generated from the service's `$metadata` by
//! `cargo xtask codegen`: one row type and one typed query per collection. The rest is the
//! hand-written runtime:
//!
//! - [`client`]: the [`Client`] (service root, HTTP, token provider, retry policy), the service
//!   document and `$metadata`;
//! - [`auth`]: token providers (static token, Entra ID client credentials);
//! - [`query`]: the query builder, restricted to what the Warehouse accepts;
//! - [`paging`]: lazy page and row streams following `@odata.nextLink`, resumable cursors;
//! - [`retry`]: the retry policy;
//! - [`error`]: the one [`Error`] type.
//!
//! ```no_run
//! # async fn run() -> Result<(), intune_dw_client::Error> {
//! use futures::TryStreamExt;
//! use intune_dw_client::{Client, auth::ClientCredentials, query::Query};
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Device;
//! # #[derive(Debug, Clone, Copy)] enum F { K }
//! # impl intune_dw_client::query::Field for F { const ALL: &'static [Self] = &[F::K]; fn wire_name(self) -> &'static str { "deviceKey" } }
//! # impl intune_dw_client::query::EntitySet for Device { const NAME: &'static str = "devices"; const KEY: &'static [&'static str] = &["deviceKey"]; type Field = F; }
//!
//! let client = Client::builder()
//!     .location("msua06")
//!     .token_provider(ClientCredentials::from_env()?)
//!     .build()?;
//! // With the generated modules: `client.v1_0().devices()`.
//! let mut rows = Query::<Device>::new(&client, Some("v1.0")).stream();
//! while let Some(device) = rows.try_next().await? {
//!     // ...
//! }
//! # Ok(()) }
//! ```

pub mod auth;
pub mod client;
pub mod error;
pub mod paging;
pub mod query;
pub mod retry;

mod origin;
mod transport;

pub mod edm;
#[cfg(feature = "v1_0")]
#[rustfmt::skip]
pub mod v1_0;
#[cfg(feature = "beta")]
#[rustfmt::skip]
pub mod beta;

pub use auth::{AccessToken, ClientCredentials, StaticToken, TokenProvider};
pub use client::{Client, ClientBuilder, ServiceDocument};
pub use error::Error;
pub use paging::{Cursor, Page};
pub use query::Query;
pub use retry::RetryPolicy;
