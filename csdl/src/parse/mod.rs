//! XML → model: reads the CSDL elements with roxmltree, replacing namespace aliases as it goes,
//! and collects every diagnostic instead of stopping at the first. Defects with a sensible reading
//! are warnings and read with their fallback (a facet in another letter case, an unknown element,
//! an unqualified annotation term, ...).
//!
//! One concern per file: `reader` (the primitives: locations, diagnostics, attributes, facets,
//! qualified names), `elements` (schemas, types, members, operations, containers) and
//! `expressions` (annotations, their expressions and external `Annotations` targets); this file
//! reads the document and its references.

mod elements;
mod expressions;
mod reader;

use elements::mark_external_types;
use reader::{display_name, invalid, is_edm, is_legacy};

use std::collections::{BTreeMap, BTreeSet};

use roxmltree::{Document, Node, ParsingOptions};

use super::error::{Diagnostic, DiagnosticKind};
use super::limits;
use super::model::*;

const EDMX_NS: &str = "http://docs.oasis-open.org/odata/ns/edmx";
const EDM_NS: &str = "http://docs.oasis-open.org/odata/ns/edm";
/// The prefix of the namespaces of OData v1-v3 EDMX and CSDL documents (e.g.
/// `http://schemas.microsoft.com/ado/2007/06/edmx`, `http://schemas.microsoft.com/ado/2009/11/edm`).
const LEGACY_NS_PREFIX: &str = "http://schemas.microsoft.com/ado/";
/// Annotation expressions nested deeper than this are rejected, so hostile input cannot exhaust
/// the stack of the recursive expression reader.
pub const MAX_EXPRESSION_DEPTH: usize = 64;

/// What the parser hands to resolution.
pub(crate) struct Read {
    pub model: Model,
    /// External `Annotations` blocks, in document order, still to be merged into their targets.
    pub external: Vec<(usize, ExternalAnnotations)>,
    /// Namespaces only known through `edmx:Include`.
    pub included: BTreeSet<String>,
}

/// Byte offset → line:column, by binary search over line starts, counting characters from a
/// checkpoint at most [`LineIndex::STEP`] bytes back (so that the columns of a document written on
/// one long line cost no more than those of any other).
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    /// (byte offset, characters before it), every `STEP` bytes or so, at character boundaries.
    checkpoints: Vec<(usize, usize)>,
}

impl LineIndex {
    const STEP: usize = 4096;

    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        let mut checkpoints = vec![(0, 0)];
        let (mut offset, mut chars) = (0, 0);
        while offset + Self::STEP < text.len() {
            let next = floor_char_boundary(text, offset + Self::STEP);
            chars += text[offset..next].chars().count();
            checkpoints.push((next, chars));
            offset = next;
        }
        LineIndex { starts, checkpoints }
    }

    pub fn location(&self, text: &str, offset: usize) -> Location {
        let offset = floor_char_boundary(text, offset);
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self.chars_before(text, offset) - self.chars_before(text, start) + 1;
        Location { line: saturating_u32(line), column: saturating_u32(column) }
    }

    /// The number of characters before `offset` (a character boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let i = self.checkpoints.partition_point(|&(at, _)| at <= offset).max(1) - 1;
        let (at, chars) = self.checkpoints[i];
        chars + text.get(at..offset).map_or(0, |s| s.chars().count())
    }
}

/// The largest character boundary of `text` not after `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Checks the bytes are UTF-8 (skipping a BOM) and returns the text.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        // The prefix is valid UTF-8 by construction.
        let text = std::str::from_utf8(valid).unwrap_or_default();
        let location = LineIndex::new(text).location(text, text.len());
        Diagnostic::new(DiagnosticKind::NotUtf8 { byte: bytes[e.valid_up_to()] }, location, String::new())
    })
}

/// Reads a document: its parts and warnings, or every diagnostic when one is an error.
pub(crate) fn parse(text: &str) -> Result<(Read, Vec<Diagnostic>), Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Before anything costs more than linear time (building the line index is linear too, but
    // is left for documents within the size limit).
    limits::check(text, || LineIndex::new(text)).map_err(|d| vec![d])?;
    let lines = LineIndex::new(text);
    let options = ParsingOptions { allow_dtd: false, ..ParsingOptions::default() };
    let doc = match Document::parse_with_options(text, options) {
        Ok(doc) => doc,
        Err(e) => {
            let location = xml_error_location(&e, text, &lines);
            return Err(vec![Diagnostic::new(
                DiagnosticKind::Xml { message: xml_message(&e) },
                location,
                String::new(),
            )]);
        }
    };
    let mut parser = Parser {
        text,
        lines,
        diagnostics: Vec::new(),
        path: String::new(),
        aliases: BTreeMap::new(),
        skipped: Counts::default(),
    };
    let parsed = parser.document(&doc);
    match parsed {
        Some((mut model, external, included)) if !parser.diagnostics.iter().any(Diagnostic::is_error) => {
            model.skipped = parser.skipped;
            Ok((Read { model, external, included }, parser.diagnostics))
        }
        _ => Err(parser.diagnostics),
    }
}

