//! The fuzz targets' checks: each takes arbitrary bytes and panics only on a real defect (a
//! panic of the code under test, or a broken invariant). The `fuzz_targets/` binaries hand
//! them to libFuzzer; the workspace's tests replay `fuzz/regressions/<target>/` through them.

mod metadata;
mod wire;

pub use metadata::{csdl, diff};
pub use wire::{next_link, page};
