//! CSDL types → Rust types: Edm primitives with the runtime's adapters, declared types by their
//! home, `Option`/`Vec`/`Box` around them.

use super::{Planner, RustType};
use crate::csdl::{EdmType, TypeDecl, TypeTarget};

impl Planner<'_> {
    /// Whether the type is a structured type of this document.
    fn is_structured(&self, target: &TypeTarget) -> bool {
        matches!(target, TypeTarget::Named(name) if self.model.structured_type(name).is_some())
    }

    /// A navigation property's `Prop` type: `One<T>` or `Many<T>` (raw JSON for a type this
    /// document does not declare).
    pub(super) fn navigation_prop(&self, target: &TypeTarget, collection: bool) -> RustType {
        if !self.is_structured(target) {
            return JSON;
        }
        let marker = if collection { "Many" } else { "One" };
        RustType::Marked { marker, inner: Box::new(self.type_target(target)) }
    }

    /// A structural property's `Prop` type: the field's type without `Box`, with collections of
    /// primitive or enum values marked `Values<T>`.
    pub(super) fn property_prop(&self, target: &TypeTarget, collection: bool, nullable: bool) -> RustType {
        if !collection && *target == TypeTarget::Edm(EdmType::Stream) {
            return RustType::Runtime("StreamProperty");
        }
        let element = self.type_target(target);
        match (collection, nullable) {
            (true, _) if self.is_structured(target) => RustType::Vec(Box::new(element)),
            (true, _) => RustType::Marked { marker: "Values", inner: Box::new(element) },
            (false, true) => RustType::Option(Box::new(element)),
            (false, false) => element,
        }
    }

    pub(super) fn type_target(&self, target: &TypeTarget) -> RustType {
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
}

pub const JSON: RustType = RustType::Scalar { path: "::serde_json::Value", adapter: None };

/// The Rust type of an `Edm` type; see the runtime's `edm` module for the adapters.
pub(super) fn edm_type(edm: EdmType) -> RustType {
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
pub(super) fn wrap(element: RustType, collection: bool, nullable: bool, recursive: bool) -> RustType {
    if collection {
        // A collection is never null (absent means empty); nulls inside are not modelled.
        return RustType::Vec(Box::new(element));
    }
    let element = if recursive { RustType::Box(Box::new(element)) } else { element };
    if nullable { RustType::Option(Box::new(element)) } else { element }
}
