//! Model → plan: every decision about the Rust output is made here, once — which module each
//! type lives in, its Rust and wire names, `Option`/`Vec`/`Box`, serde adapters and docs — so the
//! emitter only turns the plan into tokens.

use std::collections::{BTreeMap, BTreeSet};

use crate::csdl::{
    Annotations, EdmType, EntitySet, EnumType, Model, NavigationProperty, Property, QualifiedName, StructuredType,
    TypeDecl, TypeDefinition, TypeRef, TypeTarget, Value,
};
use crate::naming::{self, Assigned, Style};
use crate::options::{Condition, Options, Profile};

/// The name of the module holding the types that are not the row type of exactly one entity set.
pub const TYPES_MODULE: &str = "types";

/// Names an entity-set module (and its accessor and feature, named alike) must not take: the
/// items the generator emits in a version's root module, the methods of `Collections` it writes
/// itself, and the cargo features it declares besides the sets' own.
const RESERVED_MODULES: &[&str] = &[
    "types",
    "Collections",
    "API_VERSION",
    "ENTITY_SETS",
    "visit_entity_set",
    "new",
    crate::options::FULL_FEATURE,
    "default",
];
/// The catch-all variant of every generated enum.
pub const UNRECOGNIZED_VARIANT: &str = "UnrecognizedValue";

/// A module path relative to the version root (`[]` is the root, `["types"]`, `["devices"]`).
pub type ModulePath = Vec<String>;

/// Where a generated type lives and what it is called.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypePath {
    pub module: ModulePath,
    pub name: String,
}

/// A Rust type for a property, with the serde adapter (if any) at its core.
#[derive(Debug, Clone, PartialEq)]
pub enum RustType {
    /// A type from std or a dependency, e.g. `i32`, `::time::OffsetDateTime`; `adapter` names the
    /// serde_with adapter in the runtime's `edm` module (e.g. `DateTimeOffset`).
    Scalar {
        path: &'static str,
        adapter: Option<&'static str>,
    },
    /// A generated type.
    Named(TypePath),
    /// `edm::Flags<E>` of a generated enum.
    Flags(TypePath),
    Option(Box<RustType>),
    Vec(Box<RustType>),
    Box(Box<RustType>),
}

impl RustType {
    /// Whether the type names a generated type for which `pred` holds.
    pub fn names_any(&self, pred: &impl Fn(&TypePath) -> bool) -> bool {
        match self {
            RustType::Scalar { .. } => false,
            RustType::Named(path) | RustType::Flags(path) => pred(path),
            RustType::Option(inner) | RustType::Vec(inner) | RustType::Box(inner) => inner.names_any(pred),
        }
    }

    /// The generated types named inside.
    pub fn named_types(&self) -> Vec<TypePath> {
        match self {
            RustType::Scalar { .. } => Vec::new(),
            RustType::Named(path) | RustType::Flags(path) => vec![path.clone()],
            RustType::Option(inner) | RustType::Vec(inner) | RustType::Box(inner) => inner.named_types(),
        }
    }

    /// Whether a serde_with adapter is needed anywhere inside.
    pub fn has_adapter(&self) -> bool {
        match self {
            RustType::Scalar { adapter, .. } => adapter.is_some(),
            RustType::Named(_) | RustType::Flags(_) => false,
            RustType::Option(inner) | RustType::Vec(inner) | RustType::Box(inner) => inner.has_adapter(),
        }
    }
}

/// Rustdoc for an item: paragraphs, plus a deprecation note when the schema says so.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub paragraphs: Vec<String>,
    pub deprecated: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldPlan {
    pub name: String,
    /// `#[odata(rename)]` is needed: the wire name is not what the struct's rename rule makes of
    /// `name`. (An absent field reads as `None` or empty by its type, so there is no `default`.)
    pub renamed: bool,
    /// The name keeps the wire spelling (a case-conversion clash), so the struct allows
    /// `non_snake_case`.
    pub verbatim: bool,
    pub wire_name: String,
    pub ty: RustType,
    /// A navigation property: a link to other rows, not a part of this one.
    pub navigation: bool,
    /// Compiled only with these features (a navigation property to a gated type).
    pub gate: Option<Gate>,
    pub docs: Docs,
}

