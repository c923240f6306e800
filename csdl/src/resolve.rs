//! Resolution: indexes every named item, checks that every reference leads somewhere
//! (types, base types, keys, entity sets, bindings, imports), and merges external annotations
//! into their targets.
//!
//! References a client can do without are resolved tolerantly, with a warning: a type no
//! document declares becomes raw JSON, a binding or an annotation block that leads nowhere is
//! dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::annotations::Annotations;
use super::error::{Diagnostic, DiagnosticKind};
use super::model::*;
use super::parse::Read;

/// Resolves what the parser read; every problem found is appended to `diagnostics` (the model is
/// only usable when none of them is an error).
pub(crate) fn resolve(read: Read, diagnostics: &mut Vec<Diagnostic>) -> Model {
    let Read { mut model, external, included } = read;
    model.index = build_index(&model, diagnostics);
    fall_back_to_json(&mut model, &included, diagnostics);
    report_shadowed_entity_sets(&model, diagnostics);
    let operations = operation_index(&model);
    let members = ContainerMembers::new(&model);
    let mut checker = Checker {
        model: &model,
        operations: &operations,
        members: &members,
        included: &included,
        diagnostics: std::mem::take(diagnostics),
        unbound: Vec::new(),
    };
    checker.check_all();
    *diagnostics = checker.diagnostics;
    let unbound = checker.unbound;
    let targets: Vec<Target> =
        external.iter().map(|(_, block)| annotation_target(&model, &members, &block.target)).collect();
    drop_bindings(&mut model, unbound);
    merge_external_annotations(&mut model, external.into_iter().zip(targets), diagnostics);
    model
}

/// Turns every reference to a type that neither this document declares nor a referenced one
/// includes into [`TypeTarget::External`], with a warning: the plan decodes such values as raw
/// JSON, as it does for types of referenced documents.
fn fall_back_to_json(model: &mut Model, included: &BTreeSet<String>, diagnostics: &mut Vec<Diagnostic>) {
    let index = std::mem::take(&mut model.index);
    let mut fall_back = |ty: &mut TypeRef, location: Location, path: String| {
        if let TypeTarget::Named(name) = &ty.target
            && !index.contains_key(name)
            && !included.contains(&name.namespace)
        {
            diagnostics.push(Diagnostic::new(DiagnosticKind::UnknownType { name: name.to_string() }, location, path));
            ty.target = TypeTarget::External(name.clone());
        }
    };
    for schema in &mut model.schemas {
        let at = format!("Schema[{}]", schema.namespace);
        for (element, types) in [("EntityType", &mut schema.entity_types), ("ComplexType", &mut schema.complex_types)] {
            for ty in types.iter_mut() {
                let path = format!("{at}/{element}[{}]", ty.name);
                for p in &mut ty.properties {
                    fall_back(&mut p.ty, p.location, format!("{path}/Property[{}]", p.name));
                }
                for n in &mut ty.navigation_properties {
                    fall_back(&mut n.ty, n.location, format!("{path}/NavigationProperty[{}]", n.name));
                }
            }
        }
        for term in &mut schema.terms {
            fall_back(&mut term.ty, term.location, format!("{at}/Term[{}]", term.name));
        }
        for (element, ops) in [("Action", &mut schema.actions), ("Function", &mut schema.functions)] {
            for op in ops.iter_mut() {
                let path = format!("{at}/{element}[{}]", op.name);
                for p in &mut op.parameters {
                    fall_back(&mut p.ty, p.location, format!("{path}/Parameter[{}]", p.name));
                }
                if let Some(ret) = &mut op.return_type {
                    fall_back(&mut ret.ty, op.location, format!("{path}/ReturnType"));
                }
            }
        }
    }
    model.index = index;
}

/// Warns about every entity set named like an entity set of an earlier container: a client
/// addresses entity sets by name (`/name`), so only the first is generated (see
/// [`Model::addressable_entity_sets`]).
fn report_shadowed_entity_sets(model: &Model, diagnostics: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, (Location, String)> = HashMap::new();
    for (schema, container) in model.entity_containers() {
        let qualified = format!("{}.{}", schema.namespace, container.name);
        for set in &container.entity_sets {
            match first.get(set.name.as_str()) {
                Some((location, in_container)) if *in_container != qualified => {
                    let kind = DiagnosticKind::ShadowedEntitySet {
                        name: set.name.clone(),
                        container: in_container.clone(),
                        first: *location,
                    };
                    let path = format!(
                        "Schema[{}]/EntityContainer[{}]/EntitySet[{}]",
                        schema.namespace, container.name, set.name
                    );
                    diagnostics.push(Diagnostic::new(kind, set.location, path));
                }
                // Two of one container are a duplicate, reported as an error by the checker.
                Some(_) => {}
                None => {
                    first.insert(&set.name, (set.location, qualified.clone()));
                }
            }
        }
    }
}

