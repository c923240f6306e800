//! What a service says an entity set refuses (its `Capabilities` annotations), in two forms:
//!
//! - **as types** ([`Caps`]): where the annotation is static (`Filterable`, `Sortable`,
//!   `Countable`, `Expandable`, `TopSupported`, `SkipSupported`, `SelectSupport/Supported` set
//!   to false), the query's type says so and the method is not there, so a refused option does
//!   not compile;
//! - **as data** ([`Restrictions`]): what depends on the query's content (a property that is not
//!   filterable or sortable, a filter the service requires, a navigation property it does not
//!   expand or follow) is checked before anything is sent, with an error naming the annotation.

use super::expr::{Path, Selected};
use crate::error::Error;

/// The query options an entity set accepts, as a type: each `false` removes a method from
/// [`Query`](super::Query). Generated code names it for restricted entity sets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caps<
    const FILTER: bool,
    const SORT: bool,
    const COUNT: bool,
    const EXPAND: bool,
    const TOP: bool,
    const SKIP: bool,
    const SELECT: bool,
>;

/// An entity set without restrictions: every option is there.
pub type Unrestricted = Caps<true, true, true, true, true, true, true>;

macro_rules! capability {
    ($(#[$doc:meta])* $name:ident, [$($before:ident),*], [$($after:ident),*]) => {
        $(#[$doc])*
        pub trait $name {}

        impl<$(const $before: bool,)* $(const $after: bool,)*> $name for Caps<$($before,)* true, $($after),*> {}
    };
}

capability!(
    /// `$filter` is accepted (`Capabilities.FilterRestrictions/Filterable`).
    CanFilter, [], [S, C, E, T, K, L]
);
capability!(
    /// `$orderby` is accepted (`Capabilities.SortRestrictions/Sortable`).
    CanSort, [F], [C, E, T, K, L]
);
capability!(
    /// `$count` is accepted (`Capabilities.CountRestrictions/Countable`).
    CanCount, [F, S], [E, T, K, L]
);
capability!(
    /// `$expand` is accepted (`Capabilities.ExpandRestrictions/Expandable`).
    CanExpand, [F, S, C], [T, K, L]
);
capability!(
    /// `$top` is accepted (`Capabilities.TopSupported`).
    CanTop, [F, S, C, E], [K, L]
);
capability!(
    /// `$skip` is accepted (`Capabilities.SkipSupported`).
    CanSkip, [F, S, C, E, T], [L]
);
capability!(
    /// `$select` is accepted (`Capabilities.SelectSupport/Supported`).
    CanSelect, [F, S, C, E, T, K], []
);

/// What an entity set's `Capabilities` annotations refuse, checked when a query is sent. The
/// generated code writes it for entity sets that have such annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restrictions {
    /// `FilterRestrictions/Filterable`.
    pub filterable: bool,
    /// `FilterRestrictions/RequiresFilter`.
    pub requires_filter: bool,
    /// `FilterRestrictions/RequiredProperties`: properties every filter must use.
    pub required_properties: &'static [&'static str],
    /// `FilterRestrictions/NonFilterableProperties`.
    pub non_filterable: &'static [&'static str],
    /// `SortRestrictions/Sortable`.
    pub sortable: bool,
    /// `SortRestrictions/NonSortableProperties`.
    pub non_sortable: &'static [&'static str],
    /// `CountRestrictions/Countable`.
    pub countable: bool,
    /// `ExpandRestrictions/Expandable`.
    pub expandable: bool,
    /// `ExpandRestrictions/NonExpandableProperties`.
    pub non_expandable: &'static [&'static str],
    /// `TopSupported`.
    pub top: bool,
    /// `SkipSupported`.
    pub skip: bool,
    /// `SelectSupport/Supported`.
    pub select: bool,
    /// `NavigationRestrictions/Navigability` is not `None`.
    pub navigable: bool,
    /// `NavigationRestrictions/RestrictedProperties` whose `Navigability` is `None`.
    pub non_navigable: &'static [&'static str],
}

impl Restrictions {
    /// Nothing refused.
    pub const NONE: Restrictions = Restrictions {
        filterable: true,
        requires_filter: false,
        required_properties: &[],
        non_filterable: &[],
        sortable: true,
        non_sortable: &[],
        countable: true,
        expandable: true,
        non_expandable: &[],
        top: true,
        skip: true,
        select: true,
        navigable: true,
        non_navigable: &[],
    };
}

