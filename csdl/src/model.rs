//! The resolved CSDL model: every element of a `$metadata` document the generator and the schema
//! diff care about, with namespace aliases already replaced by the namespaces they stand for.
//!
//! Nothing here is Rust-specific: names are the CSDL names, exactly as written.

use std::collections::BTreeMap;
use std::fmt;

use super::annotations::{Annotation, Annotations};
use super::edm::EdmType;

/// A line and column in the source document, both starting at 1 (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column number in characters (not bytes), starting at 1.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The `Version` of the `edmx:Edmx` root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ODataVersion {
    /// `Version="4.0"`.
    V4_0,
    /// `Version="4.01"`.
    V4_01,
}

impl ODataVersion {
    /// The version as written in the `Version` attribute (`4.0`, `4.01`).
    pub fn as_str(self) -> &'static str {
        match self {
            ODataVersion::V4_0 => "4.0",
            ODataVersion::V4_01 => "4.01",
        }
    }
}

impl fmt::Display for ODataVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A namespace-qualified name such as `Microsoft.OData.SampleService.Models.TripPin.Person`.
///
/// In a resolved [`Model`] the namespace is always the declared namespace, never an alias.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    /// Everything before the last dot: the schema's declared `Namespace` (in a resolved model, never an alias).
    pub namespace: String,
    /// The part after the last dot: the element's unqualified `Name`.
    pub name: String,
}

impl QualifiedName {
    /// A name from its namespace and its unqualified name; neither is checked.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName { namespace: namespace.into(), name: name.into() }
    }

    /// Splits `Namespace.Name` at its last dot; `None` when there is no dot.
    pub fn parse(text: &str) -> Option<Self> {
        let (namespace, name) = text.rsplit_once('.')?;
        (!namespace.is_empty() && !name.is_empty()).then(|| QualifiedName::new(namespace, name))
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.namespace, self.name)
    }
}

/// A resolved CSDL document: its references, its schemas and an index of every named item.
#[derive(Debug, Clone)]
pub struct Model {
    /// The `Version` attribute of the `edmx:Edmx` root.
    pub version: ODataVersion,
    /// The `edmx:Reference` elements, in document order.
    pub references: Vec<Reference>,
    /// The `Schema` elements of the `edmx:DataServices` element, in document order.
    pub schemas: Vec<Schema>,
    pub(crate) index: BTreeMap<QualifiedName, ItemRef>,
    /// Elements the document declares that were skipped with a warning (counted by
    /// [`Model::counts`] all the same).
    pub(crate) skipped: Counts,
}

/// Where a named schema child lives: `schemas[schema].<kind>[item]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ItemRef {
    pub schema: usize,
    pub kind: ItemKind,
    pub item: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    EntityType,
    ComplexType,
    EnumType,
    TypeDefinition,
    Term,
    EntityContainer,
}