/// A binding to drop: (schema, container, set or singleton, its index, the binding's index).
type Unbound = (usize, usize, BindingOwner, usize, usize);

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum BindingOwner {
    EntitySet,
    Singleton,
}

/// Removes the bindings that lead nowhere (reported while checking).
fn drop_bindings(model: &mut Model, mut unbound: Vec<Unbound>) {
    // From the last, so that the indices of the others stay valid.
    unbound.sort_unstable();
    for (s, c, owner, i, b) in unbound.into_iter().rev() {
        let container = &mut model.schemas[s].entity_containers[c];
        let bindings = match owner {
            BindingOwner::EntitySet => &mut container.entity_sets[i].navigation_property_bindings,
            BindingOwner::Singleton => &mut container.singletons[i].navigation_property_bindings,
        };
        bindings.remove(b);
    }
}

fn build_index<'m>(model: &'m Model, errors: &mut Vec<Diagnostic>) -> BTreeMap<QualifiedName, ItemRef> {
    // Every named schema child, in document order, so that the second of two duplicates is the
    // one reported.
    let mut items: Vec<(Location, usize, ItemKind, usize, &'m str)> = Vec::new();
    for (s, schema) in model.schemas.iter().enumerate() {
        let mut add = |kind, item, name: &'m str, location| items.push((location, s, kind, item, name));
        for (i, ty) in schema.entity_types.iter().enumerate() {
            add(ItemKind::EntityType, i, &ty.name, ty.location);
        }
        for (i, ty) in schema.complex_types.iter().enumerate() {
            add(ItemKind::ComplexType, i, &ty.name, ty.location);
        }
        for (i, ty) in schema.enum_types.iter().enumerate() {
            add(ItemKind::EnumType, i, &ty.name, ty.location);
        }
        for (i, ty) in schema.type_definitions.iter().enumerate() {
            add(ItemKind::TypeDefinition, i, &ty.name, ty.location);
        }
        for (i, term) in schema.terms.iter().enumerate() {
            add(ItemKind::Term, i, &term.name, term.location);
        }
        for (i, container) in schema.entity_containers.iter().enumerate() {
            add(ItemKind::EntityContainer, i, &container.name, container.location);
        }
    }
    items.sort_by_key(|item| item.0);

    let mut index: BTreeMap<QualifiedName, ItemRef> = BTreeMap::new();
    let mut locations: HashMap<QualifiedName, Location> = HashMap::new();
    for (location, s, kind, item, name) in items {
        let namespace = &model.schemas[s].namespace;
        let qualified = QualifiedName::new(namespace, name);
        if let Some(first) = locations.get(&qualified) {
            // A term declared twice has a sensible reading (the first wins); any other name
            // declared twice makes the generated items ambiguous.
            let twice_a_term =
                kind == ItemKind::Term && index.get(&qualified).is_some_and(|item| item.kind == ItemKind::Term);
            let (name_text, first) = (qualified.to_string(), *first);
            let diagnostic = if twice_a_term {
                DiagnosticKind::DuplicateTerm { name: name_text, first }
            } else {
                DiagnosticKind::Duplicate { name: name_text, first }
            };
            errors.push(Diagnostic::new(
                diagnostic,
                location,
                format!("Schema[{namespace}]/{}[{name}]", item_element(kind)),
            ));
            continue;
        }
        locations.insert(qualified.clone(), location);
        index.insert(qualified, ItemRef { schema: s, kind, item });
    }
    index
}

fn item_element(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::EntityType => "EntityType",
        ItemKind::ComplexType => "ComplexType",
        ItemKind::EnumType => "EnumType",
        ItemKind::TypeDefinition => "TypeDefinition",
        ItemKind::Term => "Term",
        ItemKind::EntityContainer => "EntityContainer",
    }
}

/// Qualified name → overloads, per operation kind.
type OperationIndex<'m> = HashMap<(OperationKind, QualifiedName), Vec<&'m Operation>>;

fn operation_index(model: &Model) -> OperationIndex<'_> {
    let mut index: OperationIndex = HashMap::new();
    for schema in &model.schemas {
        for op in schema.actions.iter().chain(&schema.functions) {
            index.entry((op.kind, QualifiedName::new(&schema.namespace, &op.name))).or_default().push(op);
        }
    }
    index
}

/// The children of every entity container by name (entity sets, singletons, action imports and
/// function imports, the first of a name winning), so that paths into large containers are found
/// in constant time.
struct ContainerMembers<'m>(HashMap<(usize, usize), HashMap<&'m str, Slot>>);

