//! Rustdoc from the schema: descriptions escaped so schema text never becomes code, links or
//! HTML, deprecations, and what an entity set's URL, key and `Capabilities` annotations say.

use super::{Docs, Planner, SetInfo};
use crate::csdl::{Annotations, TypeTarget, Value};

impl<'m> Planner<'m> {
    pub(super) fn set_docs(&self, info: &SetInfo<'m>, key: &[String], api_version: Option<&str>) -> Docs {
        let set = info.set;
        let mut docs = docs_for(&set.annotations);
        if let Some(type_description) = &info.ty.annotations.description
            && set.annotations.description.as_ref() != Some(type_description)
        {
            docs.paragraphs.push(schema_text(type_description));
        }
        let query = api_version.map(|v| format!("?api-version={v}")).unwrap_or_default();
        docs.paragraphs.push(format!(
            "URL: `GET {{service root}}/{}{query}` (entity set of container `{}`).",
            set.name, info.container
        ));
        let key_list: Vec<String> = key.iter().map(|k| format!("`{k}`")).collect();
        docs.paragraphs.push(format!(
            "Key: {}; rows are `{}`.",
            if key_list.is_empty() { "none".to_owned() } else { key_list.join(", ") },
            set.entity_type
        ));
        docs.paragraphs.extend(capability_notes(&set.annotations));
        docs
    }
}

/// What the entity set's `Capabilities` annotations say the service refuses, for its docs.
pub(super) fn capability_notes(annotations: &Annotations) -> Vec<String> {
    let mut notes = Vec::new();
    let list = |paths: &[String]| paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    if let Some(filter) = annotations.filter_restrictions() {
        if filter.flag("Filterable") == Some(false) {
            notes.push(
                "The service does not support `$filter` on this entity set (`Capabilities.FilterRestrictions`)."
                    .to_owned(),
            );
        } else {
            let non_filterable = filter.paths("NonFilterableProperties");
            if !non_filterable.is_empty() {
                notes.push(format!(
                    "Not filterable (`Capabilities.FilterRestrictions`): {}; a `$filter` on them is refused.",
                    list(non_filterable)
                ));
            }
            let required = filter.paths("RequiredProperties");
            if filter.flag("RequiresFilter") == Some(true) || !required.is_empty() {
                let which = if required.is_empty() { String::new() } else { format!(" on {}", list(required)) };
                notes.push(format!("The service requires a `$filter`{which} (`Capabilities.FilterRestrictions`)."));
            }
        }
    }
    for (term, option) in [("TopSupported", "$top"), ("SkipSupported", "$skip")] {
        let qualified = format!("{}.{term}", crate::csdl::CAPABILITIES);
        let refused = annotations.other.iter().any(|a| a.term == qualified && matches!(a.value, Value::Bool(false)));
        if refused {
            notes.push(format!("The service does not support `{option}` on this entity set (`Capabilities.{term}`)."));
        }
    }
    let select_support = format!("{}.SelectSupport", crate::csdl::CAPABILITIES);
    let select_refused = annotations.other.iter().any(|a| {
        a.term == select_support
            && matches!(&a.value, Value::Record { properties, .. }
                if properties.iter().any(|(name, value)| name == "Supported" && matches!(value, Value::Bool(false))))
    });
    if select_refused {
        notes.push(
            "The service does not support `$select` on this entity set (`Capabilities.SelectSupport`).".to_owned(),
        );
    }
    notes
}

/// Says why a member is raw JSON: its type is not declared in this document (it belongs to a
/// referenced document, or the reader found it nowhere and warned).
pub(super) fn raw_json_note(target: &TypeTarget) -> Option<String> {
    match target {
        TypeTarget::External(name) => {
            Some(format!("Raw JSON: the type `{name}` is not declared in this document, so its value is not decoded."))
        }
        _ => None,
    }
}

/// Rustdoc from `Core.Description` and `Core.LongDescription` (nothing when the schema says
/// nothing: a line repeating the element's name adds only bytes to compile), plus the first
/// `Core.Revisions` deprecation.
pub(super) fn docs_for(annotations: &Annotations) -> Docs {
    let mut paragraphs = Vec::new();
    paragraphs.extend(annotations.description.as_deref().map(schema_text));
    paragraphs.extend(annotations.long_description.as_deref().map(schema_text));
    let deprecated = annotations.deprecation().map(|revision| {
        let mut note = revision.description.clone().unwrap_or_else(|| "Deprecated by the service.".to_owned());
        if let Some(version) = &revision.version {
            note = format!("{note} (since {version})");
        }
        note
    });
    Docs { paragraphs, deprecated }
}

/// Schema text → Markdown that renders as written: no accidental code blocks (indentation or
/// fences), links, emphasis or HTML; bare URLs become autolinks.
pub(super) fn schema_text(text: &str) -> String {
    let mut paragraphs = Vec::new();
    for paragraph in text.replace("\r\n", "\n").split("\n\n") {
        let words: Vec<String> = paragraph.split_whitespace().map(escape_word).collect();
        if !words.is_empty() {
            paragraphs.push(words.join(" "));
        }
    }
    paragraphs.join("\n\n")
}

fn escape_word(word: &str) -> String {
    let url = word.trim_end_matches(['.', ',', ';', ':', ')', '\'', '"']);
    if (url.starts_with("https://") || url.starts_with("http://")) && !url.contains(['<', '>', '`']) {
        return format!("<{url}>{}", escape_markdown(&word[url.len()..]));
    }
    escape_markdown(word)
}

fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']' | '<' | '>' | '*' | '_' | '#' | '`' | '|' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_text_is_escaped_for_rustdoc() {
        assert_eq!(schema_text("A   [link](x) <b>bold</b>\n    code"), r"A \[link\](x) \<b\>bold\</b\> code");
        assert_eq!(schema_text("See https://example.com/a_b."), "See <https://example.com/a_b>.");
        assert_eq!(schema_text("```rust\nfn main() {}\n```"), r"\`\`\`rust fn main() {} \`\`\`");
        assert_eq!(schema_text("One.\r\n\r\nTwo."), "One.\n\nTwo.");
    }
}
