//! Rustdoc from the schema: descriptions escaped so schema text never becomes code, links or
//! HTML, deprecations, and what an entity set's URL, key and `Capabilities` annotations say.

use super::{Docs, Planner, RestrictionsPlan, SetInfo, capabilities};
use crate::csdl::{Annotations, TypeTarget};

impl<'m> Planner<'m> {
    pub(super) fn set_docs(
        &self,
        info: &SetInfo<'m>,
        key: &[String],
        api_version: Option<&str>,
        restrictions: &RestrictionsPlan,
    ) -> Docs {
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
        docs.paragraphs.extend(capabilities::notes(restrictions));
        docs
    }
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