impl<'m> ContainerMembers<'m> {
    fn new(model: &'m Model) -> Self {
        let mut all = HashMap::new();
        for (s, schema) in model.schemas.iter().enumerate() {
            for (c, container) in schema.entity_containers.iter().enumerate() {
                let mut members = HashMap::new();
                let sets =
                    container.entity_sets.iter().enumerate().map(|(i, x)| (x.name.as_str(), Slot::EntitySet(s, c, i)));
                let singletons =
                    container.singletons.iter().enumerate().map(|(i, x)| (x.name.as_str(), Slot::Singleton(s, c, i)));
                let actions = container
                    .action_imports
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (x.name.as_str(), Slot::ActionImport(s, c, i)));
                let functions = container
                    .function_imports
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (x.name.as_str(), Slot::FunctionImport(s, c, i)));
                for (name, slot) in sets.chain(singletons).chain(actions).chain(functions) {
                    members.entry(name).or_insert(slot);
                }
                all.insert((s, c), members);
            }
        }
        ContainerMembers(all)
    }

    fn get(&self, container: ItemRef, name: &str) -> Option<Slot> {
        self.0.get(&(container.schema, container.item))?.get(name).copied()
    }
}

struct Checker<'m> {
    model: &'m Model,
    operations: &'m OperationIndex<'m>,
    members: &'m ContainerMembers<'m>,
    included: &'m BTreeSet<String>,
    diagnostics: Vec<Diagnostic>,
    /// Bindings that lead nowhere, to be dropped once checking is done.
    unbound: Vec<Unbound>,
}

fn kind_name(decl: TypeDecl) -> &'static str {
    match decl {
        TypeDecl::Entity(_) => "entity type",
        TypeDecl::Complex(_) => "complex type",
        TypeDecl::Enum(_) => "enum type",
        TypeDecl::TypeDefinition(_) => "type definition",
    }
}

impl<'m> Checker<'m> {
    fn report(&mut self, kind: DiagnosticKind, location: Location, path: String) {
        self.diagnostics.push(Diagnostic::new(kind, location, path));
    }

    fn unresolved(&mut self, what: &'static str, name: impl ToString, location: Location, path: String) {
        self.report(DiagnosticKind::Unresolved { what, name: name.to_string() }, location, path);
    }

    /// Warns about a reference the client can do without: `fallback` says what is left out.
    fn ignored(
        &mut self,
        what: &'static str,
        name: impl ToString,
        fallback: &'static str,
        location: Location,
        path: &str,
    ) {
        let kind = DiagnosticKind::UnresolvedReference { what, name: name.to_string(), fallback };
        self.report(kind, location, path.to_owned());
    }

    fn check_all(&mut self) {
        let model = self.model;
        for (s, schema) in model.schemas.iter().enumerate() {
            let at = format!("Schema[{}]", schema.namespace);
            for ty in schema.entity_types.iter().chain(&schema.complex_types) {
                self.structured_type(ty, &at);
            }
            for ty in &schema.enum_types {
                let members = ty.members.iter().map(|m| ("Member", m.name.as_str(), m.location));
                self.unique_members(&format!("{at}/EnumType[{}]", ty.name), members);
            }
            for term in &schema.terms {
                self.type_ref(&term.ty, term.location, format!("{at}/Term[{}]", term.name));
            }
            for op in schema.actions.iter().chain(&schema.functions) {
                let element = if op.kind == OperationKind::Action { "Action" } else { "Function" };
                let op_path = format!("{at}/{element}[{}]", op.name);
                self.unique_members(&op_path, op.parameters.iter().map(|p| ("Parameter", p.name.as_str(), p.location)));
                for param in &op.parameters {
                    self.type_ref(&param.ty, param.location, format!("{op_path}/Parameter[{}]", param.name));
                }
                if let Some(ret) = &op.return_type {
                    self.type_ref(&ret.ty, op.location, format!("{op_path}/ReturnType"));
                }
            }
            for (c, container) in schema.entity_containers.iter().enumerate() {
                self.container((s, c), schema, container, &at);
            }
        }
    }

