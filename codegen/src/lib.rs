//! The OData-to-Rust code generator: CSDL `$metadata` in, Rust source files out.
//!
//! Pure library: it takes text and returns text, and does no file or network I/O (that is
//! `xtask`'s job).
//!
//! - [`csdl`] (the crate `odata-csdl`, re-exported): parse and resolve a CSDL document into a
//!   [`csdl::Model`];
//! - [`generate()`]: model → plan (`plan`) → tokens (`emit`) → formatted files; every Rust name
//!   comes from [`naming`];
//! - [`diff`]: `odata-csdl`'s schema diff plus the generator's own layout rule (an entity type
//!   that moves module), each change classified by its impact on the generated crate.

#![deny(missing_docs)]

pub mod diff;
mod emit;
mod generate;
pub mod naming;
mod options;
mod plan;

pub use odata_csdl as csdl;

pub use generate::{Files, GenerateError, generate, generate_with_features};
pub use options::{
    Condition, FULL_FEATURE, Header, KindSpec, Layout, Options, OptionsError, Profile, Rule, RustPath, Variant,
};
