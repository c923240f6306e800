//! The generator's golden outputs, one module per case in `../cases/`, compiled so that every
//! snapshot is checked by rustc and clippy. Regenerate with
//! `UPDATE_EXPECT=1 cargo test -p codegen --test goldens`.

#[rustfmt::skip]
pub mod annotations;
#[rustfmt::skip]
pub mod enums;
#[rustfmt::skip]
pub mod features;
#[rustfmt::skip]
pub mod inheritance;
#[rustfmt::skip]
pub mod namespaces;
#[rustfmt::skip]
pub mod naming;
#[rustfmt::skip]
pub mod nullable;
#[rustfmt::skip]
pub mod operations;
#[rustfmt::skip]
pub mod profile;
#[rustfmt::skip]
pub mod recursive;

/// The `profile` case's classification of entity sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Rows have a `stamp`.
    Audited,
    /// Any other entity set.
    Plain,
}

/// The marker trait of the `profile` case's rule: entity sets whose rows have a `stamp`.
pub trait Audited: odata_runtime::EntitySet {}

/// The `profile` case's query type: the runtime's query with a service-specific filter.
pub type AuditedQuery<'c, E> = odata_runtime::Query<'c, E, StampedSince>;

/// The `profile` case's query state: rows stamped at or after a point in time.
#[derive(Debug, Clone, Default)]
pub struct StampedSince(pub Option<time::OffsetDateTime>);

impl odata_runtime::QueryExtension for StampedSince {
    fn filter_clauses(&self) -> Result<Vec<String>, odata_runtime::Error> {
        self.0
            .map(|at| Ok(format!("stamp ge {}", odata_runtime::query::date_time_offset_literal(at)?)))
            .into_iter()
            .collect()
    }
}

/// Only audited entity sets can be limited by stamp.
pub fn stamped_since<E: Audited>(query: AuditedQuery<'_, E>, at: time::OffsetDateTime) -> AuditedQuery<'_, E> {
    query.map_extension(|_| StampedSince(Some(at)))
}
