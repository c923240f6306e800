//! The walk: pairs the elements of two models by qualified name (maps, never nested scans) and
//! records each difference as an [`impact::Fact`] about an [`Item`] at a path.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::describe::{self, aspect};
use super::impact::{self, Fact, Flag, Shape, Term};
use super::{Change, ChangeKind, Item, Target};
use crate::{
    Annotations, EntityContainer, EntitySet, EnumType, Model, NavigationProperty, Operation, OperationKind,
    QualifiedName, Singleton, StructuredType, TypeDecl, TypeDefinition, TypeRef,
};

/// Every change from `old` to `new`, unsorted.
pub(super) fn changes(old: &Model, new: &Model) -> Vec<Change> {
    let mut differ = Differ { old, new, changes: Vec::new() };
    differ.schemas();
    differ.types();
    differ.containers();
    differ.operations();
    differ.changes
}

/// Where a key was found: only in the old map, only in the new one, or in both.
enum Side<V> {
    Old(V),
    New(V),
    Both(V, V),
}

impl<V> Side<V> {
    /// The newest value: the new one when there is one.
    fn latest(&self) -> &V {
        match self {
            Side::Old(value) | Side::New(value) | Side::Both(_, value) => value,
        }
    }
}

/// Pairs the values of two maps by key.
fn pair_up<K: Ord, V>(old: BTreeMap<K, V>, mut new: BTreeMap<K, V>) -> Vec<(K, Side<V>)> {
    let mut pairs = Vec::with_capacity(old.len().max(new.len()));
    for (key, old_value) in old {
        let side = match new.remove(&key) {
            Some(new_value) => Side::Both(old_value, new_value),
            None => Side::Old(old_value),
        };
        pairs.push((key, side));
    }
    pairs.extend(new.into_iter().map(|(key, value)| (key, Side::New(value))));
    pairs
}

fn qualified(namespace: &str, name: &str) -> QualifiedName {
    QualifiedName::new(namespace, name)
}

fn type_item(decl: TypeDecl) -> Item {
    match decl {
        TypeDecl::Entity(_) => Item::EntityType,
        TypeDecl::Complex(_) => Item::ComplexType,
        TypeDecl::Enum(_) => Item::EnumType,
        TypeDecl::TypeDefinition(_) => Item::TypeDefinition,
    }
}

fn operation_item(op: &Operation) -> Item {
    match op.kind {
        OperationKind::Action => Item::Action,
        OperationKind::Function => Item::Function,
    }
}

fn optional_name(name: Option<&QualifiedName>) -> Json {
    name.map_or(Json::Null, |name| json!(name.to_string()))
}

/// A type as the old or new value of its addition or removal.
fn describe_type(decl: TypeDecl) -> Json {
    match decl {
        TypeDecl::Entity(ty) | TypeDecl::Complex(ty) => json!({
            "base_type": optional_name(ty.base_type.as_ref()),
            "abstract": ty.is_abstract,
            "open": ty.open_type,
        }),
        TypeDecl::Enum(ty) => {
            json!({ "underlying_type": edm_name(ty.underlying_type), "flags": ty.is_flags })
        }
        TypeDecl::TypeDefinition(ty) => json!({ "underlying_type": edm_name(ty.underlying_type) }),
    }
}

fn edm_name(edm: crate::EdmType) -> String {
    format!("Edm.{}", edm.name())
}

fn shape(ty: &TypeRef, nullable: bool) -> Shape {
    Shape { nullable, collection: ty.collection }
}

fn navigation(nav: &NavigationProperty) -> Json {
    json!({ "type": nav.ty.to_string(), "nullable": nav.nullable, "contains_target": nav.contains_target })
}

/// The types of a model by qualified name.
fn types(model: &Model) -> BTreeMap<QualifiedName, TypeDecl<'_>> {
    let mut map = BTreeMap::new();
    for schema in &model.schemas {
        let ns = &schema.namespace;
        map.extend(schema.entity_types.iter().map(|ty| (qualified(ns, &ty.name), TypeDecl::Entity(ty))));
        map.extend(schema.complex_types.iter().map(|ty| (qualified(ns, &ty.name), TypeDecl::Complex(ty))));
        map.extend(schema.enum_types.iter().map(|ty| (qualified(ns, &ty.name), TypeDecl::Enum(ty))));
        map.extend(schema.type_definitions.iter().map(|ty| (qualified(ns, &ty.name), TypeDecl::TypeDefinition(ty))));
    }
    map
}

