//! Schema diff: two resolved [`Model`]s in, the list of semantic changes between them out, each
//! with its impact on the generated Rust crate (`breaking`, `additive` or `docs`) and a one-line
//! reason.
//!
//! The comparison works on the resolved models, never on the text: elements are matched by
//! qualified name, so reordering elements, reformatting, renaming a namespace alias or moving a
//! description from an inline `Annotation` to an external `Annotations` block changes nothing.
//! Pure: no I/O, deterministic output (changes sorted by path, item, kind, then values).
//!
//! # What is compared
//!
//! | item | path | compared |
//! |---|---|---|
//! | `entity_set`, `singleton` | `Namespace.Container/name` | existence, entity type |
//! | `entity_type`, `complex_type` | `Namespace.Type` | existence, kind, base type, `Abstract`, `OpenType`, `HasStream` |
//! | `enum_type` | `Namespace.Type` | existence, kind, `UnderlyingType`, `IsFlags` |
//! | `type_definition` | `Namespace.Type` | existence, kind, `UnderlyingType`, facets |
//! | `property`, `navigation_property` | `Namespace.Type/name` | existence, type, `Nullable`, facets, `ContainsTarget` |
//! | `key` | `Namespace.Type` | the effective key (inherited if not declared), in order |
//! | `enum_member` | `Namespace.Type/name` | existence, value |
//! | `action`, `function` | `Namespace.Name` | existence, signature (per overload) |
//! | `annotation` | element path + `@Term` (+ `#Qualifier`) | existence, value |
//!
//! Members are compared on the type that declares them (a property added to a base type is one
//! change, not one per derived type). A type whose kind changes (say entity to complex) is
//! reported once, without comparing its members. Overloads of an action or function are matched
//! by their binding parameter type (unbound ones share one group), then by their set of
//! parameter names; an overload left without a partner is added or removed. The old/new value of
//! an operation change is its signature, which tells overloads apart.
//!
//! Annotation paths use the element's path (the schema namespace for schema annotations, the
//! container's qualified name for container annotations, `Namespace.Name(Type,...)` for an
//! operation overload in CSDL target syntax, `.../parameter` for a parameter, the target as
//! written for annotations of elements outside the document) followed by `@` and the term's
//! qualified name. Annotations are compared only on elements present in both models.
//!
//! Not compared (no effect on the generated types): namespace aliases, references, terms,
//! action and function imports, navigation property bindings, partners, referential
//! constraints, `OnDelete`, default values and `EntitySetPath`.
//!
//! # Impact
//!
//! The rules live in one place (`impact::assess`) and follow how the generator maps CSDL to
//! Rust (see that module): `#[non_exhaustive]` structs with `pub` fields, `Option<T>` for a
//! nullable single value, `Vec<T>` for every collection, `Option<T>`/`Vec<T>` for every
//! navigation property, `#[non_exhaustive]` enums with an `UnrecognizedValue` catch-all,
//! newtypes for type definitions, a module and accessor per entity set.
//!
//! | change | impact |
//! |---|---|
//! | anything removed (entity set, singleton, type, property, navigation property, enum member, operation overload) | breaking |
//! | entity set, singleton, type or operation added | additive |
//! | property or navigation property added, whatever its type (a new field of a `#[non_exhaustive]` struct) | additive |
//! | enum member added (it used to decode into the catch-all variant) | additive |
//! | property or navigation property type changed | breaking |
//! | single-valued property nullability changed, either way (`Option<T>` ↔ `T`) | breaking |
//! | collection or navigation property nullability changed (the Rust type stays) | docs |
//! | effective key changed (`EntitySet::KEY`, row identity) | breaking |
//! | entity type of an entity set or singleton changed | breaking |
//! | type kind or base type changed (inherited fields are flattened into the struct) | breaking |
//! | `IsFlags` changed (`E` ↔ `edm::Flags<E>`) | breaking |
//! | enum member value changed (`EnumMember::value()`) | breaking |
//! | type definition underlying type changed (the newtype's inner type) | breaking |
//! | action or function signature changed | breaking |
//! | enum underlying type changed (values are `i64`, members travel by name) | docs |
//! | `Abstract`, `OpenType`, `HasStream`, `ContainsTarget` or facets changed (not used by the generator) | docs |
//! | annotation added, removed or changed, `Core.Revisions` deprecation included (adds `#[deprecated]`, a warning) | docs |
//!
//! The one change only the generator's layout can see, an entity type that moves module (a second
//! entity set starts using it), is `codegen::diff`'s.

mod compare;
mod describe;
mod impact;
mod render;

use std::fmt;

use serde::Serialize;

use crate::{Model, QualifiedName};

