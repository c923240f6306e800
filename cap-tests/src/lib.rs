//! Tests of generated clients against a real OData v4 server: the bookshop of `cap/` served by
//! SAP CAP ([`Bookshop`], from `test-servers`), and the README's Rust examples compiled as doc
//! tests.

pub use test_servers::bookshop::{Bookshop, project_dir};

/// The workspace's README, whose Rust examples (the typed queries of `cap-client`, and the
/// Warehouse client's) are compiled as doc tests here.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
