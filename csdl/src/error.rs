//! Diagnostics of parsing and resolving a CSDL document: what is wrong, where, and whether the
//! document can still be read.
//!
//! An [`Severity::Error`] is for a document from which no faithful client can be generated (not
//! well-formed XML, not OData v4 CSDL, a contradiction without a sensible reading, beyond a size
//! limit). Every defect that mainstream OData client libraries read anyway is a
//! [`Severity::Warning`] whose message names the fallback taken.

use std::fmt;

use super::model::{Location, Model};

/// Whether a diagnostic stops the document from being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The document was read with the fallback the message names.
    Warning,
    /// The document cannot be read.
    Error,
}

impl Severity {
    /// `error` or `warning`, as printed before the message.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in a CSDL document, with its severity, line:column and element path
/// (e.g. `Schema[Trippin]/EntityType[Person]/Property[UserName]`).
///
/// Displayed as `line:column: severity: path: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {severity}: {}{kind}", path_prefix(.path))]
pub struct Diagnostic {
    /// The severity: [`DiagnosticKind::severity`] of the kind, unless promoted by
    /// [`Parsed::into_strict`].
    pub severity: Severity,
    /// What is wrong.
    pub kind: DiagnosticKind,
    /// Where the element at fault starts.
    pub location: Location,
    /// The element path; empty for diagnostics about the document as a whole.
    pub path: String,
}

impl Diagnostic {
    /// A diagnostic with the kind's own severity.
    pub fn new(kind: DiagnosticKind, location: Location, path: String) -> Self {
        Diagnostic { severity: kind.severity(), kind, location, path }
    }

