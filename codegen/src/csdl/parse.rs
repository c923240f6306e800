//! XML → model: reads the CSDL elements with roxmltree, replacing namespace aliases as it goes,
//! and collects every diagnostic instead of stopping at the first. Defects with a sensible reading
//! are warnings and read with their fallback (a facet in another letter case, an unknown element,
//! an unqualified annotation term, ...).

use std::collections::{BTreeMap, BTreeSet};

use roxmltree::{Document, Node, ParsingOptions};

use super::annotations::{Annotation, Annotations, ConstantKind, PathKind, Value};
use super::edm::EdmType;
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
    fn location(&self, node: Node) -> Location {
        self.lines.location(self.text, node.range().start)
    }

    /// Records a diagnostic about `node` at the current element path.
    fn report(&mut self, node: Node, kind: DiagnosticKind) {
        let location = self.location(node);
        self.diagnostics.push(Diagnostic::new(kind, location, self.path.clone()));
    }

    /// Runs `f` with `/Element[name]` appended to the element path.
    fn within<R>(&mut self, element: &str, name: Option<&str>, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('/');
        }
        self.path.push_str(element);
        if let Some(name) = name {
            self.path.push('[');
            self.path.push_str(name);
            self.path.push(']');
        }
        let result = f(self);
        self.path.truncate(len);
        result
    }

    /// Warns about each attribute of `node` without a namespace that is not in `known` (one of a
    /// later CSDL version, or a vendor's): it is ignored. Attributes in other XML namespaces are
    /// extensions the specification allows, and pass silently.
    fn known_attributes(&mut self, node: Node, known: &[&str]) {
        for attribute in node.attributes().filter(|a| a.namespace().is_none()) {
            if !known.contains(&attribute.name()) {
                self.report(node, DiagnosticKind::UnknownAttribute { attribute: attribute.name().to_owned() });
            }
        }
    }

    fn required<'n>(&mut self, node: Node<'n, '_>, attribute: &'static str) -> Option<&'n str> {
        let value = node.attribute(attribute);
        if value.is_none() {
            self.report(node, DiagnosticKind::MissingAttribute { attribute });
        }
        value
    }

    /// A boolean attribute. `True`, `FALSE`, `1`, `0` (as .NET reads them) are read with a
    /// warning; anything else is ignored with a warning, leaving the default.
    fn boolean(&mut self, node: Node, attribute: &'static str, default: bool) -> bool {
        let Some(text) = node.attribute(attribute) else { return default };
        match text {
            "true" => true,
            "false" => false,
            _ if text.eq_ignore_ascii_case("true") || text == "1" => {
                self.read_as(node, attribute, text, "true");
                true
            }
            _ if text.eq_ignore_ascii_case("false") || text == "0" => {
                self.read_as(node, attribute, text, "false");
                false
            }
            _ => {
                let fallback = if default { "the default `true` applies" } else { "the default `false` applies" };
                self.ignored(node, attribute, text, "`true` or `false`", fallback);
                default
            }
        }
    }

    /// Warns that `value` was read as the standard spelling `read_as`.
    fn read_as(&mut self, node: Node, attribute: &'static str, value: &str, read_as: &'static str) {
        self.report(node, DiagnosticKind::ValueReadAs { attribute, value: value.to_owned(), read_as });
    }

    /// Warns that `value` could not be read and what was done instead.
    fn ignored(
        &mut self,
        node: Node,
        attribute: &'static str,
        value: &str,
        expected: &'static str,
        fallback: &'static str,
    ) {
        self.report(node, DiagnosticKind::ValueIgnored { attribute, value: value.to_owned(), expected, fallback });
    }

    /// A keyword value of a facet (`variable`, `max`, ...), in any letter case (with a warning
    /// when not in the specification's).
    fn keyword(&mut self, node: Node, attribute: &'static str, text: &str, keyword: &'static str) -> bool {
        if text == keyword {
            return true;
        }
        let matches = text.eq_ignore_ascii_case(keyword);
        if matches {
            self.read_as(node, attribute, text, keyword);
        }
        matches
    }

    fn number<T: std::str::FromStr>(
        &mut self,
        node: Node,
        attribute: &'static str,
        expected: &'static str,
    ) -> Option<T> {
        let text = node.attribute(attribute)?;
        let value = text.parse().ok();
        if value.is_none() {
            self.report(node, invalid(attribute, text, expected));
        }
        value
    }

    /// Replaces a leading alias by its namespace.
    fn canonical(&self, namespace: &str) -> String {
        self.aliases.get(namespace).cloned().unwrap_or_else(|| namespace.to_owned())
    }

    fn qualified(&mut self, node: Node, attribute: &'static str, text: &str) -> Option<QualifiedName> {
        match QualifiedName::parse(text) {
            Some(name) => Some(QualifiedName { namespace: self.canonical(&name.namespace), name: name.name }),
            None => {
                self.report(node, invalid(attribute, text, "a namespace-qualified name"));
                None
            }
        }
    }

    fn required_qualified(&mut self, node: Node, attribute: &'static str) -> Option<QualifiedName> {
        let text = self.required(node, attribute)?;
        self.qualified(node, attribute, text)
    }

    /// A `Type` attribute: `Edm.X`, `Namespace.X` or `Collection(...)` of those.
    fn type_ref(&mut self, node: Node, attribute: &'static str) -> Option<TypeRef> {
        let text = self.required(node, attribute)?.trim();
        let (collection, inner) = match text.strip_prefix("Collection(").and_then(|t| t.strip_suffix(')')) {
            Some(inner) => (true, inner.trim()),
            None => (false, text),
        };
        let target = if let Some(edm) = inner.strip_prefix("Edm.") {
            match EdmType::from_name(edm) {
                Some(edm) => TypeTarget::Edm(edm),
                // An Edm type of another OData version (`Edm.DateTime`) or a later one.
                None => {
                    self.report(node, DiagnosticKind::UnknownType { name: inner.to_owned() });
                    TypeTarget::External(QualifiedName::new("Edm", edm))
                }
            }
        } else {
            TypeTarget::Named(self.qualified(node, attribute, inner)?)
        };
        Some(TypeRef { collection, target })
    }

    /// The facets of a typed element. Facets only refine a type, so a value that cannot be read
    /// is ignored with a warning (the type is read without that facet); keywords are read in any
    /// letter case.
    fn facets(&mut self, node: Node) -> Facets {
        let max_length = node.attribute("MaxLength").and_then(|text| {
            if self.keyword(node, "MaxLength", text, "max") {
                return Some(MaxLength::Max);
            }
            self.facet_number(node, "MaxLength", text, "a non-negative integer or `max`").map(MaxLength::Length)
        });
        let precision = node
            .attribute("Precision")
            .and_then(|text| self.facet_number(node, "Precision", text, "a non-negative integer"));
        let scale = node.attribute("Scale").and_then(|text| {
            if self.keyword(node, "Scale", text, "variable") {
                return Some(Scale::Variable);
            }
            if self.keyword(node, "Scale", text, "floating") {
                return Some(Scale::Floating);
            }
            self.facet_number(node, "Scale", text, "a non-negative integer, `variable` or `floating`")
                .map(Scale::Digits)
        });
        let srid = node.attribute("SRID").and_then(|text| {
            if self.keyword(node, "SRID", text, "variable") {
                return Some(Srid::Variable);
            }
            self.facet_number(node, "SRID", text, "a non-negative integer or `variable`").map(Srid::Id)
        });
        let unicode = node.has_attribute("Unicode").then(|| self.boolean(node, "Unicode", true));
        Facets { max_length, precision, scale, srid, unicode }
    }

    /// A numeric facet; ignored with a warning when it is not a number in range.
    fn facet_number<T: std::str::FromStr>(
        &mut self,
        node: Node,
        attribute: &'static str,
        text: &str,
        expected: &'static str,
    ) -> Option<T> {
        let value = text.trim().parse().ok();
        if value.is_none() {
            self.ignored(node, attribute, text, expected, "the facet is ignored");
        }
        value
    }

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

    fn schema(&mut self, node: Node) -> Option<(Schema, Vec<ExternalAnnotations>)> {
        let namespace = self.within("Schema", None, |p| p.required(node, "Namespace"))?;
        self.within("Schema", Some(namespace), |p| {
            p.known_attributes(node, &["Namespace", "Alias"]);
            let mut schema = Schema {
                namespace: namespace.to_owned(),
                alias: node.attribute("Alias").map(str::to_owned),
                entity_types: Vec::new(),
                complex_types: Vec::new(),
                enum_types: Vec::new(),
                type_definitions: Vec::new(),
                terms: Vec::new(),
                actions: Vec::new(),
                functions: Vec::new(),
                entity_containers: Vec::new(),
                annotations: Annotations::default(),
                external_annotations: Vec::new(),
                location: p.location(node),
            };
            let mut external = Vec::new();
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "EntityType" => schema.entity_types.extend(p.structured_type(child, StructuredKind::Entity)),
                    "ComplexType" => schema.complex_types.extend(p.structured_type(child, StructuredKind::Complex)),
                    "EnumType" => schema.enum_types.extend(p.enum_type(child)),
                    "TypeDefinition" => schema.type_definitions.extend(p.type_definition(child)),
                    "Term" => schema.terms.extend(p.term(child)),
                    "Action" => schema.actions.extend(p.operation(child, OperationKind::Action)),
                    "Function" => schema.functions.extend(p.operation(child, OperationKind::Function)),
                    "EntityContainer" => schema.entity_containers.extend(p.entity_container(child)),
                    "Annotations" => external.extend(p.external_annotations(child)),
                    "Annotation" => p.annotation_into(child, &mut schema.annotations),
                    "Association" | "Using" | "ValueTerm" => p.report(
                        child,
                        DiagnosticKind::UnsupportedODataVersion {
                            detail: format!("<{}> element", child.tag_name().name()),
                        },
                    ),
                    _ => p.unexpected(child),
                }
            }
            Some((schema, external))
        })
    }

    /// Reads an `Annotation` child and applies it.
    fn annotation_into(&mut self, node: Node, annotations: &mut Annotations) {
        if let Some(annotation) = self.annotation(node) {
            annotations.apply(annotation);
        }
    }

    /// Reads the `Annotation` children of `node` (other children are the caller's business).
    fn annotations_of(&mut self, node: Node) -> Annotations {
        let mut annotations = Annotations::default();
        for child in node.children().filter(|n| is_edm(*n, "Annotation")) {
            self.annotation_into(child, &mut annotations);
        }
        annotations
    }

    fn annotation(&mut self, node: Node) -> Option<Annotation> {
        let label = self.within("Annotation", node.attribute("Term"), |p| {
            let term = p.required(node, "Term")?;
            match QualifiedName::parse(term) {
                Some(q) => Some(format!("{}.{}", p.canonical(&q.namespace), q.name)),
                None => {
                    p.report(node, DiagnosticKind::UnqualifiedTerm { term: term.to_owned() });
                    Some(term.to_owned())
                }
            }
        })?;
        let qualifier = node.attribute("Qualifier").map(str::to_owned);
        let value = self.within("Annotation", Some(&label), |p| p.annotation_value(node, 0))?;
        Some(Annotation { term: label, qualifier, value })
    }

    /// The value of an `Annotation` or `PropertyValue`: an attribute expression, a child
    /// expression, or nothing (a tag term).
    fn annotation_value(&mut self, node: Node, depth: usize) -> Option<Value> {
        for attr in node.attributes() {
            if attr.namespace().is_some() {
                continue;
            }
            if let Some(value) = self.attribute_expression(node, attr.name(), attr.value()) {
                return value;
            }
        }
        let expression = node.children().find(|n| n.is_element() && !is_edm(*n, "Annotation"));
        match expression {
            Some(child) => self.expression(child, depth + 1),
            None => Some(Value::Default),
        }
    }

    /// An expression written as an attribute (`String="..."`); `None` when the attribute is not an
    /// expression, `Some(None)` when it is one but invalid.
    fn attribute_expression(&mut self, node: Node, name: &str, text: &str) -> Option<Option<Value>> {
        let constant = |kind| Some(Some(Value::Constant { kind, text: text.to_owned() }));
        let path = |kind| Some(Some(Value::Path { kind, path: text.to_owned() }));
        match name {
            "String" => Some(Some(Value::String(text.to_owned()))),
            "Bool" => Some(self.bool_expression(node, text)),
            "Int" => Some(self.int_expression(node, text)),
            "Float" => constant(ConstantKind::Float),
            "Decimal" => constant(ConstantKind::Decimal),
            "Date" => constant(ConstantKind::Date),
            "DateTimeOffset" => constant(ConstantKind::DateTimeOffset),
            "Duration" => constant(ConstantKind::Duration),
            "TimeOfDay" => constant(ConstantKind::TimeOfDay),
            "Guid" => constant(ConstantKind::Guid),
            "Binary" => constant(ConstantKind::Binary),
            "EnumMember" => Some(Some(self.enum_member_expression(text))),
            "Path" => path(PathKind::Path),
            "PropertyPath" => path(PathKind::PropertyPath),
            "NavigationPropertyPath" => path(PathKind::NavigationPropertyPath),
            "AnnotationPath" => path(PathKind::AnnotationPath),
            "ModelElementPath" => path(PathKind::ModelElementPath),
            "UrlRef" => Some(Some(Value::Dynamic {
                element: "UrlRef".to_owned(),
                attributes: Vec::new(),
                operands: vec![Value::String(text.to_owned())],
            })),
            _ => None,
        }
    }

    fn bool_expression(&mut self, node: Node, text: &str) -> Option<Value> {
        match text.trim() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            other => {
                self.ignored(node, "Bool", other, "`true` or `false`", "the expression is dropped");
                None
            }
        }
    }

    fn int_expression(&mut self, node: Node, text: &str) -> Option<Value> {
        match text.trim().parse() {
            Ok(n) => Some(Value::Int(n)),
            Err(_) => {
                self.ignored(node, "Int", text, "a 64-bit integer", "the expression is dropped");
                None
            }
        }
    }

    /// `Alias.Type/Member Alias.Type/Other` → members with the namespace resolved.
    fn enum_member_expression(&self, text: &str) -> Value {
        let members = text
            .split([' ', ','])
            .filter(|m| !m.is_empty())
            .map(|member| match member.split_once('/') {
                Some((ty, name)) => match QualifiedName::parse(ty) {
                    Some(q) => format!("{}.{}/{name}", self.canonical(&q.namespace), q.name),
                    None => member.to_owned(),
                },
                None => member.to_owned(),
            })
            .collect();
        Value::EnumMember(members)
    }

    fn expression(&mut self, node: Node, depth: usize) -> Option<Value> {
        if depth > MAX_EXPRESSION_DEPTH {
            self.report(node, DiagnosticKind::TooDeep { limit: MAX_EXPRESSION_DEPTH });
            return None;
        }
        let name = node.tag_name().name();
        let text = node.text().unwrap_or("").trim();
        if let Some(value) = self.attribute_expression(node, name, text) {
            return value;
        }
        let children = || node.children().filter(|n| n.is_element() && !is_edm(*n, "Annotation"));
        match name {
            "Null" => Some(Value::Null),
            "Record" => {
                let ty = node.attribute("Type").and_then(|t| self.qualified(node, "Type", t)).map(|q| q.to_string());
                let mut properties = Vec::new();
                for child in children() {
                    if !is_edm(child, "PropertyValue") {
                        self.unexpected(child);
                        continue;
                    }
                    let Some(property) = self.within("PropertyValue", None, |p| p.required(child, "Property")) else {
                        continue;
                    };
                    if let Some(value) = self.annotation_value(child, depth + 1) {
                        properties.push((property.to_owned(), value));
                    }
                }
                Some(Value::Record { ty, properties })
            }
            "Collection" => Some(Value::Collection(children().filter_map(|c| self.expression(c, depth + 1)).collect())),
            _ => {
                let attributes = node
                    .attributes()
                    .filter(|a| a.namespace().is_none())
                    .map(|a| (a.name().to_owned(), a.value().to_owned()))
                    .collect();
                let operands = children().filter_map(|c| self.expression(c, depth + 1)).collect();
                Some(Value::Dynamic { element: name.to_owned(), attributes, operands })
            }
        }
    }

    fn structured_type(&mut self, node: Node, kind: StructuredKind) -> Option<StructuredType> {
        let element = node.tag_name().name();
        let name = self.within(element, None, |p| p.required(node, "Name"))?;
        self.within(element, Some(name), |p| {
            p.known_attributes(node, &["Name", "BaseType", "Abstract", "OpenType", "HasStream"]);
            let base_type = node.attribute("BaseType").and_then(|t| p.qualified(node, "BaseType", t));
            let mut ty = StructuredType {
                name: name.to_owned(),
                kind,
                base_type,
                is_abstract: p.boolean(node, "Abstract", false),
                open_type: p.boolean(node, "OpenType", false),
                has_stream: p.boolean(node, "HasStream", false),
                key: Vec::new(),
                properties: Vec::new(),
                navigation_properties: Vec::new(),
                annotations: Annotations::default(),
                location: p.location(node),
            };
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "Key" if kind == StructuredKind::Entity => p.key(child, &mut ty.key),
                    "Property" => ty.properties.extend(p.property(child)),
                    "NavigationProperty" => ty.navigation_properties.extend(p.navigation_property(child)),
                    "Annotation" => p.annotation_into(child, &mut ty.annotations),
                    _ => p.unexpected(child),
                }
            }
            Some(ty)
        })
    }

    fn key(&mut self, node: Node, key: &mut Vec<PropertyRef>) {
        self.within("Key", None, |p| {
            for child in node.children().filter(Node::is_element) {
                if !is_edm(child, "PropertyRef") {
                    p.unexpected(child);
                    continue;
                }
                if let Some(name) = p.within("PropertyRef", None, |p| p.required(child, "Name")) {
                    key.push(PropertyRef { name: name.to_owned(), alias: child.attribute("Alias").map(str::to_owned) });
                }
            }
        });
    }

    fn property(&mut self, node: Node) -> Option<Property> {
        let name = self.within("Property", None, |p| p.required(node, "Name"))?;
        self.within("Property", Some(name), |p| {
            p.known_attributes(
                node,
                &["Name", "Type", "Nullable", "DefaultValue", "MaxLength", "Precision", "Scale", "SRID", "Unicode"],
            );
            let ty = p.type_ref(node, "Type");
            let nullable = p.boolean(node, "Nullable", true);
            let facets = p.facets(node);
            let annotations = p.annotations_of(node);
            Some(Property {
                name: name.to_owned(),
                ty: ty?,
                nullable,
                facets,
                default_value: node.attribute("DefaultValue").map(str::to_owned),
                annotations,
                location: p.location(node),
            })
        })
    }

    fn navigation_property(&mut self, node: Node) -> Option<NavigationProperty> {
        let name = self.within("NavigationProperty", None, |p| p.required(node, "Name"))?;
        self.within("NavigationProperty", Some(name), |p| {
            if node.has_attribute("Relationship") {
                let detail = "NavigationProperty with Relationship/FromRole/ToRole".to_owned();
                p.report(node, DiagnosticKind::UnsupportedODataVersion { detail });
                return None;
            }
            p.known_attributes(node, &["Name", "Type", "Nullable", "Partner", "ContainsTarget"]);
            if !node.has_attribute("Type") {
                p.report(node, DiagnosticKind::UntypedNavigationProperty);
                p.skipped.navigation_properties += 1;
                return None;
            }
            let ty = p.type_ref(node, "Type");
            let nullable = p.boolean(node, "Nullable", true);
            let mut nav = NavigationProperty {
                name: name.to_owned(),
                ty: ty?,
                nullable,
                partner: node.attribute("Partner").map(str::to_owned),
                contains_target: p.boolean(node, "ContainsTarget", false),
                on_delete: None,
                referential_constraints: Vec::new(),
                annotations: Annotations::default(),
                location: p.location(node),
            };
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "ReferentialConstraint" => {
                        let (property, referenced) = p.within("ReferentialConstraint", None, |p| {
                            (p.required(child, "Property"), p.required(child, "ReferencedProperty"))
                        });
                        if let (Some(property), Some(referenced)) = (property, referenced) {
                            nav.referential_constraints.push(ReferentialConstraint {
                                property: property.to_owned(),
                                referenced_property: referenced.to_owned(),
                            });
                        }
                    }
                    "OnDelete" => {
                        nav.on_delete = p.within("OnDelete", None, |p| match p.required(child, "Action")? {
                            "Cascade" => Some(OnDeleteAction::Cascade),
                            "None" => Some(OnDeleteAction::None),
                            "SetNull" => Some(OnDeleteAction::SetNull),
                            "SetDefault" => Some(OnDeleteAction::SetDefault),
                            other => {
                                let expected = "Cascade, None, SetNull or SetDefault";
                                p.ignored(child, "Action", other, expected, "the element is ignored");
                                None
                            }
                        });
                    }
                    "Annotation" => p.annotation_into(child, &mut nav.annotations),
                    _ => p.unexpected(child),
                }
            }
            Some(nav)
        })
    }

    fn enum_type(&mut self, node: Node) -> Option<EnumType> {
        let name = self.within("EnumType", None, |p| p.required(node, "Name"))?;
        self.within("EnumType", Some(name), |p| {
            p.known_attributes(node, &["Name", "UnderlyingType", "IsFlags"]);
            let underlying_type = match node.attribute("UnderlyingType") {
                None => EdmType::Int32,
                Some(text) => match text.strip_prefix("Edm.").and_then(EdmType::from_name) {
                    Some(edm) if edm.is_enum_underlying() => edm,
                    _ => {
                        let expected = "Edm.Byte, Edm.SByte, Edm.Int16, Edm.Int32 or Edm.Int64";
                        p.ignored(node, "UnderlyingType", text, expected, "read as Edm.Int32");
                        EdmType::Int32
                    }
                },
            };
            let is_flags = p.boolean(node, "IsFlags", false);
            let (min, max) = underlying_type.integer_range().unwrap_or((i64::MIN, i64::MAX));
            let mut members: Vec<EnumMember> = Vec::new();
            let mut annotations = Annotations::default();
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "Member" => {
                        let Some(member_name) = p.within("Member", None, |p| p.required(child, "Name")) else {
                            continue;
                        };
                        p.within("Member", Some(member_name), |p| {
                            p.known_attributes(child, &["Name", "Value"]);
                            let value = match child.attribute("Value") {
                                Some(_) => p.number::<i64>(child, "Value", "an integer")?,
                                None if is_flags => {
                                    p.report(child, DiagnosticKind::MissingAttribute { attribute: "Value" });
                                    return None;
                                }
                                None => members.last().map_or(0, |m| m.value.saturating_add(1)),
                            };
                            if value < min || value > max {
                                p.report(
                                    child,
                                    DiagnosticKind::EnumValueOutOfRange { value, underlying: underlying_type.name() },
                                );
                            }
                            let annotations = p.annotations_of(child);
                            members.push(EnumMember {
                                name: member_name.to_owned(),
                                value,
                                annotations,
                                location: p.location(child),
                            });
                            Some(())
                        });
                    }
                    "Annotation" => p.annotation_into(child, &mut annotations),
                    _ => p.unexpected(child),
                }
            }
            Some(EnumType {
                name: name.to_owned(),
                underlying_type,
                is_flags,
                members,
                annotations,
                location: p.location(node),
            })
        })
    }

    fn type_definition(&mut self, node: Node) -> Option<TypeDefinition> {
        let name = self.within("TypeDefinition", None, |p| p.required(node, "Name"))?;
        self.within("TypeDefinition", Some(name), |p| {
            p.known_attributes(node, &["Name", "UnderlyingType", "MaxLength", "Precision", "Scale", "SRID", "Unicode"]);
            let text = p.required(node, "UnderlyingType")?;
            let Some(underlying_type) = text.strip_prefix("Edm.").and_then(EdmType::from_name) else {
                p.report(node, invalid("UnderlyingType", text, "a primitive Edm type"));
                return None;
            };
            let facets = p.facets(node);
            let annotations = p.annotations_of(node);
            Some(TypeDefinition {
                name: name.to_owned(),
                underlying_type,
                facets,
                annotations,
                location: p.location(node),
            })
        })
    }

    fn term(&mut self, node: Node) -> Option<Term> {
        let name = self.within("Term", None, |p| p.required(node, "Name"))?;
        self.within("Term", Some(name), |p| {
            p.known_attributes(
                node,
                &[
                    "Name",
                    "Type",
                    "BaseTerm",
                    "Nullable",
                    "DefaultValue",
                    "AppliesTo",
                    "MaxLength",
                    "Precision",
                    "Scale",
                    "SRID",
                    "Unicode",
                ],
            );
            let ty = p.type_ref(node, "Type");
            let base_term = node.attribute("BaseTerm").and_then(|t| p.qualified(node, "BaseTerm", t));
            let nullable = p.boolean(node, "Nullable", true);
            let facets = p.facets(node);
            let annotations = p.annotations_of(node);
            Some(Term {
                name: name.to_owned(),
                ty: ty?,
                base_term,
                nullable,
                default_value: node.attribute("DefaultValue").map(str::to_owned),
                applies_to: node
                    .attribute("AppliesTo")
                    .map(|a| a.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
                facets,
                annotations,
                location: p.location(node),
            })
        })
    }

    fn operation(&mut self, node: Node, kind: OperationKind) -> Option<Operation> {
        let element = node.tag_name().name();
        let name = self.within(element, None, |p| p.required(node, "Name"))?;
        self.within(element, Some(name), |p| {
            p.known_attributes(node, &["Name", "IsBound", "IsComposable", "EntitySetPath"]);
            let mut operation = Operation {
                name: name.to_owned(),
                kind,
                is_bound: p.boolean(node, "IsBound", false),
                is_composable: p.boolean(node, "IsComposable", false),
                entity_set_path: node.attribute("EntitySetPath").map(str::to_owned),
                parameters: Vec::new(),
                return_type: None,
                annotations: Annotations::default(),
                location: p.location(node),
            };
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "Parameter" => {
                        let Some(param_name) = p.within("Parameter", None, |p| p.required(child, "Name")) else {
                            continue;
                        };
                        let parameter = p.within("Parameter", Some(param_name), |p| {
                            p.known_attributes(
                                child,
                                &["Name", "Type", "Nullable", "MaxLength", "Precision", "Scale", "SRID", "Unicode"],
                            );
                            let ty = p.type_ref(child, "Type");
                            let nullable = p.boolean(child, "Nullable", true);
                            let facets = p.facets(child);
                            let annotations = p.annotations_of(child);
                            Some(Parameter {
                                name: param_name.to_owned(),
                                ty: ty?,
                                nullable,
                                facets,
                                annotations,
                                location: p.location(child),
                            })
                        });
                        operation.parameters.extend(parameter);
                    }
                    "ReturnType" => {
                        operation.return_type = p.within("ReturnType", None, |p| {
                            p.known_attributes(
                                child,
                                &["Type", "Nullable", "MaxLength", "Precision", "Scale", "SRID", "Unicode"],
                            );
                            let ty = p.type_ref(child, "Type");
                            let nullable = p.boolean(child, "Nullable", true);
                            let facets = p.facets(child);
                            Some(ReturnType { ty: ty?, nullable, facets })
                        });
                    }
                    "Annotation" => p.annotation_into(child, &mut operation.annotations),
                    _ => p.unexpected(child),
                }
            }
            if kind == OperationKind::Function && operation.return_type.is_none() {
                p.report(node, DiagnosticKind::MissingElement { element: "ReturnType" });
            }
            Some(operation)
        })
    }

    fn entity_container(&mut self, node: Node) -> Option<EntityContainer> {
        let name = self.within("EntityContainer", None, |p| p.required(node, "Name"))?;
        self.within("EntityContainer", Some(name), |p| {
            p.known_attributes(node, &["Name", "Extends"]);
            let extends = node.attribute("Extends").and_then(|t| p.qualified(node, "Extends", t));
            let mut container = EntityContainer {
                name: name.to_owned(),
                extends,
                entity_sets: Vec::new(),
                singletons: Vec::new(),
                action_imports: Vec::new(),
                function_imports: Vec::new(),
                annotations: Annotations::default(),
                location: p.location(node),
            };
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                let element = child.tag_name().name();
                if element == "Annotation" {
                    p.annotation_into(child, &mut container.annotations);
                    continue;
                }
                if element == "AssociationSet" {
                    let detail = "<AssociationSet> element".to_owned();
                    p.report(child, DiagnosticKind::UnsupportedODataVersion { detail });
                    continue;
                }
                if !matches!(element, "EntitySet" | "Singleton" | "ActionImport" | "FunctionImport") {
                    p.unexpected(child);
                    continue;
                }
                let Some(child_name) = p.within(element, None, |p| p.required(child, "Name")) else { continue };
                p.within(element, Some(child_name), |p| {
                    p.known_attributes(child, container_child_attributes(element));
                    let name = child_name.to_owned();
                    let location = p.location(child);
                    match element {
                        "EntitySet" => {
                            let entity_type = p.required_qualified(child, "EntityType");
                            let include_in_service_document = p.boolean(child, "IncludeInServiceDocument", true);
                            let navigation_property_bindings = p.bindings(child);
                            let annotations = p.annotations_of(child);
                            if let Some(entity_type) = entity_type {
                                container.entity_sets.push(EntitySet {
                                    name,
                                    entity_type,
                                    include_in_service_document,
                                    navigation_property_bindings,
                                    annotations,
                                    location,
                                });
                            }
                        }
                        "Singleton" => {
                            let entity_type = p.required_qualified(child, "Type");
                            let navigation_property_bindings = p.bindings(child);
                            let annotations = p.annotations_of(child);
                            if let Some(entity_type) = entity_type {
                                container.singletons.push(Singleton {
                                    name,
                                    entity_type,
                                    navigation_property_bindings,
                                    annotations,
                                    location,
                                });
                            }
                        }
                        "ActionImport" => {
                            let action = p.required_qualified(child, "Action");
                            let annotations = p.annotations_of(child);
                            if let Some(action) = action {
                                let entity_set = child.attribute("EntitySet").map(|target| p.canonical_target(target));
                                container.action_imports.push(ActionImport {
                                    name,
                                    action,
                                    entity_set,
                                    annotations,
                                    location,
                                });
                            }
                        }
                        "FunctionImport" => {
                            let function = p.required_qualified(child, "Function");
                            let include_in_service_document = p.boolean(child, "IncludeInServiceDocument", false);
                            let annotations = p.annotations_of(child);
                            if let Some(function) = function {
                                let entity_set = child.attribute("EntitySet").map(|target| p.canonical_target(target));
                                container.function_imports.push(FunctionImport {
                                    name,
                                    function,
                                    entity_set,
                                    include_in_service_document,
                                    annotations,
                                    location,
                                });
                            }
                        }
                        _ => {} // other elements were reported above
                    }
                });
            }
            Some(container)
        })
    }

    fn bindings(&mut self, node: Node) -> Vec<NavigationPropertyBinding> {
        let mut bindings = Vec::new();
        for child in node.children().filter(Node::is_element) {
            if child.tag_name().namespace() != Some(EDM_NS) {
                continue;
            }
            match child.tag_name().name() {
                "NavigationPropertyBinding" => {
                    let (path, target) = self.within("NavigationPropertyBinding", None, |p| {
                        (p.required(child, "Path"), p.required(child, "Target"))
                    });
                    if let (Some(path), Some(target)) = (path, target) {
                        bindings.push(NavigationPropertyBinding {
                            path: path.to_owned(),
                            target: self.canonical_target(target),
                        });
                    }
                }
                "Annotation" => {}
                _ => self.unexpected(child),
            }
        }
        bindings
    }

    /// `Alias.Container/set` → `Namespace.Container/set`.
    fn canonical_target(&self, target: &str) -> String {
        match target.split_once('/') {
            Some((head, rest)) => match QualifiedName::parse(head) {
                Some(q) => format!("{}.{}/{rest}", self.canonical(&q.namespace), q.name),
                None => target.to_owned(),
            },
            None => target.to_owned(),
        }
    }

    fn external_annotations(&mut self, node: Node) -> Option<ExternalAnnotations> {
        let target = self.within("Annotations", None, |p| p.required(node, "Target"))?;
        let target = self.canonical_path(target);
        let qualifier = node.attribute("Qualifier").map(str::to_owned);
        self.within("Annotations", Some(&target.clone()), |p| {
            p.known_attributes(node, &["Target", "Qualifier"]);
            let mut annotations = Vec::new();
            for child in node.children().filter(Node::is_element) {
                if !is_edm(child, "Annotation") {
                    p.unexpected(child);
                    continue;
                }
                if let Some(mut annotation) = p.annotation(child) {
                    // A qualifier on the block applies to every annotation in it.
                    if annotation.qualifier.is_none() {
                        annotation.qualifier.clone_from(&qualifier);
                    }
                    annotations.push(annotation);
                }
            }
            Some(ExternalAnnotations { target, qualifier, annotations, location: p.location(node) })
        })
    }

    /// Makes every qualified name in an annotation target canonical: the head
    /// (`Alias.Type/member`) and the parameter types of an operation overload
    /// (`Alias.fn(Alias.Type,Collection(Alias.Other))`).
    fn canonical_path(&self, target: &str) -> String {
        let (head, rest) = match target.find(['/', '(']) {
            Some(i) => target.split_at(i),
            None => (target, ""),
        };
        let mut out = match QualifiedName::parse(head) {
            Some(q) => format!("{}.{}", self.canonical(&q.namespace), q.name),
            None => head.to_owned(),
        };
        // The parameter types of an overload: up to the `)` matching the first `(`; a target
        // without one is kept as written (resolution reports it).
        if rest.starts_with('(')
            && let Some(close) = matching_paren(rest)
        {
            let canonical: Vec<String> = rest[1..close]
                .split(',')
                .map(|param| {
                    let param = param.trim();
                    let (wrap, ty) = match param.strip_prefix("Collection(").and_then(|p| p.strip_suffix(')')) {
                        Some(ty) => (true, ty),
                        None => (false, param),
                    };
                    let ty = if ty.starts_with("Edm.") {
                        ty.to_owned()
                    } else {
                        QualifiedName::parse(ty)
                            .map_or_else(|| ty.to_owned(), |q| format!("{}.{}", self.canonical(&q.namespace), q.name))
                    };
                    if wrap { format!("Collection({ty})") } else { ty }
                })
                .collect();
            out.push('(');
            out.push_str(&canonical.join(","));
            out.push(')');
            out.push_str(&rest[close + 1..]);
            return out;
        }
        out.push_str(rest);
        out
    }
}

