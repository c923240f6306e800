//! Schema diff for the generated crate: `odata-csdl`'s comparison of two models, plus the one
//! change only the generator can see, an entity type that moves module (the layout is the
//! generator's: a type lives in its entity set's module only while exactly one set uses it).
//!
//! Everything but [`compare`] is `odata_csdl::diff`'s, re-exported.

use std::collections::{BTreeMap, BTreeSet};

pub use odata_csdl::diff::*;
use serde_json::json;

use crate::csdl::{Model, QualifiedName, TypeDecl};
use crate::plan;

/// Compares two resolved models: what changed from `old` to `new`, entity types that move
/// module included.
pub fn compare(old: &Model, new: &Model) -> Diff {
    let mut changes = odata_csdl::diff::compare(old, new).changes;
    changes.extend(module_moves(old, new));
    Diff::new(changes)
}

/// Entity types that move between modules: adding a second set of a type (or removing one of
/// two) moves it. Moves caused by the set itself being added or removed are left to that change.
fn module_moves(old: &Model, new: &Model) -> Vec<Change> {
    let (old_homes, new_homes) = (plan::exclusive_entity_sets(old), plan::exclusive_entity_sets(new));
    let set_names = |model: &Model| -> BTreeSet<String> {
        model.entity_containers().flat_map(|(_, c)| c.entity_sets.iter().map(|s| s.name.clone())).collect()
    };
    let (old_sets, new_sets) = (set_names(old), set_names(new));
    let (old_modules, new_modules) = (plan::set_modules(old), plan::set_modules(new));
    let module = |modules: &BTreeMap<String, String>, set: Option<&String>| {
        set.and_then(|set| modules.get(set)).map_or_else(|| plan::TYPES_MODULE.to_owned(), Clone::clone)
    };
    let mut changes = Vec::new();
    for schema in &old.schemas {
        for ty in &schema.entity_types {
            let name = QualifiedName::new(&schema.namespace, &ty.name);
            if !matches!(new.type_decl(&name), Some(TypeDecl::Entity(_))) {
                continue;
            }
            let (old_home, new_home) = (old_homes.get(&name), new_homes.get(&name));
            let stays_known =
                old_home.is_none_or(|set| new_sets.contains(set)) && new_home.is_none_or(|set| old_sets.contains(set));
            let (old_module, new_module) = (module(&old_modules, old_home), module(&new_modules, new_home));
            if old_module != new_module && stays_known {
                changes.push(Change {
                    kind: ChangeKind::Changed,
                    item: Item::EntityType,
                    path: name.to_string(),
                    target: Target::Type(name),
                    old: json!({ "module": old_module }),
                    new: json!({ "module": new_module }),
                    impact: Impact::Breaking,
                    reason: "the struct moves to another module (an entity type lives in its entity set's module only \
                             while exactly one set uses it)"
                        .to_owned(),
                });
            }
        }
    }
    changes
}
