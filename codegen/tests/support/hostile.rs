//! Random *valid* CSDL documents whose names are as hostile to a Rust generator as CSDL allows:
//! Rust keywords, std and prelude names, non-ASCII letters, names that only differ in case or in
//! their `_`s, and names of the generator's own items and companions (`…Field`, `…Row`, `query`,
//! `types`, `new`).
//!
//! [`document`] draws a [`Document`] (a small model: one or two schemas, entity, complex and enum
//! types with inheritance, keys and navigation properties, one entity container with entity sets
//! and bindings), and [`Document::xml`] writes it. Raw draws are turned into a model in plain code
//! ([`build`]), which is what keeps the document valid: names are made unique where CSDL wants
//! them unique (types and the container within a namespace, properties within a type including
//! inherited ones, members within an enum, sets within the container), base types only point to
//! types drawn before (so chains are acyclic), keys are non-nullable properties of key-able types,
//! and bindings only lead to sets of the navigation property's own type.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::{Index, select};

/// Names that CSDL accepts as `SimpleIdentifier` and that a Rust generator can trip over.
pub const HOSTILE_NAMES: &[&str] = &[
    // Rust keywords (strict, reserved, edition-dependent, and the ones `r#` cannot fix).
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "async",
    "await",
    "fn",
    "mod",
    "match",
    "loop",
    "move",
    "ref",
    "where",
    "yield",
    "gen",
    "try",
    "dyn",
    "union",
    "abstract",
    "macro",
    "static",
    "r",
    "_",
    "__",
    "_1",
    "_type",
    "type_",
    "Type",
    "TYPE",
    "self_",
    "Self_",
    // Names equal after case folding or after snake/camel conversion.
    "deviceName",
    "DeviceName",
    "device_name",
    "DEVICE_NAME",
    "Device_Name",
    "devicename",
    "ID",
    "Id",
    "id",
    "iD",
    "_id",
    "id_",
    "Id_",
    "remoteControl",
    "remote_Control",
    "a",
    "A",
    "a_",
    "_a",
    "a_b",
    "aB",
    "AB",
    "a__b",
    // Non-ASCII letters.
    "Äpfel",
    "äpfel",
    "Apfel",
    "名前",
    "ñ",
    "Ñ",
    "Größe",
    "Grösse",
    "Grosse",
    "Ωmega",
    "ωmega",
    "ǅ",
    // std and prelude items, and the crates generated code names.
    "Option",
    "Some",
    "None",
    "Ok",
    "Err",
    "Result",
    "String",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "Serialize",
    "Deserialize",
    "Value",
    "serde",
    "serde_json",
    "std",
    "core",
    "alloc",
    "str",
    "bool",
    "i32",
    "u8",
    "Send",
    "Sync",
    "From",
    "Iterator",
    "PartialEq",
    "Hash",
    "Fn",
    "time",
    "uuid",
    // The generator's own items and companions.
    "Field",
    "DeviceField",
    "deviceField",
    "Query",
    "DeviceQuery",
    "query",
    "Row",
    "DeviceRow",
    "Device",
    "device",
    "devices",
    "Devices",
    "types",
    "Types",
    "Collections",
    "collections",
    "ENTITY_SETS",
    "API_VERSION",
    "visit_entity_set",
    "visitEntitySet",
    "new",
    "New",
    "client",
    "UnrecognizedValue",
    "unrecognizedValue",
    "MEMBERS",
    "ALL",
    "NAME",
    "KEY",
    "EnumMember",
    "EntitySet",
    "Flags",
    "edm",
    "odata_runtime",
];

/// Namespaces, some of which become the same Rust module (`Microsoft.Graph`, `microsoft.graph`,
/// `microsoft_graph`) when the types of two schemas get a module each.
pub const NAMESPACES: &[&str] =
    &["NS", "Microsoft.Graph", "microsoft.graph", "microsoft_graph", "self.type", "std.core", "Äpfel.Bäume", "Default"];

/// Primitive types of properties; `Edm.Stream` is added for entity types only (CSDL 4.0 has
/// stream properties on entity types alone).
const EDM_TYPES: &[&str] = &[
    "String",
    "Int16",
    "Int32",
    "Int64",
    "Byte",
    "SByte",
    "Boolean",
    "Double",
    "Single",
    "Decimal",
    "Guid",
    "Date",
    "DateTimeOffset",
    "TimeOfDay",
    "Duration",
    "Binary",
    "Geography",
    "GeographyPoint",
    "GeometryPolygon",
];

