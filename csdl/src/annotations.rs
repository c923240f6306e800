//! Annotations: the Core and Capabilities terms the generator uses, in typed form, and every other
//! annotation as its raw value.

use std::collections::BTreeMap;

/// The namespace of the OASIS Core vocabulary.
pub const CORE: &str = "Org.OData.Core.V1";
/// The namespace of the OASIS Capabilities vocabulary.
pub const CAPABILITIES: &str = "Org.OData.Capabilities.V1";

/// The annotations applied to one model element, inline or through an external `Annotations` block.
///
/// Unqualified annotations of the well-known Core terms and the `Capabilities.*Restrictions` terms
/// are kept in typed form; every other annotation (including qualified variants of those terms) is
/// kept in [`Annotations::other`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotations {
    /// `Core.Description`.
    pub description: Option<String>,
    /// `Core.LongDescription`.
    pub long_description: Option<String>,
    /// `Core.Computed`.
    pub computed: bool,
    /// `Core.Immutable`.
    pub immutable: bool,
    /// `Core.Permissions`.
    pub permissions: Option<Permissions>,
    /// `Core.Revisions`.
    pub revisions: Vec<Revision>,
    /// `Capabilities.*Restrictions`, by term name without the namespace (e.g. `FilterRestrictions`).
    pub restrictions: BTreeMap<String, Restrictions>,
    /// Every other annotation, in document order.
    pub other: Vec<Annotation>,
}

impl Annotations {
    /// Whether the element carries no annotation at all, typed or raw.
    pub fn is_empty(&self) -> bool {
        *self == Annotations::default()
    }

    /// The first `Deprecated` revision, if the element is deprecated.
    pub fn deprecation(&self) -> Option<&Revision> {
        self.revisions.iter().find(|r| r.kind == RevisionKind::Deprecated)
    }

    /// `Core.OptionalParameter` (raw, with its default value if any): a parameter that callers
    /// may leave out.
    pub fn is_optional_parameter(&self) -> bool {
        self.other.iter().any(|a| a.qualifier.is_none() && a.term == format!("{CORE}.OptionalParameter"))
    }

    /// `Capabilities.FilterRestrictions`.
    pub fn filter_restrictions(&self) -> Option<&Restrictions> {
        self.restrictions.get("FilterRestrictions")
    }

    /// Applies one annotation: typed when its term is a known one, raw otherwise. A later
    /// annotation of the same typed term replaces an earlier one (external annotations are applied
    /// after inline ones).
    pub(crate) fn apply(&mut self, annotation: Annotation) {
        if annotation.qualifier.is_none() {
            if let Some(term) = annotation.term.strip_prefix(CORE).and_then(|t| t.strip_prefix('.'))
                && self.apply_core(term, &annotation.value)
            {
                return;
            }
            if let Some(term) = annotation.term.strip_prefix(CAPABILITIES).and_then(|t| t.strip_prefix('.'))
                && term.ends_with("Restrictions")
                && let Some(restrictions) = Restrictions::from_value(&annotation.value)
            {
                self.restrictions.insert(term.to_owned(), restrictions);
                return;
            }
        }
        self.other.push(annotation);
    }

    fn apply_core(&mut self, term: &str, value: &Value) -> bool {
        match (term, value) {
            ("Description", Value::String(text)) => self.description = Some(text.clone()),
            ("LongDescription", Value::String(text)) => self.long_description = Some(text.clone()),
            ("Computed", value) => match value.as_tag() {
                Some(flag) => self.computed = flag,
                None => return false,
            },
            ("Immutable", value) => match value.as_tag() {
                Some(flag) => self.immutable = flag,
                None => return false,
            },
            ("Permissions", Value::EnumMember(members)) => match Permissions::from_members(members) {
                Some(permissions) => self.permissions = Some(permissions),
                None => return false,
            },
            ("Revisions", Value::Collection(items)) => {
                let revisions: Option<Vec<Revision>> = items.iter().map(Revision::from_value).collect();
                match revisions {
                    Some(revisions) => self.revisions = revisions,
                    None => return false,
                }
            }
            _ => return false,
        }
        true
    }
}

