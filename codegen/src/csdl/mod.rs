//! CSDL (OData v4 `$metadata`) → resolved [`Model`].
//!
//! [`parse`] reads CSDL XML 4.0 and 4.01 and resolves it in one step: the result is either a
//! model in which every reference leads to its declaration, or every error found in the document,
//! each with its line:column and element path. No input panics the parser.

mod annotations;
mod edm;
mod error;
mod model;
mod parse;
mod resolve;

pub use annotations::{
    Annotation, Annotations, CAPABILITIES, CORE, ConstantKind, PathKind, Permissions, Restrictions, Revision,
    RevisionKind, Value,
};
pub use edm::{EdmType, Geo};
pub use error::{Error, ErrorKind, Errors};
pub use model::*;
pub use parse::MAX_EXPRESSION_DEPTH;

/// Parses and resolves a CSDL document.
pub fn parse(text: &str) -> Result<Model, Errors> {
    let parsed = parse::parse(text).map_err(Errors)?;
    resolve::resolve(parsed).map_err(Errors)
}

/// Like [`parse`], for raw bytes: rejects input that is not UTF-8 with the position of the first
/// invalid byte. A UTF-8 byte-order mark is skipped.
pub fn parse_bytes(bytes: &[u8]) -> Result<Model, Errors> {
    let text = parse::decode(bytes).map_err(|e| Errors(vec![e]))?;
    parse(text)
}