/// Cargo features of which any one compiles an item (see `Options::set_features`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate(pub Vec<String>);

#[derive(Debug, Clone, PartialEq)]
pub struct StructPlan {
    pub name: String,
    /// `#[odata(rename_all = "camelCase")]`: fewer fields need a rename of their own with it.
    pub camel_case: bool,
    pub docs: Docs,
    pub fields: Vec<FieldPlan>,
    /// A field's type is deprecated, so the struct (and its derives) allow `deprecated`.
    pub uses_deprecated: bool,
    pub gate: Option<Gate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantPlan {
    pub name: String,
    /// The name keeps the wire spelling, so `non_camel_case_types` is allowed.
    pub verbatim: bool,
    pub wire_name: String,
    pub value: i64,
    pub docs: Docs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumPlan {
    pub name: String,
    pub docs: Docs,
    pub is_flags: bool,
    pub variants: Vec<VariantPlan>,
    pub gate: Option<Gate>,
}

/// A type definition: a newtype over its underlying type.
#[derive(Debug, Clone, PartialEq)]
pub struct NewtypePlan {
    pub name: String,
    pub docs: Docs,
    pub inner: RustType,
    pub gate: Option<Gate>,
}

/// The `Field` enum of a row type: one variant per property, for `select`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldEnumPlan {
    pub name: String,
    pub row: String,
    pub variants: Vec<FieldVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldVariant {
    pub name: String,
    pub wire_name: String,
    pub verbatim: bool,
}

/// A member of a structured type that becomes a struct field.
#[derive(Clone, Copy)]
enum Member<'m> {
    Property(&'m Property),
    Navigation(&'m NavigationProperty),
}

fn member_name<'m>(member: &Member<'m>) -> &'m str {
    match member {
        Member::Property(p) => &p.name,
        Member::Navigation(n) => &n.name,
    }
}

/// An entity set's module: the row type's query plumbing.
#[derive(Debug, Clone, PartialEq)]
pub struct EntitySetPlan {
    pub set_name: String,
    pub accessor: String,
    pub module: String,
    /// The type implementing `EntitySet`: the entity type's struct, or a wrapper when the entity
    /// type is shared with other entity sets.
    pub row: TypePath,
    /// `Some(inner)` when `row` is a transparent wrapper around a shared entity type.
    pub wrapped: Option<TypePath>,
    pub field_enum: TypePath,
    pub key: Vec<String>,
    /// The marker traits of the service profile that the row type implements.
    pub markers: Vec<String>,
    /// The row's entity type is deprecated, so code naming it needs `#[allow(deprecated)]`.
    pub row_deprecated: bool,
    /// The cargo feature compiling this set's module, with `Options::set_features`.
    pub feature: Option<String>,
    pub docs: Docs,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModulePlan {
    pub docs: Vec<String>,
    pub structs: Vec<StructPlan>,
    pub field_enums: Vec<FieldEnumPlan>,
    pub enums: Vec<EnumPlan>,
    pub newtypes: Vec<NewtypePlan>,
    pub entity_set: Option<EntitySetPlan>,
}

/// The whole output for one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub api_version: Option<String>,
    pub root_docs: Vec<String>,
    /// Every module but the root, by path.
    pub modules: BTreeMap<ModulePath, ModulePlan>,
    /// The entity sets in the order the accessors are emitted.
    pub entity_sets: Vec<EntitySetPlan>,
    /// With `Options::set_features`: one feature per entity set, in the sets' order.
    pub features: Vec<String>,
}

/// Plans the output of a resolved model. Planning cannot fail: every name collision is resolved
/// by [`naming::assign`].
pub fn plan(model: &Model, options: &Options) -> Plan {
    let api_version = options.api_version.as_deref();
    let title = &options.title;
    let mut planner = Planner {
        model,
        profile: &options.profile,
        homes: BTreeMap::new(),
        namespace_modules: BTreeMap::new(),
        set_modules: set_modules(model),
        deprecated: BTreeSet::new(),
    };
    let sets = planner.entity_sets();
    planner.assign_homes();
    let boxed = recursive_edges(model);
    let mut plan = Plan { api_version: api_version.map(str::to_owned), ..Plan::default() };

    // Types: every structured, enum and type-definition type, in its home module.
    for schema in &model.schemas {
        for ty in schema.entity_types.iter().chain(&schema.complex_types) {
            let qualified = QualifiedName::new(&schema.namespace, &ty.name);
            let path = planner.homes[&qualified].clone();
            let plan_struct = planner.structured(&qualified, ty, &path, &boxed);
            plan.modules.entry(path.module.clone()).or_default().structs.push(plan_struct);
        }
        for ty in &schema.enum_types {
            let path = planner.homes[&QualifiedName::new(&schema.namespace, &ty.name)].clone();
            let plan_enum = planner.enumeration(ty, &path);
            plan.modules.entry(path.module.clone()).or_default().enums.push(plan_enum);
        }
        for ty in &schema.type_definitions {
            let path = planner.homes[&QualifiedName::new(&schema.namespace, &ty.name)].clone();
            let newtype = planner.newtype(ty, &path);
            plan.modules.entry(path.module.clone()).or_default().newtypes.push(newtype);
        }
    }

    // Entity sets: their module, `Field` enum and `EntitySet` plumbing.
    for set in &sets {
        let set_plan = planner.entity_set(set, &mut plan);
        let module = plan.modules.entry(vec![set_plan.module.clone()]).or_default();
        module.docs = set_plan.docs.paragraphs.clone();
        module.entity_set = Some(set_plan.clone());
        plan.entity_sets.push(set_plan);
    }
    let has_types = plan.modules.keys().any(|path| path.first().is_some_and(|m| m == TYPES_MODULE));
    let layout =
        if has_types { "one module per entity set, shared types in [`types`]" } else { "one module per entity set" };
    plan.root_docs = vec![match api_version {
        Some(version) => format!("{title}, `api-version={version}`: {layout}."),
        None => format!("{title}: {layout}."),
    }];
    if let Some(types) = plan.modules.get_mut(&vec![TYPES_MODULE.to_owned()]) {
        types.docs = vec!["Complex, enum and type-definition types, and entity types that are not the row type of exactly one entity set.".to_owned()];
    }
    for (path, module) in &mut plan.modules {
        if path.len() == 2 && path[0] == TYPES_MODULE && module.docs.is_empty() {
            module.docs = vec![format!("Types of the `{}` namespace.", planner.namespace_of_module(&path[1]))];
        }
    }
    if options.set_features {
        gate_by_entity_set(&mut plan);
    }
    plan
}

/// Gates every item by the entity sets whose rows contain it (`Options::set_features`): an
/// entity set's module by its own feature, a shared type by the features of the sets that reach
/// it through properties (not navigation properties, which only link rows), a navigation
/// property like its target type. A type every set reaches is not gated; one none reaches comes
/// with the feature `full`.
fn gate_by_entity_set(plan: &mut Plan) {
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
        if let Some(set) = &mut items.entity_set {
            set.feature = set_modules.get(module).cloned();
        }
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

struct Planner<'m> {
    model: &'m Model,
    profile: &'m Profile,
    /// Where every named type lives.
    homes: BTreeMap<QualifiedName, TypePath>,
    /// The types the schema deprecates (`Core.Revisions`).
    deprecated: BTreeSet<TypePath>,
    /// Namespace → its module below `types`, when the types of several namespaces are split.
    namespace_modules: BTreeMap<String, String>,
    /// Entity set name → its module (and accessor).
    set_modules: BTreeMap<String, String>,
}

/// An entity set with what the plan needs to know about it.
struct SetInfo<'m> {
    set: &'m EntitySet,
    container: String,
    ty: &'m StructuredType,
    shared: bool,
}

