//! Functions and actions → methods. Bound operations become methods of one extension trait per
//! entity type a query reaches (`{Type}Operations` for one entity, `{Type}CollectionOperations`
//! for a collection), with the operations bound to its base types included unless the type
//! rebinds the name (the service resolves `…/NS.name` to the most derived binding, so the base
//! one cannot be called there); function and action imports become methods of `Collections`.
//!
//! Every trait, and `Collections`, names its methods apart (see `method_names`): overloads by
//! their parameters (`range`, `range_with_address`), and never like a method the runtime type
//! already has, which would shadow the operation.

use std::collections::{BTreeMap, BTreeSet};

use super::docs::docs_for;
use super::{
    Docs, OperationPlan, OperationsTrait, ParameterPlan, Passing, Plan, Planner, ResultPlan, RustType, TypePath, homes,
};
use crate::csdl::{
    EdmType, Operation, OperationKind, Parameter, QualifiedName, StructuredKind, TypeDecl, TypeRef, TypeTarget,
};
use crate::naming::{self, Style};

/// Public methods of the runtime's `Single` (and what every type has through the prelude's
/// traits): a bound operation's method must not take one of these names, or the runtime's would
/// be called instead. A test checks the list against the runtime's source.
pub(crate) const SINGLE_METHODS: &[&str] = &[
    "binding",
    "clone",
    "clone_from",
    "clone_into",
    "delete",
    "expand",
    "get",
    "get_as",
    "get_tagged",
    "header",
    "into",
    "nav",
    "read_media",
    "read_stream",
    "replace",
    "request_url",
    "require",
    "select_with",
    "singleton",
    "to_owned",
    "try_into",
    "update",
];

/// Public methods of the runtime's `Query` (see [`SINGLE_METHODS`]).
pub(crate) const QUERY_METHODS: &[&str] = &[
    "api_version",
    "binding",
    "changes",
    "client",
    "clone",
    "clone_from",
    "clone_into",
    "collect_all",
    "count",
    "create",
    "custom_option",
    "expand",
    "extension",
    "filter",
    "header",
    "into",
    "key",
    "map_extension",
    "name",
    "new",
    "order_by",
    "pages",
    "pages_as",
    "raw_filter",
    "request_url",
    "resume",
    "select",
    "select_with",
    "skip",
    "stream",
    "stream_as",
    "to_owned",
    "top",
    "track_changes",
    "try_into",
    "with_caps",
    "with_count",
];

/// A bound operation with its binding.
struct Bound<'m> {
    namespace: &'m str,
    op: &'m Operation,
    binding: QualifiedName,
    collection: bool,
}

impl<'m> Planner<'m> {
    /// Plans every operation: the traits in their types' modules, the imports in `plan`.
    pub(super) fn operations(&self, plan: &mut Plan) {
        let bound: Vec<Bound<'m>> = self
            .model
            .operations()
            .filter_map(|(schema, op)| {
                let binding = op.binding()?;
                let TypeTarget::Named(name) = &binding.ty.target else { return None };
                Some(Bound {
                    namespace: &schema.namespace,
                    op,
                    binding: name.clone(),
                    collection: binding.ty.collection,
                })
            })
            .collect();
        for schema in &self.model.schemas {
            for ty in &schema.entity_types {
                let qualified = QualifiedName::new(&schema.namespace, &ty.name);
                if !self.queryable.contains(&qualified) {
                    continue;
                }
                let chain = self.model.type_chain_names(&qualified);
                for collection in [false, true] {
                    if let Some(operations) = self.operations_trait(&qualified, &chain, &bound, collection, plan) {
                        let module = operations.binding.module.clone();
                        plan.modules.entry(module).or_default().operations.push(operations);
                    }
                }
            }
        }
        plan.imports = self.imports(plan);
    }