/// The entity containers of a model by qualified name.
fn containers(model: &Model) -> BTreeMap<QualifiedName, &EntityContainer> {
    model.entity_containers().map(|(schema, c)| (qualified(&schema.namespace, &c.name), c)).collect()
}

/// (container, name) → element, over every container.
fn container_members<'m, T>(
    model: &'m Model,
    members: impl Fn(&'m EntityContainer) -> &'m [T],
    name: impl Fn(&T) -> &str,
) -> BTreeMap<Target, &'m T> {
    let mut map = BTreeMap::new();
    for (container, c) in containers(model) {
        map.extend(members(c).iter().map(|member| {
            (Target::ContainerMember { container: container.clone(), name: name(member).to_owned() }, member)
        }));
    }
    map
}

/// The overloads of every action and function by (qualified name, item).
fn operations(model: &Model) -> BTreeMap<(QualifiedName, Item), Vec<&Operation>> {
    let mut map: BTreeMap<(QualifiedName, Item), Vec<&Operation>> = BTreeMap::new();
    for schema in &model.schemas {
        for op in schema.actions.iter().chain(&schema.functions) {
            map.entry((qualified(&schema.namespace, &op.name), operation_item(op))).or_default().push(op);
        }
    }
    map
}

/// Annotations of elements outside the document, by target as written.
fn external_annotations(model: &Model) -> BTreeMap<&str, Annotations> {
    let mut map: BTreeMap<&str, Annotations> = BTreeMap::new();
    for schema in &model.schemas {
        for block in &schema.external_annotations {
            let annotations = map.entry(block.target.as_str()).or_default();
            for annotation in &block.annotations {
                annotations.apply(annotation.clone());
            }
        }
    }
    map
}

/// Pairs overloads: by binding parameter type first, then by the set of parameter names. When
/// one overload is left on each side of a binding group they are paired (a changed signature);
/// any other overload left is added or removed.
fn match_overloads<'a>(old: Vec<&'a Operation>, new: Vec<&'a Operation>) -> Vec<Side<&'a Operation>> {
    let by_binding = |ops: Vec<&'a Operation>| {
        let mut groups: BTreeMap<Option<String>, Vec<&'a Operation>> = BTreeMap::new();
        for op in ops {
            groups.entry(describe::binding(op)).or_default().push(op);
        }
        groups
    };
    let mut matched = Vec::new();
    for (_, side) in pair_up(by_binding(old), by_binding(new)) {
        match side {
            Side::Old(ops) => matched.extend(ops.into_iter().map(Side::Old)),
            Side::New(ops) => matched.extend(ops.into_iter().map(Side::New)),
            Side::Both(olds, mut news) => {
                let mut unmatched = Vec::new();
                for old in olds {
                    let names = describe::parameter_names(old);
                    match news.iter().position(|new| describe::parameter_names(new) == names) {
                        Some(i) => matched.push(Side::Both(old, news.remove(i))),
                        None => unmatched.push(old),
                    }
                }
                if let ([old], [new]) = (unmatched.as_slice(), news.as_slice()) {
                    matched.push(Side::Both(*old, *new));
                } else {
                    matched.extend(unmatched.into_iter().map(Side::Old));
                    matched.extend(news.into_iter().map(Side::New));
                }
            }
        }
    }
    matched
}

fn annotation_term(term: &str, deprecated: (bool, bool)) -> Term {
    match term {
        describe::DESCRIPTION | describe::LONG_DESCRIPTION => Term::Description,
        describe::REVISIONS => Term::Revisions { deprecated: (deprecated.0 != deprecated.1).then_some(deprecated.1) },
        _ => Term::Other,
    }
}

fn member(owner: &QualifiedName, name: &str) -> Target {
    Target::Member { owner: owner.clone(), name: name.to_owned() }
}

struct Differ<'m> {
    old: &'m Model,
    new: &'m Model,
    changes: Vec<Change>,
}

impl<'m> Differ<'m> {
    /// Records a change of `target`; its impact and reason come from [`impact::assess`].
    fn push(&mut self, item: Item, fact: Fact, target: &Target, old: Json, new: Json) {
        self.push_at(item, fact, target, target.to_string(), old, new);
    }