impl<'m> Planner<'m> {
    /// Every entity set of every container, in document order.
    fn entity_sets(&self) -> Vec<SetInfo<'m>> {
        let mut uses: BTreeMap<&QualifiedName, usize> = BTreeMap::new();
        for (_, _, set) in self.model.addressable_entity_sets() {
            *uses.entry(&set.entity_type).or_default() += 1;
        }
        let mut sets = Vec::new();
        for (schema, container, set) in self.model.addressable_entity_sets() {
            // Entity sets typed in a referenced document cannot be planned; resolution
            // accepted them, so skip rather than fail.
            let Some(ty) = self.model.entity_type(&set.entity_type) else { continue };
            sets.push(SetInfo {
                set,
                container: format!("{}.{}", schema.namespace, container.name),
                ty,
                shared: uses[&set.entity_type] > 1,
            });
        }
        sets
    }

    /// Decides each type's module and Rust name: an entity type that is the row type of exactly
    /// one entity set lives in that set's module; everything else in `types` (or
    /// `types::<namespace>` when the document declares types in several namespaces). Names are
    /// assigned per module, so types whose names collide there are told apart.
    fn assign_homes(&mut self) {
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
            for ((qualified, deprecated), assigned) in types.iter().zip(names) {
                let path = TypePath { module: module.clone(), name: assigned.name };
                if *deprecated {
                    self.deprecated.insert(path.clone());
                }
                self.homes.insert(qualified.clone(), path);
            }
        }
    }

    fn namespace_of_module(&self, module: &str) -> String {
        self.namespace_modules
            .iter()
            .find(|(_, m)| *m == module)
            .map_or_else(|| module.to_owned(), |(namespace, _)| namespace.clone())
    }

    fn structured(
        &mut self,
        qualified: &QualifiedName,
        ty: &'m StructuredType,
        path: &TypePath,
        boxed: &BTreeSet<(QualifiedName, String)>,
    ) -> StructPlan {
        // Base types are flattened: the struct carries every inherited member, base-most first.
        let mut members: Vec<Member<'m>> = Vec::new();
        for (_, owner) in self.base_most_first(qualified, ty) {
            members.extend(owner.properties.iter().map(Member::Property));
            members.extend(owner.navigation_properties.iter().map(Member::Navigation));
        }
        let wires: Vec<&str> = members.iter().map(member_name).collect();
        let names = naming::assign(&wires, Style::Field, &[]);
        let fields: Vec<FieldPlan> = members
            .into_iter()
            .zip(names)
            .map(|(member, assigned)| {
                let wire_name = member_name(&member);
                let recursive = boxed.contains(&(qualified.clone(), wire_name.to_owned()));
                match member {
                    Member::Property(property) => self.field(property, assigned, recursive),
                    Member::Navigation(nav) => {
                        let ty = wrap(self.type_target(&nav.ty.target), nav.ty.collection, true, recursive);
                        let mut docs = docs_for(&nav.annotations);
                        docs.paragraphs.extend(raw_json_note(&nav.ty.target));
                        FieldPlan {
                            renamed: false,
                            name: assigned.name,
                            verbatim: assigned.verbatim,
                            wire_name: nav.name.clone(),
                            ty,
                            navigation: true,
                            gate: None,
                            docs,
                        }
                    }
                }
            })
            .collect();
        let mut docs = docs_for(&ty.annotations);
        if let Some(base) = &ty.base_type {
            docs.paragraphs.push(format!("Derived from `{base}`; its properties are included."));
        }
        let uses_deprecated = fields.iter().any(|f| f.ty.names_any(&|path| self.deprecated.contains(path)));
        let mut fields = fields;
        let camel_case = choose_rename_rule(&mut fields);
        StructPlan { name: path.name.clone(), camel_case, docs, fields, uses_deprecated, gate: None }
    }

    /// The type and its base types with their qualified names, base-most first.
    fn base_most_first(
        &self,
        qualified: &QualifiedName,
        ty: &'m StructuredType,
    ) -> Vec<(QualifiedName, &'m StructuredType)> {
        let mut chain = vec![(qualified.clone(), ty)];
        while let Some(base) = chain.last().and_then(|(_, t)| t.base_type.clone()) {
            match self.model.structured_type(&base) {
                Some(base_ty) => chain.push((base, base_ty)),
                None => break,
            }
        }
        chain.reverse();
        chain
    }

    fn field(&self, property: &Property, assigned: Assigned, recursive: bool) -> FieldPlan {
        let element = self.type_target(&property.ty.target);
        let ty = wrap(element, property.ty.collection, property.nullable, recursive);
        let mut docs = docs_for(&property.annotations);
        docs.paragraphs.extend(raw_json_note(&property.ty.target));
        FieldPlan {
            renamed: false,
            name: assigned.name,
            verbatim: assigned.verbatim,
            wire_name: property.name.clone(),
            ty,
            navigation: false,
            gate: None,
            docs,
        }
    }

    fn type_target(&self, target: &TypeTarget) -> RustType {
        match target {
            TypeTarget::Edm(edm) => edm_type(*edm),
            TypeTarget::Named(name) => match self.model.type_decl(name) {
                Some(TypeDecl::Enum(e)) if e.is_flags => RustType::Flags(self.homes[name].clone()),
                Some(_) => RustType::Named(self.homes[name].clone()),
                None => JSON,
            },
            TypeTarget::External(_) => JSON,
        }
    }

    fn enumeration(&self, ty: &EnumType, path: &TypePath) -> EnumPlan {
        let wires: Vec<&str> = ty.members.iter().map(|m| m.name.as_str()).collect();
        let names = naming::assign(&wires, Style::Variant, &[UNRECOGNIZED_VARIANT]);
        let variants = ty
            .members
            .iter()
            .zip(names)
            .map(|(member, assigned)| {
                let docs = docs_for(&member.annotations);
                VariantPlan {
                    name: assigned.name,
                    verbatim: assigned.verbatim,
                    wire_name: member.name.clone(),
                    value: member.value,
                    docs,
                }
            })
            .collect();
        let docs = docs_for(&ty.annotations);
        EnumPlan { name: path.name.clone(), docs, is_flags: ty.is_flags, variants, gate: None }
    }

    fn newtype(&self, ty: &TypeDefinition, path: &TypePath) -> NewtypePlan {
        let docs = docs_for(&ty.annotations);
        NewtypePlan { name: path.name.clone(), docs, inner: edm_type(ty.underlying_type), gate: None }
    }

    fn entity_set(&mut self, info: &SetInfo<'m>, plan: &mut Plan) -> EntitySetPlan {
        let set = info.set;
        let module = self.set_modules[&set.name].clone();
        let entity_path = self.homes[&set.entity_type].clone();
        let (row, wrapped) = if info.shared {
            (
                TypePath {
                    module: vec![module.clone()],
                    name: naming::companion(&naming::upper_camel_case(&set.name), "Row"),
                },
                Some(entity_path.clone()),
            )
        } else {
            (entity_path.clone(), None)
        };
        // The module holds the row type (the entity type, or the wrapper `…Row` of a shared one)
        // and `…Field`: the suffixes keep them apart.
        let field_enum = TypePath { module: vec![module.clone()], name: naming::companion(&entity_path.name, "Field") };

        let wires: Vec<&str> = self.model.all_properties(info.ty).into_iter().map(|p| p.name.as_str()).collect();
        let names = naming::assign(&wires, Style::Variant, &[]);
        let variants = wires
            .iter()
            .zip(names)
            .map(|(wire, assigned)| FieldVariant {
                name: assigned.name,
                wire_name: (*wire).to_owned(),
                verbatim: assigned.verbatim,
            })
            .collect();
        let key: Vec<String> = self.model.effective_key(info.ty).iter().map(|k| k.name.clone()).collect();
        let properties = self.model.all_properties(info.ty);
        let rules: Vec<_> =
            self.profile.rules.iter().filter(|rule| rule_applies(&rule.when, &key, &properties)).collect();
        let module_plan = plan.modules.entry(vec![module.clone()]).or_default();
        module_plan.field_enums.push(FieldEnumPlan {
            name: field_enum.name.clone(),
            row: entity_path.name.clone(),
            variants,
        });
        let mut docs = self.set_docs(info, &key, plan.api_version.as_deref());
        docs.paragraphs.extend(rules.iter().filter_map(|rule| rule.doc.clone()));
        EntitySetPlan {
            set_name: set.name.clone(),
            accessor: module.clone(),
            module,
            row,
            wrapped,
            field_enum,
            key,
            markers: rules.iter().map(|rule| rule.implement.to_string()).collect(),
            row_deprecated: info.ty.annotations.deprecation().is_some() || docs.deprecated.is_some(),
            feature: None,
            docs,
        }
    }

    fn set_docs(&self, info: &SetInfo<'m>, key: &[String], api_version: Option<&str>) -> Docs {
        let set = info.set;
        let mut docs = docs_for(&set.annotations);
        if let Some(type_description) = &info.ty.annotations.description
            && set.annotations.description.as_ref() != Some(type_description)
        {
            docs.paragraphs.push(schema_text(type_description));
        }
        let query = api_version.map(|v| format!("?api-version={v}")).unwrap_or_default();
        docs.paragraphs.push(format!(
            "URL: `GET {{service root}}/{}{query}` (entity set of container `{}`).",
            set.name, info.container
        ));
        let key_list: Vec<String> = key.iter().map(|k| format!("`{k}`")).collect();
        docs.paragraphs.push(format!(
            "Key: {}; rows are `{}`.",
            if key_list.is_empty() { "none".to_owned() } else { key_list.join(", ") },
            set.entity_type
        ));
        docs.paragraphs.extend(capability_notes(&set.annotations));
        docs
    }
}