/// What a qualified type name refers to.
#[derive(Debug, Clone, Copy)]
pub enum TypeDecl<'a> {
    /// An `EntityType`.
    Entity(&'a StructuredType),
    /// A `ComplexType`.
    Complex(&'a StructuredType),
    /// An `EnumType`.
    Enum(&'a EnumType),
    /// A `TypeDefinition`: a named primitive type with facets.
    TypeDefinition(&'a TypeDefinition),
}

impl Model {
    /// The type declared under `name`, if any.
    pub fn type_decl(&self, name: &QualifiedName) -> Option<TypeDecl<'_>> {
        let item = self.index.get(name)?;
        let schema = &self.schemas[item.schema];
        Some(match item.kind {
            ItemKind::EntityType => TypeDecl::Entity(&schema.entity_types[item.item]),
            ItemKind::ComplexType => TypeDecl::Complex(&schema.complex_types[item.item]),
            ItemKind::EnumType => TypeDecl::Enum(&schema.enum_types[item.item]),
            ItemKind::TypeDefinition => TypeDecl::TypeDefinition(&schema.type_definitions[item.item]),
            ItemKind::Term | ItemKind::EntityContainer => return None,
        })
    }

    /// The entity or complex type declared under `name`.
    pub fn structured_type(&self, name: &QualifiedName) -> Option<&StructuredType> {
        match self.type_decl(name)? {
            TypeDecl::Entity(ty) | TypeDecl::Complex(ty) => Some(ty),
            _ => None,
        }
    }

    /// The entity type declared under `name`; `None` for a complex type or anything else.
    pub fn entity_type(&self, name: &QualifiedName) -> Option<&StructuredType> {
        match self.type_decl(name)? {
            TypeDecl::Entity(ty) => Some(ty),
            _ => None,
        }
    }

    /// The `EntityContainer` declared under `name` (`Namespace.Container`).
    pub fn entity_container(&self, name: &QualifiedName) -> Option<&EntityContainer> {
        let item = self.index.get(name)?;
        (item.kind == ItemKind::EntityContainer).then(|| &self.schemas[item.schema].entity_containers[item.item])
    }

    /// The `Term` declared under `name` (the first, when a term is declared twice).
    pub fn term(&self, name: &QualifiedName) -> Option<&Term> {
        let item = self.index.get(name)?;
        (item.kind == ItemKind::Term).then(|| &self.schemas[item.schema].terms[item.item])
    }

    /// The schema declaring `namespace`.
    pub fn schema(&self, namespace: &str) -> Option<&Schema> {
        self.schemas.iter().find(|schema| schema.namespace == namespace)
    }

    /// The base-type chain of a structured type, starting with the type itself.
    ///
    /// Resolution rejects cycles; the chain is nonetheless cut after as many steps as there are
    /// named items, so it is finite even while a document with a cycle is being checked.
    pub fn type_chain<'a>(&'a self, ty: &'a StructuredType) -> impl Iterator<Item = &'a StructuredType> + 'a {
        std::iter::successors(Some(ty), move |ty| ty.base_type.as_ref().and_then(|base| self.structured_type(base)))
            .take(self.index.len().max(1))
    }

    /// The qualified names of a structured type and its base types, the type itself first.
    pub fn type_chain_names(&self, name: &QualifiedName) -> Vec<QualifiedName> {
        let mut names = vec![name.clone()];
        let mut current = self.structured_type(name);
        while let Some(base) = current.and_then(|ty| ty.base_type.as_ref()) {
            if names.contains(base) || names.len() > self.index.len() {
                break;
            }
            names.push(base.clone());
            current = self.structured_type(base);
        }
        names
    }

    /// Every `Action` and `Function` overload, with its schema, in document order (actions of a
    /// schema first).
    pub fn operations(&self) -> impl Iterator<Item = (&Schema, &Operation)> {
        self.schemas
            .iter()
            .flat_map(|schema| schema.actions.iter().chain(&schema.functions).map(move |op| (schema, op)))
    }

    /// The key of an entity type: its own `Key`, else the nearest base type's.
    pub fn effective_key<'a>(&'a self, ty: &'a StructuredType) -> &'a [PropertyRef] {
        self.type_chain(ty).find(|ty| !ty.key.is_empty()).map(|ty| ty.key.as_slice()).unwrap_or(&[])
    }

    /// All structural properties of a type, inherited ones first (base-most type first).
    pub fn all_properties<'a>(&'a self, ty: &'a StructuredType) -> Vec<&'a Property> {
        let mut chain: Vec<_> = self.type_chain(ty).collect();
        chain.reverse();
        chain.into_iter().flat_map(|ty| &ty.properties).collect()
    }

    /// All navigation properties of a type, inherited ones first.
    pub fn all_navigation_properties<'a>(&'a self, ty: &'a StructuredType) -> Vec<&'a NavigationProperty> {
        let mut chain: Vec<_> = self.type_chain(ty).collect();
        chain.reverse();
        chain.into_iter().flat_map(|ty| &ty.navigation_properties).collect()
    }

    /// Every entity container with its namespace.
    pub fn entity_containers(&self) -> impl Iterator<Item = (&Schema, &EntityContainer)> {
        self.schemas.iter().flat_map(|schema| schema.entity_containers.iter().map(move |c| (schema, c)))
    }

    /// The entity sets a client addresses, with their schema and container: every entity set of
    /// every container, except one named like an entity set of an earlier container (a URL
    /// `/name` leads to one of them only; resolution warns about the others).
    pub fn addressable_entity_sets(&self) -> impl Iterator<Item = (&Schema, &EntityContainer, &EntitySet)> {
        let mut seen = std::collections::HashSet::new();
        self.entity_containers()
            .flat_map(|(schema, container)| container.entity_sets.iter().map(move |set| (schema, container, set)))
            .filter(move |(_, _, set)| seen.insert(set.name.as_str()))
    }

    /// Counts of the elements declared in the document.
    pub fn counts(&self) -> Counts {
        let mut counts = self.skipped;
        for schema in &self.schemas {
            counts.entity_types += schema.entity_types.len();
            counts.complex_types += schema.complex_types.len();
            counts.enum_types += schema.enum_types.len();
            counts.type_definitions += schema.type_definitions.len();
            counts.terms += schema.terms.len();
            counts.actions += schema.actions.len();
            counts.functions += schema.functions.len();
            for ty in schema.entity_types.iter().chain(&schema.complex_types) {
                counts.properties += ty.properties.len();
                counts.navigation_properties += ty.navigation_properties.len();
            }
            for container in &schema.entity_containers {
                counts.entity_sets += container.entity_sets.len();
                counts.singletons += container.singletons.len();
                counts.action_imports += container.action_imports.len();
                counts.function_imports += container.function_imports.len();
            }
        }
        counts
    }
}

/// How many of each kind of element a document declares (every overload counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// `EntityType` elements.
    pub entity_types: usize,
    /// `ComplexType` elements.
    pub complex_types: usize,
    /// `EnumType` elements.
    pub enum_types: usize,
    /// `TypeDefinition` elements.
    pub type_definitions: usize,
    /// `EntitySet` elements, across all entity containers.
    pub entity_sets: usize,
    /// `Singleton` elements, across all entity containers.
    pub singletons: usize,
    /// `Action` elements, one per overload.
    pub actions: usize,
    /// `Function` elements, one per overload.
    pub functions: usize,
    /// `ActionImport` elements, across all entity containers.
    pub action_imports: usize,
    /// `FunctionImport` elements, across all entity containers.
    pub function_imports: usize,
    /// `Term` elements.
    pub terms: usize,
    /// Structural `Property` elements of entity and complex types (each counted on its declaring type).
    pub properties: usize,
    /// `NavigationProperty` elements of entity and complex types (each counted on its declaring type).
    pub navigation_properties: usize,
}

