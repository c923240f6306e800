//! Resolution: indexes every named item, checks that every reference leads somewhere
//! (types, base types, keys, entity sets, bindings, imports), and merges external annotations
//! into their targets.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::annotations::Annotations;
use super::error::{Error, ErrorKind};
use super::model::*;
use super::parse::Parsed;

pub(crate) fn resolve(parsed: Parsed) -> Result<Model, Vec<Error>> {
    let Parsed { mut model, external, included } = parsed;
    let mut errors = Vec::new();
    model.index = build_index(&model, &mut errors);
    let operations = operation_index(&model);
    let mut checker = Checker { model: &model, operations: &operations, included: &included, errors };
    checker.check_all();
    let mut errors = checker.errors;
    merge_external_annotations(&mut model, external, &included, &mut errors);
    if errors.is_empty() {
        Ok(model)
    } else {
        errors.sort_by_key(|e| e.location);
        Err(errors)
    }
}

fn build_index(model: &Model, errors: &mut Vec<Error>) -> BTreeMap<QualifiedName, ItemRef> {
    let mut index: BTreeMap<QualifiedName, ItemRef> = BTreeMap::new();
    let mut locations: HashMap<QualifiedName, Location> = HashMap::new();
    for (s, schema) in model.schemas.iter().enumerate() {
        let mut add = |kind, item, name: &str, element: &str, location: Location| {
            let qualified = QualifiedName::new(&schema.namespace, name);
            if let Some(first) = locations.get(&qualified) {
                errors.push(Error {
                    kind: ErrorKind::Duplicate { name: qualified.to_string(), first: *first },
                    location,
                    path: format!("Schema[{}]/{element}[{name}]", schema.namespace),
                });
                return;
            }
            locations.insert(qualified.clone(), location);
            index.insert(qualified, ItemRef { schema: s, kind, item });
        };
        for (i, ty) in schema.entity_types.iter().enumerate() {
            add(ItemKind::EntityType, i, &ty.name, "EntityType", ty.location);
        }
        for (i, ty) in schema.complex_types.iter().enumerate() {
            add(ItemKind::ComplexType, i, &ty.name, "ComplexType", ty.location);
        }
        for (i, ty) in schema.enum_types.iter().enumerate() {
            add(ItemKind::EnumType, i, &ty.name, "EnumType", ty.location);
        }
        for (i, ty) in schema.type_definitions.iter().enumerate() {
            add(ItemKind::TypeDefinition, i, &ty.name, "TypeDefinition", ty.location);
        }
        for (i, term) in schema.terms.iter().enumerate() {
            add(ItemKind::Term, i, &term.name, "Term", term.location);
        }
        for (i, container) in schema.entity_containers.iter().enumerate() {
            add(ItemKind::EntityContainer, i, &container.name, "EntityContainer", container.location);
        }
    }
    index
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

struct Checker<'m> {
    model: &'m Model,
    operations: &'m OperationIndex<'m>,
    included: &'m BTreeSet<String>,
    errors: Vec<Error>,
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
    fn error(&mut self, kind: ErrorKind, location: Location, path: String) {
        self.errors.push(Error { kind, location, path });
    }

    fn unresolved(&mut self, what: &'static str, name: impl ToString, location: Location, path: String) {
        self.error(ErrorKind::Unresolved { what, name: name.to_string() }, location, path);
    }

    fn check_all(&mut self) {
        let model = self.model;
        for schema in &model.schemas {
            let at = format!("Schema[{}]", schema.namespace);
            for ty in schema.entity_types.iter().chain(&schema.complex_types) {
                self.structured_type(ty, &at);
            }
            for term in &schema.terms {
                self.type_ref(&term.ty, term.location, format!("{at}/Term[{}]", term.name));
            }
            for op in schema.actions.iter().chain(&schema.functions) {
                let element = if op.kind == OperationKind::Action { "Action" } else { "Function" };
                let op_path = format!("{at}/{element}[{}]", op.name);
                for param in &op.parameters {
                    self.type_ref(&param.ty, param.location, format!("{op_path}/Parameter[{}]", param.name));
                }
                if let Some(ret) = &op.return_type {
                    self.type_ref(&ret.ty, op.location, format!("{op_path}/ReturnType"));
                }
            }
            for container in &schema.entity_containers {
                self.container(schema, container, &at);
            }
        }
    }

    fn type_ref(&mut self, ty: &TypeRef, location: Location, path: String) {
        if let TypeTarget::Named(name) = &ty.target {
            if self.model.type_decl(name).is_none() {
                self.unresolved("type", name, location, path);
            }
        }
    }

    fn structured_type(&mut self, ty: &'m StructuredType, at: &str) {
        let element = match ty.kind {
            StructuredKind::Entity => "EntityType",
            StructuredKind::Complex => "ComplexType",
        };
        let path = format!("{at}/{element}[{}]", ty.name);
        let chain_ok = self.base_chain(ty, &path);
        for property in &ty.properties {
            let property_path = format!("{path}/Property[{}]", property.name);
            if let TypeTarget::Named(name) = &property.ty.target {
                match self.model.type_decl(name) {
                    None => self.unresolved("type", name, property.location, property_path),
                    Some(TypeDecl::Entity(_)) => self.error(
                        ErrorKind::WrongKind { name: name.to_string(), found: "entity type", expected: "a primitive, complex, enum or type definition type" },
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
                    Some(other) => self.error(
                        ErrorKind::WrongKind { name: name.to_string(), found: kind_name(other), expected: "an entity type" },
                        nav.location,
                        nav_path,
                    ),
                },
                TypeTarget::Edm(super::edm::EdmType::EntityType) | TypeTarget::External(_) => {}
                TypeTarget::Edm(edm) => self.error(
                    ErrorKind::WrongKind { name: format!("Edm.{}", edm.name()), found: "primitive type", expected: "an entity type" },
                    nav.location,
                    nav_path,
                ),
            }
        }
        if chain_ok && ty.kind == StructuredKind::Entity {
            for key in &ty.key {
                if !self.key_path_exists(ty, &key.name) {
                    self.error(ErrorKind::KeyPropertyMissing { name: key.name.clone() }, ty.location, format!("{path}/Key/PropertyRef[{}]", key.name));
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
                    let kind = ErrorKind::WrongKind { name: base.to_string(), found: kind_name(other), expected };
                    if std::ptr::eq(current, ty) {
                        self.error(kind, ty.location, path.to_owned());
                    }
                    return false;
                }
                None => {
                    // Only the type naming the missing base reports it.
                    if std::ptr::eq(current, ty) {
                        self.unresolved("base type", base, ty.location, path.to_owned());
                    }
                    return false;
                }
            };
            seen.push(&found.name);
            if std::ptr::eq(found, ty) {
                self.error(ErrorKind::BaseTypeCycle { chain: seen.join(" -> ") }, ty.location, path.to_owned());
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
            property = next.and_then(|complex| self.model.all_properties(complex).into_iter().find(|p| p.name == segment));
        }
        property.is_some()
    }

    fn container(&mut self, schema: &Schema, container: &'m EntityContainer, at: &str) {
        let path = format!("{at}/EntityContainer[{}]", container.name);
        if let Some(base) = &container.extends {
            if self.model.entity_container(base).is_none() && !self.included.contains(&base.namespace) {
                self.unresolved("entity container", base, container.location, path.clone());
            }
        }
        let this = QualifiedName::new(&schema.namespace, &container.name);
        for set in &container.entity_sets {
            let set_path = format!("{path}/EntitySet[{}]", set.name);
            self.entity_type_ref(&set.entity_type, set.location, &set_path, "EntityType");
            self.bindings(&this, &set.navigation_property_bindings, set.location, &set_path);
        }
        for singleton in &container.singletons {
            let singleton_path = format!("{path}/Singleton[{}]", singleton.name);
            self.entity_type_ref(&singleton.entity_type, singleton.location, &singleton_path, "Type");
            self.bindings(&this, &singleton.navigation_property_bindings, singleton.location, &singleton_path);
        }
        for import in &container.action_imports {
            let import_path = format!("{path}/ActionImport[{}]", import.name);
            if !self.operations.contains_key(&(OperationKind::Action, import.action.clone())) && !self.included.contains(&import.action.namespace) {
                self.unresolved("action", &import.action, import.location, import_path.clone());
            }
            self.import_entity_set(&this, import.entity_set.as_deref(), import.location, import_path);
        }
        for import in &container.function_imports {
            let import_path = format!("{path}/FunctionImport[{}]", import.name);
            if !self.operations.contains_key(&(OperationKind::Function, import.function.clone())) && !self.included.contains(&import.function.namespace) {
                self.unresolved("function", &import.function, import.location, import_path.clone());
            }
            self.import_entity_set(&this, import.entity_set.as_deref(), import.location, import_path);
        }
    }

    fn entity_type_ref(&mut self, name: &QualifiedName, location: Location, path: &str, _attribute: &str) {
        if self.included.contains(&name.namespace) {
            return;
        }
        match self.model.type_decl(name) {
            Some(TypeDecl::Entity(_)) => {}
            Some(other) => self.error(
                ErrorKind::WrongKind { name: name.to_string(), found: kind_name(other), expected: "an entity type" },
                location,
                path.to_owned(),
            ),
            None => self.unresolved("entity type", name, location, path.to_owned()),
        }
    }

    fn import_entity_set(&mut self, container: &QualifiedName, entity_set: Option<&str>, location: Location, path: String) {
        if let Some(target) = entity_set {
            if !self.target_exists(container, target) {
                self.unresolved("entity set", target, location, path);
            }
        }
    }

    fn bindings(&mut self, container: &QualifiedName, bindings: &[NavigationPropertyBinding], location: Location, path: &str) {
        for binding in bindings {
            if !self.target_exists(container, &binding.target) {
                self.unresolved("navigation binding target", &binding.target, location, format!("{path}/NavigationPropertyBinding[{}]", binding.path));
            }
        }
    }

    /// Whether `target` (`set`, `set/nav/...` or `Namespace.Container/set/...`) starts at an
    /// entity set or singleton of the container (or a container it extends).
    fn target_exists(&self, container: &QualifiedName, target: &str) -> bool {
        let mut segments = target.split('/');
        let Some(first) = segments.next() else { return false };
        let (container_name, set) = match QualifiedName::parse(first) {
            Some(qualified) if self.model.entity_container(&qualified).is_some() || self.included.contains(&qualified.namespace) => {
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
        let mut current = self.model.entity_container(&container_name);
        let mut hops = 0;
        while let Some(c) = current {
            if c.entity_sets.iter().any(|s| s.name == set) || c.singletons.iter().any(|s| s.name == set) {
                return true;
            }
            hops += 1;
            if hops > 64 {
                return false;
            }
            current = c.extends.as_ref().and_then(|base| self.model.entity_container(base));
        }
        false
    }
}

/// Merges each external `Annotations` block into its target. A target in a namespace this
/// document declares must exist; a target elsewhere (a referenced document) is kept on the schema.
fn merge_external_annotations(model: &mut Model, external: Vec<(usize, ExternalAnnotations)>, included: &BTreeSet<String>, errors: &mut Vec<Error>) {
    for (schema_index, block) in external {
        let ExternalAnnotations { target, qualifier, annotations, location } = block;
        match annotation_target(model, &target) {
            Ok(slots) => {
                for slot in slots {
                    let into = slot_annotations(model, slot);
                    for annotation in &annotations {
                        into.apply(annotation.clone());
                    }
                }
            }
            Err(namespace_known) => {
                if namespace_known && !included.contains(target_namespace(&target)) {
                    errors.push(Error {
                        kind: ErrorKind::Unresolved { what: "annotation target", name: target.clone() },
                        location,
                        path: format!("Schema[{}]/Annotations[{target}]", model.schemas[schema_index].namespace),
                    });
                }
                model.schemas[schema_index].external_annotations.push(ExternalAnnotations { target, qualifier, annotations, location });
            }
        }
    }
}

fn target_namespace(target: &str) -> &str {
    let head = target.split(['/', '(']).next().unwrap_or(target);
    head.rsplit_once('.').map_or("", |(ns, _)| ns)
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
        Slot::Structured { schema, kind, item } => &mut structured_mut(&mut model.schemas[schema], kind, item).annotations,
        Slot::Property { schema, kind, item, property } => &mut structured_mut(&mut model.schemas[schema], kind, item).properties[property].annotations,
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
        Slot::Operation { schema, kind, item } => &mut operations_mut(&mut model.schemas[schema], kind)[item].annotations,
        Slot::Parameter { schema, kind, item, parameter } => &mut operations_mut(&mut model.schemas[schema], kind)[item].parameters[parameter].annotations,
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

/// Finds the elements an annotation target names. `Err(true)` when the target's namespace is
/// declared in this document (so a miss is an error), `Err(false)` when it lies elsewhere.
fn annotation_target(model: &Model, target: &str) -> Result<Vec<Slot>, bool> {
    let (head, rest) = match target.find(['/', '(']) {
        Some(i) => target.split_at(i),
        None => (target, ""),
    };
    let Some(name) = QualifiedName::parse(head) else { return Err(false) };
    let Some(schema_index) = model.schemas.iter().position(|s| s.namespace == name.namespace) else {
        // `Namespace` alone targets the schema.
        return match model.schemas.iter().position(|s| s.namespace == head) {
            Some(s) if rest.is_empty() => Ok(vec![Slot::Schema(s)]),
            _ => Err(false),
        };
    };
    let schema = &model.schemas[schema_index];
    let (signature, member) = split_signature(rest);
    let member = member.strip_prefix('/');

    if let Some(item) = model.index.get(&name) {
        if signature.is_none() {
            if let Some(slot) = item_slot(model, *item, member) {
                return Ok(vec![slot]);
            }
            if member.is_some() {
                return Err(true);
            }
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
            if let Some(signature) = signature {
                let types: Vec<String> = op.parameters.iter().map(|p| p.ty.to_string()).collect();
                let wanted: Vec<&str> = signature.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
                // Bound operations are told apart by their binding parameter; functions by all.
                let matches = if op.is_bound && wanted.len() == 1 { types.first().is_some_and(|t| t == wanted[0]) } else { types == wanted };
                if !matches {
                    continue;
                }
            }
            match member {
                None => slots.push(Slot::Operation { schema: schema_index, kind, item: i }),
                Some(param) => {
                    if let Some(p) = op.parameters.iter().position(|p| p.name == param) {
                        slots.push(Slot::Parameter { schema: schema_index, kind, item: i, parameter: p });
                    }
                }
            }
        }
    }
    if slots.is_empty() { Err(true) } else { Ok(slots) }
}

/// `(A,B)/rest` → (`Some("A,B")`, `/rest`); no parenthesis → (`None`, input).
fn split_signature(rest: &str) -> (Option<&str>, &str) {
    if !rest.starts_with('(') {
        return (None, rest);
    }
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return (Some(&rest[1..i]), &rest[i + 1..]);
                }
            }
            _ => {}
        }
    }
    (None, rest)
}

fn item_slot(model: &Model, item: ItemRef, member: Option<&str>) -> Option<Slot> {
    let schema = &model.schemas[item.schema];
    let s = item.schema;
    let i = item.item;
    Some(match (item.kind, member) {
        (ItemKind::EntityType | ItemKind::ComplexType, None) => Slot::Structured { schema: s, kind: item.kind, item: i },
        (ItemKind::EntityType | ItemKind::ComplexType, Some(member)) => {
            let ty = structured(schema, item.kind, i);
            let member = member.split('/').next().unwrap_or(member);
            if let Some(property) = ty.properties.iter().position(|p| p.name == member) {
                Slot::Property { schema: s, kind: item.kind, item: i, property }
            } else {
                let property = ty.navigation_properties.iter().position(|p| p.name == member)?;
                Slot::Navigation { schema: s, kind: item.kind, item: i, property }
            }
        }
        (ItemKind::EnumType, None) => Slot::Enum(s, i),
        (ItemKind::EnumType, Some(member)) => Slot::EnumMember(s, i, schema.enum_types[i].members.iter().position(|m| m.name == member)?),
        (ItemKind::TypeDefinition, None) => Slot::TypeDefinition(s, i),
        (ItemKind::Term, None) => Slot::Term(s, i),
        (ItemKind::EntityContainer, None) => Slot::Container(s, i),
        (ItemKind::EntityContainer, Some(member)) => {
            let container = &schema.entity_containers[i];
            let member = member.split('/').next().unwrap_or(member);
            if let Some(c) = container.entity_sets.iter().position(|x| x.name == member) {
                Slot::EntitySet(s, i, c)
            } else if let Some(c) = container.singletons.iter().position(|x| x.name == member) {
                Slot::Singleton(s, i, c)
            } else if let Some(c) = container.action_imports.iter().position(|x| x.name == member) {
                Slot::ActionImport(s, i, c)
            } else {
                Slot::FunctionImport(s, i, container.function_imports.iter().position(|x| x.name == member)?)
            }
        }
        (ItemKind::TypeDefinition | ItemKind::Term, Some(_)) => return None,
    })
}

fn structured(schema: &Schema, kind: ItemKind, item: usize) -> &StructuredType {
    match kind {
        ItemKind::EntityType => &schema.entity_types[item],
        _ => &schema.complex_types[item],
    }
}