/// One annotation in raw form.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// The term, qualified by its namespace (never by an alias).
    pub term: String,
    /// The `Qualifier` attribute (of the annotation, or of the external `Annotations` block holding it): tells apart
    /// several applications of one term, e.g. per device or audience.
    pub qualifier: Option<String>,
    /// The annotation's expression, from an attribute (`String="..."`) or a child element.
    pub value: Value,
}

/// The kind of a constant expression that is kept as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConstantKind {
    /// `Binary`: base64url-encoded bytes.
    Binary,
    /// `Date`: `YYYY-MM-DD`.
    Date,
    /// `DateTimeOffset`: an ISO 8601 timestamp with a time-zone offset.
    DateTimeOffset,
    /// `Decimal`: kept as text so no precision is lost.
    Decimal,
    /// `Duration`: an ISO 8601 duration such as `P1DT2H`.
    Duration,
    /// `Float`: a double-precision number, kept as text (may be `INF`, `-INF` or `NaN`).
    Float,
    /// `Guid`: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    Guid,
    /// `TimeOfDay`: `hh:mm:ss` with optional fractional seconds.
    TimeOfDay,
}

/// The kind of a path expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathKind {
    /// `Path`: a path whose value is the expression's value (any target).
    Path,
    /// `AnnotationPath`: a path ending in `@Term`, naming an annotation.
    AnnotationPath,
    /// `ModelElementPath`: a path naming any model element.
    ModelElementPath,
    /// `NavigationPropertyPath`: a path ending in a navigation property.
    NavigationPropertyPath,
    /// `PropertyPath`: a path ending in a structural property.
    PropertyPath,
}

/// The value of an annotation: a constant, a path, a record, a collection or a dynamic expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A tag term without a value (`<Annotation Term="Core.Computed"/>`): means `true`.
    Default,
    /// The `Null` expression.
    Null,
    /// A `Bool` constant (`true` or `false`).
    Bool(bool),
    /// An `Int` constant, read as a 64-bit integer.
    Int(i64),
    /// A `String` constant, with its text exactly as written.
    String(String),
    /// Any other constant expression (`Date`, `Decimal`, `Guid`, ...), unparsed.
    Constant {
        /// Which constant expression it was written as.
        kind: ConstantKind,
        /// The constant's text as written (trimmed when written as an element).
        text: String,
    },
    /// Enum members, each as `Namespace.EnumType/Member` with the namespace resolved.
    EnumMember(Vec<String>),
    /// A path expression (`Path`, `PropertyPath`, `AnnotationPath`, ...), unresolved.
    Path {
        /// Which path expression it was written as.
        kind: PathKind,
        /// The path as written, `/`-separated, relative to the annotated element.
        path: String,
    },
    /// A `Record` expression: a structured value made of `PropertyValue` children.
    Record {
        /// The `Type` attribute, namespace-qualified with aliases resolved; `None` when the term's type implies it.
        ty: Option<String>,
        /// The `PropertyValue` children as `(Property, value)` pairs, in document order.
        properties: Vec<(String, Value)>,
    },
    /// A `Collection` expression: its items in document order (invalid items are dropped).
    Collection(Vec<Value>),
    /// Any other expression (`Apply`, `If`, `Eq`, `LabeledElement`, `UrlRef`, ...), kept by its
    /// element name, attributes and child expressions.
    Dynamic {
        /// The expression's element name (`Apply`, `If`, `UrlRef`, ...).
        element: String,
        /// The element's unprefixed attributes as `(name, value)` pairs, in document order.
        attributes: Vec<(String, String)>,
        /// The child expressions, in document order (for `UrlRef` written as an attribute, one `String`).
        operands: Vec<Value>,
    },
}