/// Decides whether a struct takes `rename_all = "camelCase"` (when that leaves fewer fields with a
/// rename of their own, as for the camelCase wire names of most services) and marks the fields
/// that still need one.
fn choose_rename_rule(fields: &mut [FieldPlan]) -> bool {
    let plain = fields.iter().filter(|f| f.name != f.wire_name).count();
    // serde's rule slices the first byte, so only ASCII names may go through it.
    let camel = fields
        .iter()
        .all(|f| f.name.is_ascii())
        .then(|| fields.iter().filter(|f| serde_camel_case(&f.name) != f.wire_name).count());
    let camel_case = camel.is_some_and(|camel| camel < plain);
    for field in fields {
        field.renamed =
            if camel_case { serde_camel_case(&field.name) != field.wire_name } else { field.name != field.wire_name };
    }
    camel_case
}

/// What serde's `rename_all = "camelCase"` makes of an ASCII field name (serde's own rule: the
/// PascalCase of the name, `_` dropped and the letter after each upper-cased, then the first
/// letter lower-cased).
fn serde_camel_case(field: &str) -> String {
    let mut pascal = String::with_capacity(field.len());
    let mut capitalize = true;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(ch);
        }
    }
    match pascal.get(..1) {
        Some(first) => first.to_ascii_lowercase() + &pascal[1..],
        None => pascal,
    }
}