/// An `edmx:Reference`: recorded, never fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The `Uri` attribute: where the referenced document lives.
    pub uri: String,
    /// The `edmx:Include` children: namespaces taken from the referenced document.
    pub includes: Vec<Include>,
    /// The `edmx:IncludeAnnotations` children.
    pub include_annotations: Vec<IncludeAnnotations>,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// An `edmx:Include`: a namespace of a referenced document that this document may use.
#[derive(Debug, Clone, PartialEq)]
pub struct Include {
    /// The `Namespace` attribute: the included schema's namespace.
    pub namespace: String,
    /// The `Alias` attribute: a short name that stands for the namespace in this document.
    pub alias: Option<String>,
}

/// An `edmx:IncludeAnnotations`: annotations of a referenced document to apply (recorded, never applied).
#[derive(Debug, Clone, PartialEq)]
pub struct IncludeAnnotations {
    /// The `TermNamespace` attribute: the namespace of the terms whose annotations are included.
    pub term_namespace: String,
    /// The `Qualifier` attribute: only annotations with this qualifier; `None` includes every qualifier.
    pub qualifier: Option<String>,
    /// The `TargetNamespace` attribute: only annotations targeting this namespace; `None` for any.
    pub target_namespace: Option<String>,
}

/// A `Schema` element.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The `Namespace` attribute, which qualifies the names of the schema's children.
    pub namespace: String,
    /// The `Alias` attribute; already replaced by the namespace everywhere in the model.
    pub alias: Option<String>,
    /// The `EntityType` children, in document order.
    pub entity_types: Vec<StructuredType>,
    /// The `ComplexType` children, in document order.
    pub complex_types: Vec<StructuredType>,
    /// The `EnumType` children, in document order.
    pub enum_types: Vec<EnumType>,
    /// The `TypeDefinition` children, in document order.
    pub type_definitions: Vec<TypeDefinition>,
    /// The `Term` children, in document order.
    pub terms: Vec<Term>,
    /// The `Action` children, one per overload, in document order.
    pub actions: Vec<Operation>,
    /// The `Function` children, one per overload, in document order.
    pub functions: Vec<Operation>,
    /// The `EntityContainer` children (a service defines exactly one; the model keeps what is written).
    pub entity_containers: Vec<EntityContainer>,
    /// Annotations of the schema itself.
    pub annotations: Annotations,
    /// External `Annotations` blocks whose target this model does not hold: a target in a
    /// referenced document (such as a vocabulary), or a path below a member
    /// (`Namespace.Type/property/subproperty`, a type cast). Blocks targeting an element of this
    /// document are merged into that element's annotations instead.
    pub external_annotations: Vec<ExternalAnnotations>,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// An `Annotations` element kept as written (see [`Schema::external_annotations`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalAnnotations {
    /// The `Target` attribute as written, with aliases replaced by namespaces.
    pub target: String,
    /// The block's `Qualifier` attribute, if any.
    pub qualifier: Option<String>,
    /// The annotations in raw form; the block's qualifier is already applied to each.
    pub annotations: Vec<Annotation>,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// Which element a [`StructuredType`] was declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StructuredKind {
    /// An `EntityType`: has a key (its own or inherited) and identity.
    Entity,
    /// A `ComplexType`: a structured value without a key.
    Complex,
}

