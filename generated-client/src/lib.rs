//! Typed client for the Microsoft Intune Data Warehouse, a read-only OData v4 service.
//!
//! The version modules (`v1_0`, `beta`) are generated from the service's `$metadata` by
//! `cargo xtask codegen`: one row type and one typed query per collection. They run on the
//! generic OData runtime ([`odata_runtime`]); what is the Warehouse's own is hand-written here:
//!
//! - [`client`]: the [`Client`], configured by the tenant's location, with `v1_0()` / `beta()`;
//! - [`auth`]: token providers with the Warehouse's scope and environment variable;
//! - [`query`]: the query builder, restricted to what the Warehouse accepts (`dateKey` bounds or
//!   `maxhistorydays`, "modified since");
//! - [`warehouse`]: the service's rules (service root, scope, filter properties, error body).
//!
//! Paging, retries, the Edm adapters and the error type are the runtime's, re-exported
//! ([`paging`], [`retry`], [`edm`], [`error`]).
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
//!
//! The Warehouse is read-only (its profile says `read_only = true`): the rows are entity sets,
//!
//! ```
//! # #[cfg(feature = "v1_0")] {
//! fn entity_set<E: odata_runtime::query::EntitySet>() {}
//! entity_set::<intune_dw_client::v1_0::devices::Device>();
//! # }
//! ```
//!
//! but nothing creates, updates or deletes them:
//!
//! ```compile_fail
//! # #[cfg(feature = "v1_0")] {
//! fn insertable<E: odata_runtime::query::Insertable>() {}
//! insertable::<intune_dw_client::v1_0::devices::Device>();
//! # }
//! ```
//!
//! ```compile_fail
//! # #[cfg(feature = "v1_0")] {
//! fn updatable<E: odata_runtime::query::Updatable>() {}
//! updatable::<intune_dw_client::v1_0::devices::Device>();
//! # }
//! ```
//!
//! ```compile_fail
//! # #[cfg(feature = "v1_0")] {
//! fn deletable<E: odata_runtime::query::Deletable>() {}
//! deletable::<intune_dw_client::v1_0::devices::Device>();
//! # }
//! ```

#![deny(missing_docs)]

pub mod auth;
pub mod client;
pub mod query;
pub mod warehouse;

pub use odata_runtime::{edm, error, paging, retry};

// Generated: documented from the schema, which does not describe every element.
#[cfg(feature = "v1_0")]
#[rustfmt::skip]
#[allow(missing_docs)]
pub mod v1_0;
#[cfg(feature = "beta")]
#[rustfmt::skip]
#[allow(missing_docs)]
pub mod beta;

pub use auth::{AccessToken, ClientCredentials, StaticToken, TokenProvider};
pub use client::{Client, ClientBuilder};
pub use odata_runtime::{Cursor, Error, Page, RetryPolicy, ServiceDocument, Transfer};
pub use query::Query;
pub use warehouse::{ApiVersion, Kind};