    /// Reports the members of one element (`(element, name, location)`) that share a name: the
    /// generator could not tell them apart. The later one in the document is reported.
    fn unique_members<'a>(&mut self, parent: &str, members: impl Iterator<Item = (&'static str, &'a str, Location)>) {
        let mut members: Vec<_> = members.collect();
        members.sort_by_key(|(_, _, location)| *location);
        let mut first: HashMap<&str, Location> = HashMap::new();
        for (element, name, location) in members {
            match first.get(name) {
                Some(first) => {
                    let kind = DiagnosticKind::Duplicate { name: name.to_owned(), first: *first };
                    self.report(kind, location, format!("{parent}/{element}[{name}]"));
                }
                None => {
                    first.insert(name, location);
                }
            }
        }
    }

    fn type_ref(&mut self, ty: &TypeRef, location: Location, path: String) {
        if let TypeTarget::Named(name) = &ty.target
            && self.model.type_decl(name).is_none()
        {
            self.unresolved("type", name, location, path);
        }
    }

    fn structured_type(&mut self, ty: &'m StructuredType, at: &str) {
        let element = match ty.kind {
            StructuredKind::Entity => "EntityType",
            StructuredKind::Complex => "ComplexType",
        };
        let path = format!("{at}/{element}[{}]", ty.name);
        let chain_ok = self.base_chain(ty, &path);
        let properties = ty.properties.iter().map(|p| ("Property", p.name.as_str(), p.location));
        let navigation = ty.navigation_properties.iter().map(|n| ("NavigationProperty", n.name.as_str(), n.location));
        self.unique_members(&path, properties.chain(navigation));
        for property in &ty.properties {
            let property_path = format!("{path}/Property[{}]", property.name);
            if let TypeTarget::Named(name) = &property.ty.target {
                match self.model.type_decl(name) {
                    None => self.unresolved("type", name, property.location, property_path),
                    Some(TypeDecl::Entity(_)) => self.report(
                        DiagnosticKind::WrongKind {
                            name: name.to_string(),
                            found: "entity type",
                            expected: "a primitive, complex, enum or type definition type",
                        },
                        property.location,
                        property_path,
                    ),
                    Some(_) => {}
                }
            }
        }
        for nav in &ty.navigation_properties {
            let nav_path = format!("{path}/NavigationProperty[{}]", nav.name);
            match &nav.ty.target {
                TypeTarget::Named(name) => match self.model.type_decl(name) {
                    None => self.unresolved("entity type", name, nav.location, nav_path),
                    Some(TypeDecl::Entity(_)) => {}
                    Some(other) => self.report(
                        DiagnosticKind::WrongKind {
                            name: name.to_string(),
                            found: kind_name(other),
                            expected: "an entity type",
                        },
                        nav.location,
                        nav_path,
                    ),
                },
                TypeTarget::Edm(super::edm::EdmType::EntityType) | TypeTarget::External(_) => {}
                TypeTarget::Edm(edm) => self.report(
                    DiagnosticKind::WrongKind {
                        name: format!("Edm.{}", edm.name()),
                        found: "primitive type",
                        expected: "an entity type",
                    },
                    nav.location,
                    nav_path,
                ),
            }
        }
        if chain_ok && ty.kind == StructuredKind::Entity {
            for key in &ty.key {
                if !self.key_path_exists(ty, &key.name) {
                    self.report(
                        DiagnosticKind::KeyPropertyMissing { name: key.name.clone() },
                        ty.location,
                        format!("{path}/Key/PropertyRef[{}]", key.name),
                    );
                }
            }
        }
    }

    /// Checks the base type exists, has the same kind, and that the chain has no cycle.
    fn base_chain(&mut self, ty: &'m StructuredType, path: &str) -> bool {
        let mut seen = vec![ty.name.as_str()];
        let mut current = ty;
        let mut visited = BTreeSet::new();
        while let Some(base) = &current.base_type {
            let found = match self.model.type_decl(base) {
                Some(TypeDecl::Entity(b)) if ty.kind == StructuredKind::Entity => b,
                Some(TypeDecl::Complex(b)) if ty.kind == StructuredKind::Complex => b,
                Some(other) => {
                    let expected = if ty.kind == StructuredKind::Entity { "an entity type" } else { "a complex type" };
                    let kind = DiagnosticKind::WrongKind { name: base.to_string(), found: kind_name(other), expected };
                    if std::ptr::eq(current, ty) {
                        self.report(kind, ty.location, path.to_owned());
                    }
                    return false;
                }
                None => {
                    // Only the type naming the missing base reports it; a base type in a
                    // referenced document cannot be followed, and is no error.
                    if std::ptr::eq(current, ty) && !self.included.contains(&base.namespace) {
                        self.unresolved("base type", base, ty.location, path.to_owned());
                    }
                    return false;
                }
            };
            seen.push(&found.name);
            if std::ptr::eq(found, ty) {
                self.report(DiagnosticKind::BaseTypeCycle { chain: seen.join(" -> ") }, ty.location, path.to_owned());
                return false;
            }
            if !visited.insert(base.clone()) {
                // A cycle further up the chain: reported by its members.
                return false;
            }
            current = found;
        }
        true
    }

    /// Whether a key `PropertyRef` path (`prop` or `complexProp/sub`) names a property.
    fn key_path_exists(&self, ty: &'m StructuredType, path: &str) -> bool {
        let mut segments = path.split('/');
        let Some(first) = segments.next() else { return false };
        let mut property = self.model.all_properties(ty).into_iter().find(|p| p.name == first);
        for segment in segments {
            let next = property.and_then(|p| match &p.ty.target {
                TypeTarget::Named(name) => self.model.structured_type(name),
                _ => None,
            });
            property =
                next.and_then(|complex| self.model.all_properties(complex).into_iter().find(|p| p.name == segment));
        }
        property.is_some()
    }

    fn container(&mut self, (s, c): (usize, usize), schema: &Schema, container: &'m EntityContainer, at: &str) {
        let path = format!("{at}/EntityContainer[{}]", container.name);
        if let Some(base) = &container.extends
            && self.model.entity_container(base).is_none()
            && !self.included.contains(&base.namespace)
        {
            self.ignored("entity container", base, "the container is read without its base", container.location, &path);
        }
        let sets = container.entity_sets.iter().map(|x| ("EntitySet", x.name.as_str(), x.location));
        let singletons = container.singletons.iter().map(|x| ("Singleton", x.name.as_str(), x.location));
        let actions = container.action_imports.iter().map(|x| ("ActionImport", x.name.as_str(), x.location));
        let functions = container.function_imports.iter().map(|x| ("FunctionImport", x.name.as_str(), x.location));
        self.unique_members(&path, sets.chain(singletons).chain(actions).chain(functions));
        let this = QualifiedName::new(&schema.namespace, &container.name);
        for (i, set) in container.entity_sets.iter().enumerate() {
            let set_path = format!("{path}/EntitySet[{}]", set.name);
            self.entity_type_ref(&set.entity_type, set.location, &set_path, "the entity set is not generated");
            let owner = (s, c, BindingOwner::EntitySet, i);
            self.bindings(&this, owner, &set.entity_type, &set.navigation_property_bindings, set.location, &set_path);
        }
        for (i, singleton) in container.singletons.iter().enumerate() {
            let singleton_path = format!("{path}/Singleton[{}]", singleton.name);
            self.entity_type_ref(
                &singleton.entity_type,
                singleton.location,
                &singleton_path,
                "the singleton is ignored",
            );
            let owner = (s, c, BindingOwner::Singleton, i);
            let bindings = &singleton.navigation_property_bindings;
            self.bindings(&this, owner, &singleton.entity_type, bindings, singleton.location, &singleton_path);
        }
        for import in &container.action_imports {
            let import_path = format!("{path}/ActionImport[{}]", import.name);
            if !self.operations.contains_key(&(OperationKind::Action, import.action.clone()))
                && !self.included.contains(&import.action.namespace)
            {
                self.ignored("action", &import.action, "the import is ignored", import.location, &import_path);
            }
            self.import_entity_set(&this, import.entity_set.as_deref(), import.location, import_path);
        }
        for import in &container.function_imports {
            let import_path = format!("{path}/FunctionImport[{}]", import.name);
            if !self.operations.contains_key(&(OperationKind::Function, import.function.clone()))
                && !self.included.contains(&import.function.namespace)
            {
                self.ignored("function", &import.function, "the import is ignored", import.location, &import_path);
            }
            self.import_entity_set(&this, import.entity_set.as_deref(), import.location, import_path);
        }
    }

    /// The entity type of an entity set or singleton; one that nothing declares leaves the element
    /// out of the client (`fallback` says so).
    fn entity_type_ref(&mut self, name: &QualifiedName, location: Location, path: &str, fallback: &'static str) {
        if self.included.contains(&name.namespace) {
            return;
        }
        match self.model.type_decl(name) {
            Some(TypeDecl::Entity(_)) => {}
            Some(other) => self.report(
                DiagnosticKind::WrongKind {
                    name: name.to_string(),
                    found: kind_name(other),
                    expected: "an entity type",
                },
                location,
                path.to_owned(),
            ),
            None => self.ignored("entity type", name, fallback, location, path),
        }
    }

    fn import_entity_set(
        &mut self,
        container: &QualifiedName,
        entity_set: Option<&str>,
        location: Location,
        path: String,
    ) {
        if let Some(target) = entity_set
            && !self.target_exists(container, target)
        {
            self.ignored("entity set", target, "the import's entity set is ignored", location, &path);
        }
    }

    /// Checks the bindings of one entity set or singleton (`owner`, of type `entity_type`): a
    /// binding whose path or target does not resolve is reported and marked to be dropped.
    fn bindings(
        &mut self,
        container: &QualifiedName,
        (s, c, owner, i): (usize, usize, BindingOwner, usize),
        entity_type: &QualifiedName,
        bindings: &[NavigationPropertyBinding],
        location: Location,
        path: &str,
    ) {
        for (b, binding) in bindings.iter().enumerate() {
            let reason = if !self.binding_path_exists(entity_type, &binding.path) {
                "the path names no navigation property"
            } else if !self.target_exists(container, &binding.target) {
                "the target is no entity set or singleton"
            } else {
                continue;
            };
            let kind = DiagnosticKind::UnresolvedBinding {
                path: binding.path.clone(),
                target: binding.target.clone(),
                reason,
            };
            self.report(kind, location, format!("{path}/NavigationPropertyBinding[{}]", binding.path));
            self.unbound.push((s, c, owner, i, b));
        }
    }

    /// Whether a binding path (`nav`, `complex/nav`, `NS.Derived/nav`, ...) from `entity_type`
    /// ends at a navigation property. Segments are type casts (qualified names), structural
    /// properties of complex type, and a navigation property last. A path that leaves this
    /// document (a type of a referenced one) cannot be followed and is accepted; so is one
    /// from a type this document does not declare (reported elsewhere).
    fn binding_path_exists(&self, entity_type: &QualifiedName, path: &str) -> bool {
        let Some(mut current) = self.model.structured_type(entity_type) else { return true };
        let mut segments = path.split('/').peekable();
        while let Some(segment) = segments.next() {
            let last = segments.peek().is_none();
            if let Some(cast) = QualifiedName::parse(segment) {
                if self.included.contains(&cast.namespace) {
                    return true;
                }
                match self.model.structured_type(&cast) {
                    Some(ty) if !last => current = ty,
                    _ => return false,
                }
                continue;
            }
            if self.model.all_navigation_properties(current).iter().any(|n| n.name == segment) {
                // A path going on below a navigation property (through containment) is not
                // followed further.
                return true;
            }
            let property = self.model.all_properties(current).into_iter().find(|p| p.name == segment);
            match property.map(|p| &p.ty.target) {
                Some(TypeTarget::Named(name)) if !last => match self.model.structured_type(name) {
                    Some(ty) => current = ty,
                    None => return false,
                },
                Some(TypeTarget::External(_)) => return true,
                _ => return false,
            }
        }
        false
    }

    /// Whether `target` (`set`, `set/nav/...` or `Namespace.Container/set/...`) starts at an
    /// entity set or singleton of the container (or a container it extends).
    fn target_exists(&self, container: &QualifiedName, target: &str) -> bool {
        let mut segments = target.split('/');
        let Some(first) = segments.next() else { return false };
        let (container_name, set) = match QualifiedName::parse(first) {
            Some(qualified)
                if self.model.entity_container(&qualified).is_some()
                    || self.included.contains(&qualified.namespace) =>
            {
                if self.included.contains(&qualified.namespace) {
                    return true;
                }
                match segments.next() {
                    Some(set) => (qualified, set),
                    None => return false,
                }
            }
            _ => (container.clone(), first),
        };
        let container_ref = |name: &QualifiedName| {
            self.model.index.get(name).filter(|item| item.kind == ItemKind::EntityContainer).copied()
        };
        let mut current = container_ref(&container_name);
        let mut hops = 0;
        while let Some(item) = current {
            if matches!(self.members.get(item, set), Some(Slot::EntitySet(..) | Slot::Singleton(..))) {
                return true;
            }
            hops += 1;
            if hops > 64 {
                return false;
            }
            current =
                self.model.schemas[item.schema].entity_containers[item.item].extends.as_ref().and_then(container_ref);
        }
        false
    }
}

