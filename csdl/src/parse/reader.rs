//! The reader's primitives: where an element is, what to report, and how attributes, facets and
//! qualified names are read (with the fallbacks of a tolerant reader).

use roxmltree::Node;

use super::*;
use crate::edm::EdmType;

impl<'t> Parser<'t> {
    pub(super) fn location(&self, node: Node) -> Location {
        self.lines.location(self.text, node.range().start)
    }

    /// Records a diagnostic about `node` at the current element path.
    pub(super) fn report(&mut self, node: Node, kind: DiagnosticKind) {
        let location = self.location(node);
        self.diagnostics.push(Diagnostic::new(kind, location, self.path.clone()));
    }

    /// Runs `f` with `/Element[name]` appended to the element path.
    pub(super) fn within<R>(&mut self, element: &str, name: Option<&str>, f: impl FnOnce(&mut Self) -> R) -> R {
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
    pub(super) fn known_attributes(&mut self, node: Node, known: &[&str]) {
        for attribute in node.attributes().filter(|a| a.namespace().is_none()) {
            if !known.contains(&attribute.name()) {
                self.report(node, DiagnosticKind::UnknownAttribute { attribute: attribute.name().to_owned() });
            }
        }
    }

    pub(super) fn required<'n>(&mut self, node: Node<'n, '_>, attribute: &'static str) -> Option<&'n str> {
        let value = node.attribute(attribute);
        if value.is_none() {
            self.report(node, DiagnosticKind::MissingAttribute { attribute });
        }
        value
    }

    /// A boolean attribute. `True`, `FALSE`, `1`, `0` (as .NET reads them) are read with a
    /// warning; anything else is ignored with a warning, leaving the default.
    pub(super) fn boolean(&mut self, node: Node, attribute: &'static str, default: bool) -> bool {
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
    pub(super) fn read_as(&mut self, node: Node, attribute: &'static str, value: &str, read_as: &'static str) {
        self.report(node, DiagnosticKind::ValueReadAs { attribute, value: value.to_owned(), read_as });
    }

    /// Warns that `value` could not be read and what was done instead.
    pub(super) fn ignored(
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
    pub(super) fn keyword(&mut self, node: Node, attribute: &'static str, text: &str, keyword: &'static str) -> bool {
        if text == keyword {
            return true;
        }
        let matches = text.eq_ignore_ascii_case(keyword);
        if matches {
            self.read_as(node, attribute, text, keyword);
        }
        matches
    }

    pub(super) fn number<T: std::str::FromStr>(
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
    pub(super) fn canonical(&self, namespace: &str) -> String {
        self.aliases.get(namespace).cloned().unwrap_or_else(|| namespace.to_owned())
    }

    pub(super) fn qualified(&mut self, node: Node, attribute: &'static str, text: &str) -> Option<QualifiedName> {
        match QualifiedName::parse(text) {
            Some(name) => Some(QualifiedName { namespace: self.canonical(&name.namespace), name: name.name }),
            None => {
                self.report(node, invalid(attribute, text, "a namespace-qualified name"));
                None
            }
        }
    }

    pub(super) fn required_qualified(&mut self, node: Node, attribute: &'static str) -> Option<QualifiedName> {
        let text = self.required(node, attribute)?;
        self.qualified(node, attribute, text)
    }

    /// A `Type` attribute: `Edm.X`, `Namespace.X` or `Collection(...)` of those.
    pub(super) fn type_ref(&mut self, node: Node, attribute: &'static str) -> Option<TypeRef> {
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
    pub(super) fn facets(&mut self, node: Node) -> Facets {
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
    pub(super) fn facet_number<T: std::str::FromStr>(
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
}

pub(super) fn is_legacy(namespace: &str) -> bool {
    namespace.starts_with(LEGACY_NS_PREFIX)
}

pub(super) fn is_edm(node: Node, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(EDM_NS) && node.tag_name().name() == name
}

pub(super) fn display_name(node: Node) -> String {
    let tag = node.tag_name();
    match tag.namespace().and_then(|ns| node.lookup_prefix(ns)).filter(|p| !p.is_empty()) {
        Some(prefix) => format!("{prefix}:{}", tag.name()),
        None => tag.name().to_owned(),
    }
}

pub(super) fn invalid(attribute: &'static str, value: &str, expected: &'static str) -> DiagnosticKind {
    DiagnosticKind::InvalidAttribute { attribute, value: value.to_owned(), expected }
}