    fn operations_trait(
        &self,
        ty: &QualifiedName,
        chain: &[QualifiedName],
        bound: &[Bound<'m>],
        collection: bool,
        plan: &Plan,
    ) -> Option<OperationsTrait> {
        // Most derived binding first, then document order; a rebound name hides the base's.
        let mut applicable: Vec<(&Bound<'m>, usize)> = bound
            .iter()
            .filter(|b| b.collection == collection)
            .filter_map(|b| chain.iter().position(|name| *name == b.binding).map(|depth| (b, depth)))
            .collect();
        applicable.sort_by_key(|(_, depth)| *depth);
        let mut seen = BTreeSet::new();
        applicable.retain(|(b, _)| seen.insert(overload_key(b.op)));
        if applicable.is_empty() {
            return None;
        }
        let binding = self.homes[ty].clone();
        let reserved = if collection { QUERY_METHODS } else { SINGLE_METHODS };
        let ops: Vec<&Operation> = applicable.iter().map(|(b, _)| b.op).collect();
        let names = method_names(&ops, reserved);
        let operations = applicable
            .iter()
            .zip(names)
            .map(|((b, _), method)| {
                let path_name = format!("{}.{}", b.namespace, b.op.name);
                let binding_note = format!("bound to `{}`", b.op.parameters[0].ty);
                self.operation(b.op, method, path_name, &binding_note)
            })
            .collect();
        let suffix = if collection { "CollectionOperations" } else { "Operations" };
        let module = plan.modules.get(&binding.module);
        let taken: Vec<&str> = module.map(|m| m.item_names()).unwrap_or_default();
        let candidate = naming::companion(&binding.name, suffix);
        let name = naming::assign(&[candidate.as_str()], Style::Type, &taken).remove(0).name;
        let deprecated = self.deprecated.contains(&binding)
            || self.model.entity_type(ty).is_some_and(|t| t.annotations.deprecation().is_some());
        let wrappers = plan
            .entity_sets
            .iter()
            .filter(|set| set.wrapped.as_ref() == Some(&binding))
            .map(|set| (set.row.clone(), None))
            .collect();
        Some(OperationsTrait { name, binding, collection, operations, deprecated, wrappers, gate: None })
    }

    /// The function and action imports of every container (the first of a name), as methods
    /// of `Collections`, named apart from the entity sets' and singletons' accessors.
    fn imports(&self, plan: &Plan) -> Vec<OperationPlan> {
        let mut seen = BTreeSet::new();
        let mut calls: Vec<(&'m Operation, &'m str)> = Vec::new();
        for (_, container) in self.model.entity_containers() {
            let actions = container.action_imports.iter().map(|i| (&i.name, &i.action, OperationKind::Action));
            let functions = container.function_imports.iter().map(|i| (&i.name, &i.function, OperationKind::Function));
            for (name, target, kind) in actions.chain(functions) {
                if !seen.insert(name.as_str()) {
                    continue;
                }
                let Some(schema) = self.model.schema(&target.namespace) else { continue };
                let overloads = match kind {
                    OperationKind::Action => &schema.actions,
                    OperationKind::Function => &schema.functions,
                };
                calls.extend(
                    overloads.iter().filter(|op| op.name == target.name && !op.is_bound).map(|op| (op, name.as_str())),
                );
            }
        }
        let mut reserved: Vec<&str> = homes::RESERVED_MODULES.to_vec();
        reserved.extend(plan.entity_sets.iter().map(|set| set.accessor.as_str()));
        reserved.extend(plan.singletons.iter().map(|singleton| singleton.accessor.as_str()));
        reserved.extend(["clone", "clone_from", "clone_into", "to_owned", "into", "try_into"]);
        // Overloads of one import share its name; the import's name (not the operation's) is
        // what the URL and the method are named after.
        let renamed: Vec<Operation> =
            calls.iter().map(|(op, import)| Operation { name: (*import).to_owned(), ..(*op).clone() }).collect();
        let ops: Vec<&Operation> = renamed.iter().collect();
        let names = method_names(&ops, &reserved);
        calls
            .iter()
            .zip(names)
            .map(|((op, import), method)| {
                let note = format!("imported as `{import}`");
                self.operation(op, method, (*import).to_owned(), &note)
            })
            .collect()
    }

    fn operation(&self, op: &Operation, method: String, path_name: String, binding_note: &str) -> OperationPlan {
        let action = op.kind == OperationKind::Action;
        let parameters = op.unbound_parameters();
        let wires: Vec<&str> = parameters.iter().map(|p| p.name.as_str()).collect();
        let names = naming::assign(&wires, Style::Field, &[]);
        let parameters = parameters
            .iter()
            .zip(names)
            .map(|(parameter, assigned)| self.parameter(parameter, assigned.name, action))
            .collect();
        let parameters: Vec<ParameterPlan> = parameters;
        let result = self.result(op);
        let uses_deprecated = parameters
            .iter()
            .map(|p| &p.ty)
            .chain(result.ty().as_ref())
            .any(|ty| ty.names_any(&|path| self.deprecated.contains(path)));
        OperationPlan {
            method,
            path_name,
            action,
            parameters,
            result,
            docs: self.operation_docs(op, binding_note),
            uses_deprecated,
            gates: Vec::new(),
        }
    }

    fn parameter(&self, parameter: &Parameter, name: String, action: bool) -> ParameterPlan {
        let element = self.type_target(&parameter.ty.target);
        let has_literal = match &parameter.ty.target {
            TypeTarget::Edm(_) => element != super::JSON,
            TypeTarget::Named(target) => match self.model.type_decl(target) {
                Some(TypeDecl::Enum(_)) => true,
                Some(TypeDecl::TypeDefinition(definition)) => {
                    super::types::edm_type(definition.underlying_type) != super::JSON
                }
                _ => false,
            },
            TypeTarget::External(_) => false,
        };
        let passing = match (action, parameter.ty.collection || !has_literal) {
            (true, _) => Passing::Body,
            (false, true) => Passing::Alias,
            (false, false) => Passing::Inline,
        };
        let ty = if parameter.ty.collection { RustType::Vec(Box::new(element)) } else { element };
        ParameterPlan {
            name,
            wire_name: parameter.name.clone(),
            ty,
            optional: parameter.annotations.is_optional_parameter(),
            passing,
        }
    }

    fn result(&self, op: &Operation) -> ResultPlan {
        let Some(returns) = &op.return_type else { return ResultPlan::Unit };
        if returns.ty == (TypeRef { collection: false, target: TypeTarget::Edm(EdmType::Stream) }) {
            return ResultPlan::Media;
        }
        let element = self.type_target(&returns.ty.target);
        let nullable = |ty: RustType| if returns.nullable { RustType::Option(Box::new(ty)) } else { ty };
        let decl = match &returns.ty.target {
            TypeTarget::Named(name) => self.model.type_decl(name).map(|decl| (name, decl)),
            _ => None,
        };
        match decl {
            Some((name, TypeDecl::Entity(_))) if op.kind == OperationKind::Function && self.is_entity(name) => {
                let path = self.homes[name].clone();
                if returns.ty.collection { ResultPlan::Query(path) } else { ResultPlan::Single(path) }
            }
            _ if returns.ty.collection => ResultPlan::List(element),
            Some((_, TypeDecl::Entity(_) | TypeDecl::Complex(_))) => ResultPlan::Object(nullable(element)),
            // A type of a referenced document: the answer as it comes.
            _ if matches!(returns.ty.target, TypeTarget::External(_)) => ResultPlan::Object(element),
            _ => ResultPlan::Scalar(nullable(element)),
        }
    }

    /// Whether the generated type of entity type `name` implements the runtime's `Entity` (a
    /// query reaches it and it has a key), so that a function's result can be queried.
    fn is_entity(&self, name: &QualifiedName) -> bool {
        self.queryable.contains(name)
            && self
                .model
                .entity_type(name)
                .is_some_and(|ty| ty.kind == StructuredKind::Entity && !self.model.effective_key(ty).is_empty())
    }

    fn operation_docs(&self, op: &Operation, binding_note: &str) -> Docs {
        let mut docs = docs_for(&op.annotations);
        let kind = match op.kind {
            OperationKind::Action => "Action",
            OperationKind::Function => "Function",
        };
        let parameters: Vec<String> = op
            .unbound_parameters()
            .iter()
            .map(|p| {
                let optional = if p.annotations.is_optional_parameter() { " (optional)" } else { "" };
                format!("{}: {}{optional}", p.name, p.ty)
            })
            .collect();
        let returns = op.return_type.as_ref().map(|r| format!(" -> {}", r.ty)).unwrap_or_default();
        let composable = if op.is_composable { ", composable" } else { "" };
        docs.paragraphs.push(format!(
            "{kind} `{}({}){returns}`, {binding_note}{composable}.",
            op.name,
            parameters.join(", ")
        ));
        let described: Vec<String> = op
            .unbound_parameters()
            .iter()
            .filter_map(|p| {
                p.annotations.description.as_deref().map(|d| format!("- `{}`: {}", p.name, super::docs::schema_text(d)))
            })
            .collect();
        if !described.is_empty() {
            docs.paragraphs.push(described.join("\n"));
        }
        docs
    }
}

/// What tells overloads apart when a derived type rebinds an operation: the name, and for a
/// function the names of its parameters (an action has one overload per binding).
fn overload_key(op: &Operation) -> (String, Vec<String>) {
    let names = match op.kind {
        OperationKind::Action => Vec::new(),
        OperationKind::Function => {
            let mut names: Vec<String> = op.unbound_parameters().iter().map(|p| p.name.clone()).collect();
            names.sort();
            names
        }
    };
    (op.name.clone(), names)
}

/// The method names of one scope's operations: an operation's name, and for overloads of one
/// name, the name for the overload with the fewest parameters (the first in document order
/// among equals) and `{name}_with_{parameters}` for the others; distinct, and none of
/// `reserved`, by [`naming::assign`].
fn method_names(ops: &[&Operation], reserved: &[&str]) -> Vec<String> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, op) in ops.iter().enumerate() {
        groups.entry(op.name.as_str()).or_default().push(index);
    }
    let mut candidates = vec![String::new(); ops.len()];
    for group in groups.into_values() {
        let mut group = group;
        group.sort_by_key(|&index| (ops[index].unbound_parameters().len(), index));
        for (rank, &index) in group.iter().enumerate() {
            let op = ops[index];
            candidates[index] = if rank == 0 && reserved.contains(&naming::snake_case(&op.name).as_str()) {
                // `delete` of a workbook range, beside the runtime's `delete` of an entity.
                let kind = match op.kind {
                    OperationKind::Action => "action",
                    OperationKind::Function => "function",
                };
                format!("{} {kind}", op.name)
            } else if rank == 0 {
                op.name.clone()
            } else {
                let parameters: Vec<&str> = op.unbound_parameters().iter().map(|p| p.name.as_str()).collect();
                format!("{} with {}", op.name, parameters.join(" "))
            };
        }
    }
    let wires: Vec<&str> = candidates.iter().map(String::as_str).collect();
    naming::assign(&wires, Style::Module, reserved).into_iter().map(|assigned| assigned.name).collect()
}

