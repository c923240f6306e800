//! The plan: what the emitter writes, with every decision made (names, modules, types, docs,
//! feature gates).

use std::collections::BTreeMap;

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
    /// A marker type of the runtime's `query` module around a type (`One<T>`, `Many<T>`,
    /// `Values<T>`): how a `Prop` knows what its property holds.
    Marked {
        marker: &'static str,
        inner: Box<RustType>,
    },
    /// A type of the runtime's `query` module by itself (`StreamProperty`).
    Runtime(&'static str),
}

impl RustType {
    /// Whether the type names a generated type for which `pred` holds.
    pub fn names_any(&self, pred: &impl Fn(&TypePath) -> bool) -> bool {
        match self {
            RustType::Scalar { .. } | RustType::Runtime(_) => false,
            RustType::Named(path) | RustType::Flags(path) => pred(path),
            RustType::Option(inner) | RustType::Vec(inner) | RustType::Box(inner) => inner.names_any(pred),
            RustType::Marked { inner, .. } => inner.names_any(pred),
        }
    }

    /// The generated types named inside.
    pub fn named_types(&self) -> Vec<TypePath> {
        match self {
            RustType::Scalar { .. } | RustType::Runtime(_) => Vec::new(),
            RustType::Named(path) | RustType::Flags(path) => vec![path.clone()],
            RustType::Option(inner) | RustType::Vec(inner) | RustType::Box(inner) => inner.named_types(),
            RustType::Marked { inner, .. } => inner.named_types(),
        }
    }

    /// Whether a serde_with adapter is needed anywhere inside.
    pub fn has_adapter(&self) -> bool {
        match self {
            RustType::Scalar { adapter, .. } => adapter.is_some(),
            RustType::Named(_) | RustType::Flags(_) => false,
            RustType::Option(inner) | RustType::Vec(inner) | RustType::Box(inner) => inner.has_adapter(),
            RustType::Marked { .. } | RustType::Runtime(_) => false,
        }
    }

    /// The type without `Option` and `Box` around it (a key's type).
    pub fn required(&self) -> &RustType {
        match self {
            RustType::Option(inner) | RustType::Box(inner) => inner.required(),
            other => other,
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
    /// The type of the property's `Prop` in the struct's `…Props` (see the runtime's
    /// `query::expr`).
    pub prop: RustType,
    /// A navigation property: a link to other rows, not a part of this one.
    pub navigation: bool,
    /// `Core.Computed`: the service sets it; writes leave it out.
    pub computed: bool,
    /// `Core.Immutable`: set when created; updates leave it out.
    pub immutable: bool,
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
    /// The name of its `…Props` struct (typed properties, for queries); `None` for a type no
    /// query reaches.
    pub props: Option<String>,
    /// An entity type's key (`None` for a complex type, or an entity type without one).
    pub key: Option<KeyPlan>,
    /// A media entity type (`HasStream`, its own or inherited) that a query reaches.
    pub media: bool,
    /// Callers build values of it (an operation's parameter, or a part of one): it gets a
    /// constructor, `#[non_exhaustive]` forbidding struct literals outside the crate.
    pub constructor: bool,
}

/// An entity type's key: the key properties' wire names and Rust types, in key order.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPlan {
    pub names: Vec<String>,
    pub types: Vec<RustType>,
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
    /// `Namespace.Type`, which prefixes the enum's literals in URLs.
    pub qualified_name: String,
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
    /// The marker traits of the service profile that the row type implements.
    pub markers: Vec<String>,
    /// The set's kind, when the service profile classifies entity sets.
    pub kind: Option<SetKind>,
    /// The row's entity type is deprecated, so code naming it needs `#[allow(deprecated)]`.
    pub row_deprecated: bool,
    /// The cargo feature compiling this set's module, with `Options::set_features`.
    pub feature: Option<String>,
    pub docs: Docs,
    /// What the set's `Capabilities` annotations refuse.
    pub restrictions: RestrictionsPlan,
}

/// What an entity set's `Capabilities` annotations refuse (see the runtime's `query::caps`).
#[derive(Debug, Clone, PartialEq)]
pub struct RestrictionsPlan {
    /// The options the set accepts, as the query's type says.
    pub caps: Caps,
    pub requires_filter: bool,
    pub required_properties: Vec<String>,
    pub non_filterable: Vec<String>,
    pub non_sortable: Vec<String>,
    pub non_expandable: Vec<String>,
    pub navigable: bool,
    pub non_navigable: Vec<String>,
    /// Writes the set allows (`Insert`/`Update`/`DeleteRestrictions`; none on a read-only
    /// service's profile).
    pub insertable: bool,
    pub updatable: bool,
    pub deletable: bool,
}

impl RestrictionsPlan {
    /// Whether anything is refused at all (the set then gets a `RESTRICTIONS` constant).
    pub fn any(&self) -> bool {
        !self.caps.all()
            || self.requires_filter
            || !self.navigable
            || [
                &self.required_properties,
                &self.non_filterable,
                &self.non_sortable,
                &self.non_expandable,
                &self.non_navigable,
            ]
            .iter()
            .any(|list| !list.is_empty())
    }
}

/// The static options of an entity set (the runtime's `Caps<…>`): `true` when accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub filter: bool,
    pub sort: bool,
    pub count: bool,
    pub expand: bool,
    pub top: bool,
    pub skip: bool,
    pub select: bool,
}