/// The attributes CSDL 4.01 defines for an element of an `EntityContainer`.
fn container_child_attributes(element: &str) -> &'static [&'static str] {
    match element {
        "EntitySet" => &["Name", "EntityType", "IncludeInServiceDocument"],
        "Singleton" => &["Name", "Type", "Nullable"],
        "ActionImport" => &["Name", "Action", "EntitySet"],
        _ => &["Name", "Function", "EntitySet", "IncludeInServiceDocument"],
    }
}

/// The index of the `)` closing the `(` at the start of `text`.
fn matching_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Turns references into namespaces that are only included (not declared) into
/// [`TypeTarget::External`].
fn mark_external_types(schema: &mut Schema, included: &BTreeSet<String>) {
    let mark = |ty: &mut TypeRef| {
        if let TypeTarget::Named(name) = &ty.target
            && included.contains(&name.namespace)
        {
            ty.target = TypeTarget::External(name.clone());
        }
    };
    for ty in schema.entity_types.iter_mut().chain(&mut schema.complex_types) {
        ty.properties.iter_mut().for_each(|p| mark(&mut p.ty));
        ty.navigation_properties.iter_mut().for_each(|p| mark(&mut p.ty));
    }
    for term in &mut schema.terms {
        mark(&mut term.ty);
    }
    for op in schema.actions.iter_mut().chain(&mut schema.functions) {
        op.parameters.iter_mut().for_each(|p| mark(&mut p.ty));
        if let Some(ret) = &mut op.return_type {
            mark(&mut ret.ty);
        }
    }
}

fn is_legacy(namespace: &str) -> bool {
    namespace.starts_with(LEGACY_NS_PREFIX)
}

fn is_edm(node: Node, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(EDM_NS) && node.tag_name().name() == name
}

fn display_name(node: Node) -> String {
    let tag = node.tag_name();
    match tag.namespace().and_then(|ns| node.lookup_prefix(ns)).filter(|p| !p.is_empty()) {
        Some(prefix) => format!("{prefix}:{}", tag.name()),
        None => tag.name().to_owned(),
    }
}

fn invalid(attribute: &'static str, value: &str, expected: &'static str) -> DiagnosticKind {
    DiagnosticKind::InvalidAttribute { attribute, value: value.to_owned(), expected }
}