/// Compares two resolved models: what changed from `old` to `new`.
pub fn compare(old: &Model, new: &Model) -> Diff {
    Diff::new(compare::changes(old, new))
}

/// The result of [`compare`]: serialises to
/// `{"summary": {"breaking": N, "additive": N, "docs": N}, "changes": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// How many of `changes` there are of each impact.
    pub summary: Summary,
    /// Sorted by path, item, kind, then old and new values.
    pub changes: Vec<Change>,
}

/// How many changes there are of each impact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Changes that may stop existing code compiling or decoding ([`Impact::Breaking`]).
    pub breaking: usize,
    /// Changes that only add API ([`Impact::Additive`]).
    pub additive: usize,
    /// Changes with no API effect ([`Impact::Docs`]).
    pub docs: usize,
}

impl Summary {
    fn of(changes: &[Change]) -> Summary {
        let mut summary = Summary::default();
        for change in changes {
            *summary.count_mut(change.impact) += 1;
        }
        summary
    }

    /// The number of changes with this impact.
    pub fn count(&self, impact: Impact) -> usize {
        match impact {
            Impact::Breaking => self.breaking,
            Impact::Additive => self.additive,
            Impact::Docs => self.docs,
        }
    }

    fn count_mut(&mut self, impact: Impact) -> &mut usize {
        match impact {
            Impact::Breaking => &mut self.breaking,
            Impact::Additive => &mut self.additive,
            Impact::Docs => &mut self.docs,
        }
    }
}

/// One semantic change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Whether the element was added, removed, or changed in one aspect.
    pub kind: ChangeKind,
    /// The kind of element at `path`.
    pub item: Item,
    /// The element the change is about (for an annotation, the annotated element), as data:
    /// what callers match on, never `path`.
    #[serde(skip)]
    pub target: Target,
    /// `Namespace.Type`, `Namespace.Type/member`, `Namespace.Container/set`, `Namespace.Name`
    /// (operations), or an element path followed by `@Term` (annotations): `target` written out,
    /// for people.
    pub path: String,
    /// The old value of what changed (`null` when added): for a `changed` change an object
    /// naming the aspect (`{"nullable": true}`), for a removed element its description.
    pub old: serde_json::Value,
    /// The new value (`null` when removed), shaped like `old`.
    pub new: serde_json::Value,
    /// The effect on the generated crate, per the rules in the module docs.
    pub impact: Impact,
    /// Why the change has this impact on the generated crate, in one line.
    pub reason: String,
}

/// The element a [`Change`] is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A schema, by namespace (its own annotations).
    Schema(String),
    /// A type declaration (entity, complex, enum or type definition).
    Type(QualifiedName),
    /// A member of a type: a property or navigation property of the type that declares it, or an
    /// enum member.
    Member {
        /// The declaring type.
        owner: QualifiedName,
        /// The member's name.
        name: String,
    },
    /// An entity container (its own annotations).
    Container(QualifiedName),
    /// An entity set or singleton of a container.
    ContainerMember {
        /// The container.
        container: QualifiedName,
        /// The entity set's or singleton's name.
        name: String,
    },
    /// An action or function (all overloads of the name, and their parameters).
    Operation(QualifiedName),
    /// An element outside the document, as its annotation target is written.
    External(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Schema(namespace) => f.write_str(namespace),
            Target::Type(name) | Target::Container(name) | Target::Operation(name) => write!(f, "{name}"),
            Target::Member { owner, name } => write!(f, "{owner}/{name}"),
            Target::ContainerMember { container, name } => write!(f, "{container}/{name}"),
            Target::External(target) => f.write_str(target),
        }
    }
}

