//! The OData-to-Rust code generator: CSDL `$metadata` in, Rust source files out.
//!
//! Pure library: it takes text and returns text, and does no file or network I/O (that is
//! `xtask`'s job).
//!
//! - [`csdl`]: parse and resolve a CSDL document into a [`csdl::Model`].

pub mod csdl;
