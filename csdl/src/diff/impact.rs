//! The impact rules: what a change of one kind of element does to the generated Rust crate.
//!
//! This is the only place that decides an impact or words a reason; the comparison only states
//! facts. The rules follow how the generator (`codegen`) maps CSDL to Rust:
//!
//! - entity and complex types are `#[non_exhaustive]` structs with one `pub` field per property,
//!   inherited ones included; a single-valued property is `Option<T>` when nullable (absent
//!   means `None`) and `T` otherwise; a collection is always `Vec<T>` (absent means
//!   empty, nulls inside are not modelled); a navigation property is always `Option<T>` or
//!   `Vec<T>` (present only when expanded);
//! - enums are `#[non_exhaustive]`, have a catch-all `UnrecognizedValue(String)` variant, travel by member name, and
//!   report values as `i64`; flags enums are used as `edm::Flags<E>`;
//! - type definitions are newtypes over the Rust type of their underlying type;
//! - each entity set has a module, a `Collections` accessor and `EntitySet::KEY`;
//! - `Abstract`, `OpenType`, `HasStream`, `ContainsTarget` and facets change nothing in Rust;
//! - descriptions become doc comments and a `Core.Revisions` deprecation `#[deprecated]`.
//!
//! Singletons, actions and functions are not generated yet; their rules are the ones they will
//! have as accessors and methods (removal and signature changes break, additions do not).

use super::{ChangeKind, Impact, Item};

/// What was found to differ, in the terms the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fact {
    /// The element is only in the new model; `shape` for a property or navigation property.
    Added {
        shape: Option<Shape>,
    },
    /// The element is only in the old model.
    Removed,
    /// The type is now another kind of type (entity, complex, enum, type definition).
    Kind,
    BaseType,
    /// A boolean attribute of a type, with its new value.
    Flag {
        flag: Flag,
        now: bool,
    },
    UnderlyingType,
    Facets,
    /// The type of a property or navigation property.
    Type,
    /// `Nullable`, with its new value; `collection` when the member is a collection.
    Nullable {
        now: bool,
        collection: bool,
    },
    ContainsTarget,
    Key,
    /// The value of an enum member.
    Value,
    /// The entity type of an entity set or singleton.
    EntityType,
    /// Parameters or return type of an action or function overload.
    Signature,
    Annotation {
        kind: ChangeKind,
        term: Term,
    },
}

/// What decides the Rust type of a property or navigation property's field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    pub nullable: bool,
    pub collection: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flag {
    Abstract,
    Open,
    HasStream,
    IsFlags,
}

/// What an annotation change means for the generated docs and attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Term {
    /// `Core.Description` or `Core.LongDescription`.
    Description,
    /// `Core.Revisions`, with whether a `Deprecated` revision appeared (`Some(true)`),
    /// disappeared (`Some(false)`) or neither.
    Revisions {
        deprecated: Option<bool>,
    },
    Other,
}

impl Fact {
    pub(super) fn kind(self) -> ChangeKind {
        match self {
            Fact::Added { .. } => ChangeKind::Added,
            Fact::Removed => ChangeKind::Removed,
            Fact::Annotation { kind, .. } => kind,
            _ => ChangeKind::Changed,
        }
    }
}

/// The impact of a change, and why.
pub(super) fn assess(item: Item, fact: Fact) -> (Impact, &'static str) {
    use Impact::{Breaking, Docs};
    match fact {
        Fact::Added { shape } => added(item, shape),
        Fact::Removed => (Breaking, removed(item)),
        Fact::Kind => (Breaking, "the type changed kind, so its Rust item changes shape (struct, enum or newtype)"),
        Fact::BaseType => (Breaking, "the base type changed, so the struct's inherited (flattened) fields change"),
        Fact::Flag { flag, now } => flag_changed(flag, now),
        Fact::UnderlyingType if item == Item::EnumType => {
            (Docs, "members travel by name and EnumMember::value() is i64 whatever the underlying type")
        }
        Fact::UnderlyingType => (Breaking, "the underlying type changed, so the newtype wraps a different Rust type"),
        Fact::Facets => {
            (Docs, "facets (MaxLength, Precision, Scale, SRID, Unicode) do not change the generated Rust type")
        }
        Fact::Type => (Breaking, "the type changed, so the field's Rust type changes"),
        Fact::Nullable { .. } if item == Item::NavigationProperty => {
            (Docs, "a navigation field is Option<T> or Vec<T> (present when expanded) whatever Nullable says")
        }
        Fact::Nullable { collection: true, .. } => {
            (Docs, "a collection field is Vec<T> whatever Nullable says (nulls inside are not modelled)")
        }
        Fact::Nullable { now: false, .. } => {
            (Breaking, "nullable became non-nullable: a field type changes from Option<T> to T")
        }
        Fact::Nullable { now: true, .. } => {
            (Breaking, "non-nullable became nullable: a field type changes from T to Option<T>")
        }
        Fact::ContainsTarget => (Docs, "containment does not change the navigation field (Option<T> or Vec<T>)"),
        Fact::Key => (Breaking, "the row identity changed: EntitySet::KEY names other properties"),
        Fact::Value => (Breaking, "the member's number changed: EnumMember::value() returns another value"),
        Fact::EntityType => (Breaking, "the entity type changed, so the rows decode into a different struct"),
        Fact::Signature => (Breaking, "the signature changed, so the method's parameters or return type change"),
        Fact::Annotation { term, .. } => (Docs, annotation(term)),
    }
}

