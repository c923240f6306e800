//! Where each generated type lives, and the modules of the entity sets: an entity type that is
//! the row type of exactly one entity set lives in that set's module, everything else in `types`
//! (`types::<namespace>` when several namespaces declare types).

use std::collections::{BTreeMap, BTreeSet};

use super::{ModulePath, Planner, TypePath};
use crate::csdl::{Model, QualifiedName};
use crate::naming::{self, Style};

/// The name of the module holding the types that are not the row type of exactly one entity set.
pub const TYPES_MODULE: &str = "types";

/// Names an entity-set module (and its accessor and feature, named alike) must not take: the
/// items the generator emits in a version's root module, the methods of `Collections` it writes
/// itself, and the cargo features it declares besides the sets' own.
pub(super) const RESERVED_MODULES: &[&str] = &[
    "types",
    "prelude",
    "Collections",
    "API_VERSION",
    "ENTITY_SETS",
    "visit_entity_set",
    "entity_set_kind",
    "METADATA",
    "new",
    crate::options::FULL_FEATURE,
    "default",
];
impl Planner<'_> {
    /// Decides each type's module and Rust name: an entity type that is the row type of exactly
    /// one entity set lives in that set's module; everything else in `types` (or
    /// `types::<namespace>` when the document declares types in several namespaces). Names are
    /// assigned per module, so types whose names collide there are told apart.
    pub(super) fn assign_homes(&mut self) {
        let exclusive = exclusive_entity_sets(self.model);
        let mut namespaces_with_types: Vec<&str> = self
            .model
            .schemas
            .iter()
            .filter(|s| {
                !(s.entity_types.is_empty()
                    && s.complex_types.is_empty()
                    && s.enum_types.is_empty()
                    && s.type_definitions.is_empty())
            })
            .map(|s| s.namespace.as_str())
            .collect();
        // A namespace split over several `Schema` elements is one module.
        let mut seen = BTreeSet::new();
        namespaces_with_types.retain(|namespace| seen.insert(*namespace));
        if namespaces_with_types.len() > 1 {
            let modules = naming::assign(&namespaces_with_types, Style::Module, &[]);
            for (namespace, module) in namespaces_with_types.iter().zip(modules) {
                self.namespace_modules.insert((*namespace).to_owned(), module.name);
            }
        }
        // (qualified name, deprecated) of the types of each module.
        let mut modules: BTreeMap<ModulePath, Vec<(QualifiedName, bool)>> = BTreeMap::new();
        for schema in &self.model.schemas {
            let mut types_module = vec![TYPES_MODULE.to_owned()];
            types_module.extend(self.namespace_modules.get(&schema.namespace).cloned());
            let names = schema
                .entity_types
                .iter()
                .chain(&schema.complex_types)
                .map(|t| (&t.name, &t.annotations))
                .chain(schema.enum_types.iter().map(|t| (&t.name, &t.annotations)))
                .chain(schema.type_definitions.iter().map(|t| (&t.name, &t.annotations)));
            for (name, annotations) in names {
                let qualified = QualifiedName::new(&schema.namespace, name);
                let module = match exclusive.get(&qualified) {
                    Some(set) => vec![self.set_modules[set].clone()],
                    None => types_module.clone(),
                };
                modules.entry(module).or_default().push((qualified, annotations.deprecation().is_some()));
            }
        }
        for (module, types) in modules {
            let wires: Vec<&str> = types.iter().map(|(qualified, _)| qualified.name.as_str()).collect();
            let names = naming::assign(&wires, Style::Type, &[]);
            let taken: Vec<String> = names.iter().map(|assigned| assigned.name.clone()).collect();
            for ((qualified, deprecated), assigned) in types.iter().zip(names) {
                let path = TypePath { module: module.clone(), name: assigned.name };
                if *deprecated {
                    self.deprecated.insert(path.clone());
                }
                self.homes.insert(qualified.clone(), path);
            }
            // Each structured type's `…Props`, apart from the module's type names.
            let structured: Vec<&QualifiedName> = types
                .iter()
                .map(|(qualified, _)| qualified)
                .filter(|q| self.model.structured_type(q).is_some())
                .collect();
            let candidates: Vec<String> =
                structured.iter().map(|q| naming::companion(&self.homes[*q].name, "Props")).collect();
            let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
            let reserved: Vec<&str> = taken.iter().map(String::as_str).collect();
            for (qualified, assigned) in structured.into_iter().zip(naming::assign(&candidates, Style::Type, &reserved))
            {
                self.props_names.insert(qualified.clone(), assigned.name);
            }
        }
    }

    pub(super) fn namespace_of_module(&self, module: &str) -> String {
        self.namespace_modules
            .iter()
            .find(|(_, m)| *m == module)
            .map_or_else(|| module.to_owned(), |(namespace, _)| namespace.clone())
    }
}

/// Entity set → its module, which is also the name of its accessor: the set names as
/// [`Style::Module`], apart from each other and from the generator's own items. Entity sets whose
/// type this document does not declare get no module.
pub(crate) fn set_modules(model: &Model) -> BTreeMap<String, String> {
    let names: Vec<&str> = model
        .addressable_entity_sets()
        .filter(|(_, _, set)| model.entity_type(&set.entity_type).is_some())
        .map(|(_, _, set)| set.name.as_str())
        .collect();
    let modules = naming::assign(&names, Style::Module, RESERVED_MODULES);
    names.iter().map(|name| (*name).to_owned()).zip(modules.into_iter().map(|m| m.name)).collect()
}

/// Entity type → the entity set whose module holds it: the one entity set using it as its type.
/// Types used by no entity set or by several live in `types` instead.
pub(crate) fn exclusive_entity_sets(model: &Model) -> BTreeMap<QualifiedName, String> {
    let mut sets: BTreeMap<&QualifiedName, Vec<&str>> = BTreeMap::new();
    for (_, _, set) in model.addressable_entity_sets() {
        sets.entry(&set.entity_type).or_default().push(&set.name);
    }
    sets.into_iter()
        .filter(|(_, names)| names.len() == 1)
        .map(|(ty, names)| (ty.clone(), names[0].to_owned()))
        .collect()
}
