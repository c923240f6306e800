//! Per-entity-set cargo features (`Options::set_features`): which feature compiles each item.

use std::collections::{BTreeMap, BTreeSet};

use super::{Gate, ModulePath, OperationPlan, Plan, TypePath};

/// Gates every item by the entity sets whose rows contain it (`Options::set_features`): an
/// entity set's module by its own feature, a shared type by the features of the sets that reach
/// it through properties (not navigation properties, which only link rows), a navigation
/// property like its target type. A type every set reaches is not gated; one none reaches comes
/// with the feature `full`.
pub(super) fn gate_by_entity_set(plan: &mut Plan) {
    // The generated types each type's values contain.
    let mut parts: BTreeMap<TypePath, Vec<TypePath>> = BTreeMap::new();
    for (module, items) in &plan.modules {
        for s in &items.structs {
            let named = s.fields.iter().filter(|f| !f.navigation).flat_map(|f| f.ty.named_types());
            parts.insert(TypePath { module: module.clone(), name: s.name.clone() }, named.collect());
        }
        for n in &items.newtypes {
            parts.insert(TypePath { module: module.clone(), name: n.name.clone() }, n.inner.named_types());
        }
    }
    let mut features = Vec::new();
    let mut reached: BTreeMap<TypePath, BTreeSet<String>> = BTreeMap::new();
    let mut set_modules: BTreeMap<ModulePath, String> = BTreeMap::new();
    for set in &mut plan.entity_sets {
        let feature = set.module.clone();
        let mut pending: Vec<TypePath> = std::iter::once(set.row.clone()).chain(set.wrapped.clone()).collect();
        while let Some(ty) = pending.pop() {
            if reached.entry(ty.clone()).or_default().insert(feature.clone()) {
                pending.extend(parts.get(&ty).into_iter().flatten().cloned());
            }
        }
        set.feature = Some(feature.clone());
        set_modules.insert(vec![set.module.clone()], feature.clone());
        features.push(feature);
    }
    let gate_of = |ty: &TypePath| -> Option<Gate> {
        if let Some(feature) = set_modules.get(&ty.module) {
            return Some(Gate(vec![feature.clone()]));
        }
        match reached.get(ty) {
            None => Some(Gate(vec![crate::options::FULL_FEATURE.to_owned()])),
            Some(by) if by.len() == features.len() => None,
            Some(by) => Some(Gate(by.iter().cloned().collect())),
        }
    };
    let row_features: BTreeMap<TypePath, String> =
        plan.entity_sets.iter().filter_map(|set| Some((set.row.clone(), set.feature.clone()?))).collect();
    // What an operation's signature names that its scope's gate does not already imply.
    let signature_gates = |op: &OperationPlan, scope: Option<&Gate>| -> Vec<Gate> {
        let mut gates: Vec<Gate> = Vec::new();
        for gate in op.named_types().iter().filter_map(&gate_of) {
            if !implies(scope, &gate) && !gates.contains(&gate) {
                gates.push(gate);
            }
        }
        gates
    };
    for (module, items) in &mut plan.modules {
        // A set's module is gated as a whole, at its declaration.
        let free = !set_modules.contains_key(module);
        let path = |name: &str| TypePath { module: module.clone(), name: name.to_owned() };
        for s in &mut items.structs {
            let own = gate_of(&path(&s.name));
            for field in s.fields.iter_mut().filter(|f| f.navigation) {
                let target = field.ty.named_types().first().and_then(&gate_of);
                field.gate = target.filter(|target| !implies(own.as_ref(), target));
            }
            if free {
                s.gate = own;
            }
        }
        for e in &mut items.enums {
            e.gate = if free { gate_of(&path(&e.name)) } else { None };
        }
        for n in &mut items.newtypes {
            n.gate = if free { gate_of(&path(&n.name)) } else { None };
        }
        for operations in &mut items.operations {
            let own = gate_of(&operations.binding);
            for op in &mut operations.operations {
                op.gates = signature_gates(op, own.as_ref());
            }
            for (row, feature) in &mut operations.wrappers {
                *feature = row_features.get(row).cloned();
            }
            operations.gate = if free { own } else { None };
        }
    }
    for op in &mut plan.imports {
        op.gates = signature_gates(op, None);
    }
    for contained in &mut plan.contained_writes {
        contained.gate = gate_of(&contained.ty);
    }
    for singleton in &mut plan.singletons {
        singleton.gate = gate_of(&singleton.ty);
    }
    plan.features = features;
}

/// Whether an item compiled under `outer` (always, for `None`) can name an item gated by `inner`
/// without a gate of its own: every feature that enables `outer` enables `inner`.
fn implies(outer: Option<&Gate>, inner: &Gate) -> bool {
    match outer {
        None => false,
        // `full` enables every entity set's feature.
        Some(outer) if outer.0 == [crate::options::FULL_FEATURE] => true,
        Some(outer) => outer.0.iter().all(|feature| inner.0.contains(feature)),
    }
}
