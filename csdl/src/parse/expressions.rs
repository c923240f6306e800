//! Annotations: inline `Annotation` elements and their expressions (bounded in depth), and
//! external `Annotations` blocks with their targets made canonical.

use roxmltree::Node;

use super::*;
use crate::annotations::{Annotation, Annotations, ConstantKind, PathKind, Value};

impl<'t> Parser<'t> {
    /// Reads an `Annotation` child and applies it.
    pub(super) fn annotation_into(&mut self, node: Node, annotations: &mut Annotations) {
        if let Some(annotation) = self.annotation(node) {
            annotations.apply(annotation);
        }
    }

    /// Reads the `Annotation` children of `node` (other children are the caller's business).
    pub(super) fn annotations_of(&mut self, node: Node) -> Annotations {
        let mut annotations = Annotations::default();
        for child in node.children().filter(|n| is_edm(*n, "Annotation")) {
            self.annotation_into(child, &mut annotations);
        }
        annotations
    }

    pub(super) fn annotation(&mut self, node: Node) -> Option<Annotation> {
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
    pub(super) fn annotation_value(&mut self, node: Node, depth: usize) -> Option<Value> {
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
    pub(super) fn attribute_expression(&mut self, node: Node, name: &str, text: &str) -> Option<Option<Value>> {
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

    pub(super) fn bool_expression(&mut self, node: Node, text: &str) -> Option<Value> {
        match text.trim() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            other => {
                self.ignored(node, "Bool", other, "`true` or `false`", "the expression is dropped");
                None
            }
        }
    }

    pub(super) fn int_expression(&mut self, node: Node, text: &str) -> Option<Value> {
        match text.trim().parse() {
            Ok(n) => Some(Value::Int(n)),
            Err(_) => {
                self.ignored(node, "Int", text, "a 64-bit integer", "the expression is dropped");
                None
            }
        }
    }

    /// `Alias.Type/Member Alias.Type/Other` → members with the namespace resolved.
    pub(super) fn enum_member_expression(&self, text: &str) -> Value {
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

    pub(super) fn expression(&mut self, node: Node, depth: usize) -> Option<Value> {
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

    /// `Alias.Container/set` → `Namespace.Container/set`.
    pub(super) fn canonical_target(&self, target: &str) -> String {
        match target.split_once('/') {
            Some((head, rest)) => match QualifiedName::parse(head) {
                Some(q) => format!("{}.{}/{rest}", self.canonical(&q.namespace), q.name),
                None => target.to_owned(),
            },
            None => target.to_owned(),
        }
    }

    pub(super) fn external_annotations(&mut self, node: Node) -> Option<ExternalAnnotations> {
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
    pub(super) fn canonical_path(&self, target: &str) -> String {
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

/// The index of the `)` closing the `(` at the start of `text`.
pub(super) fn matching_paren(text: &str) -> Option<usize> {
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