impl Default for Caps {
    fn default() -> Self {
        Caps { filter: true, sort: true, count: true, expand: true, top: true, skip: true, select: true }
    }
}

impl Caps {
    /// Every option accepted.
    pub fn all(&self) -> bool {
        *self == Caps::default()
    }

    /// In the order of the runtime's `Caps` parameters.
    pub fn flags(&self) -> [bool; 7] {
        [self.filter, self.sort, self.count, self.expand, self.top, self.skip, self.select]
    }
}

/// A singleton: an accessor of the root's `Collections` returning one entity.
#[derive(Debug, Clone, PartialEq)]
pub struct SingletonPlan {
    pub name: String,
    pub accessor: String,
    pub ty: TypePath,
    pub deprecated: bool,
    pub gate: Option<Gate>,
}

/// An entity set's kind: a value of the service profile's enum.
#[derive(Debug, Clone, PartialEq)]
pub struct SetKind {
    /// The enum's path (`crate::rules::Kind`).
    pub ty: String,
    /// The value's path (`crate::rules::Kind::Plain`).
    pub value: String,
}

/// The operations bound to one entity type (or to collections of it), inherited ones included:
/// an extension trait implemented for the runtime's `Single` (or `Query`) of the type and of
/// the entity sets' wrapper rows around it.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationsTrait {
    pub name: String,
    /// The entity type (in the trait's module).
    pub binding: TypePath,
    /// Bound to collections of the type (implemented for `Query`), not to one entity.
    pub collection: bool,
    pub operations: Vec<OperationPlan>,
    /// The type's struct is deprecated, so the trait and its impls allow `deprecated`.
    pub deprecated: bool,
    /// The entity sets' wrapper rows around the type (each with its set's feature), which
    /// implement the trait too.
    pub wrappers: Vec<(TypePath, Option<String>)>,
    pub gate: Option<Gate>,
}

/// One function or action overload, as a method.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationPlan {
    pub method: String,
    /// What the call addresses: `Namespace.name` (bound) or the import's name (unbound).
    pub path_name: String,
    pub action: bool,
    pub parameters: Vec<ParameterPlan>,
    pub result: ResultPlan,
    pub docs: Docs,
    /// Its signature names a deprecated type.
    pub uses_deprecated: bool,
    /// Compiled only with every one of these (types its signature names that the trait's or
    /// `Collections`' own gate does not imply).
    pub gates: Vec<Gate>,
}

/// A parameter of an operation method.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterPlan {
    pub name: String,
    pub wire_name: String,
    /// The value's type (`String` is taken as `&str`).
    pub ty: RustType,
    /// `Core.OptionalParameter`: taken as `Option<…>`, left out when `None`.
    pub optional: bool,
    pub passing: Passing,
}

