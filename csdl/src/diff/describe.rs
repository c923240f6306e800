//! Model elements as the JSON values a [`Change`](super::Change) carries in `old` and `new`,
//! and the strings that identify operations and annotations.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json, json};

use crate::{
    Annotations, CAPABILITIES, CORE, Facets, MaxLength, Operation, OperationKind, PathKind, Permissions, Property,
    PropertyRef, Restrictions, Revision, RevisionKind, Scale, Srid, Value,
};

pub(super) const DESCRIPTION: &str = "Org.OData.Core.V1.Description";
pub(super) const LONG_DESCRIPTION: &str = "Org.OData.Core.V1.LongDescription";
pub(super) const REVISIONS: &str = "Org.OData.Core.V1.Revisions";

/// `{aspect: value}`: the old or new side of a `changed` change.
pub(super) fn aspect(name: &str, value: impl Into<Json>) -> Json {
    let mut map = Map::new();
    map.insert(name.to_owned(), value.into());
    Json::Object(map)
}

/// A structural property: its type and nullability.
pub(super) fn property(property: &Property) -> Json {
    json!({ "type": property.ty.to_string(), "nullable": property.nullable })
}

/// A key: its property paths in order, `path as alias` when aliased.
pub(super) fn key(key: &[PropertyRef]) -> Json {
    key.iter()
        .map(|r| match &r.alias {
            Some(alias) => format!("{} as {alias}", r.name),
            None => r.name.clone(),
        })
        .collect()
}

/// The facets that are set, by snake-case name.
pub(super) fn facets(facets: &Facets) -> Json {
    let mut map = Map::new();
    if let Some(max_length) = facets.max_length {
        let value = match max_length {
            MaxLength::Max => json!("max"),
            MaxLength::Length(n) => json!(n),
        };
        map.insert("max_length".into(), value);
    }
    if let Some(precision) = facets.precision {
        map.insert("precision".into(), json!(precision));
    }
    if let Some(scale) = facets.scale {
        let value = match scale {
            Scale::Digits(n) => json!(n),
            Scale::Variable => json!("variable"),
            Scale::Floating => json!("floating"),
        };
        map.insert("scale".into(), value);
    }
    if let Some(srid) = facets.srid {
        let value = match srid {
            Srid::Id(n) => json!(n),
            Srid::Variable => json!("variable"),
        };
        map.insert("srid".into(), value);
    }
    if let Some(unicode) = facets.unicode {
        map.insert("unicode".into(), json!(unicode));
    }
    Json::Object(map)
}

/// `[bound ]name(param: Type[ not null], ...)[ -> Type[ not null]]`: everything a caller of the
/// generated method depends on, and enough to tell overloads apart.
pub(super) fn signature(op: &Operation) -> String {
    let not_null = |nullable: bool| if nullable { "" } else { " not null" };
    let params: Vec<String> =
        op.parameters.iter().map(|p| format!("{}: {}{}", p.name, p.ty, not_null(p.nullable))).collect();
    let bound = if op.is_bound { "bound " } else { "" };
    let returns = op.return_type.as_ref().map(|r| format!(" -> {}{}", r.ty, not_null(r.nullable))).unwrap_or_default();
    format!("{bound}{}({}){returns}", op.name, params.join(", "))
}

/// The binding parameter's type of a bound operation (`None` when unbound): overloads with the
/// same binding are told apart by their parameter names.
pub(super) fn binding(op: &Operation) -> Option<String> {
    op.is_bound.then(|| op.parameters.first().map(|p| p.ty.to_string())).flatten()
}

/// The sorted names of the parameters after the binding parameter.
pub(super) fn parameter_names(op: &Operation) -> Vec<&str> {
    let skip = usize::from(op.is_bound);
    let mut names: Vec<&str> = op.parameters.iter().skip(skip).map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    names
}

/// An overload in CSDL annotation-target syntax: `Namespace.Name` for an unbound action,
/// `Namespace.Name(BindingType)` for a bound action, `Namespace.Name(Type,...)` for a function.
pub(super) fn operation_target(qualified: &str, op: &Operation) -> String {
    let types: Vec<String> = match (op.kind, op.is_bound) {
        (OperationKind::Action, false) => return qualified.to_owned(),
        (OperationKind::Action, true) => op.parameters.iter().take(1).map(|p| p.ty.to_string()).collect(),
        (OperationKind::Function, _) => op.parameters.iter().map(|p| p.ty.to_string()).collect(),
    };
    format!("{qualified}({})", types.join(","))
}