impl Target {
    /// The type this target is or is part of, if any.
    pub fn type_name(&self) -> Option<&QualifiedName> {
        match self {
            Target::Type(name) | Target::Member { owner: name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Whether a change adds, removes or modifies an element; serialises as `added`, `removed`, `changed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The element exists only in the new model; `old` is `null`.
    Added,
    /// The element exists only in the old model; `new` is `null`.
    Removed,
    /// The element exists in both models and one compared aspect differs (`old` and `new` name it).
    Changed,
}

impl ChangeKind {
    /// The JSON name (`added`, `removed`, `changed`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// What kind of element changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    /// An `EntitySet` of an entity container, at `Namespace.Container/name`.
    EntitySet,
    /// A `Singleton` of an entity container, at `Namespace.Container/name`.
    Singleton,
    /// An `EntityType`, at `Namespace.Type`.
    EntityType,
    /// A `ComplexType`, at `Namespace.Type`.
    ComplexType,
    /// An `EnumType`, at `Namespace.Type`.
    EnumType,
    /// A `TypeDefinition`, at `Namespace.Type`.
    TypeDefinition,
    /// A structural `Property`, at `Namespace.Type/name` of its declaring type.
    Property,
    /// A `NavigationProperty`, at `Namespace.Type/name` of its declaring type.
    NavigationProperty,
    /// The effective key of an entity type (declared or inherited), at `Namespace.Type`.
    Key,
    /// A `Member` of an enum type, at `Namespace.Type/name`.
    EnumMember,
    /// An `Action` overload, at `Namespace.Name`.
    Action,
    /// A `Function` overload, at `Namespace.Name`.
    Function,
    /// An annotation, at the annotated element's path followed by `@Term` (and `#Qualifier`).
    Annotation,
}

impl Item {
    /// Every item, in sort order.
    pub const ALL: [Item; 13] = [
        Item::EntitySet,
        Item::Singleton,
        Item::EntityType,
        Item::ComplexType,
        Item::EnumType,
        Item::TypeDefinition,
        Item::Property,
        Item::NavigationProperty,
        Item::Key,
        Item::EnumMember,
        Item::Action,
        Item::Function,
        Item::Annotation,
    ];

    /// The JSON name (`entity_set`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Item::EntitySet => "entity_set",
            Item::Singleton => "singleton",
            Item::EntityType => "entity_type",
            Item::ComplexType => "complex_type",
            Item::EnumType => "enum_type",
            Item::TypeDefinition => "type_definition",
            Item::Property => "property",
            Item::NavigationProperty => "navigation_property",
            Item::Key => "key",
            Item::EnumMember => "enum_member",
            Item::Action => "action",
            Item::Function => "function",
            Item::Annotation => "annotation",
        }
    }

    /// The plural in words (`entity sets`), for headings.
    pub fn plural(self) -> &'static str {
        match self {
            Item::EntitySet => "entity sets",
            Item::Singleton => "singletons",
            Item::EntityType => "entity types",
            Item::ComplexType => "complex types",
            Item::EnumType => "enum types",
            Item::TypeDefinition => "type definitions",
            Item::Property => "properties",
            Item::NavigationProperty => "navigation properties",
            Item::Key => "keys",
            Item::EnumMember => "enum members",
            Item::Action => "actions",
            Item::Function => "functions",
            Item::Annotation => "annotations",
        }
    }
}

/// The effect of a change on the generated crate's public API. Ordered: `Docs < Additive <
/// Breaking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// No API change (documentation, attributes, warnings).
    Docs,
    /// New API; existing code keeps compiling and working (a minor version).
    Additive,
    /// Existing code may stop compiling or decoding (a major version).
    Breaking,
}

impl Impact {
    /// Most severe first, the order reports use.
    pub const BY_SEVERITY: [Impact; 3] = [Impact::Breaking, Impact::Additive, Impact::Docs];

    /// The JSON name (`breaking`, `additive`, `docs`).
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Breaking => "breaking",
            Impact::Additive => "additive",
            Impact::Docs => "docs",
        }
    }
}

impl Diff {
    /// The diff of these changes, sorted (by path, item, kind, then old and new values) and
    /// counted: for callers that add changes of their own to those of [`compare`].
    pub fn new(mut changes: Vec<Change>) -> Diff {
        changes.sort_by(|a, b| {
            (&a.path, a.item, a.kind)
                .cmp(&(&b.path, b.item, b.kind))
                .then_with(|| a.old.to_string().cmp(&b.old.to_string()))
                .then_with(|| a.new.to_string().cmp(&b.new.to_string()))
        });
        Diff { summary: Summary::of(&changes), changes }
    }

    /// Whether the two models are the same as far as the comparison goes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The most severe impact of any change; `None` when nothing changed.
    pub fn worst(&self) -> Option<Impact> {
        self.changes.iter().map(|c| c.impact).max()
    }

    /// The changes with this impact, in order.
    pub fn with_impact(&self, impact: Impact) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.impact == impact)
    }

    /// `{"summary": {...}, "changes": [...]}`, pretty-printed.
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).expect("a diff serialises to JSON")
    }

    /// A summary line, then the changes grouped by impact, two lines each (what, then why).
    pub fn to_text(&self) -> String {
        render::text(self)
    }

    /// A pull-request comment: a summary line, then one table per impact.
    pub fn to_markdown(&self) -> String {
        render::markdown(self)
    }

    /// Plain text for release notes comparing two versions of one service: what only
    /// `new_label` has, what only `old_label` has, and what differs.
    pub fn to_comparison_text(&self, old_label: &str, new_label: &str) -> String {
        render::comparison_text(self, old_label, new_label)
    }

    /// Markdown form of [`Diff::to_comparison_text`], for a README or release notes.
    pub fn to_comparison_markdown(&self, old_label: &str, new_label: &str) -> String {
        render::comparison_markdown(self, old_label, new_label)
    }
}
