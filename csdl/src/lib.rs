//! `odata-csdl`: OData v4 CSDL (`$metadata`) → resolved [`Model`], and the schema [`diff`] of
//! two models. It knows OData, not Rust: the generator (`codegen`) builds on it, and so does any
//! tool that only needs to read or compare metadata.
//!
//! [`parse`] reads CSDL XML 4.0 and 4.01 and resolves it in one step: the result is either a
//! model in which every reference leads to its declaration, together with the warnings about what
//! the reader had to work around, or every diagnostic found in the document when one of them is
//! an error. Each diagnostic has a severity, a kind, a line:column and an element path.
//!
//! The reader is tolerant: what mainstream OData client libraries read despite a defect is read
//! here too, with a warning that names the fallback (see [`DiagnosticKind::severity`]). Errors
//! are left for documents from which no faithful client can be generated. No input panics the
//! parser, and the cost of any input is linear in its size (see [`limits`]).

#![deny(missing_docs)]

mod annotations;
pub mod diff;
mod edm;
mod error;
pub mod limits;
mod model;
mod parse;
mod resolve;

pub use annotations::{
    Annotation, Annotations, CAPABILITIES, CORE, ConstantKind, PathKind, Permissions, Restrictions, Revision,
    RevisionKind, Value,
};
pub use edm::{EdmType, Geo};
pub use error::{Diagnostic, DiagnosticKind, Errors, Parsed, Severity};
pub use limits::{MAX_ATTRIBUTES, MAX_DOCUMENT_BYTES, MAX_ELEMENT_DEPTH};
pub use model::*;
pub use parse::MAX_EXPRESSION_DEPTH;

/// Parses and resolves a CSDL document: the model and its warnings, or every diagnostic when
/// there is an error.
pub fn parse(text: &str) -> Result<Parsed, Errors> {
    let (read, mut diagnostics) = parse::parse(text).map_err(Errors)?;
    let model = resolve::resolve(read, &mut diagnostics);
    diagnostics.sort_by_key(|d| d.location);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Errors(diagnostics));
    }
    Ok(Parsed { model, warnings: diagnostics })
}

/// Like [`parse`], for raw bytes: rejects input that is not UTF-8 with the position of the first
/// invalid byte. A UTF-8 byte-order mark is skipped.
pub fn parse_bytes(bytes: &[u8]) -> Result<Parsed, Errors> {
    let text = parse::decode(bytes).map_err(|e| Errors(vec![e]))?;
    parse(text)
}
