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
    pub line: u32,
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
    V4_0,
    V4_01,
}

impl ODataVersion {
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
    pub namespace: String,
    pub name: String,
}

impl QualifiedName {
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
    pub version: ODataVersion,
    pub references: Vec<Reference>,
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
    Entity(&'a StructuredType),
    Complex(&'a StructuredType),
    Enum(&'a EnumType),
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

    pub fn entity_type(&self, name: &QualifiedName) -> Option<&StructuredType> {
        match self.type_decl(name)? {
            TypeDecl::Entity(ty) => Some(ty),
            _ => None,
        }
    }

    pub fn entity_container(&self, name: &QualifiedName) -> Option<&EntityContainer> {
        let item = self.index.get(name)?;
        (item.kind == ItemKind::EntityContainer).then(|| &self.schemas[item.schema].entity_containers[item.item])
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
    pub entity_types: usize,
    pub complex_types: usize,
    pub enum_types: usize,
    pub type_definitions: usize,
    pub entity_sets: usize,
    pub singletons: usize,
    pub actions: usize,
    pub functions: usize,
    pub action_imports: usize,
    pub function_imports: usize,
    pub terms: usize,
    pub properties: usize,
    pub navigation_properties: usize,
}

/// An `edmx:Reference`: recorded, never fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub uri: String,
    pub includes: Vec<Include>,
    pub include_annotations: Vec<IncludeAnnotations>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Include {
    pub namespace: String,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncludeAnnotations {
    pub term_namespace: String,
    pub qualifier: Option<String>,
    pub target_namespace: Option<String>,
}

/// A `Schema` element.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub namespace: String,
    pub alias: Option<String>,
    pub entity_types: Vec<StructuredType>,
    pub complex_types: Vec<StructuredType>,
    pub enum_types: Vec<EnumType>,
    pub type_definitions: Vec<TypeDefinition>,
    pub terms: Vec<Term>,
    pub actions: Vec<Operation>,
    pub functions: Vec<Operation>,
    pub entity_containers: Vec<EntityContainer>,
    /// Annotations of the schema itself.
    pub annotations: Annotations,
    /// External `Annotations` blocks whose target this model does not hold: a target in a
    /// referenced document (such as a vocabulary), or a path below a member
    /// (`Namespace.Type/property/subproperty`, a type cast). Blocks targeting an element of this
    /// document are merged into that element's annotations instead.
    pub external_annotations: Vec<ExternalAnnotations>,
    pub location: Location,
}

/// An `Annotations` element kept as written (see [`Schema::external_annotations`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalAnnotations {
    pub target: String,
    pub qualifier: Option<String>,
    /// The annotations in raw form; the block's qualifier is already applied to each.
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StructuredKind {
    Entity,
    Complex,
}

/// An `EntityType` or a `ComplexType`: they share their members.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuredType {
    pub name: String,
    pub kind: StructuredKind,
    pub base_type: Option<QualifiedName>,
    pub is_abstract: bool,
    pub open_type: bool,
    pub has_stream: bool,
    /// The declared `Key` (empty for complex types and for entity types inheriting their key;
    /// see [`Model::effective_key`]).
    pub key: Vec<PropertyRef>,
    pub properties: Vec<Property>,
    pub navigation_properties: Vec<NavigationProperty>,
    pub annotations: Annotations,
    pub location: Location,
}

impl StructuredType {
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// A `PropertyRef` of a key: a property name or a path into complex properties, with an alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyRef {
    pub name: String,
    pub alias: Option<String>,
}

/// The type of a property, parameter, return value or term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeRef {
    /// `Collection(...)`.
    pub collection: bool,
    pub target: TypeTarget,
}

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
    Max,
    Length(u64),
}

/// `Scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    Digits(u32),
    Variable,
    Floating,
}

/// `SRID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Srid {
    Id(u32),
    Variable,
}

/// The type facets of a property, parameter, return type, term or type definition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Facets {
    pub max_length: Option<MaxLength>,
    pub precision: Option<u32>,
    pub scale: Option<Scale>,
    pub srid: Option<Srid>,
    pub unicode: Option<bool>,
}