/// An `EntityType` or a `ComplexType`: they share their members.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuredType {
    /// The `Name` attribute, unqualified.
    pub name: String,
    /// Whether this is an `EntityType` or a `ComplexType`.
    pub kind: StructuredKind,
    /// The `BaseType` attribute: the type this one derives from, of the same kind.
    pub base_type: Option<QualifiedName>,
    /// The `Abstract` attribute (default `false`): no instances of exactly this type exist.
    pub is_abstract: bool,
    /// The `OpenType` attribute (default `false`): instances may carry undeclared dynamic properties.
    pub open_type: bool,
    /// The `HasStream` attribute (default `false`; entity types only): a media entity with a stream.
    pub has_stream: bool,
    /// The declared `Key` (empty for complex types and for entity types inheriting their key;
    /// see [`Model::effective_key`]).
    pub key: Vec<PropertyRef>,
    /// The structural `Property` children declared on this type itself (not inherited ones).
    pub properties: Vec<Property>,
    /// The `NavigationProperty` children declared on this type itself (not inherited ones).
    pub navigation_properties: Vec<NavigationProperty>,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

impl StructuredType {
    /// The structural property declared on this type itself under `name` (inherited ones are not searched).
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// A `PropertyRef` of a key: a property name or a path into complex properties, with an alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyRef {
    /// The `Name` attribute: a property of the entity type, or a `/`-separated path into complex properties.
    pub name: String,
    /// The `Alias` attribute, required when `name` is a path; used for the key part in URLs.
    pub alias: Option<String>,
}

/// The type of a property, parameter, return value or term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeRef {
    /// `Collection(...)`.
    pub collection: bool,
    /// The type itself, or for a collection the type of its items.
    pub target: TypeTarget,
}