    /// [`push`](Self::push) with a path other than the target's (an annotation's).
    fn push_at(&mut self, item: Item, fact: Fact, target: &Target, path: String, old: Json, new: Json) {
        let (impact, reason) = impact::assess(item, fact);
        let target = target.clone();
        self.changes.push(Change {
            kind: fact.kind(),
            item,
            target,
            path,
            old,
            new,
            impact,
            reason: reason.to_owned(),
        });
    }

    /// Records an element found on one side only, described by `describe`; `shape` for members
    /// that become struct fields.
    fn presence<T>(
        &mut self,
        item: Item,
        target: &Target,
        side: Side<T>,
        describe: impl Fn(&T) -> Json,
        shape: impl Fn(&T) -> Option<Shape>,
    ) {
        match side {
            Side::Old(old) => self.push(item, Fact::Removed, target, describe(&old), Json::Null),
            Side::New(new) => self.push(item, Fact::Added { shape: shape(&new) }, target, Json::Null, describe(&new)),
            Side::Both(..) => {}
        }
    }

    /// Records a change of one aspect (`{name: value}` on each side) when the values differ.
    fn aspect<T: PartialEq>(
        &mut self,
        item: Item,
        fact: Fact,
        target: &Target,
        name: &str,
        (old, new): (T, T),
        value: impl Fn(T) -> Json,
    ) {
        if old != new {
            self.push(item, fact, target, aspect(name, value(old)), aspect(name, value(new)));
        }
    }

    fn flag(&mut self, item: Item, target: &Target, flag: Flag, name: &str, old: bool, new: bool) {
        self.aspect(item, Fact::Flag { flag, now: new }, target, name, (old, new), Json::Bool);
    }

    fn schemas(&mut self) {
        let by_namespace =
            |model: &'m Model| model.schemas.iter().map(|s| (s.namespace.as_str(), &s.annotations)).collect();
        for (namespace, side) in pair_up(by_namespace(self.old), by_namespace(self.new)) {
            if let Side::Both(old, new) = side {
                self.annotations(&Target::Schema(namespace.to_owned()), old, new);
            }
        }
        let empty = Annotations::default();
        for (target, side) in pair_up(external_annotations(self.old), external_annotations(self.new)) {
            let target = Target::External(target.to_owned());
            match &side {
                Side::Old(old) => self.annotations(&target, old, &empty),
                Side::New(new) => self.annotations(&target, &empty, new),
                Side::Both(old, new) => self.annotations(&target, old, new),
            }
        }
    }

    fn types(&mut self) {
        for (name, side) in pair_up(types(self.old), types(self.new)) {
            let item = type_item(*side.latest());
            match side {
                Side::Both(old, new) => self.type_pair(&name, old, new),
                side => self.presence(item, &Target::Type(name), side, |decl| describe_type(*decl), |_| None),
            }
        }
    }

    fn type_pair(&mut self, name: &QualifiedName, old: TypeDecl<'m>, new: TypeDecl<'m>) {
        let path = &Target::Type(name.clone());
        match (old, new) {
            (TypeDecl::Entity(old), TypeDecl::Entity(new)) => self.structured(Item::EntityType, name, old, new),
            (TypeDecl::Complex(old), TypeDecl::Complex(new)) => self.structured(Item::ComplexType, name, old, new),
            (TypeDecl::Enum(old), TypeDecl::Enum(new)) => self.enum_type(name, old, new),
            (TypeDecl::TypeDefinition(old), TypeDecl::TypeDefinition(new)) => self.type_definition(path, old, new),
            (old, new) => {
                let kind = |decl| type_item(decl).as_str();
                self.aspect(type_item(new), Fact::Kind, path, "kind", (kind(old), kind(new)), |kind| json!(kind));
            }
        }
    }

    fn structured(&mut self, item: Item, name: &QualifiedName, old: &'m StructuredType, new: &'m StructuredType) {
        let path = &Target::Type(name.clone());
        let base = |ty: &'m StructuredType| ty.base_type.as_ref();
        self.aspect(item, Fact::BaseType, path, "base_type", (base(old), base(new)), optional_name);
        self.flag(item, path, Flag::Abstract, "abstract", old.is_abstract, new.is_abstract);
        self.flag(item, path, Flag::Open, "open", old.open_type, new.open_type);
        self.flag(item, path, Flag::HasStream, "has_stream", old.has_stream, new.has_stream);
        if item == Item::EntityType {
            let (old_key, new_key) = (self.old.effective_key(old), self.new.effective_key(new));
            if old_key != new_key {
                self.push(Item::Key, Fact::Key, path, describe::key(old_key), describe::key(new_key));
            }
        }
        self.properties(name, old, new);
        self.navigation_properties(name, old, new);
        self.annotations(path, &old.annotations, &new.annotations);
    }

