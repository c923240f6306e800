//! The OData-to-Rust code generator: CSDL `$metadata` in, Rust source files out.
//!
//! Pure library: it takes text and returns text, and does no file or network I/O (that is
//! `xtask`'s job).
//!
//! - [`csdl`]: parse and resolve a CSDL document into a [`csdl::Model`].
//! - [`generate()`]: model → plan (`plan`) → tokens (`emit`) → formatted files; every Rust name
//!   comes from [`naming`].
//! - [`diff`]: compare two models and classify each change by its impact on the generated crate.

#![deny(missing_docs)]

pub mod csdl;
pub mod diff;
mod emit;
mod generate;
pub mod naming;
mod options;
mod plan;

pub use generate::{Files, GenerateError, generate, generate_with_features};
pub use options::{Condition, FULL_FEATURE, Header, Layout, Options, OptionsError, Profile, Rule, RustPath};
