//! Which structured types get typed properties (`…Props`, `Structured`, `Entity`): those a query
//! can reach, from an entity set or a singleton through properties and navigation properties,
//! and from the entities a reachable function returns (a function import's, or one bound to a
//! reachable type or a base type of one), which are queried like an entity set's. A type reached
//! only through inheritance (a derived type, which only a type cast would reach) gets none: in a
//! big service that is most of the code typed queries would add (Microsoft Graph: 1,569 of 2,961
//! structured types are reachable, with 10,515 of 17,680 properties).

use std::collections::BTreeSet;

use crate::csdl::{Model, Operation, OperationKind, QualifiedName, StructuredKind, TypeTarget};

/// The structured types reachable from the document's entity sets, singletons and functions.
pub(super) fn queryable_types(model: &Model) -> BTreeSet<QualifiedName> {
    let mut pending: Vec<QualifiedName> = model
        .entity_containers()
        .flat_map(|(_, container)| {
            let sets = container.entity_sets.iter().map(|set| set.entity_type.clone());
            sets.chain(container.singletons.iter().map(|singleton| singleton.entity_type.clone()))
        })
        .collect();
    let imported: BTreeSet<&QualifiedName> = model
        .entity_containers()
        .flat_map(|(_, container)| container.function_imports.iter().map(|import| &import.function))
        .collect();
    for (schema, op) in model.operations() {
        if !op.is_bound && imported.contains(&QualifiedName::new(&schema.namespace, &op.name)) {
            pending.extend(entity_result(model, op));
        }
    }
    let bound: Vec<(&QualifiedName, &Operation)> = model
        .operations()
        .filter_map(|(_, op)| match &op.binding()?.ty.target {
            TypeTarget::Named(binding) => Some((binding, op)),
            _ => None,
        })
        .collect();
    let mut reached = BTreeSet::new();
    while let Some(name) = pending.pop() {
        let Some(ty) = model.structured_type(&name) else { continue };
        if !reached.insert(name.clone()) {
            continue;
        }
        for owner in model.type_chain(ty) {
            let members =
                owner.properties.iter().map(|p| &p.ty).chain(owner.navigation_properties.iter().map(|n| &n.ty));
            for member in members {
                if let TypeTarget::Named(target) = &member.target
                    && model.structured_type(target).is_some()
                    && !reached.contains(target)
                {
                    pending.push(target.clone());
                }
            }
        }
        if ty.kind == StructuredKind::Entity {
            let chain = model.type_chain_names(&name);
            for (binding, op) in &bound {
                if chain.contains(binding) {
                    pending.extend(entity_result(model, op).filter(|result| !reached.contains(result)));
                }
            }
        }
    }
    reached
}

/// The entity type a function returns (one or a collection), which a query can then read.
fn entity_result(model: &Model, op: &Operation) -> Option<QualifiedName> {
    match (&op.kind, &op.return_type.as_ref()?.ty.target) {
        (OperationKind::Function, TypeTarget::Named(result)) if model.entity_type(result).is_some() => {
            Some(result.clone())
        }
        _ => None,
    }
}