/// Whether a profile rule's condition holds for an entity set with this key and these properties.
fn rule_applies(condition: &Condition, key: &[String], properties: &[&Property]) -> bool {
    match condition {
        Condition::KeyIncludes(name) => key.iter().any(|k| k == name),
        Condition::Property { name, ty } => properties.iter().any(|p| {
            &p.name == name && !p.ty.collection && ty.as_ref().is_none_or(|ty| type_name(&p.ty.target) == *ty)
        }),
    }
}

/// The CSDL spelling of a single-valued type (`Edm.Int32`, `Namespace.Type`).
fn type_name(target: &TypeTarget) -> String {
    match target {
        TypeTarget::Edm(edm) => format!("Edm.{}", edm.name()),
        TypeTarget::Named(name) | TypeTarget::External(name) => name.to_string(),
    }
}

/// What the entity set's `Capabilities` annotations say the service refuses, for its docs.
fn capability_notes(annotations: &Annotations) -> Vec<String> {
    let mut notes = Vec::new();
    let list = |paths: &[String]| paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    if let Some(filter) = annotations.filter_restrictions() {
        if filter.flag("Filterable") == Some(false) {
            notes.push(
                "The service does not support `$filter` on this entity set (`Capabilities.FilterRestrictions`)."
                    .to_owned(),
            );
        } else {
            let non_filterable = filter.paths("NonFilterableProperties");
            if !non_filterable.is_empty() {
                notes.push(format!(
                    "Not filterable (`Capabilities.FilterRestrictions`): {}; a `$filter` on them is refused.",
                    list(non_filterable)
                ));
            }
            let required = filter.paths("RequiredProperties");
            if filter.flag("RequiresFilter") == Some(true) || !required.is_empty() {
                let which = if required.is_empty() { String::new() } else { format!(" on {}", list(required)) };
                notes.push(format!("The service requires a `$filter`{which} (`Capabilities.FilterRestrictions`)."));
            }
        }
    }
    for (term, option) in [("TopSupported", "$top"), ("SkipSupported", "$skip")] {
        let qualified = format!("{}.{term}", crate::csdl::CAPABILITIES);
        let refused = annotations.other.iter().any(|a| a.term == qualified && matches!(a.value, Value::Bool(false)));
        if refused {
            notes.push(format!("The service does not support `{option}` on this entity set (`Capabilities.{term}`)."));
        }
    }
    let select_support = format!("{}.SelectSupport", crate::csdl::CAPABILITIES);
    let select_refused = annotations.other.iter().any(|a| {
        a.term == select_support
            && matches!(&a.value, Value::Record { properties, .. }
                if properties.iter().any(|(name, value)| name == "Supported" && matches!(value, Value::Bool(false))))
    });
    if select_refused {
        notes.push(
            "The service does not support `$select` on this entity set (`Capabilities.SelectSupport`).".to_owned(),
        );
    }
    notes
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

const JSON: RustType = RustType::Scalar { path: "::serde_json::Value", adapter: None };

/// The Rust type of an `Edm` type; see the runtime's `edm` module for the adapters.
fn edm_type(edm: EdmType) -> RustType {
    let (path, adapter) = match edm {
        EdmType::Boolean => ("bool", None),
        EdmType::Byte => ("u8", None),
        EdmType::SByte => ("i8", None),
        EdmType::Int16 => ("i16", None),
        EdmType::Int32 => ("i32", None),
        EdmType::Int64 => ("i64", Some("Int64")),
        EdmType::Single => ("f32", Some("Float")),
        EdmType::Double => ("f64", Some("Float")),
        EdmType::Decimal => ("::bigdecimal::BigDecimal", Some("Decimal")),
        EdmType::String => ("String", None),
        EdmType::Guid => ("::uuid::Uuid", None),
        EdmType::Date => ("::time::Date", Some("Date")),
        EdmType::DateTimeOffset => ("::time::OffsetDateTime", Some("DateTimeOffset")),
        EdmType::TimeOfDay => ("::time::Time", Some("TimeOfDay")),
        EdmType::Duration => ("::time::Duration", Some("Duration")),
        EdmType::Binary => ("Vec<u8>", Some("Binary")),
        EdmType::AnnotationPath
        | EdmType::PropertyPath
        | EdmType::NavigationPropertyPath
        | EdmType::AnyPropertyPath
        | EdmType::ModelElementPath => ("String", None),
        // Streams, spatial values (GeoJSON), untyped and abstract values stay JSON.
        EdmType::Stream
        | EdmType::Geography(_)
        | EdmType::Geometry(_)
        | EdmType::Untyped
        | EdmType::PrimitiveType
        | EdmType::ComplexType
        | EdmType::EntityType => return JSON,
    };
    RustType::Scalar { path, adapter }
}

/// `T` → `Vec<T>` / `Option<T>` / `Option<Box<T>>`.
fn wrap(element: RustType, collection: bool, nullable: bool, recursive: bool) -> RustType {
    if collection {
        // A collection is never null (absent means empty); nulls inside are not modelled.
        return RustType::Vec(Box::new(element));
    }
    let element = if recursive { RustType::Box(Box::new(element)) } else { element };
    if nullable { RustType::Option(Box::new(element)) } else { element }
}

/// Says why a member is raw JSON: its type is not declared in this document (it belongs to a
/// referenced document, or the reader found it nowhere and warned).
fn raw_json_note(target: &TypeTarget) -> Option<String> {
    match target {
        TypeTarget::External(name) => {
            Some(format!("Raw JSON: the type `{name}` is not declared in this document, so its value is not decoded."))
        }
        _ => None,
    }
}

/// Rustdoc from `Core.Description` and `Core.LongDescription` (nothing when the schema says
/// nothing: a line repeating the element's name adds only bytes to compile), plus the first
/// `Core.Revisions` deprecation.
fn docs_for(annotations: &Annotations) -> Docs {
    let mut paragraphs = Vec::new();
    paragraphs.extend(annotations.description.as_deref().map(schema_text));
    paragraphs.extend(annotations.long_description.as_deref().map(schema_text));
    let deprecated = annotations.deprecation().map(|revision| {
        let mut note = revision.description.clone().unwrap_or_else(|| "Deprecated by the service.".to_owned());
        if let Some(version) = &revision.version {
            note = format!("{note} (since {version})");
        }
        note
    });
    Docs { paragraphs, deprecated }
}

/// Schema text → Markdown that renders as written: no accidental code blocks (indentation or
/// fences), links, emphasis or HTML; bare URLs become autolinks.
fn schema_text(text: &str) -> String {
    let mut paragraphs = Vec::new();
    for paragraph in text.replace("\r\n", "\n").split("\n\n") {
        let words: Vec<String> = paragraph.split_whitespace().map(escape_word).collect();
        if !words.is_empty() {
            paragraphs.push(words.join(" "));
        }
    }
    paragraphs.join("\n\n")
}

fn escape_word(word: &str) -> String {
    let url = word.trim_end_matches(['.', ',', ';', ':', ')', '\'', '"']);
    if (url.starts_with("https://") || url.starts_with("http://")) && !url.contains(['<', '>', '`']) {
        return format!("<{url}>{}", escape_markdown(&word[url.len()..]));
    }
    escape_markdown(word)
}

fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']' | '<' | '>' | '*' | '_' | '#' | '`' | '|' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The (type, member) pairs whose single-valued field must be boxed because the field's type
/// contains the owner again by value: edges inside a strongly connected component of the
/// "contains by value" graph.
fn recursive_edges(model: &Model) -> BTreeSet<(QualifiedName, String)> {
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
    fn schema_text_is_escaped_for_rustdoc() {
        assert_eq!(schema_text("A   [link](x) <b>bold</b>\n    code"), r"A \[link\](x) \<b\>bold\</b\> code");
        assert_eq!(schema_text("See https://example.com/a_b."), "See <https://example.com/a_b>.");
        assert_eq!(schema_text("```rust\nfn main() {}\n```"), r"\`\`\`rust fn main() {} \`\`\`");
        assert_eq!(schema_text("One.\r\n\r\nTwo."), "One.\n\nTwo.");
    }

    #[test]
    fn serde_camel_case_matches_serdes_rule() {
        for (field, wire) in
            [("device_key", "deviceKey"), ("type_", "type"), ("_1st", "1st"), ("x", "x"), ("a__b", "aB")]
        {
            assert_eq!(serde_camel_case(field), wire);
        }
        // `azureADDeviceId` is not what camelCase makes of `azure_ad_device_id`: it keeps a rename.
        assert_eq!(serde_camel_case("azure_ad_device_id"), "azureAdDeviceId");
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