/// How a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passing {
    /// A function's primitive parameter, an inline literal.
    Inline,
    /// A function's complex, collection or untyped parameter, a parameter alias (JSON).
    Alias,
    /// An action's parameter, a member of the JSON body.
    Body,
}

/// What an operation method returns.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultPlan {
    /// No result: `Operation<Unit>`.
    Unit,
    /// A primitive or enum value: `Operation<Scalar<T>>` (`T` an `Option` when nullable).
    Scalar(RustType),
    /// A complex value or an action's entity: `Operation<Object<T>>`.
    Object(RustType),
    /// A collection of values: `Operation<List<T>>`.
    List(RustType),
    /// A function's entity: `Single<T>`.
    Single(TypePath),
    /// A function's entities: `Query<T>`.
    Query(TypePath),
    /// A stream (`Edm.Stream`): `Operation<Media>`.
    Media,
}

impl ResultPlan {
    /// The Rust type the result names (for `Single` and `Query`, the entity type).
    pub fn ty(&self) -> Option<RustType> {
        match self {
            ResultPlan::Unit | ResultPlan::Media => None,
            ResultPlan::Scalar(ty) | ResultPlan::Object(ty) | ResultPlan::List(ty) => Some(ty.clone()),
            ResultPlan::Single(path) | ResultPlan::Query(path) => Some(RustType::Named(path.clone())),
        }
    }
}

impl OperationPlan {
    /// The generated types its signature names.
    pub fn named_types(&self) -> Vec<TypePath> {
        let mut named: Vec<TypePath> = self.parameters.iter().flat_map(|p| p.ty.named_types()).collect();
        named.extend(self.result.ty().map(|ty| ty.named_types()).unwrap_or_default());
        named
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModulePlan {
    pub docs: Vec<String>,
    pub structs: Vec<StructPlan>,
    pub field_enums: Vec<FieldEnumPlan>,
    pub enums: Vec<EnumPlan>,
    pub newtypes: Vec<NewtypePlan>,
    pub operations: Vec<OperationsTrait>,
}

impl ModulePlan {
    /// The names of the module's types (structs, their `…Props`, enums, newtypes, `…Field`s).
    pub fn item_names(&self) -> Vec<&str> {
        let structs = self.structs.iter().flat_map(|s| std::iter::once(s.name.as_str()).chain(s.props.as_deref()));
        structs
            .chain(self.enums.iter().map(|e| e.name.as_str()))
            .chain(self.newtypes.iter().map(|n| n.name.as_str()))
            .chain(self.field_enums.iter().map(|f| f.name.as_str()))
            .chain(self.operations.iter().map(|o| o.name.as_str()))
            .collect()
    }
}

/// The whole output for one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub api_version: Option<String>,
    pub root_docs: Vec<String>,
    /// Every module but the root, by path.
    pub modules: BTreeMap<ModulePath, ModulePlan>,
    /// The entity sets in the order the accessors are emitted (each set's module is named in
    /// [`EntitySetPlan::module`]; modules do not hold their set, so it is stored once).
    pub entity_sets: Vec<EntitySetPlan>,
    /// With `Options::set_features`: one feature per entity set, in the sets' order.
    pub features: Vec<String>,
    /// The singletons, in document order.
    pub singletons: Vec<SingletonPlan>,
    /// The function and action imports, methods of `Collections`.
    pub imports: Vec<OperationPlan>,
    /// The type of the entity sets' kinds, when the service profile classifies them.
    pub kind_type: Option<String>,
    /// `include_str!`'s path of the document, embedded as `METADATA`.
    pub embedded_metadata: Option<String>,
    /// Entity types reached by containment from writable entity sets (no set of their own):
    /// written through the navigation property, with the writes of their container.
    pub contained_writes: Vec<ContainedWrites>,
}

/// The writes of an entity type that lives contained in the rows of writable entity sets.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainedWrites {
    pub ty: TypePath,
    pub insertable: bool,
    pub updatable: bool,
    pub deletable: bool,
    pub deprecated: bool,
    pub gate: Option<Gate>,
}