/// Gives a constructor to every structured type a caller passes to an operation or writes to an
/// entity set, and to the structured types inside those (through properties, not navigation
/// properties).
pub(super) fn mark_constructors(plan: &mut Plan) {
    let imports = plan.imports.iter();
    let bound = plan.modules.values().flat_map(|m| &m.operations).flat_map(|t| &t.operations);
    let mut pending: Vec<TypePath> =
        imports.chain(bound).flat_map(|op| &op.parameters).flat_map(|p| p.ty.named_types()).collect();
    // And the entity types of the sets a caller writes to.
    let writable = plan.entity_sets.iter().filter(|set| set.restrictions.insertable || set.restrictions.updatable);
    pending.extend(writable.map(|set| set.wrapped.clone().unwrap_or_else(|| set.row.clone())));
    pending.extend(plan.contained_writes.iter().filter(|c| c.insertable || c.updatable).map(|c| c.ty.clone()));
    let mut marked = BTreeSet::new();
    while let Some(path) = pending.pop() {
        if marked.contains(&path) {
            continue;
        }
        let Some(plan_struct) = plan
            .modules
            .get_mut(&path.module)
            .and_then(|module| module.structs.iter_mut().find(|s| s.name == path.name))
        else {
            continue;
        };
        plan_struct.constructor = true;
        pending.extend(plan_struct.fields.iter().filter(|f| !f.navigation).flat_map(|f| f.ty.named_types()));
        marked.insert(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public methods of the impl blocks of `ty` in the runtime's query module (every file of
    /// it: writes, media and operations add methods to `Single` and `Query` in files of their own).
    fn runtime_methods(ty: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/src/query");
        let mut methods = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            methods.extend(public_methods(&source, ty));
        }
        assert!(!methods.is_empty(), "no method of {ty} found in {}", dir.display());
        methods
    }

    fn public_methods(source: &str, ty: &str) -> Vec<String> {
        let mut methods = Vec::new();
        let mut inside = false;
        for line in source.lines() {
            if line.starts_with("impl") {
                inside = line.contains(&format!(" {ty}<"));
            } else if line == "}" {
                inside = false;
            } else if inside {
                let declared =
                    line.trim_start().strip_prefix("pub fn ").or(line.trim_start().strip_prefix("pub async fn "));
                if let Some(name) = declared.and_then(|rest| rest.split(['(', '<']).next()) {
                    methods.push(name.to_owned());
                }
            }
        }
        methods
    }

    #[test]
    fn operations_are_never_named_like_a_method_of_the_runtime_type() {
        for (ty, reserved) in [("Single", SINGLE_METHODS), ("Query", QUERY_METHODS)] {
            for method in runtime_methods(ty) {
                assert!(reserved.contains(&method.as_str()), "{ty}::{method} is missing from the reserved names");
            }
        }
    }

    fn function(name: &str, parameters: &[&str]) -> Operation {
        let parameter = |name: &str| Parameter {
            name: name.to_owned(),
            ty: crate::csdl::TypeRef { collection: false, target: TypeTarget::Edm(crate::csdl::EdmType::String) },
            nullable: true,
            facets: Default::default(),
            annotations: Default::default(),
            location: Default::default(),
        };
        Operation {
            name: name.to_owned(),
            kind: OperationKind::Function,
            is_bound: false,
            is_composable: false,
            entity_set_path: None,
            parameters: parameters.iter().map(|p| parameter(p)).collect(),
            return_type: None,
            annotations: Default::default(),
            location: Default::default(),
        }
    }

    #[test]
    fn overloads_are_named_by_their_parameters() {
        let ops = [
            function("range", &["address"]),
            function("range", &[]),
            function("get", &[]),
            function("Range", &["x", "y"]),
        ];
        let refs: Vec<&Operation> = ops.iter().collect();
        assert_eq!(method_names(&refs, SINGLE_METHODS), ["range_with_address", "range", "get_function", "range_2"]);
    }
}