/// Where an XML error lies. roxmltree gives no position for some errors (1:1): a truncated
/// document is reported at its end, a DTD at its `<!DOCTYPE`.
fn xml_error_location(error: &roxmltree::Error, text: &str, lines: &LineIndex) -> Location {
    match error {
        roxmltree::Error::UnexpectedEndOfStream | roxmltree::Error::UnclosedRootNode => {
            lines.location(text, text.len())
        }
        roxmltree::Error::DtdDetected => lines.location(text, text.find("<!DOCTYPE").unwrap_or(0)),
        _ => {
            let pos = error.pos();
            Location { line: pos.row, column: pos.col }
        }
    }
}

/// roxmltree's message without its own " at line:col" suffix (the location is reported apart).
fn xml_message(error: &roxmltree::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at ") {
        Some(i) if message[i + 4..].chars().all(|c| c.is_ascii_digit() || c == ':') => message[..i].to_owned(),
        _ => message,
    }
}

struct Parser<'t> {
    text: &'t str,
    lines: LineIndex,
    diagnostics: Vec<Diagnostic>,
    /// The element path of the element being read.
    path: String,
    /// Alias → namespace, from `edmx:Include` and `Schema`.
    aliases: BTreeMap<String, String>,
    /// Elements declared in the document but skipped with a warning, so that counts stay counts
    /// of what the document declares.
    skipped: Counts,
}

type DocumentParts = (Model, Vec<(usize, ExternalAnnotations)>, BTreeSet<String>);

impl<'t> Parser<'t> {
    fn document(&mut self, doc: &Document) -> Option<DocumentParts> {
        let root = doc.root_element();
        let root_ns = root.tag_name().namespace().unwrap_or("");
        if is_legacy(root_ns) {
            let version = root.attribute("Version").unwrap_or("?");
            self.report(
                root,
                DiagnosticKind::UnsupportedODataVersion {
                    detail: format!("edmx:Edmx Version=\"{version}\" in namespace {root_ns}"),
                },
            );
            return None;
        }
        if root.tag_name().name() != "Edmx" || root_ns != EDMX_NS {
            self.report(root, DiagnosticKind::WrongRoot { found: display_name(root) });
            return None;
        }
        let version = match root.attribute("Version") {
            Some("4.0") => ODataVersion::V4_0,
            Some("4.01") => ODataVersion::V4_01,
            Some(v @ ("1.0" | "2.0" | "3.0")) => {
                self.report(
                    root,
                    DiagnosticKind::UnsupportedODataVersion { detail: format!("edmx:Edmx Version=\"{v}\"") },
                );
                return None;
            }
            Some(other) => {
                self.report(root, DiagnosticKind::UnknownVersion { version: other.to_owned() });
                return None;
            }
            None => {
                self.report(root, DiagnosticKind::MissingAttribute { attribute: "Version" });
                return None;
            }
        };

        let declared = self.collect_aliases(root);
        let mut references = Vec::new();
        let mut schemas = Vec::new();
        let mut external = Vec::new();
        let mut data_services = 0;
        for child in root.children().filter(Node::is_element) {
            match (child.tag_name().namespace(), child.tag_name().name()) {
                (Some(EDMX_NS), "Reference") => references.extend(self.reference(child)),
                (Some(EDMX_NS), "DataServices") => {
                    data_services += 1;
                    for schema in child.children().filter(Node::is_element) {
                        if is_edm(schema, "Schema") {
                            if let Some((schema, blocks)) = self.schema(schema) {
                                let index = schemas.len();
                                external.extend(blocks.into_iter().map(|block| (index, block)));
                                schemas.push(schema);
                            }
                        } else if let Some(ns) = schema.tag_name().namespace().filter(|ns| is_legacy(ns)) {
                            let detail = format!("<{}> in namespace {ns}", schema.tag_name().name());
                            self.report(schema, DiagnosticKind::UnsupportedODataVersion { detail });
                        } else {
                            self.unexpected(schema);
                        }
                    }
                }
                _ => self.unexpected(child),
            }
        }
        if data_services == 0 {
            self.report(root, DiagnosticKind::MissingElement { element: "edmx:DataServices" });
        }
        let included = references
            .iter()
            .flat_map(|r: &Reference| r.includes.iter().map(|i| i.namespace.clone()))
            .filter(|ns| !declared.contains(ns))
            .collect::<BTreeSet<_>>();
        for schema in &mut schemas {
            mark_external_types(schema, &included);
        }
        Some((
            Model { version, references, schemas, index: BTreeMap::new(), skipped: Counts::default() },
            external,
            included,
        ))
    }