    /// Whether this diagnostic stops the document from being read.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!("{path}: ") }
}

/// What is wrong. Each kind has one severity ([`DiagnosticKind::severity`]); the message of a
/// warning says what the reader did instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnosticKind {
    // ---- errors: the document cannot be read
    /// The bytes are not UTF-8.
    #[error("the document is not valid UTF-8 (invalid byte 0x{byte:02x})")]
    NotUtf8 {
        /// The first invalid byte.
        byte: u8,
    },
    /// The text is not well-formed XML (this includes DTDs, refused to rule out entity expansion).
    #[error("the document is not well-formed XML: {message}")]
    Xml {
        /// The XML parser's message.
        message: String,
    },
    /// The document is larger than [`MAX_DOCUMENT_BYTES`](super::MAX_DOCUMENT_BYTES).
    #[error("the document is larger than {limit} bytes")]
    DocumentTooLarge {
        /// The limit.
        limit: usize,
    },
    /// An element has more attributes than [`MAX_ATTRIBUTES`](super::MAX_ATTRIBUTES).
    #[error("an element with more than {limit} attributes")]
    TooManyAttributes {
        /// The limit.
        limit: usize,
    },
    /// Elements nest deeper than [`MAX_ELEMENT_DEPTH`](super::MAX_ELEMENT_DEPTH).
    #[error("elements nested deeper than {limit} levels")]
    ElementsTooDeep {
        /// The limit.
        limit: usize,
    },
    /// The root element is not `edmx:Edmx`.
    #[error(
        "the root element is <{found}>; a CSDL document starts with <edmx:Edmx> in namespace http://docs.oasis-open.org/odata/ns/edmx"
    )]
    WrongRoot {
        /// The root element's name.
        found: String,
    },
    /// An OData v1-v3 document, or v1-v3 elements in a v4 one.
    #[error(
        "OData v2/v3 metadata ({detail}) is not supported: this generator reads OData v4 CSDL (edmx:Edmx Version=\"4.0\" or \"4.01\")"
    )]
    UnsupportedODataVersion {
        /// What gave the version away.
        detail: String,
    },
    /// An `edmx:Edmx Version` that is neither 4.0 nor 4.01 nor a legacy one.
    #[error("unsupported edmx:Edmx Version \"{version}\" (expected \"4.0\" or \"4.01\")")]
    UnknownVersion {
        /// The version found.
        version: String,
    },
    /// A required attribute without which the element has no meaning.
    #[error("missing required attribute `{attribute}`")]
    MissingAttribute {
        /// The attribute.
        attribute: &'static str,
    },
    /// An attribute value that has no sensible reading.
    #[error("invalid value {value:?} for attribute `{attribute}`: expected {expected}")]
    InvalidAttribute {
        /// The attribute.
        attribute: &'static str,
        /// The value found.
        value: String,
        /// What the specification allows.
        expected: &'static str,
    },
    /// A required child element is missing.
    #[error("missing required element <{element}>")]
    MissingElement {
        /// The element.
        element: &'static str,
    },
    /// Annotation expressions nest deeper than [`MAX_EXPRESSION_DEPTH`](super::MAX_EXPRESSION_DEPTH).
    #[error("expressions nested deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// Two items of one scope share a name, so the generator could not tell them apart.
    #[error("`{name}` is declared twice (first at {first})")]
    Duplicate {
        /// The name.
        name: String,
        /// Where the first declaration is.
        first: Location,
    },
    /// A reference that must lead to a declaration of this document leads nowhere.
    #[error("unknown {what} `{name}`")]
    Unresolved {
        /// What kind of item was expected.
        what: &'static str,
        /// The name referred to.
        name: String,
    },
    /// A reference leads to an item of the wrong kind.
    #[error("`{name}` is a {found}, expected {expected}")]
    WrongKind {
        /// The name referred to.
        name: String,
        /// What it is.
        found: &'static str,
        /// What was expected.
        expected: &'static str,
    },
    /// A type is its own ancestor.
    #[error("base type cycle: {chain}")]
    BaseTypeCycle {
        /// The chain, `A -> B -> A`.
        chain: String,
    },
    /// A key names no property.
    #[error("key property `{name}` is not a property of the type or its base types")]
    KeyPropertyMissing {
        /// The key's path.
        name: String,
    },
    /// An enum member value does not fit the underlying type.
    #[error("enum member value {value} does not fit the underlying type Edm.{underlying}")]
    EnumValueOutOfRange {
        /// The value.
        value: i64,
        /// The underlying type, without `Edm.`.
        underlying: String,
    },

    // ---- warnings: read with a fallback
    /// A value written in another letter case (or `1`/`0` for a boolean): read as the standard
    /// spelling.
    #[error("value {value:?} of `{attribute}` is not spelled as the specification spells it; read as `{read_as}`")]
    ValueReadAs {
        /// The attribute.
        attribute: &'static str,
        /// The value found.
        value: String,
        /// The standard value it is read as.
        read_as: &'static str,
    },
    /// A value that cannot be read at all: the attribute is ignored, as if absent.
    #[error("invalid value {value:?} for attribute `{attribute}` (expected {expected}); {fallback}")]
    ValueIgnored {
        /// The attribute.
        attribute: &'static str,
        /// The value found.
        value: String,
        /// What the specification allows.
        expected: &'static str,
        /// What was done instead (`ignored`, `the annotation is dropped`, ...).
        fallback: &'static str,
    },
    /// An element this reader does not know, or one in a place where it has no meaning (a later
    /// CSDL version, a vendor's mistake): skipped.
    #[error("unexpected element <{element}> here; skipped")]
    UnexpectedElement {
        /// The element's name.
        element: String,
    },
    /// An attribute without a namespace that CSDL 4.01 does not define on this element (a later
    /// version's, or a vendor's mistake): ignored.
    #[error("unknown attribute `{attribute}`; ignored")]
    UnknownAttribute {
        /// The attribute's name.
        attribute: String,
    },
    /// A `NavigationProperty` without `Type` (an OData v3 habit): skipped.
    #[error("navigation property without `Type`; skipped")]
    UntypedNavigationProperty,
    /// A type name that no document declares or includes: the value is decoded as raw JSON.
    #[error("unknown type `{name}`; decoded as raw JSON (serde_json::Value)")]
    UnknownType {
        /// The type name as written.
        name: String,
    },
    /// An annotation term without a namespace: kept as a raw annotation under that name.
    #[error("annotation term `{term}` is not namespace-qualified; kept as a raw annotation")]
    UnqualifiedTerm {
        /// The term as written.
        term: String,
    },
    /// An `Annotations` target that names nothing in this document: the block is dropped.
    #[error("annotation target `{target}` does not resolve; its annotations are dropped")]
    UnresolvedAnnotationTarget {
        /// The target, its namespaces made canonical.
        target: String,
    },
    /// A `NavigationPropertyBinding` whose target or path does not resolve: dropped.
    #[error("navigation binding `{path}` -> `{target}`: {reason}; the binding is dropped")]
    UnresolvedBinding {
        /// The binding's `Path`.
        path: String,
        /// The binding's `Target`.
        target: String,
        /// Which part does not resolve.
        reason: &'static str,
    },
    /// A reference the generated client does not need (an entity set's or singleton's type, an
    /// import's operation or entity set, a container's base) leads nowhere: what depends on it is
    /// left out, as `fallback` says.
    #[error("unknown {what} `{name}`; {fallback}")]
    UnresolvedReference {
        /// What kind of item was expected.
        what: &'static str,
        /// The name referred to.
        name: String,
        /// What was left out.
        fallback: &'static str,
    },
    /// A vocabulary term declared again in the same namespace (real Microsoft Graph releases do):
    /// the first declaration is kept, as mainstream readers do.
    #[error("term `{name}` is declared again (first at {first}); the first declaration is kept")]
    DuplicateTerm {
        /// The term's qualified name.
        name: String,
        /// Where the first declaration is.
        first: Location,
    },
    /// An entity set named like one of an earlier entity container: a client reaches only the
    /// first by that name, so this one is not generated.
    #[error("entity set `{name}` is also declared in container {container} (at {first}); only that one is generated")]
    ShadowedEntitySet {
        /// The entity set's name.
        name: String,
        /// The container of the first entity set of that name.
        container: String,
        /// Where the first is declared.
        first: Location,
    },
}

