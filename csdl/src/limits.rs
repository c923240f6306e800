//! Limits on what reaches the XML parser, checked by one linear pre-scan of the text.
//!
//! roxmltree checks an element's attributes for duplicates pairwise, so one element with n
//! attributes costs n² (60,000 attributes take seconds). Bounding the attributes per element
//! makes that cost linear in the document's size; bounding nesting keeps every later walk of the
//! tree shallow; bounding the size keeps memory in proportion. Real documents stay far below each
//! limit: Microsoft Graph's (about 4 MB, the largest public `$metadata` known) nests 7 levels deep
//! and has at most 8 attributes on an element.

use super::error::{Diagnostic, DiagnosticKind};
use super::model::Location;
use super::parse::LineIndex;

/// The largest document read, in bytes (after a byte-order mark): 64 MiB, 16 times Graph's.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// The most attributes (namespace declarations included) one element may have: far more than
/// any CSDL element needs (vendor annotations as attributes included), while the duplicate check
/// stays within about 26 comparisons per byte of the document.
pub const MAX_ATTRIBUTES: usize = 256;
/// The deepest nesting of elements (the root element is level 1); annotation expressions, the
/// only deep part of a CSDL document, are limited further by
/// [`MAX_EXPRESSION_DEPTH`](super::MAX_EXPRESSION_DEPTH).
pub const MAX_ELEMENT_DEPTH: usize = 256;

/// The first limit `text` exceeds, located at the element (or, for the size, the byte) where it
/// is exceeded. Malformed markup is passed over: the XML parser reports it afterwards.
pub(crate) fn check(text: &str, lines: impl FnOnce() -> LineIndex) -> Result<(), Diagnostic> {
    let located = |kind: DiagnosticKind, offset: usize| {
        let location = if offset == 0 { Location { line: 1, column: 1 } } else { lines().location(text, offset) };
        Err(Diagnostic::new(kind, location, String::new()))
    };
    if text.len() > MAX_DOCUMENT_BYTES {
        return located(DiagnosticKind::DocumentTooLarge { limit: MAX_DOCUMENT_BYTES }, MAX_DOCUMENT_BYTES);
    }
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(found) = memchr(b'<', &bytes[i..]) {
        let start = i + found;
        let rest = &bytes[start..];
        i = if rest.starts_with(b"<!--") {
            skip_past(bytes, start + 4, b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            skip_past(bytes, start + 9, b"]]>")
        } else if rest.starts_with(b"<?") {
            skip_past(bytes, start + 2, b"?>")
        } else if rest.starts_with(b"<!") {
            // A DOCTYPE: refused by the XML parser; its internal subset is passed over.
            skip_past(bytes, start + 2, b">")
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            skip_past(bytes, start + 2, b">")
        } else {
            let tag = scan_tag(bytes, start + 1);
            if tag.attributes > MAX_ATTRIBUTES {
                return located(DiagnosticKind::TooManyAttributes { limit: MAX_ATTRIBUTES }, start);
            }
            if !tag.self_closing {
                depth += 1;
                if depth > MAX_ELEMENT_DEPTH {
                    return located(DiagnosticKind::ElementsTooDeep { limit: MAX_ELEMENT_DEPTH }, start);
                }
            }
            tag.end
        };
    }
    Ok(())
}

/// What the scan learnt of one start tag.
struct Tag {
    /// The number of `=` outside quoted values: one per attribute in well-formed XML.
    attributes: usize,
    self_closing: bool,
    /// The offset just past the tag's `>` (or the end of the text).
    end: usize,
}

/// Scans a start tag from just after its `<`.
fn scan_tag(bytes: &[u8], from: usize) -> Tag {
    let mut attributes = 0;
    let mut quote = None;
    let mut previous = 0u8;
    for (offset, &b) in bytes[from..].iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'=') => attributes += 1,
            (None, b'>') => return Tag { attributes, self_closing: previous == b'/', end: from + offset + 1 },
            (None, _) => {}
        }
        previous = b;
    }
    Tag { attributes, self_closing: false, end: bytes.len() }
}

/// The offset just past the first `pattern` at or after `from` (or the end of the text).
fn skip_past(bytes: &[u8], from: usize, pattern: &[u8]) -> usize {
    let from = from.min(bytes.len());
    bytes[from..].windows(pattern.len()).position(|w| w == pattern).map_or(bytes.len(), |p| from + p + pattern.len())
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_text(text: &str) -> Result<(), String> {
        check(text, || LineIndex::new(text)).map_err(|d| d.to_string())
    }

    #[test]
    fn counts_attributes_outside_quotes_only() {
        let many = format!("<a {}/>", (0..MAX_ATTRIBUTES).map(|i| format!("a{i}='x=y>'")).collect::<String>());
        assert_eq!(check_text(&many), Ok(()));
        let too_many = format!("\n <a {}/>", (0..=MAX_ATTRIBUTES).map(|i| format!("a{i}=\"\" ")).collect::<String>());
        assert_eq!(check_text(&too_many), Err("2:2: error: an element with more than 256 attributes".to_owned()));
    }

    #[test]
    fn depth_ignores_self_closing_tags_comments_and_cdata() {
        let flat = "<a><!-- <b> --><![CDATA[<c>]]><?pi <d>?><e/></a>".repeat(MAX_ELEMENT_DEPTH * 2);
        assert_eq!(check_text(&flat), Ok(()));
        let deep = "<a>".repeat(MAX_ELEMENT_DEPTH + 1);
        assert_eq!(check_text(&deep), Err("1:769: error: elements nested deeper than 256 levels".to_owned()));
    }
}
