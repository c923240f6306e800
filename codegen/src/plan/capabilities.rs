//! What an entity set's `Capabilities` annotations say the service refuses: the notes in its
//! docs, the options its query type leaves out (static flags) and the restrictions the runtime
//! checks before sending (property lists, required filters).

use super::ir::{Caps, RestrictionsPlan};
use crate::csdl::{Annotations, CAPABILITIES, Value};

/// The value of the unqualified `Capabilities.{term}` annotation kept raw (not a `…Restrictions`
/// record).
fn raw<'a>(annotations: &'a Annotations, term: &str) -> Option<&'a Value> {
    let qualified = format!("{CAPABILITIES}.{term}");
    annotations.other.iter().find(|a| a.term == qualified && a.qualifier.is_none()).map(|a| &a.value)
}

fn is_false(value: Option<&Value>) -> bool {
    matches!(value, Some(Value::Bool(false)))
}

fn record_flag(value: Option<&Value>, name: &str) -> Option<bool> {
    match value {
        Some(Value::Record { properties, .. }) => {
            properties.iter().find(|(n, _)| n == name).and_then(|(_, v)| match v {
                Value::Bool(flag) => Some(*flag),
                _ => None,
            })
        }
        _ => None,
    }
}

/// `Capabilities.NavigationType/None`, however the document spells the enum member.
fn is_none_navigation(value: Option<&Value>) -> bool {
    matches!(value, Some(Value::EnumMember(members)) if members.iter().any(|m| m.ends_with("/None")))
}

/// The entity set's restrictions, as the plan keeps them.
pub(super) fn restrictions(annotations: &Annotations) -> RestrictionsPlan {
    let restriction = |term: &str| annotations.restrictions.get(term);
    let flag = |term: &str, name: &str| restriction(term).and_then(|r| r.flag(name));
    let paths = |term: &str, name: &str| restriction(term).map(|r| r.paths(name).to_vec()).unwrap_or_default();
    let non_navigable = restriction("NavigationRestrictions")
        .and_then(|r| r.other.get("RestrictedProperties"))
        .map(|value| match value {
            Value::Collection(items) => items
                .iter()
                .filter(|item| match item {
                    Value::Record { properties, .. } => {
                        properties.iter().any(|(n, v)| n == "Navigability" && is_none_navigation(Some(v)))
                    }
                    _ => false,
                })
                .filter_map(|item| match item {
                    Value::Record { properties, .. } => properties.iter().find_map(|(n, v)| match (n.as_str(), v) {
                        ("NavigationProperty", Value::Path { path, .. }) => Some(path.clone()),
                        _ => None,
                    }),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    RestrictionsPlan {
        caps: Caps {
            filter: flag("FilterRestrictions", "Filterable") != Some(false),
            sort: flag("SortRestrictions", "Sortable") != Some(false),
            count: flag("CountRestrictions", "Countable") != Some(false),
            expand: flag("ExpandRestrictions", "Expandable") != Some(false),
            top: !is_false(raw(annotations, "TopSupported")),
            skip: !is_false(raw(annotations, "SkipSupported")),
            select: record_flag(raw(annotations, "SelectSupport"), "Supported") != Some(false),
        },
        requires_filter: flag("FilterRestrictions", "RequiresFilter") == Some(true),
        required_properties: paths("FilterRestrictions", "RequiredProperties"),
        non_filterable: paths("FilterRestrictions", "NonFilterableProperties"),
        non_sortable: paths("SortRestrictions", "NonSortableProperties"),
        non_expandable: paths("ExpandRestrictions", "NonExpandableProperties"),
        navigable: !restriction("NavigationRestrictions")
            .is_some_and(|r| is_none_navigation(r.other.get("Navigability"))),
        non_navigable,
        insertable: flag("InsertRestrictions", "Insertable") != Some(false),
        updatable: flag("UpdateRestrictions", "Updatable") != Some(false),
        deletable: flag("DeleteRestrictions", "Deletable") != Some(false),
    }
}

/// What the restrictions refuse, in words, for the entity set's docs.
pub(super) fn notes(plan: &RestrictionsPlan) -> Vec<String> {
    let mut notes = Vec::new();
    let list = |paths: &[String]| paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    if !plan.caps.filter {
        notes.push(
            "The service does not support `$filter` on this entity set (`Capabilities.FilterRestrictions`).".to_owned(),
        );
    } else {
        if !plan.non_filterable.is_empty() {
            notes.push(format!(
                "Not filterable (`Capabilities.FilterRestrictions`): {}; a `$filter` on them is refused.",
                list(&plan.non_filterable)
            ));
        }
        if plan.requires_filter || !plan.required_properties.is_empty() {
            let which = match plan.required_properties.is_empty() {
                true => String::new(),
                false => format!(" on {}", list(&plan.required_properties)),
            };
            notes.push(format!("The service requires a `$filter`{which} (`Capabilities.FilterRestrictions`)."));
        }
    }
    let refused = |option: &str, term: &str| {
        format!("The service does not support `{option}` on this entity set (`Capabilities.{term}`).")
    };
    if !plan.caps.sort {
        notes.push(refused("$orderby", "SortRestrictions"));
    } else if !plan.non_sortable.is_empty() {
        notes.push(format!("Not sortable (`Capabilities.SortRestrictions`): {}.", list(&plan.non_sortable)));
    }
    if !plan.caps.count {
        notes.push(refused("$count", "CountRestrictions"));
    }
    if !plan.caps.expand {
        notes.push(refused("$expand", "ExpandRestrictions"));
    } else if !plan.non_expandable.is_empty() {
        notes.push(format!("Not expandable (`Capabilities.ExpandRestrictions`): {}.", list(&plan.non_expandable)));
    }
    for (supported, option, term) in
        [(plan.caps.top, "$top", "TopSupported"), (plan.caps.skip, "$skip", "SkipSupported")]
    {
        if !supported {
            notes.push(refused(option, term));
        }
    }
    if !plan.caps.select {
        notes.push(refused("$select", "SelectSupport"));
    }
    if !plan.navigable {
        notes.push(
            "The service does not support navigation from this entity set (`Capabilities.NavigationRestrictions`)."
                .to_owned(),
        );
    } else if !plan.non_navigable.is_empty() {
        notes.push(format!("Not navigable (`Capabilities.NavigationRestrictions`): {}.", list(&plan.non_navigable)));
    }
    notes
}
