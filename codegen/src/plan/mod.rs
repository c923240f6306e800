//! Model → plan: every decision about the Rust output is made here, once — which module each
//! type lives in, its Rust and wire names, `Option`/`Vec`/`Box`, serde adapters and docs — so the
//! emitter only turns the plan into tokens.
//!
//! One concern per file: [`ir`] (the plan's types), `homes` (which module each type lives in),
//! `types` (Edm and declared types → Rust types), `docs` (rustdoc from the schema), `rename`
//! (the wire-name rule of each struct), `cycles` (which fields are boxed), `profile` (the service
//! profile's rules) and `gating` (per-entity-set cargo features); this file walks the model.

mod capabilities;
mod cycles;
mod docs;
mod gating;
mod homes;
mod ir;
mod operations;
mod profile;
mod queryable;
mod rename;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use crate::csdl::{
    EntitySet, EnumType, Model, NavigationProperty, Property, QualifiedName, StructuredKind, StructuredType,
    TypeDefinition, TypeTarget,
};
use crate::naming::{self, Assigned, Style};
use crate::options::{Options, Profile};

use cycles::recursive_edges;
use docs::{docs_for, raw_json_note};
pub(crate) use homes::{TYPES_MODULE, exclusive_entity_sets, set_modules};
pub use ir::*;
use profile::rule_applies;
use rename::choose_rename_rule;
pub use types::JSON;
use types::{edm_type, wrap};

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
        props_names: BTreeMap::new(),
        queryable: queryable::queryable_types(model),
    };
    let sets = planner.entity_sets();
    planner.assign_homes();
    let boxed = recursive_edges(model);
    let mut plan = Plan {
        api_version: api_version.map(str::to_owned),
        kind_type: options.profile.kind.as_ref().map(|spec| spec.ty.to_string()),
        embedded_metadata: options.embed_metadata.clone(),
        ..Plan::default()
    };

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
            let plan_enum = planner.enumeration(&schema.namespace, ty, &path);
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
        plan.entity_sets.push(set_plan);
    }
    plan.singletons = planner.singletons(&plan.entity_sets);
    plan.contained_writes = planner.contained_writes(&sets, &plan.entity_sets);
    planner.operations(&mut plan);
    operations::mark_constructors(&mut plan);
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
        gating::gate_by_entity_set(&mut plan);
    }
    plan
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
    /// Structured type → the name of its `…Props` (in its home module).
    props_names: BTreeMap<QualifiedName, String>,
    /// The structured types that get typed properties (see `queryable`).
    queryable: BTreeSet<QualifiedName>,
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
                            prop: self.navigation_prop(&nav.ty.target, nav.ty.collection),
                            ty,
                            navigation: true,
                            computed: false,
                            immutable: false,
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
        let queryable = self.queryable.contains(qualified);
        let key = (queryable && ty.kind == StructuredKind::Entity).then(|| self.key(ty, &fields)).flatten();
        let props = queryable.then(|| self.props_names[qualified].clone());
        // A media entity: `HasStream` on the type or a base type.
        let media = queryable && self.model.type_chain(ty).any(|t| t.has_stream);
        StructPlan {
            name: path.name.clone(),
            camel_case,
            docs,
            fields,
            uses_deprecated,
            gate: None,
            props,
            key,
            media,
            constructor: false,
        }
    }

    /// An entity type's effective key, typed as its fields are (`None` without one, or with a key
    /// property no field has).
    fn key(&self, ty: &StructuredType, fields: &[FieldPlan]) -> Option<KeyPlan> {
        let refs = self.model.effective_key(ty);
        let mut key = KeyPlan { names: Vec::new(), types: Vec::new() };
        for property in refs {
            let field = fields.iter().find(|f| f.wire_name == property.name && !f.navigation)?;
            key.names.push(property.name.clone());
            key.types.push(field.ty.required().clone());
        }
        (!key.names.is_empty()).then_some(key)
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
            prop: self.property_prop(&property.ty.target, property.ty.collection, property.nullable),
            ty,
            navigation: false,
            computed: property.annotations.computed,
            immutable: property.annotations.immutable,
            gate: None,
            docs,
        }
    }

    fn enumeration(&self, namespace: &str, ty: &EnumType, path: &TypePath) -> EnumPlan {
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
        let qualified_name = QualifiedName::new(namespace, &ty.name).to_string();
        EnumPlan { name: path.name.clone(), qualified_name, docs, is_flags: ty.is_flags, variants, gate: None }
    }

    fn newtype(&self, ty: &TypeDefinition, path: &TypePath) -> NewtypePlan {
        let docs = docs_for(&ty.annotations);
        NewtypePlan { name: path.name.clone(), docs, inner: edm_type(ty.underlying_type), gate: None }
    }

    /// The entity types contained (`ContainsTarget`, transitively) in the rows of writable entity
    /// sets, with the union of their containers' writes; those with a set of their own (or a
    /// key-less type) are left out.
    fn contained_writes(&self, sets: &[SetInfo<'m>], plans: &[EntitySetPlan]) -> Vec<ContainedWrites> {
        let with_sets: BTreeSet<&QualifiedName> = sets.iter().map(|info| &info.set.entity_type).collect();
        let mut writes: BTreeMap<QualifiedName, (bool, bool, bool)> = BTreeMap::new();
        for (info, plan) in sets.iter().zip(plans) {
            let r = &plan.restrictions;
            if !(r.insertable || r.updatable || r.deletable) {
                continue;
            }
            let mut pending = vec![info.set.entity_type.clone()];
            let mut seen = BTreeSet::new();
            while let Some(name) = pending.pop() {
                let Some(ty) = self.model.entity_type(&name) else { continue };
                if !seen.insert(name) {
                    continue;
                }
                for nav in self.model.all_navigation_properties(ty).into_iter().filter(|n| n.contains_target) {
                    let TypeTarget::Named(target) = &nav.ty.target else { continue };
                    if with_sets.contains(target) || !self.queryable.contains(target) {
                        continue;
                    }
                    let Some(target_ty) = self.model.entity_type(target) else { continue };
                    if self.model.effective_key(target_ty).is_empty() {
                        continue;
                    }
                    let entry = writes.entry(target.clone()).or_default();
                    *entry = (entry.0 || r.insertable, entry.1 || r.updatable, entry.2 || r.deletable);
                    pending.push(target.clone());
                }
            }
        }
        writes
            .into_iter()
            .map(|(name, (insertable, updatable, deletable))| {
                let ty = self.homes[&name].clone();
                let deprecated = self.deprecated.contains(&ty);
                ContainedWrites { ty, insertable, updatable, deletable, deprecated, gate: None }
            })
            .collect()
    }

    /// The singletons of every container (the first of a name), their accessors named apart
    /// from the entity sets' and the generator's own items.
    fn singletons(&self, sets: &[EntitySetPlan]) -> Vec<SingletonPlan> {
        let mut seen = BTreeSet::new();
        let singletons: Vec<_> = self
            .model
            .entity_containers()
            .flat_map(|(_, container)| &container.singletons)
            .filter(|singleton| seen.insert(singleton.name.as_str()))
            .filter(|singleton| self.model.entity_type(&singleton.entity_type).is_some())
            .collect();
        let names: Vec<&str> = singletons.iter().map(|s| s.name.as_str()).collect();
        let reserved: Vec<&str> =
            homes::RESERVED_MODULES.iter().copied().chain(sets.iter().map(|set| set.accessor.as_str())).collect();
        singletons
            .iter()
            .zip(naming::assign(&names, Style::Module, &reserved))
            .map(|(singleton, assigned)| {
                let ty = self.homes[&singleton.entity_type].clone();
                let deprecated = self.deprecated.contains(&ty) || singleton.annotations.deprecation().is_some();
                SingletonPlan { name: singleton.name.clone(), accessor: assigned.name, ty, deprecated, gate: None }
            })
            .collect()
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
        let mut restrictions = capabilities::restrictions(&set.annotations);
        if self.profile.read_only {
            (restrictions.insertable, restrictions.updatable, restrictions.deletable) = (false, false, false);
        }
        let mut docs = self.set_docs(info, &key, plan.api_version.as_deref(), &restrictions);
        docs.paragraphs.extend(rules.iter().filter_map(|rule| rule.doc.clone()));
        EntitySetPlan {
            set_name: set.name.clone(),
            accessor: module.clone(),
            module,
            row,
            wrapped,
            field_enum,
            markers: rules.iter().map(|rule| rule.implement.to_string()).collect(),
            kind: self.profile.kind.as_ref().map(|spec| {
                let variant = rules.iter().find_map(|rule| rule.kind.as_ref()).unwrap_or(&spec.default);
                SetKind { ty: spec.ty.to_string(), value: spec.ty.join(variant.as_str()) }
            }),
            row_deprecated: info.ty.annotations.deprecation().is_some() || docs.deprecated.is_some(),
            feature: None,
            docs,
            restrictions,
        }
    }
}