/// Merges each external `Annotations` block into its target. A target elsewhere (a referenced
/// document), or one reaching below a member, is kept on the schema; a target in a namespace this
/// document declares that names nothing (a removed member, an overload that is not there) is
/// dropped with a warning.
fn merge_external_annotations(
    model: &mut Model,
    external: impl Iterator<Item = ((usize, ExternalAnnotations), Target)>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for ((schema_index, block), found) in external {
        let ExternalAnnotations { target, qualifier, annotations, location } = block;
        match found {
            Target::Slots(slots) => {
                for slot in slots {
                    let into = slot_annotations(model, slot);
                    for annotation in &annotations {
                        into.apply(annotation.clone());
                    }
                }
                continue;
            }
            Target::Missing => {
                let path = format!("Schema[{}]/Annotations[{target}]", model.schemas[schema_index].namespace);
                diagnostics.push(Diagnostic::new(
                    DiagnosticKind::UnresolvedAnnotationTarget { target },
                    location,
                    path,
                ));
                continue;
            }
            Target::Kept => {}
        }
        model.schemas[schema_index].external_annotations.push(ExternalAnnotations {
            target,
            qualifier,
            annotations,
            location,
        });
    }
}

/// What an annotation target names.
enum Target {
    /// Elements of this document: the block is merged into their annotations.
    Slots(Vec<Slot>),
    /// Nothing, although the target lies in a namespace this document declares: dropped with a
    /// warning.
    Missing,
    /// Something this model does not hold: an element of a referenced document, or a path below a
    /// member (`NS.Type/property/sub`, a type cast, an annotation). Kept as written.
    Kept,
}

