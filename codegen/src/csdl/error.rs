//! Errors of parsing and resolving a CSDL document: what is wrong, and where.

use std::fmt;

use super::model::Location;

/// One problem in a CSDL document, with its line:column and element path
/// (e.g. `Schema[Trippin]/EntityType[Person]/Property[UserName]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {}{kind}", path_prefix(.path))]
pub struct Error {
    pub kind: ErrorKind,
    pub location: Location,
    /// The element path; empty for errors about the document as a whole.
    pub path: String,
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!("{path}: ") }
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    #[error("the document is not valid UTF-8 (invalid byte 0x{byte:02x})")]
    NotUtf8 { byte: u8 },
    #[error("the document is not well-formed XML: {message}")]
    Xml { message: String },
    #[error(
        "the root element is <{found}>; a CSDL document starts with <edmx:Edmx> in namespace http://docs.oasis-open.org/odata/ns/edmx"
    )]
    WrongRoot { found: String },
    #[error(
        "OData v2/v3 metadata ({detail}) is not supported: this generator reads OData v4 CSDL (edmx:Edmx Version=\"4.0\" or \"4.01\")"
    )]
    UnsupportedODataVersion { detail: String },
    #[error("unsupported edmx:Edmx Version \"{version}\" (expected \"4.0\" or \"4.01\")")]
    UnknownVersion { version: String },
    #[error("missing required attribute `{attribute}`")]
    MissingAttribute { attribute: &'static str },
    #[error("invalid value {value:?} for attribute `{attribute}`: expected {expected}")]
    InvalidAttribute { attribute: &'static str, value: String, expected: &'static str },
    #[error("unexpected element <{element}> here")]
    UnexpectedElement { element: String },
    #[error("missing required element <{element}>")]
    MissingElement { element: &'static str },
    #[error("expressions nested deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("`{name}` is declared twice (first at {first})")]
    Duplicate { name: String, first: Location },
    #[error("unknown {what} `{name}`")]
    Unresolved { what: &'static str, name: String },
    #[error("`{name}` is a {found}, expected {expected}")]
    WrongKind { name: String, found: &'static str, expected: &'static str },
    #[error("base type cycle: {chain}")]
    BaseTypeCycle { chain: String },
    #[error("key property `{name}` is not a property of the type or its base types")]
    KeyPropertyMissing { name: String },
    #[error("enum member value {value} does not fit the underlying type Edm.{underlying}")]
    EnumValueOutOfRange { value: i64, underlying: String },
}

/// Every error found in a document, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    pub fn iter(&self) -> std::slice::Iter<'_, Error> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

impl<'a> IntoIterator for &'a Errors {
    type Item = &'a Error;
    type IntoIter = std::slice::Iter<'a, Error>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