/// Every annotation of an element by `Term` or `Term#Qualifier` (terms qualified by their
/// namespace), with its value.
pub(super) fn annotations(annotations: &Annotations) -> BTreeMap<String, Json> {
    let mut map = BTreeMap::new();
    let core = |term: &str| format!("{CORE}.{term}");
    if let Some(text) = &annotations.description {
        map.insert(DESCRIPTION.to_owned(), json!(text));
    }
    if let Some(text) = &annotations.long_description {
        map.insert(LONG_DESCRIPTION.to_owned(), json!(text));
    }
    if annotations.computed {
        map.insert(core("Computed"), json!(true));
    }
    if annotations.immutable {
        map.insert(core("Immutable"), json!(true));
    }
    if let Some(permissions) = annotations.permissions {
        map.insert(core("Permissions"), json!(permission_names(permissions)));
    }
    if !annotations.revisions.is_empty() {
        map.insert(REVISIONS.to_owned(), annotations.revisions.iter().map(revision).collect());
    }
    for (term, restrictions) in &annotations.restrictions {
        map.insert(format!("{CAPABILITIES}.{term}"), restriction(restrictions));
    }
    for annotation in &annotations.other {
        let key = match &annotation.qualifier {
            Some(qualifier) => format!("{}#{qualifier}", annotation.term),
            None => annotation.term.clone(),
        };
        map.insert(key, value(&annotation.value));
    }
    map
}

/// Whether the element carries a `Deprecated` revision.
pub(super) fn is_deprecated(annotations: &Annotations) -> bool {
    annotations.deprecation().is_some()
}

fn permission_names(permissions: Permissions) -> String {
    let names: Vec<&str> = [(permissions.read, "Read"), (permissions.write, "Write"), (permissions.invoke, "Invoke")]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect();
    if names.is_empty() { "None".to_owned() } else { names.join(" ") }
}

fn revision(revision: &Revision) -> Json {
    let kind = match revision.kind {
        RevisionKind::Added => "Added",
        RevisionKind::Modified => "Modified",
        RevisionKind::Deprecated => "Deprecated",
    };
    let mut map = Map::new();
    map.insert("Kind".into(), json!(kind));
    let fields = [
        ("Version", &revision.version),
        ("Description", &revision.description),
        ("Date", &revision.date),
        ("RemovalDate", &revision.removal_date),
    ];
    for (name, field) in fields {
        if let Some(text) = field {
            map.insert(name.into(), json!(text));
        }
    }
    Json::Object(map)
}

fn restriction(restrictions: &Restrictions) -> Json {
    let mut map = Map::new();
    for (name, flag) in &restrictions.flags {
        map.insert(name.clone(), json!(flag));
    }
    for (name, paths) in &restrictions.property_paths {
        map.insert(name.clone(), json!(paths));
    }
    for (name, other) in &restrictions.other {
        map.insert(name.clone(), value(other));
    }
    Json::Object(map)
}

/// An annotation value in the style of CSDL JSON: constants as JSON values, paths as
/// `{"$PropertyPath": ...}`, records as objects (`@type` for their type), dynamic expressions as
/// `{"$Element": [operands], attribute: value}`.
fn value(value: &Value) -> Json {
    match value {
        Value::Default => json!(true),
        Value::Null => Json::Null,
        Value::Bool(flag) => json!(flag),
        Value::Int(n) => json!(n),
        Value::String(text) | Value::Constant { text, .. } => json!(text),
        Value::EnumMember(members) => json!(members.join(" ")),
        Value::Path { kind, path } => aspect(&format!("${}", path_kind(*kind)), path.as_str()),
        Value::Record { ty, properties } => {
            let mut map = Map::new();
            if let Some(ty) = ty {
                map.insert("@type".into(), json!(ty));
            }
            for (name, property) in properties {
                map.insert(name.clone(), self::value(property));
            }
            Json::Object(map)
        }
        Value::Collection(items) => items.iter().map(self::value).collect(),
        Value::Dynamic { element, attributes, operands } => {
            let mut map = Map::new();
            map.insert(format!("${element}"), operands.iter().map(self::value).collect());
            for (name, text) in attributes {
                map.insert(name.clone(), json!(text));
            }
            Json::Object(map)
        }
    }
}

fn path_kind(kind: PathKind) -> &'static str {
    match kind {
        PathKind::Path => "Path",
        PathKind::AnnotationPath => "AnnotationPath",
        PathKind::ModelElementPath => "ModelElementPath",
        PathKind::NavigationPropertyPath => "NavigationPropertyPath",
        PathKind::PropertyPath => "PropertyPath",
    }
}