/// Where an annotation target's annotations live.
#[derive(Clone, Copy)]
enum Slot {
    Schema(usize),
    Structured { schema: usize, kind: ItemKind, item: usize },
    Property { schema: usize, kind: ItemKind, item: usize, property: usize },
    Navigation { schema: usize, kind: ItemKind, item: usize, property: usize },
    Enum(usize, usize),
    EnumMember(usize, usize, usize),
    TypeDefinition(usize, usize),
    Term(usize, usize),
    Container(usize, usize),
    EntitySet(usize, usize, usize),
    Singleton(usize, usize, usize),
    ActionImport(usize, usize, usize),
    FunctionImport(usize, usize, usize),
    Operation { schema: usize, kind: OperationKind, item: usize },
    Parameter { schema: usize, kind: OperationKind, item: usize, parameter: usize },
}

fn slot_annotations(model: &mut Model, slot: Slot) -> &mut Annotations {
    match slot {
        Slot::Schema(s) => &mut model.schemas[s].annotations,
        Slot::Structured { schema, kind, item } => {
            &mut structured_mut(&mut model.schemas[schema], kind, item).annotations
        }
        Slot::Property { schema, kind, item, property } => {
            &mut structured_mut(&mut model.schemas[schema], kind, item).properties[property].annotations
        }
        Slot::Navigation { schema, kind, item, property } => {
            &mut structured_mut(&mut model.schemas[schema], kind, item).navigation_properties[property].annotations
        }
        Slot::Enum(s, i) => &mut model.schemas[s].enum_types[i].annotations,
        Slot::EnumMember(s, i, m) => &mut model.schemas[s].enum_types[i].members[m].annotations,
        Slot::TypeDefinition(s, i) => &mut model.schemas[s].type_definitions[i].annotations,
        Slot::Term(s, i) => &mut model.schemas[s].terms[i].annotations,
        Slot::Container(s, i) => &mut model.schemas[s].entity_containers[i].annotations,
        Slot::EntitySet(s, c, i) => &mut model.schemas[s].entity_containers[c].entity_sets[i].annotations,
        Slot::Singleton(s, c, i) => &mut model.schemas[s].entity_containers[c].singletons[i].annotations,
        Slot::ActionImport(s, c, i) => &mut model.schemas[s].entity_containers[c].action_imports[i].annotations,
        Slot::FunctionImport(s, c, i) => &mut model.schemas[s].entity_containers[c].function_imports[i].annotations,
        Slot::Operation { schema, kind, item } => {
            &mut operations_mut(&mut model.schemas[schema], kind)[item].annotations
        }
        Slot::Parameter { schema, kind, item, parameter } => {
            &mut operations_mut(&mut model.schemas[schema], kind)[item].parameters[parameter].annotations
        }
    }
}