fn added(item: Item, shape: Option<Shape>) -> (Impact, &'static str) {
    use Impact::{Additive, Breaking};
    match (item, shape) {
        (Item::EntitySet, _) => {
            (Additive, "a new entity set adds a module and a Collections accessor; existing code is unaffected")
        }
        (Item::Singleton, _) => (Additive, "a new singleton adds an accessor; existing code is unaffected"),
        (Item::EntityType | Item::ComplexType | Item::EnumType | Item::TypeDefinition, _) => {
            (Additive, "a new type adds a Rust item; existing code is unaffected")
        }
        (Item::NavigationProperty, _) => {
            (Additive, "a new Option<T>/Vec<T> field (present when expanded) of a #[non_exhaustive] struct")
        }
        (Item::Property, Some(Shape { collection: true, .. })) => {
            (Additive, "a new Vec<T> field (absent means empty) of a #[non_exhaustive] struct")
        }
        (Item::Property, Some(Shape { nullable: false, .. })) => {
            (Additive, "a new field of type T of a #[non_exhaustive] struct (responses must now carry it)")
        }
        (Item::Property, _) => {
            (Additive, "a new Option<T> field of a #[non_exhaustive] struct: decoding is unaffected")
        }
        (Item::EnumMember, _) => (
            Additive,
            "a new variant of a #[non_exhaustive] enum: values that decoded into UnrecognizedValue now get their own",
        ),
        (Item::Action | Item::Function, _) => (Additive, "a new operation adds a method; existing code is unaffected"),
        (Item::Key, _) => (Breaking, "the row identity changed: EntitySet::KEY names other properties"),
        (Item::Annotation, _) => (Impact::Docs, annotation(Term::Other)),
    }
}

fn removed(item: Item) -> &'static str {
    match item {
        Item::EntitySet => "the entity set's module and Collections accessor disappear",
        Item::Singleton => "the singleton's accessor disappears",
        Item::EntityType | Item::ComplexType | Item::EnumType | Item::TypeDefinition => {
            "the generated type disappears, and every use of it breaks"
        }
        Item::Property | Item::NavigationProperty => "the struct field disappears",
        Item::EnumMember => "the enum variant disappears, and code naming it breaks",
        Item::Action | Item::Function => "the operation's method disappears",
        Item::Key => "the row identity changed: EntitySet::KEY names other properties",
        Item::Annotation => annotation(Term::Other),
    }
}

fn flag_changed(flag: Flag, now: bool) -> (Impact, &'static str) {
    use Impact::{Breaking, Docs};
    match (flag, now) {
        (Flag::Abstract, _) => (Docs, "the generated struct is the same whether or not the type is abstract"),
        (Flag::Open, _) => (Docs, "dynamic properties are not modelled, so the generated struct does not change"),
        (Flag::HasStream, _) => (Docs, "media streams are not modelled, so the generated struct does not change"),
        (Flag::IsFlags, true) => (Breaking, "the enum became a flags enum: its fields change from E to edm::Flags<E>"),
        (Flag::IsFlags, false) => {
            (Breaking, "the enum is no longer a flags enum: its fields change from edm::Flags<E> to E")
        }
    }
}

fn annotation(term: Term) -> &'static str {
    match term {
        Term::Description => "only the generated doc comment changes",
        Term::Revisions { deprecated: Some(true) } => "adds #[deprecated]: a compiler warning, not an error",
        Term::Revisions { deprecated: Some(false) } => "removes #[deprecated]: only a warning goes away",
        Term::Revisions { deprecated: None } => "revision notes only change the generated documentation",
        Term::Other => "annotations describe the service, not the generated Rust types",
    }
}
