//! The service profile's rules: which entity sets a rule applies to.

use crate::csdl::{Property, TypeTarget};
use crate::options::Condition;

/// Whether a profile rule's condition holds for an entity set with this key and these properties.
pub(super) fn rule_applies(condition: &Condition, key: &[String], properties: &[&Property]) -> bool {
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
