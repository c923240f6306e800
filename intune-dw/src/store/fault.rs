//! Fault injection at the store's commit boundaries (feature `fault-injection`, for tests): with
//! `INTUNE_DW_ABORT_AT=before:N` or `after:N`, the process aborts (as `kill -9` would stop it,
//! with no cleanup) just before or just after its `N`th commit (1-based). Without the feature,
//! or without the variable, nothing happens.

/// Where a commit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Boundary {
    Before,
    After,
}

#[cfg(feature = "fault-injection")]
pub(crate) fn at(boundary: Boundary) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COMMITS: AtomicU64 = AtomicU64::new(0);
    let Ok(spec) = std::env::var("INTUNE_DW_ABORT_AT") else { return };
    let Some((when, n)) = spec.split_once(':') else { return };
    let Ok(n) = n.parse::<u64>() else { return };
    let count = match boundary {
        Boundary::Before => COMMITS.fetch_add(1, Ordering::SeqCst) + 1,
        Boundary::After => COMMITS.load(Ordering::SeqCst),
    };
    let wanted = match when {
        "before" => Boundary::Before,
        "after" => Boundary::After,
        _ => return,
    };
    if wanted == boundary && count == n {
        std::process::abort();
    }
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub(crate) fn at(_: Boundary) {}