/// The primitive types a key property may have.
const KEY_TYPES: &[&str] = &[
    "String",
    "Int16",
    "Int32",
    "Int64",
    "Byte",
    "SByte",
    "Boolean",
    "Decimal",
    "Guid",
    "Date",
    "DateTimeOffset",
    "TimeOfDay",
    "Duration",
];

const ENUM_UNDERLYING: &[&str] = &["Byte", "SByte", "Int16", "Int32", "Int64"];

/// A generated document: the model [`Document::xml`] writes.
#[derive(Debug, Clone)]
pub struct Document {
    pub schemas: Vec<Schema>,
    /// The container, declared in the first schema.
    pub container: Container,
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub namespace: String,
    pub types: Vec<Type>,
}

#[derive(Debug, Clone)]
pub enum Type {
    Structured(Structured),
    Enum(Enum),
}

/// An entity or complex type.
#[derive(Debug, Clone)]
pub struct Structured {
    pub name: String,
    pub entity: bool,
    /// The qualified base type.
    pub base: Option<String>,
    pub is_abstract: bool,
    /// Key property names; empty for complex types and derived entity types (which inherit it).
    pub key: Vec<String>,
    pub properties: Vec<Property>,
    pub navigations: Vec<Navigation>,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    /// The type as CSDL writes it (`Edm.Int32`, `NS.Color`, `Collection(Edm.String)`).
    pub ty: String,
    /// `Nullable`, when written.
    pub nullable: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Navigation {
    pub name: String,
    /// The qualified entity type.
    pub target: String,
    pub collection: bool,
    pub nullable: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Enum {
    pub name: String,
    pub underlying: Option<&'static str>,
    pub flags: bool,
    /// Members with their `Value`, when written (all or none are, unless `flags`, where all are).
    pub members: Vec<(String, Option<i64>)>,
}

#[derive(Debug, Clone)]
pub struct Container {
    pub name: String,
    pub sets: Vec<EntitySet>,
}

#[derive(Debug, Clone)]
pub struct EntitySet {
    pub name: String,
    pub entity_type: String,
    /// `(Path, Target)` of each `NavigationPropertyBinding`.
    pub bindings: Vec<(String, String)>,
}

/// In which order [`Document::xml`] writes the children of each element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// As drawn.
    Drawn,
    /// Schemas, types, properties, navigation properties, entity sets and bindings reversed; enum
    /// members too when their values are written (otherwise their order gives their values).
    Reversed,
}

/// `items` in `order`.
fn ordered<T>(items: &[T], order: Order) -> Vec<&T> {
    let mut items: Vec<&T> = items.iter().collect();
    if order == Order::Reversed {
        items.reverse();
    }
    items
}

impl Document {
    pub fn xml(&self, order: Order) -> String {
        let mut out = String::from(super::EDMX_OPEN);
        out.push_str("\n<edmx:DataServices>\n");
        let first = self.schemas[0].namespace.as_str();
        for schema in ordered(&self.schemas, order) {
            out.push_str(&format!(
                "<Schema xmlns=\"http://docs.oasis-open.org/odata/ns/edm\" Namespace=\"{}\">\n",
                schema.namespace
            ));
            for ty in ordered(&schema.types, order) {
                match ty {
                    Type::Structured(ty) => ty.write(&mut out, order),
                    Type::Enum(ty) => ty.write(&mut out, order),
                }
            }
            if schema.namespace == first {
                out.push_str(&format!("  <EntityContainer Name=\"{}\">\n", self.container.name));
                for set in ordered(&self.container.sets, order) {
                    out.push_str(&format!("    <EntitySet Name=\"{}\" EntityType=\"{}\">", set.name, set.entity_type));
                    for (path, target) in ordered(&set.bindings, order) {
                        out.push_str(&format!("<NavigationPropertyBinding Path=\"{path}\" Target=\"{target}\"/>"));
                    }
                    out.push_str("</EntitySet>\n");
                }
                out.push_str("  </EntityContainer>\n");
            }
            out.push_str("</Schema>\n");
        }
        out.push_str("</edmx:DataServices></edmx:Edmx>\n");
        out
    }
}

/// ` Nullable="…"` when written.
fn nullable(value: Option<bool>) -> String {
    value.map(|n| format!(" Nullable=\"{n}\"")).unwrap_or_default()
}

impl Structured {
    fn write(&self, out: &mut String, order: Order) {
        let element = if self.entity { "EntityType" } else { "ComplexType" };
        out.push_str(&format!("  <{element} Name=\"{}\"", self.name));
        if let Some(base) = &self.base {
            out.push_str(&format!(" BaseType=\"{base}\""));
        }
        if self.is_abstract {
            out.push_str(" Abstract=\"true\"");
        }
        out.push_str(">\n");
        if !self.key.is_empty() {
            out.push_str("    <Key>");
            for name in &self.key {
                out.push_str(&format!("<PropertyRef Name=\"{name}\"/>"));
            }
            out.push_str("</Key>\n");
        }
        for p in ordered(&self.properties, order) {
            out.push_str(&format!("    <Property Name=\"{}\" Type=\"{}\"{}/>\n", p.name, p.ty, nullable(p.nullable)));
        }
        for n in ordered(&self.navigations, order) {
            let ty = if n.collection { format!("Collection({})", n.target) } else { n.target.clone() };
            out.push_str(&format!(
                "    <NavigationProperty Name=\"{}\" Type=\"{ty}\"{}/>\n",
                n.name,
                nullable(n.nullable)
            ));
        }
        out.push_str(&format!("  </{element}>\n"));
    }
}

impl Enum {
    fn write(&self, out: &mut String, order: Order) {
        out.push_str(&format!("  <EnumType Name=\"{}\"", self.name));
        if let Some(underlying) = self.underlying {
            out.push_str(&format!(" UnderlyingType=\"Edm.{underlying}\""));
        }
        if self.flags {
            out.push_str(" IsFlags=\"true\"");
        }
        out.push_str(">\n");
        let mut members: Vec<&(String, Option<i64>)> = self.members.iter().collect();
        if order == Order::Reversed && members.iter().all(|(_, value)| value.is_some()) {
            members.reverse();
        }
        for (name, value) in members {
            let value = value.map(|v| format!(" Value=\"{v}\"")).unwrap_or_default();
            out.push_str(&format!("    <Member Name=\"{name}\"{value}/>\n"));
        }
        out.push_str("  </EnumType>\n");
    }
}

/// A hostile name, now and then an arbitrary identifier (which may collide with one of them).
pub fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => select(HOSTILE_NAMES).prop_map(str::to_owned),
        1 => "[A-Za-z_][A-Za-z0-9_]{0,5}",
    ]
}