/// A structural `Property`.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub ty: TypeRef,
    /// `Nullable` (default `true`); for a collection it is about its items.
    pub nullable: bool,
    pub facets: Facets,
    pub default_value: Option<String>,
    pub annotations: Annotations,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnDeleteAction {
    Cascade,
    None,
    SetNull,
    SetDefault,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferentialConstraint {
    pub property: String,
    pub referenced_property: String,
}

/// A `NavigationProperty`.
#[derive(Debug, Clone, PartialEq)]
pub struct NavigationProperty {
    pub name: String,
    /// Always an entity type (possibly a collection of them).
    pub ty: TypeRef,
    pub nullable: bool,
    pub partner: Option<String>,
    pub contains_target: bool,
    pub on_delete: Option<OnDeleteAction>,
    pub referential_constraints: Vec<ReferentialConstraint>,
    pub annotations: Annotations,
    pub location: Location,
}

/// An `EnumType`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    pub name: String,
    /// `UnderlyingType`: one of Byte, SByte, Int16, Int32 (the default) and Int64.
    pub underlying_type: EdmType,
    pub is_flags: bool,
    pub members: Vec<EnumMember>,
    pub annotations: Annotations,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumMember {
    pub name: String,
    /// The declared `Value`, or the implicit one (the member's position, starting at 0).
    pub value: i64,
    pub annotations: Annotations,
    pub location: Location,
}

/// A `TypeDefinition`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDefinition {
    pub name: String,
    pub underlying_type: EdmType,
    pub facets: Facets,
    pub annotations: Annotations,
    pub location: Location,
}

/// A `Term`.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub name: String,
    pub ty: TypeRef,
    pub base_term: Option<QualifiedName>,
    pub nullable: bool,
    pub default_value: Option<String>,
    pub applies_to: Vec<String>,
    pub facets: Facets,
    pub annotations: Annotations,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    Action,
    Function,
}

/// An `Action` or a `Function` (one overload).
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub name: String,
    pub kind: OperationKind,
    pub is_bound: bool,
    /// Functions only.
    pub is_composable: bool,
    pub entity_set_path: Option<String>,
    pub parameters: Vec<Parameter>,
    pub return_type: Option<ReturnType>,
    pub annotations: Annotations,
    pub location: Location,
}

impl Operation {
    /// The operation with its parameter types, `name(Type1,Type2)`, which tells overloads apart
    /// (the form annotation targets use).
    pub fn signature(&self) -> String {
        let params: Vec<String> = self.parameters.iter().map(|p| p.ty.to_string()).collect();
        format!("{}({})", self.name, params.join(","))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub ty: TypeRef,
    pub nullable: bool,
    pub facets: Facets,
    pub annotations: Annotations,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReturnType {
    pub ty: TypeRef,
    pub nullable: bool,
    pub facets: Facets,
}

/// An `EntityContainer`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityContainer {
    pub name: String,
    pub extends: Option<QualifiedName>,
    pub entity_sets: Vec<EntitySet>,
    pub singletons: Vec<Singleton>,
    pub action_imports: Vec<ActionImport>,
    pub function_imports: Vec<FunctionImport>,
    pub annotations: Annotations,
    pub location: Location,
}

/// A `NavigationPropertyBinding`: the navigation property at `path` leads into `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavigationPropertyBinding {
    pub path: String,
    /// The target path as written, with the container qualified by its namespace when it names
    /// one (`Namespace.Container/set`).
    pub target: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EntitySet {
    pub name: String,
    pub entity_type: QualifiedName,
    pub include_in_service_document: bool,
    pub navigation_property_bindings: Vec<NavigationPropertyBinding>,
    pub annotations: Annotations,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Singleton {
    pub name: String,
    pub entity_type: QualifiedName,
    pub navigation_property_bindings: Vec<NavigationPropertyBinding>,
    pub annotations: Annotations,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionImport {
    pub name: String,
    pub action: QualifiedName,
    /// `EntitySet`: a set of the container or a target path, canonical like
    /// [`NavigationPropertyBinding::target`].
    pub entity_set: Option<String>,
    pub annotations: Annotations,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionImport {
    pub name: String,
    pub function: QualifiedName,
    /// `EntitySet`: a set of the container or a target path, canonical like
    /// [`NavigationPropertyBinding::target`].
    pub entity_set: Option<String>,
    pub include_in_service_document: bool,
    pub annotations: Annotations,
    pub location: Location,
}