impl Value {
    /// The value of a Core tag term: no value means true.
    fn as_tag(&self) -> Option<bool> {
        match self {
            Value::Default => Some(true),
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    fn record_property(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Record { properties, .. } => properties.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// `Core.Permissions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions {
    /// `Read` (or `ReadWrite`) is among the members: the value may be read.
    pub read: bool,
    /// `Write` (or `ReadWrite`) is among the members: the value may be written.
    pub write: bool,
    /// `Invoke` is among the members: the operation may be invoked.
    pub invoke: bool,
}

impl Permissions {
    fn from_members(members: &[String]) -> Option<Permissions> {
        let mut permissions = Permissions::default();
        for member in members {
            match member.rsplit('/').next()? {
                "None" => {}
                "Read" => permissions.read = true,
                "Write" => permissions.write = true,
                "ReadWrite" => (permissions.read, permissions.write) = (true, true),
                "Invoke" => permissions.invoke = true,
                _ => return None,
            }
        }
        Some(permissions)
    }
}

/// `Core.RevisionKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionKind {
    /// `Added`: the element was added in the revision's version.
    Added,
    /// `Modified`: the element changed in the revision's version.
    Modified,
    /// `Deprecated`: the element should no longer be used and may be removed (see `removal_date`).
    Deprecated,
}

/// One entry of `Core.Revisions`.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    /// The record's `Kind` property: what happened to the element.
    pub kind: RevisionKind,
    /// The record's `Version` property: the service version in which the revision happened.
    pub version: Option<String>,
    /// The record's `Description` property: a human-readable explanation, such as what to use instead.
    pub description: Option<String>,
    /// `Date` (4.01 vocabularies and Microsoft Graph).
    pub date: Option<String>,
    /// `RemovalDate`.
    pub removal_date: Option<String>,
}

impl Revision {
    fn from_value(value: &Value) -> Option<Revision> {
        let text = |name: &str| match value.record_property(name) {
            Some(Value::String(text)) | Some(Value::Constant { text, .. }) => Some(text.clone()),
            _ => None,
        };
        let kind = match value.record_property("Kind")? {
            Value::EnumMember(members) => match members.first()?.rsplit('/').next()? {
                "Added" => RevisionKind::Added,
                "Modified" => RevisionKind::Modified,
                "Deprecated" => RevisionKind::Deprecated,
                _ => return None,
            },
            _ => return None,
        };
        Some(Revision {
            kind,
            version: text("Version"),
            description: text("Description"),
            date: text("Date"),
            removal_date: text("RemovalDate"),
        })
    }
}

/// A `Capabilities.*Restrictions` record: its boolean properties (`Filterable`, `RequiresFilter`,
/// `Sortable`, ...), its property-path lists (`NonFilterableProperties`, `RequiredProperties`, ...)
/// and everything else raw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Restrictions {
    /// The boolean properties, by property name (e.g. `Filterable` → `false`).
    pub flags: BTreeMap<String, bool>,
    /// The properties whose value is a non-empty collection of `PropertyPath`, `NavigationPropertyPath` or `Path`
    /// expressions, by property name (e.g. `NonFilterableProperties`), each path as written.
    pub property_paths: BTreeMap<String, Vec<String>>,
    /// Every other property by name, in raw form (records, empty collections, ...).
    pub other: BTreeMap<String, Value>,
}

impl Restrictions {
    fn from_value(value: &Value) -> Option<Restrictions> {
        let Value::Record { properties, .. } = value else { return None };
        let mut restrictions = Restrictions::default();
        for (name, value) in properties {
            match value {
                Value::Bool(flag) => {
                    restrictions.flags.insert(name.clone(), *flag);
                }
                Value::Collection(items) if !items.is_empty() && items.iter().all(is_property_path) => {
                    let paths = items
                        .iter()
                        .filter_map(|item| match item {
                            Value::Path { path, .. } => Some(path.clone()),
                            _ => None,
                        })
                        .collect();
                    restrictions.property_paths.insert(name.clone(), paths);
                }
                other => {
                    restrictions.other.insert(name.clone(), other.clone());
                }
            }
        }
        Some(restrictions)
    }

    /// A boolean property such as `Filterable`; absent properties take the vocabulary's default
    /// (true for the `...able` flags, false for `Requires...`), which the caller supplies.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.flags.get(name).copied()
    }

    /// A property-path list such as `NonFilterableProperties` (empty when absent).
    pub fn paths(&self, name: &str) -> &[String] {
        self.property_paths.get(name).map_or(&[], Vec::as_slice)
    }
}

fn is_property_path(value: &Value) -> bool {
    matches!(
        value,
        Value::Path { kind: PathKind::PropertyPath | PathKind::NavigationPropertyPath | PathKind::Path, .. }
    )
}