/// What a [`TypeRef`] names: a built-in type, a type of this document or one of a referenced document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeTarget {
    /// A type of the `Edm` namespace.
    Edm(EdmType),
    /// A type declared in this document (look it up with [`Model::type_decl`]).
    Named(QualifiedName),
    /// A type of a namespace that the document only references through `edmx:Include`.
    External(QualifiedName),
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.collection { write!(f, "Collection({})", self.target) } else { write!(f, "{}", self.target) }
    }
}

impl fmt::Display for TypeTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeTarget::Edm(edm) => write!(f, "Edm.{}", edm.name()),
            TypeTarget::Named(name) | TypeTarget::External(name) => name.fmt(f),
        }
    }
}

/// `MaxLength`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaxLength {
    /// `MaxLength="max"`: the largest length the service supports.
    Max,
    /// A number: bytes for binary values, characters for strings.
    Length(u64),
}

/// `Scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// A number: the maximum number of digits right of the decimal point.
    Digits(u32),
    /// `Scale="variable"`: each value may have any number of decimal places up to the precision.
    Variable,
    /// `Scale="floating"` (4.01): a decimal floating-point value with `Precision` significant digits.
    Floating,
}

/// `SRID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Srid {
    /// A numeric spatial reference system identifier (EPSG code, such as 4326).
    Id(u32),
    /// `SRID="variable"`: each value carries its own reference system.
    Variable,
}

/// The type facets of a property, parameter, return type, term or type definition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Facets {
    /// The `MaxLength` attribute.
    pub max_length: Option<MaxLength>,
    /// The `Precision` attribute: total significant digits of a decimal, or fractional-second digits of a temporal
    /// type.
    pub precision: Option<u32>,
    /// The `Scale` attribute (decimals only).
    pub scale: Option<Scale>,
    /// The `SRID` attribute (geography and geometry types only).
    pub srid: Option<Srid>,
    /// The `Unicode` attribute (strings only; absent means `true`, non-ASCII characters allowed).
    pub unicode: Option<bool>,
}

/// A structural `Property`.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The `Name` attribute, unqualified; the JSON member name on the wire.
    pub name: String,
    /// The `Type` attribute: a primitive, enum, complex or type-definition type, or a collection of one.
    pub ty: TypeRef,
    /// `Nullable` (default `true`); for a collection it is about its items.
    pub nullable: bool,
    /// The facet attributes (`MaxLength`, `Precision`, `Scale`, `SRID`, `Unicode`); each `None` when absent.
    pub facets: Facets,
    /// The `DefaultValue` attribute as written, unparsed.
    pub default_value: Option<String>,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// The `Action` attribute of a navigation property's `OnDelete`: what deleting the source entity does to the related
/// ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnDeleteAction {
    /// `Cascade`: the related entities are deleted too.
    Cascade,
    /// `None`: nothing happens to the related entities.
    None,
    /// `SetNull`: the dependent properties of the related entities are set to null.
    SetNull,
    /// `SetDefault`: the dependent properties of the related entities are set to their default values.
    SetDefault,
}

/// A `ReferentialConstraint` of a navigation property: a property of the source that must equal one of the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferentialConstraint {
    /// The `Property` attribute: a property path on the type declaring the navigation property (the dependent).
    pub property: String,
    /// The `ReferencedProperty` attribute: the matching property path on the navigation target (the principal).
    pub referenced_property: String,
}