/// The draws [`build`] turns into a type.
#[derive(Debug, Clone)]
pub struct RawType {
    /// Which schema: the first, or (with two schemas) the second.
    second_schema: bool,
    /// 0..=2 entity, 3..=4 complex, 5 enum.
    kind: u8,
    name: String,
    /// A base among the structured types of the same kind drawn before.
    base: Option<Index>,
    is_abstract: bool,
    properties: Vec<RawProperty>,
    navigations: Vec<(String, Index, bool, Option<bool>)>,
    /// The name and type of a key property added when no drawn property can be the key.
    key: (String, &'static str),
    key_len: usize,
    underlying: Option<&'static str>,
    flags: bool,
    members: Vec<(String, i64)>,
    explicit_values: bool,
}

#[derive(Debug, Clone)]
pub struct RawProperty {
    name: String,
    /// 0..=5 a primitive type, 6..=7 a complex type, 8 an enum type.
    kind: u8,
    edm: &'static str,
    target: Index,
    collection: bool,
    nullable: Option<bool>,
}

fn raw_property() -> impl Strategy<Value = RawProperty> {
    (name(), 0..9u8, select(EDM_TYPES), any::<Index>(), prop::bool::weighted(0.2), prop::option::of(any::<bool>()))
        .prop_map(|(name, kind, edm, target, collection, nullable)| RawProperty {
            name,
            kind,
            edm,
            target,
            collection,
            nullable,
        })
}

fn raw_type() -> impl Strategy<Value = RawType> {
    let structure = (
        any::<bool>(),
        0..6u8,
        name(),
        prop::option::weighted(0.4, any::<Index>()),
        prop::bool::weighted(0.2),
        prop::collection::vec(raw_property(), 0..5),
        prop::collection::vec((name(), any::<Index>(), any::<bool>(), prop::option::of(any::<bool>())), 0..3),
    );
    let rest = (
        (name(), select(KEY_TYPES)),
        1..3usize,
        prop::option::of(select(ENUM_UNDERLYING)),
        prop::bool::weighted(0.3),
        prop::collection::vec((name(), any::<i64>()), 1..5),
        any::<bool>(),
    );
    (structure, rest).prop_map(
        |(
            (second_schema, kind, name, base, is_abstract, properties, navigations),
            (key, key_len, underlying, flags, members, explicit_values),
        )| RawType {
            second_schema,
            kind,
            name,
            base,
            is_abstract,
            properties,
            navigations,
            key,
            key_len,
            underlying,
            flags,
            members,
            explicit_values,
        },
    )
}

/// The draws of an entity set: its name, its entity type, and whether to bind its navigation
/// properties.
pub type RawSet = (String, Index, bool);

/// A random valid document.
pub fn document() -> impl Strategy<Value = Document> {
    (
        prop::collection::vec(select(NAMESPACES), 1..3),
        name(),
        prop::collection::vec(raw_type(), 1..9),
        prop::collection::vec((name(), any::<Index>(), any::<bool>()), 0..5),
    )
        .prop_map(|(namespaces, container, types, sets)| build(&namespaces, container, types, sets))
}

/// `name`, or `name` followed by as many `_` as make it unused in `taken` (which it joins).
fn unique(name: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = name.to_owned();
    while taken.contains(&name) {
        name.push('_');
    }
    taken.insert(name.clone());
    name
}

/// A structured type while it is built, with where it lives.
struct Built {
    namespace: usize,
    ty: Structured,
    /// The names of all its properties and navigation properties, inherited ones included.
    member_names: BTreeSet<String>,
    /// Its navigation properties, inherited ones included: `(name, qualified target)`.
    all_navigations: Vec<(String, String)>,
}

/// Turns the draws into a valid document (see the module docs for what keeps it valid).
pub fn build(namespaces: &[&str], container: String, raw: Vec<RawType>, raw_sets: Vec<RawSet>) -> Document {
    let mut namespaces: Vec<&str> = namespaces.to_vec();
    namespaces.dedup();
    let schema_of = |second: bool| usize::from(second && namespaces.len() > 1);
    let qualified = |namespace: usize, name: &str| format!("{}.{name}", namespaces[namespace]);

    // Names first: types (and the container, in the first schema) are unique per namespace.
    let mut taken: Vec<BTreeSet<String>> = vec![BTreeSet::new(); namespaces.len()];
    let container = unique(&container, &mut taken[0]);
    let names: Vec<String> = raw.iter().map(|t| unique(&t.name, &mut taken[schema_of(t.second_schema)])).collect();
    let qualified_of = |i: usize| qualified(schema_of(raw[i].second_schema), &names[i]);
    let complex: Vec<usize> = (0..raw.len()).filter(|&i| (3..=4).contains(&raw[i].kind)).collect();
    let enums: Vec<usize> = (0..raw.len()).filter(|&i| raw[i].kind == 5).collect();
    let entities: Vec<usize> = (0..raw.len()).filter(|&i| raw[i].kind <= 2).collect();

    let mut built: Vec<Option<Built>> = Vec::new();
    let mut enum_types: Vec<Option<Enum>> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let namespace = schema_of(t.second_schema);
        if t.kind == 5 {
            enum_types.push(Some(build_enum(names[i].clone(), t)));
            built.push(None);
            continue;
        }
        enum_types.push(None);
        let entity = t.kind <= 2;
        // Bases: earlier structured types of the same kind, so chains end.
        let earlier: Vec<usize> =
            (0..i).filter(|&j| built[j].as_ref().is_some_and(|b| b.ty.entity == entity)).collect();
        let base = t.base.filter(|_| !earlier.is_empty()).map(|index| earlier[index.index(earlier.len())]);
        let (mut member_names, mut all_navigations) = match base {
            Some(b) => {
                let b = built[b].as_ref().unwrap();
                (b.member_names.clone(), b.all_navigations.clone())
            }
            None => Default::default(),
        };
        let mut properties = Vec::new();
        for p in &t.properties {
            if member_names.contains(&p.name) {
                continue;
            }
            let ty = match p.kind {
                6..=7 if !complex.is_empty() => qualified_of(complex[p.target.index(complex.len())]),
                8 if !enums.is_empty() => qualified_of(enums[p.target.index(enums.len())]),
                _ if entity && p.kind == 0 && !p.collection => "Edm.Stream".to_owned(),
                _ => format!("Edm.{}", p.edm),
            };
            let ty = if p.collection && ty != "Edm.Stream" { format!("Collection({ty})") } else { ty };
            member_names.insert(p.name.clone());
            properties.push(Property { name: p.name.clone(), ty, nullable: p.nullable });
        }
        let mut navigations = Vec::new();
        if entity && !entities.is_empty() {
            for (name, target, collection, nullable) in &t.navigations {
                if member_names.contains(name) {
                    continue;
                }
                member_names.insert(name.clone());
                let target = qualified_of(entities[target.index(entities.len())]);
                all_navigations.push((name.clone(), target.clone()));
                let nullable = if *collection { None } else { *nullable };
                navigations.push(Navigation { name: name.clone(), target, collection: *collection, nullable });
            }
        }
        // Root entity types declare a key: drawn properties that can be one, else one added.
        let mut key = Vec::new();
        if entity && base.is_none() {
            let keyable = |p: &Property| {
                !p.ty.starts_with("Collection(")
                    && (p.ty.strip_prefix("Edm.").is_some_and(|edm| KEY_TYPES.contains(&edm))
                        || enums.iter().any(|&e| qualified_of(e) == p.ty))
            };
            for p in properties.iter_mut().filter(|p| keyable(p)).take(t.key_len) {
                p.nullable = Some(false);
                key.push(p.name.clone());
            }
            if key.is_empty() {
                let name = unique(&t.key.0, &mut member_names);
                key.push(name.clone());
                properties.push(Property { name, ty: format!("Edm.{}", t.key.1), nullable: Some(false) });
            }
        }
        let ty = Structured {
            name: names[i].clone(),
            entity,
            base: base.map(qualified_of),
            is_abstract: t.is_abstract,
            key,
            properties,
            navigations,
        };
        built.push(Some(Built { namespace, ty, member_names, all_navigations }));
    }