    /// The type and nullability of a property or navigation property.
    fn member_type(&mut self, item: Item, path: &Target, old: (&TypeRef, bool), new: (&TypeRef, bool)) {
        self.aspect(item, Fact::Type, path, "type", (old.0, new.0), |ty| json!(ty.to_string()));
        let fact = Fact::Nullable { now: new.1, collection: new.0.collection };
        self.aspect(item, fact, path, "nullable", (old.1, new.1), Json::Bool);
    }

    fn properties(&mut self, owner: &QualifiedName, old: &'m StructuredType, new: &'m StructuredType) {
        let by_name = |ty: &'m StructuredType| ty.properties.iter().map(|p| (p.name.as_str(), p)).collect();
        for (name, side) in pair_up(by_name(old), by_name(new)) {
            let path = member(owner, name);
            if let Side::Both(old, new) = side {
                self.member_type(Item::Property, &path, (&old.ty, old.nullable), (&new.ty, new.nullable));
                self.aspect(
                    Item::Property,
                    Fact::Facets,
                    &path,
                    "facets",
                    (&old.facets, &new.facets),
                    describe::facets,
                );
                self.annotations(&path, &old.annotations, &new.annotations);
            } else {
                self.presence(
                    Item::Property,
                    &path,
                    side,
                    |p| describe::property(p),
                    |p| Some(shape(&p.ty, p.nullable)),
                );
            }
        }
    }

    fn navigation_properties(&mut self, owner: &QualifiedName, old: &'m StructuredType, new: &'m StructuredType) {
        let by_name = |ty: &'m StructuredType| ty.navigation_properties.iter().map(|p| (p.name.as_str(), p)).collect();
        let item = Item::NavigationProperty;
        for (name, side) in pair_up(by_name(old), by_name(new)) {
            let path = member(owner, name);
            if let Side::Both(old, new) = side {
                self.member_type(item, &path, (&old.ty, old.nullable), (&new.ty, new.nullable));
                let contains = (old.contains_target, new.contains_target);
                self.aspect(item, Fact::ContainsTarget, &path, "contains_target", (contains.0, contains.1), Json::Bool);
                self.annotations(&path, &old.annotations, &new.annotations);
            } else {
                self.presence(item, &path, side, |nav| navigation(nav), |nav| Some(shape(&nav.ty, nav.nullable)));
            }
        }
    }

    fn enum_type(&mut self, name: &QualifiedName, old: &'m EnumType, new: &'m EnumType) {
        let path = &Target::Type(name.clone());
        let item = Item::EnumType;
        let underlying = (old.underlying_type, new.underlying_type);
        self.aspect(item, Fact::UnderlyingType, path, "underlying_type", (underlying.0, underlying.1), |t| {
            json!(edm_name(t))
        });
        self.flag(item, path, Flag::IsFlags, "flags", old.is_flags, new.is_flags);
        let by_name = |ty: &'m EnumType| ty.members.iter().map(|m| (m.name.as_str(), m)).collect();
        for (member_name, side) in pair_up(by_name(old), by_name(new)) {
            let member_path = member(name, member_name);
            if let Side::Both(old, new) = side {
                self.aspect(Item::EnumMember, Fact::Value, &member_path, "value", (old.value, new.value), Json::from);
                self.annotations(&member_path, &old.annotations, &new.annotations);
            } else {
                self.presence(Item::EnumMember, &member_path, side, |m| aspect("value", m.value), |_| None);
            }
        }
        self.annotations(path, &old.annotations, &new.annotations);
    }

    fn type_definition(&mut self, path: &Target, old: &'m TypeDefinition, new: &'m TypeDefinition) {
        let item = Item::TypeDefinition;
        let underlying = (old.underlying_type, new.underlying_type);
        self.aspect(item, Fact::UnderlyingType, path, "underlying_type", (underlying.0, underlying.1), |t| {
            json!(edm_name(t))
        });
        self.aspect(item, Fact::Facets, path, "facets", (&old.facets, &new.facets), describe::facets);
        self.annotations(path, &old.annotations, &new.annotations);
    }