/// A `NavigationProperty`.
#[derive(Debug, Clone, PartialEq)]
pub struct NavigationProperty {
    /// The `Name` attribute, unqualified.
    pub name: String,
    /// Always an entity type (possibly a collection of them).
    pub ty: TypeRef,
    /// The `Nullable` attribute (default `true`): whether a single-valued navigation may lead to nothing.
    pub nullable: bool,
    /// The `Partner` attribute: the path of the navigation property on the target type leading back.
    pub partner: Option<String>,
    /// The `ContainsTarget` attribute (default `false`): the related entities are contained, reachable only through
    /// this navigation.
    pub contains_target: bool,
    /// The `Action` of the `OnDelete` child, if there is one.
    pub on_delete: Option<OnDeleteAction>,
    /// The `ReferentialConstraint` children, in document order.
    pub referential_constraints: Vec<ReferentialConstraint>,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// An `EnumType`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    /// The `Name` attribute, unqualified.
    pub name: String,
    /// `UnderlyingType`: one of Byte, SByte, Int16, Int32 (the default) and Int64.
    pub underlying_type: EdmType,
    /// The `IsFlags` attribute (default `false`): values are bitwise combinations of members.
    pub is_flags: bool,
    /// The `Member` children, in document order.
    pub members: Vec<EnumMember>,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// A `Member` of an `EnumType`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumMember {
    /// The `Name` attribute: the member's spelling on the wire.
    pub name: String,
    /// The declared `Value`, or the implicit one (the member's position, starting at 0).
    pub value: i64,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// A `TypeDefinition`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDefinition {
    /// The `Name` attribute, unqualified.
    pub name: String,
    /// The `UnderlyingType` attribute: the primitive type it refines (never another type definition).
    pub underlying_type: EdmType,
    /// The facet attributes (`MaxLength`, `Precision`, `Scale`, `SRID`, `Unicode`); each `None` when absent.
    pub facets: Facets,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// A `Term`.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The `Name` attribute, unqualified.
    pub name: String,
    /// The `Type` attribute: the type of the term's annotation values.
    pub ty: TypeRef,
    /// The `BaseTerm` attribute: applying this term also applies the base term.
    pub base_term: Option<QualifiedName>,
    /// The `Nullable` attribute (default `true`): whether an annotation value may be null.
    pub nullable: bool,
    /// The `DefaultValue` attribute as written: the value of an annotation that gives none.
    pub default_value: Option<String>,
    /// The `AppliesTo` attribute split at whitespace: the element kinds (`EntityType`, `Property`, ...) the term may
    /// annotate; empty means any.
    pub applies_to: Vec<String>,
    /// The facet attributes (`MaxLength`, `Precision`, `Scale`, `SRID`, `Unicode`); each `None` when absent.
    pub facets: Facets,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// Which element an [`Operation`] was declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// An `Action`: may have side effects; invoked with POST.
    Action,
    /// A `Function`: no side effects, always returns a value; invoked with GET.
    Function,
}

/// An `Action` or a `Function` (one overload).
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The `Name` attribute, unqualified; shared by all overloads.
    pub name: String,
    /// Whether this is an `Action` or a `Function`.
    pub kind: OperationKind,
    /// The `IsBound` attribute (default `false`): if true, the first parameter is the binding parameter.
    pub is_bound: bool,
    /// Functions only.
    pub is_composable: bool,
    /// The `EntitySetPath` attribute: where returned entities live, as a path from the binding parameter.
    pub entity_set_path: Option<String>,
    /// The `Parameter` children, in order; for a bound operation the first is the binding parameter.
    pub parameters: Vec<Parameter>,
    /// The `ReturnType` child; `None` for an action without a result (CSDL requires one for functions).
    pub return_type: Option<ReturnType>,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

impl Operation {
    /// The binding parameter of a bound operation.
    pub fn binding(&self) -> Option<&Parameter> {
        self.parameters.first().filter(|_| self.is_bound)
    }

    /// The parameters a caller passes: all but the binding parameter.
    pub fn unbound_parameters(&self) -> &[Parameter] {
        &self.parameters[usize::from(self.is_bound).min(self.parameters.len())..]
    }

    /// The operation with its parameter types, `name(Type1,Type2)`, which tells overloads apart
    /// (the form annotation targets use).
    pub fn signature(&self) -> String {
        let params: Vec<String> = self.parameters.iter().map(|p| p.ty.to_string()).collect();
        format!("{}({})", self.name, params.join(","))
    }
}