impl DiagnosticKind {
    /// Whether this kind of problem stops the document from being read.
    pub fn severity(&self) -> Severity {
        use DiagnosticKind::*;
        match self {
            ValueReadAs { .. }
            | ValueIgnored { .. }
            | UnexpectedElement { .. }
            | UntypedNavigationProperty
            | UnknownAttribute { .. }
            | UnknownType { .. }
            | UnqualifiedTerm { .. }
            | UnresolvedAnnotationTarget { .. }
            | UnresolvedBinding { .. }
            | UnresolvedReference { .. }
            | ShadowedEntitySet { .. }
            | DuplicateTerm { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// A short stable name of the kind (`unknown-type`), for machine-readable output and tables.
    pub fn name(&self) -> &'static str {
        use DiagnosticKind::*;
        match self {
            NotUtf8 { .. } => "not-utf8",
            Xml { .. } => "xml",
            DocumentTooLarge { .. } => "document-too-large",
            TooManyAttributes { .. } => "too-many-attributes",
            ElementsTooDeep { .. } => "elements-too-deep",
            WrongRoot { .. } => "wrong-root",
            UnsupportedODataVersion { .. } => "unsupported-odata-version",
            UnknownVersion { .. } => "unknown-version",
            MissingAttribute { .. } => "missing-attribute",
            InvalidAttribute { .. } => "invalid-attribute",
            MissingElement { .. } => "missing-element",
            TooDeep { .. } => "expressions-too-deep",
            Duplicate { .. } => "duplicate",
            Unresolved { .. } => "unresolved",
            WrongKind { .. } => "wrong-kind",
            BaseTypeCycle { .. } => "base-type-cycle",
            KeyPropertyMissing { .. } => "key-property-missing",
            EnumValueOutOfRange { .. } => "enum-value-out-of-range",
            ValueReadAs { .. } => "value-read-as",
            ValueIgnored { .. } => "value-ignored",
            UnexpectedElement { .. } => "unexpected-element",
            UntypedNavigationProperty => "untyped-navigation-property",
            UnknownAttribute { .. } => "unknown-attribute",
            UnknownType { .. } => "unknown-type",
            UnqualifiedTerm { .. } => "unqualified-term",
            UnresolvedAnnotationTarget { .. } => "unresolved-annotation-target",
            UnresolvedBinding { .. } => "unresolved-binding",
            UnresolvedReference { .. } => "unresolved-reference",
            ShadowedEntitySet { .. } => "shadowed-entity-set",
            DuplicateTerm { .. } => "duplicate-term",
        }
    }
}

/// A document that was read: the model, and the warnings about what was worked around.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The resolved model.
    pub model: Model,
    /// Every warning, in document order; each names its fallback.
    pub warnings: Vec<Diagnostic>,
}

impl Parsed {
    /// The model, or (`--strict`) the warnings promoted to errors when there are any.
    pub fn into_strict(self) -> Result<Model, Errors> {
        if self.warnings.is_empty() {
            return Ok(self.model);
        }
        let promoted = self.warnings.into_iter().map(|w| Diagnostic { severity: Severity::Error, ..w }).collect();
        Err(Errors(promoted))
    }
}

/// A document that cannot be read: every diagnostic found (at least one error, and any
/// warnings), in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Diagnostic>);

impl Errors {
    /// Every diagnostic, errors and warnings.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    /// The number of diagnostics.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no diagnostic (never for a value returned by the parser).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

impl<'a> IntoIterator for &'a Errors {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