impl Default for Restrictions {
    fn default() -> Self {
        Restrictions::NONE
    }
}

/// The error for a refused option: which set, what, and the annotation that says so.
pub(crate) fn refused(set: &str, what: impl std::fmt::Display, annotation: &str) -> Error {
    Error::InvalidQuery(format!("{set} refuses {what} (Capabilities.{annotation})"))
}

/// Whether `path` is, or starts with, one of `listed` (annotation paths are written `a/b`).
fn listed_in(path: &Path, listed: &[&str]) -> Option<String> {
    let text = path.segments().join("/");
    listed.iter().find(|listed| text == **listed || text.starts_with(&format!("{listed}/"))).map(|_| text)
}

/// What one query asks for, as the checks need it.
pub(crate) struct Asked<'a> {
    /// The paths the typed filters use at their root.
    pub filter_paths: &'a [Path],
    /// Any filter at all: typed, raw or the extension's.
    pub has_filter: bool,
    /// A filter the checks cannot read (raw, or the extension's).
    pub unchecked_filter: bool,
    pub order_paths: &'a [Path],
    pub expand_paths: &'a [Path],
    pub count: bool,
    pub top: bool,
    pub skip: bool,
    pub select: &'a [Selected],
}

impl Restrictions {
    /// Refuses, before anything is sent, what these restrictions say the set `set` does not
    /// accept.
    pub(crate) fn check(&self, set: &str, asked: &Asked<'_>) -> Result<(), Error> {
        if !self.filterable && asked.has_filter {
            return Err(refused(set, "$filter", "FilterRestrictions/Filterable"));
        }
        for path in asked.filter_paths {
            if let Some(path) = listed_in(path, self.non_filterable) {
                return Err(refused(
                    set,
                    format_args!("$filter on {path}"),
                    "FilterRestrictions/NonFilterableProperties",
                ));
            }
        }
        if self.requires_filter && !asked.has_filter {
            return Err(refused(set, "a query without $filter", "FilterRestrictions/RequiresFilter"));
        }
        for required in self.required_properties {
            let used = asked.filter_paths.iter().any(|p| p.segments().join("/") == *required);
            if !used && !asked.unchecked_filter {
                return Err(refused(
                    set,
                    format_args!("a $filter that does not use {required}"),
                    "FilterRestrictions/RequiredProperties",
                ));
            }
        }
        if !self.sortable && !asked.order_paths.is_empty() {
            return Err(refused(set, "$orderby", "SortRestrictions/Sortable"));
        }
        for path in asked.order_paths {
            if let Some(path) = listed_in(path, self.non_sortable) {
                return Err(refused(set, format_args!("$orderby on {path}"), "SortRestrictions/NonSortableProperties"));
            }
        }
        if !self.countable && asked.count {
            return Err(refused(set, "$count", "CountRestrictions/Countable"));
        }
        if !self.expandable && !asked.expand_paths.is_empty() {
            return Err(refused(set, "$expand", "ExpandRestrictions/Expandable"));
        }
        for path in asked.expand_paths {
            if let Some(path) = listed_in(path, self.non_expandable) {
                return Err(refused(
                    set,
                    format_args!("$expand of {path}"),
                    "ExpandRestrictions/NonExpandableProperties",
                ));
            }
        }
        if !self.top && asked.top {
            return Err(refused(set, "$top", "TopSupported"));
        }
        if !self.skip && asked.skip {
            return Err(refused(set, "$skip", "SkipSupported"));
        }
        if !self.select && !asked.select.is_empty() {
            return Err(refused(set, "$select", "SelectSupport"));
        }
        Ok(())
    }

    /// Refuses following the navigation property `property` when the set does not allow it.
    pub(crate) fn check_navigation(&self, set: &str, property: &Path) -> Result<(), Error> {
        if !self.navigable {
            return Err(refused(set, "navigation", "NavigationRestrictions/Navigability"));
        }
        match listed_in(property, self.non_navigable) {
            Some(path) => {
                Err(refused(set, format_args!("navigation to {path}"), "NavigationRestrictions/RestrictedProperties"))
            }
            None => Ok(()),
        }
    }
}