/// A `Parameter` of an action or function.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The `Name` attribute, unique within the operation.
    pub name: String,
    /// The `Type` attribute.
    pub ty: TypeRef,
    /// The `Nullable` attribute (default `true`); for a collection it is about its items.
    pub nullable: bool,
    /// The facet attributes (`MaxLength`, `Precision`, `Scale`, `SRID`, `Unicode`); each `None` when absent.
    pub facets: Facets,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// The `ReturnType` of an action or function.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnType {
    /// The `Type` attribute.
    pub ty: TypeRef,
    /// The `Nullable` attribute (default `true`): whether the result may be null; for a collection, its items.
    pub nullable: bool,
    /// The facet attributes (`MaxLength`, `Precision`, `Scale`, `SRID`, `Unicode`); each `None` when absent.
    pub facets: Facets,
}

/// An `EntityContainer`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityContainer {
    /// The `Name` attribute, unqualified.
    pub name: String,
    /// The `Extends` attribute: a container whose children this one includes.
    pub extends: Option<QualifiedName>,
    /// The `EntitySet` children, in document order.
    pub entity_sets: Vec<EntitySet>,
    /// The `Singleton` children, in document order.
    pub singletons: Vec<Singleton>,
    /// The `ActionImport` children, in document order.
    pub action_imports: Vec<ActionImport>,
    /// The `FunctionImport` children, in document order.
    pub function_imports: Vec<FunctionImport>,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// A `NavigationPropertyBinding`: the navigation property at `path` leads into `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavigationPropertyBinding {
    /// The `Path` attribute: the navigation property, possibly behind complex properties and type casts.
    pub path: String,
    /// The target path as written, with the container qualified by its namespace when it names
    /// one (`Namespace.Container/set`).
    pub target: String,
}

/// An `EntitySet`: a collection of entities a client addresses as `/name`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntitySet {
    /// The `Name` attribute: the URL segment, unique within the container.
    pub name: String,
    /// The `EntityType` attribute: the declared type of the set's entities (members may be of a derived type).
    pub entity_type: QualifiedName,
    /// The `IncludeInServiceDocument` attribute (default `true`).
    pub include_in_service_document: bool,
    /// The `NavigationPropertyBinding` children: which set each navigation property leads into.
    pub navigation_property_bindings: Vec<NavigationPropertyBinding>,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// A `Singleton`: a single entity a client addresses as `/name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Singleton {
    /// The `Name` attribute: the URL segment, unique within the container.
    pub name: String,
    /// The `Type` attribute: the entity type of the singleton.
    pub entity_type: QualifiedName,
    /// The `NavigationPropertyBinding` children: which set each navigation property leads into.
    pub navigation_property_bindings: Vec<NavigationPropertyBinding>,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// An `ActionImport`: exposes an unbound action at `/name` of the service.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionImport {
    /// The `Name` attribute: the URL segment, unique within the container.
    pub name: String,
    /// The `Action` attribute: the unbound action imported.
    pub action: QualifiedName,
    /// `EntitySet`: a set of the container or a target path, canonical like
    /// [`NavigationPropertyBinding::target`].
    pub entity_set: Option<String>,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}

/// A `FunctionImport`: exposes an unbound function at `/name` of the service.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionImport {
    /// The `Name` attribute: the URL segment, unique within the container.
    pub name: String,
    /// The `Function` attribute: the unbound function (all its overloads) imported.
    pub function: QualifiedName,
    /// `EntitySet`: a set of the container or a target path, canonical like
    /// [`NavigationPropertyBinding::target`].
    pub entity_set: Option<String>,
    /// The `IncludeInServiceDocument` attribute (default `false`).
    pub include_in_service_document: bool,
    /// Annotations of the element, inline and from external `Annotations` blocks targeting it.
    pub annotations: Annotations,
    /// Where the element's start tag begins in the source document.
    pub location: Location,
}