    /// Reads every alias before anything else so that references are made canonical as they are
    /// read; returns the declared schema namespaces.
    fn collect_aliases(&mut self, root: Node) -> BTreeSet<String> {
        let mut declared = BTreeSet::new();
        let includes = root
            .children()
            .filter(|n| n.tag_name().namespace() == Some(EDMX_NS) && n.tag_name().name() == "Reference")
            .flat_map(|r| r.children())
            .filter(|n| n.tag_name().namespace() == Some(EDMX_NS) && n.tag_name().name() == "Include");
        let schemas = root
            .children()
            .filter(|n| n.tag_name().namespace() == Some(EDMX_NS) && n.tag_name().name() == "DataServices")
            .flat_map(|d| d.children())
            .filter(|n| is_edm(*n, "Schema"));
        let mut first_declared: BTreeMap<&str, Location> = BTreeMap::new();
        for node in includes.chain(schemas) {
            let Some(namespace) = node.attribute("Namespace") else { continue };
            if is_edm(node, "Schema") {
                declared.insert(namespace.to_owned());
            }
            let Some(alias) = node.attribute("Alias") else { continue };
            match self.aliases.get(alias) {
                Some(existing) if existing != namespace => {
                    let first = first_declared.get(alias).copied().unwrap_or_default();
                    self.report(node, DiagnosticKind::Duplicate { name: format!("alias {alias}"), first });
                }
                _ => {
                    first_declared.entry(alias).or_insert_with(|| self.location(node));
                    self.aliases.insert(alias.to_owned(), namespace.to_owned());
                }
            }
        }
        declared
    }

    fn unexpected(&mut self, node: Node) {
        // Elements of foreign XML namespaces are extensions, skipped silently; anything in the
        // CSDL namespaces that this reader does not know (a later CSDL version, or a mistake) is
        // skipped with a warning.
        let ns = node.tag_name().namespace();
        if ns == Some(EDM_NS) || ns == Some(EDMX_NS) {
            self.report(node, DiagnosticKind::UnexpectedElement { element: display_name(node) });
        }
    }

    fn reference(&mut self, node: Node) -> Option<Reference> {
        let location = self.location(node);
        let uri = self.within("edmx:Reference", node.attribute("Uri"), |p| p.required(node, "Uri"))?;
        let mut reference =
            Reference { uri: uri.to_owned(), includes: Vec::new(), include_annotations: Vec::new(), location };
        self.within("edmx:Reference", Some(uri), |p| {
            p.known_attributes(node, &["Uri"]);
            for child in node.children().filter(Node::is_element) {
                match (child.tag_name().namespace(), child.tag_name().name()) {
                    (Some(EDMX_NS), "Include") => {
                        if let Some(namespace) = p.within("edmx:Include", None, |p| p.required(child, "Namespace")) {
                            let alias = child.attribute("Alias").map(str::to_owned);
                            reference.includes.push(Include { namespace: namespace.to_owned(), alias });
                        }
                    }
                    (Some(EDMX_NS), "IncludeAnnotations") => {
                        if let Some(term_namespace) =
                            p.within("edmx:IncludeAnnotations", None, |p| p.required(child, "TermNamespace"))
                        {
                            reference.include_annotations.push(IncludeAnnotations {
                                term_namespace: term_namespace.to_owned(),
                                qualifier: child.attribute("Qualifier").map(str::to_owned),
                                target_namespace: child.attribute("TargetNamespace").map(str::to_owned),
                            });
                        }
                    }
                    (Some(EDM_NS), "Annotation") => {}
                    _ => p.unexpected(child),
                }
            }
        });
        Some(reference)
    }
}
