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
//! # #[cfg(feature = "v1_0")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use futures::TryStreamExt;
//! use intune_dw_client::{Client, auth};
//!
//! let client = Client::builder()
//!     .location("msua06") // or .service_root("https://fef.…/ReportingService/DataWarehouseFEService")
//!     .token_provider(auth::ClientCredentials::from_env()?) // AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
//!     .build()?;
//!
//! // Rows modified since a point in time (only on collections with rowLastModifiedDateTimeUTC).
//! let since = time::macros::datetime!(2025-03-01 0:00 UTC);
//! let mut devices = client.v1_0().devices().modified_since(since).stream();
//! while let Some(device) = devices.try_next().await? {
//!     println!("{} {:?}", device.device_key, device.device_name);
//! }
//!
//! // Date-keyed fact collections take typed dateKey bounds or maxhistorydays — not both (that does
//! // not compile, because the service would silently ignore maxhistorydays).
//! let checkins = client.v1_0().mam_checkins().date_key_ge(time::macros::date!(2025-03-10)).collect_all().await?;
//! let recent = client.v1_0().mam_checkins().max_history_days(7).collect_all().await?;
//! # let _ = (checkins, recent);
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
