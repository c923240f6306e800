//! Which single-valued fields must be boxed: the edges inside a strongly connected component
//! of the "contains by value" graph (base types are flattened, so inherited members count).

use std::collections::{BTreeMap, BTreeSet};

use crate::csdl::{Model, QualifiedName, TypeRef, TypeTarget};

/// The (type, member) pairs whose single-valued field must be boxed because the field's type
/// contains the owner again by value: edges inside a strongly connected component of the
/// "contains by value" graph.
pub(super) fn recursive_edges(model: &Model) -> BTreeSet<(QualifiedName, String)> {
    // Build the by-value graph: struct → (member, struct) for single-valued complex properties
    // and navigation properties, including inherited members (structs are flattened).
    let mut graph: BTreeMap<QualifiedName, Vec<(String, QualifiedName)>> = BTreeMap::new();
    for schema in &model.schemas {
        for ty in schema.entity_types.iter().chain(&schema.complex_types) {
            let node = QualifiedName::new(&schema.namespace, &ty.name);
            let mut edges = Vec::new();
            for owner in model.type_chain(ty) {
                let members = owner
                    .properties
                    .iter()
                    .map(|p| (&p.name, &p.ty))
                    .chain(owner.navigation_properties.iter().map(|n| (&n.name, &n.ty)));
                for (name, ty_ref) in members {
                    if let Some(target) = by_value_target(model, ty_ref) {
                        edges.push((name.clone(), target));
                    }
                }
            }
            graph.insert(node, edges);
        }
    }
    let components = strongly_connected(&graph);
    let mut boxed = BTreeSet::new();
    for (node, edges) in &graph {
        for (member, target) in edges {
            if components.get(node) == components.get(target) {
                boxed.insert((node.clone(), member.clone()));
            }
        }
    }
    boxed
}

fn by_value_target(model: &Model, ty: &TypeRef) -> Option<QualifiedName> {
    if ty.collection {
        return None;
    }
    match &ty.target {
        TypeTarget::Named(name) => model.structured_type(name).map(|_| name.clone()),
        _ => None,
    }
}

/// Tarjan's algorithm, iterative (schemas can be large and deep): node → component id.
fn strongly_connected(graph: &BTreeMap<QualifiedName, Vec<(String, QualifiedName)>>) -> BTreeMap<QualifiedName, usize> {
    let nodes: Vec<&QualifiedName> = graph.keys().collect();
    let position: BTreeMap<&QualifiedName, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let successors: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| graph[*n].iter().filter_map(|(_, target)| position.get(target).copied()).collect())
        .collect();
    let count = nodes.len();
    let mut index = vec![usize::MAX; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut component = vec![usize::MAX; count];
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..count {
        if index[root] != usize::MAX {
            continue;
        }
        // (node, next successor to visit)
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (node, ref mut next)) = work.last_mut() {
            if *next == 0 && index[node] == usize::MAX {
                index[node] = next_index;
                low[node] = next_index;
                next_index += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&succ) = successors[node].get(*next) {
                *next += 1;
                if index[succ] == usize::MAX {
                    work.push((succ, 0));
                } else if on_stack[succ] {
                    low[node] = low[node].min(index[succ]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    nodes.into_iter().enumerate().map(|(i, n)| (n.clone(), component[i])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(list: &[(&str, &[&str])]) -> BTreeMap<QualifiedName, Vec<(String, QualifiedName)>> {
        list.iter()
            .map(|(node, targets)| {
                let targets = targets.iter().map(|t| ((*t).to_owned(), QualifiedName::new("N", *t))).collect();
                (QualifiedName::new("N", *node), targets)
            })
            .collect()
    }

    #[test]
    fn strongly_connected_components() {
        let graph = edges(&[("A", &["B"]), ("B", &["A", "C"]), ("C", &["C"]), ("D", &["A"])]);
        let c = strongly_connected(&graph);
        let id = |n: &str| c[&QualifiedName::new("N", n)];
        assert_eq!(id("A"), id("B"));
        assert_ne!(id("A"), id("C"));
        assert_ne!(id("D"), id("A"));
    }
}