    // Entity sets of non-abstract entity types, and bindings to the sets of each navigation
    // property's type.
    let concrete: Vec<usize> =
        entities.iter().copied().filter(|&i| built[i].as_ref().is_some_and(|b| !b.ty.is_abstract)).collect();
    let mut set_names = BTreeSet::new();
    let mut sets: Vec<(EntitySet, bool, usize)> = Vec::new();
    if !concrete.is_empty() {
        for (name, ty, bind) in raw_sets {
            let ty = concrete[ty.index(concrete.len())];
            let set =
                EntitySet { name: unique(&name, &mut set_names), entity_type: qualified_of(ty), bindings: vec![] };
            sets.push((set, bind, ty));
        }
    }
    let by_type: Vec<(String, String)> = sets.iter().map(|(s, _, _)| (s.entity_type.clone(), s.name.clone())).collect();
    for (set, bind, ty) in &mut sets {
        if !*bind {
            continue;
        }
        for (nav, target) in &built[*ty].as_ref().unwrap().all_navigations {
            if let Some((_, target_set)) = by_type.iter().find(|(t, _)| t == target) {
                set.bindings.push((nav.clone(), target_set.clone()));
            }
        }
    }

    let mut schemas: Vec<Schema> =
        namespaces.iter().map(|ns| Schema { namespace: (*ns).to_owned(), types: Vec::new() }).collect();
    for (i, (b, e)) in built.into_iter().zip(enum_types).enumerate() {
        match (b, e) {
            (Some(b), _) => schemas[b.namespace].types.push(Type::Structured(b.ty)),
            (None, Some(e)) => schemas[schema_of(raw[i].second_schema)].types.push(Type::Enum(e)),
            (None, None) => unreachable!("every draw is a structured or an enum type"),
        }
    }
    Document { schemas, container: Container { name: container, sets: sets.into_iter().map(|(s, _, _)| s).collect() } }
}

fn build_enum(name: String, t: &RawType) -> Enum {
    let underlying = t.underlying;
    let (min, max): (i128, i128) = match underlying.unwrap_or("Int32") {
        "Byte" => (0, u8::MAX.into()),
        "SByte" => (i8::MIN.into(), i8::MAX.into()),
        "Int16" => (i16::MIN.into(), i16::MAX.into()),
        "Int32" => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    };
    // Flags values are non-negative.
    let min = if t.flags { 0 } else { min };
    let mut taken = BTreeSet::new();
    let members = t
        .members
        .iter()
        .filter(|(member, _)| taken.insert(member.clone()))
        .map(|(member, value)| {
            let value = (t.flags || t.explicit_values)
                .then(|| (min + (i128::from(*value) - min).rem_euclid(max - min + 1)) as i64);
            (member.clone(), value)
        })
        .collect();
    Enum { name, underlying, flags: t.flags, members }
}