fn structured_mut(schema: &mut Schema, kind: ItemKind, item: usize) -> &mut StructuredType {
    match kind {
        ItemKind::EntityType => &mut schema.entity_types[item],
        _ => &mut schema.complex_types[item],
    }
}

fn operations_mut(schema: &mut Schema, kind: OperationKind) -> &mut Vec<Operation> {
    match kind {
        OperationKind::Action => &mut schema.actions,
        OperationKind::Function => &mut schema.functions,
    }
}

/// Finds the elements an annotation target names: a schema, a schema child, a member of one, an
/// operation (every overload, or those of a signature) or a parameter.
fn annotation_target(model: &Model, members: &ContainerMembers, target: &str) -> Target {
    let (head, rest) = match target.find(['/', '(']) {
        Some(i) => target.split_at(i),
        None => (target, ""),
    };
    // `Namespace` alone targets the schema.
    if rest.is_empty()
        && let Some(s) = model.schemas.iter().position(|s| s.namespace == head)
    {
        return Target::Slots(vec![Slot::Schema(s)]);
    }
    let Some(name) = QualifiedName::parse(head) else { return Target::Kept };
    let Some(schema_index) = model.schemas.iter().position(|s| s.namespace == name.namespace) else {
        return Target::Kept;
    };
    let schema = &model.schemas[schema_index];
    let Some((signature, member)) = split_signature(rest) else { return Target::Missing };
    let member = match member {
        "" => None,
        member => match member.strip_prefix('/') {
            Some(member) => Some(member),
            None => return Target::Missing,
        },
    };
    // Only the first segment of a member path is looked up; a target reaching deeper is kept.
    let (first, nested) = match member.map(|m| m.split_once('/')) {
        Some(Some((first, _))) => (Some(first), true),
        Some(None) => (member, false),
        None => (None, false),
    };
    let found = |slots: Vec<Slot>| if nested { Target::Kept } else { Target::Slots(slots) };

    if signature.is_none()
        && let Some(item) = model.index.get(&name)
    {
        // A type cast (`NS.Type/NS.Derived/...`) or an annotation (`NS.Type/@Term`).
        if first.is_some_and(|first| first.contains(['.', '@'])) {
            return Target::Kept;
        }
        if let Some(slot) = item_slot(model, members, *item, first) {
            return found(vec![slot]);
        }
    }
    // Operations: every overload, or those whose parameter types match the signature.
    let mut slots = Vec::new();
    for kind in [OperationKind::Action, OperationKind::Function] {
        let ops = match kind {
            OperationKind::Action => &schema.actions,
            OperationKind::Function => &schema.functions,
        };
        for (i, op) in ops.iter().enumerate().filter(|(_, op)| op.name == name.name) {
            if signature.is_some_and(|signature| !overload_matches(op, signature)) {
                continue;
            }
            match first {
                None => slots.push(Slot::Operation { schema: schema_index, kind, item: i }),
                // The return type has no annotations of its own in this model: kept as written.
                Some("$ReturnType") => return Target::Kept,
                Some(param) => {
                    if let Some(p) = op.parameters.iter().position(|p| p.name == param) {
                        slots.push(Slot::Parameter { schema: schema_index, kind, item: i, parameter: p });
                    }
                }
            }
        }
    }
    if slots.is_empty() { Target::Missing } else { found(slots) }
}