    fn containers(&mut self) {
        for (name, side) in pair_up(containers(self.old), containers(self.new)) {
            if let Side::Both(old, new) = side {
                self.annotations(&Target::Container(name), &old.annotations, &new.annotations);
            }
        }
        let sets = |model: &'m Model| container_members(model, |c| c.entity_sets.as_slice(), |s: &EntitySet| &s.name);
        for (target, side) in pair_up(sets(self.old), sets(self.new)) {
            let entity_type = |set: &&EntitySet| aspect("entity_type", set.entity_type.to_string());
            self.container_member(Item::EntitySet, &target, side, entity_type, |set| &set.annotations);
        }
        let singletons =
            |model: &'m Model| container_members(model, |c| c.singletons.as_slice(), |s: &Singleton| &s.name);
        for (target, side) in pair_up(singletons(self.old), singletons(self.new)) {
            let entity_type = |singleton: &&Singleton| aspect("entity_type", singleton.entity_type.to_string());
            self.container_member(Item::Singleton, &target, side, entity_type, |singleton| &singleton.annotations);
        }
    }

    /// An entity set or singleton: presence, entity type, annotations.
    fn container_member<T>(
        &mut self,
        item: Item,
        target: &Target,
        side: Side<&T>,
        entity_type: impl Fn(&&T) -> Json,
        annotations: impl Fn(&T) -> &Annotations,
    ) {
        match side {
            Side::Both(old, new) => {
                let (old_type, new_type) = (entity_type(&old), entity_type(&new));
                if old_type != new_type {
                    self.push(item, Fact::EntityType, target, old_type, new_type);
                }
                self.annotations(target, annotations(old), annotations(new));
            }
            side => self.presence(item, target, side, entity_type, |_| None),
        }
    }

    fn operations(&mut self) {
        for ((name, item), side) in pair_up(operations(self.old), operations(self.new)) {
            let target = Target::Operation(name);
            let overloads = match side {
                Side::Old(ops) => match_overloads(ops, Vec::new()),
                Side::New(ops) => match_overloads(Vec::new(), ops),
                Side::Both(old, new) => match_overloads(old, new),
            };
            for side in overloads {
                match side {
                    Side::Both(old, new) => self.overload(item, &target, old, new),
                    side => {
                        let signature = |op: &&Operation| aspect("signature", describe::signature(op));
                        self.presence(item, &target, side, signature, |_| None);
                    }
                }
            }
        }
    }

    fn overload(&mut self, item: Item, target: &Target, old: &'m Operation, new: &'m Operation) {
        let signature = (describe::signature(old), describe::signature(new));
        self.aspect(item, Fact::Signature, target, "signature", (signature.0, signature.1), Json::String);
        let path = describe::operation_target(&target.to_string(), new);
        self.annotations_at(target, &path, &old.annotations, &new.annotations);
        let by_name = |op: &'m Operation| op.parameters.iter().map(|p| (p.name.as_str(), &p.annotations)).collect();
        for (name, side) in pair_up(by_name(old), by_name(new)) {
            if let Side::Both(old, new) = side {
                self.annotations_at(target, &format!("{path}/{name}"), old, new);
            }
        }
    }

    /// Every annotation added, removed or changed on `target`, as `target@Term[#Qualifier]`.
    fn annotations(&mut self, target: &Target, old: &Annotations, new: &Annotations) {
        self.annotations_at(target, &target.to_string(), old, new);
    }

    /// [`annotations`](Self::annotations) of a part of `target` written `path` (an operation
    /// overload or parameter, in CSDL target syntax).
    fn annotations_at(&mut self, target: &Target, path: &str, old: &Annotations, new: &Annotations) {
        if old == new {
            return;
        }
        let deprecated = (describe::is_deprecated(old), describe::is_deprecated(new));
        for (term, side) in pair_up(describe::annotations(old), describe::annotations(new)) {
            let (kind, old_value, new_value) = match side {
                Side::Old(value) => (ChangeKind::Removed, value, Json::Null),
                Side::New(value) => (ChangeKind::Added, Json::Null, value),
                Side::Both(old, new) if old == new => continue,
                Side::Both(old, new) => (ChangeKind::Changed, old, new),
            };
            let fact = Fact::Annotation { kind, term: annotation_term(&term, deprecated) };
            self.push_at(Item::Annotation, fact, target, format!("{path}@{term}"), old_value, new_value);
        }
    }
}