/// Whether an overload has the signature of a target (`Type1,Type2`): all its parameter types;
/// for a bound operation also its binding parameter type alone, and for an unbound action nothing.
fn overload_matches(op: &Operation, signature: &str) -> bool {
    let types: Vec<String> = op.parameters.iter().map(|p| p.ty.to_string()).collect();
    let wanted: Vec<&str> = signature.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if types == wanted {
        return true;
    }
    match (op.kind, op.is_bound) {
        (_, true) => wanted.len() == 1 && types.first().is_some_and(|t| t == wanted[0]),
        (OperationKind::Action, false) => wanted.is_empty(),
        (OperationKind::Function, false) => false,
    }
}

/// `(A,B)/rest` → (`Some("A,B")`, `/rest`); no parenthesis → (`None`, input); `None` when the
/// opening parenthesis is never closed.
fn split_signature(rest: &str) -> Option<(Option<&str>, &str)> {
    if !rest.starts_with('(') {
        return Some((None, rest));
    }
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((Some(&rest[1..i]), &rest[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// The slot of a schema child or of one of its members (a single path segment).
fn item_slot(model: &Model, members: &ContainerMembers, item: ItemRef, member: Option<&str>) -> Option<Slot> {
    let schema = &model.schemas[item.schema];
    let s = item.schema;
    let i = item.item;
    Some(match (item.kind, member) {
        (ItemKind::EntityType | ItemKind::ComplexType, None) => {
            Slot::Structured { schema: s, kind: item.kind, item: i }
        }
        (ItemKind::EntityType | ItemKind::ComplexType, Some(member)) => {
            let ty = structured(schema, item.kind, i);
            if let Some(property) = ty.properties.iter().position(|p| p.name == member) {
                Slot::Property { schema: s, kind: item.kind, item: i, property }
            } else {
                let property = ty.navigation_properties.iter().position(|p| p.name == member)?;
                Slot::Navigation { schema: s, kind: item.kind, item: i, property }
            }
        }
        (ItemKind::EnumType, None) => Slot::Enum(s, i),
        (ItemKind::EnumType, Some(member)) => {
            Slot::EnumMember(s, i, schema.enum_types[i].members.iter().position(|m| m.name == member)?)
        }
        (ItemKind::TypeDefinition, None) => Slot::TypeDefinition(s, i),
        (ItemKind::Term, None) => Slot::Term(s, i),
        (ItemKind::EntityContainer, None) => Slot::Container(s, i),
        (ItemKind::EntityContainer, Some(member)) => members.get(item, member)?,
        (ItemKind::TypeDefinition | ItemKind::Term, Some(_)) => return None,
    })
}

fn structured(schema: &Schema, kind: ItemKind, item: usize) -> &StructuredType {
    match kind {
        ItemKind::EntityType => &schema.entity_types[item],
        _ => &schema.complex_types[item],
    }
}
