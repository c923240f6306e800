//! A [`Diff`] as plain text (CI logs), as Markdown (a pull-request comment), and as a
//! comparison of two versions of one service (README, release notes). JSON is serde's.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value as Json;

use super::{Change, ChangeKind, Diff, Impact, Item, Summary};

/// Values longer than this many characters are cut in text and Markdown (JSON keeps them whole).
const MAX_VALUE_CHARS: usize = 120;

pub(super) fn text(diff: &Diff) -> String {
    let mut out = format!("Schema diff: {}\n", summary_words(&diff.summary));
    for impact in Impact::BY_SEVERITY {
        let changes: Vec<&Change> = diff.with_impact(impact).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} ({}):", impact.as_str(), changes.len());
        for change in changes {
            let (kind, item, path) = (change.kind.as_str(), change.item.as_str(), &change.path);
            let _ = writeln!(out, "  {kind} {item} {path}: {}", values(&change.old, &change.new));
            let _ = writeln!(out, "      {}", change.reason);
        }
    }
    out
}

pub(super) fn markdown(diff: &Diff) -> String {
    let mut out = format!("**Schema diff:** {}\n", summary_words(&diff.summary));
    for impact in Impact::BY_SEVERITY {
        let changes: Vec<&Change> = diff.with_impact(impact).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n#### {} ({})\n", impact_title(impact), changes.len());
        out.push_str("| change | item | path | old | new | reason |\n|---|---|---|---|---|---|\n");
        for change in changes {
            let (old, new) = (value_cell(&change.old), value_cell(&change.new));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {old} | {new} | {} |",
                change.kind.as_str(),
                change.item.as_str(),
                code_cell(&change.path),
                text_cell(&change.reason),
            );
        }
    }
    out
}

fn summary_words(summary: &Summary) -> String {
    if *summary == Summary::default() {
        return "no changes".to_owned();
    }
    format!("{} breaking, {} additive, {} docs", summary.breaking, summary.additive, summary.docs)
}

fn impact_title(impact: Impact) -> &'static str {
    match impact {
        Impact::Breaking => "Breaking changes",
        Impact::Additive => "Additive changes",
        Impact::Docs => "Documentation-only changes",
    }
}

/// A JSON value in words: strings bare, objects as `key: value, ...`, arrays as `[a, b]`.
fn display(value: &Json) -> String {
    match value {
        Json::Null => "null".to_owned(),
        Json::String(text) => text.clone(),
        Json::Bool(_) | Json::Number(_) => value.to_string(),
        Json::Array(items) => format!("[{}]", items.iter().map(display).collect::<Vec<_>>().join(", ")),
        Json::Object(map) => map.iter().map(|(k, v)| format!("{k}: {}", nested(v))).collect::<Vec<_>>().join(", "),
    }
}

fn nested(value: &Json) -> String {
    match value {
        Json::Object(_) => format!("{{{}}}", display(value)),
        _ => display(value),
    }
}

/// Puts text on one line (line breaks become spaces) and cuts it to [`MAX_VALUE_CHARS`]
/// characters, marking the cut with `…`.
fn shorten(text: String) -> String {
    let text = if text.contains(['\r', '\n']) { text.split_whitespace().collect::<Vec<_>>().join(" ") } else { text };
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// `old -> new` for a change (`key: old -> new` when both name the same aspect), the one value
/// present for an addition or removal.
fn values(old: &Json, new: &Json) -> String {
    match (old, new) {
        (Json::Null, value) | (value, Json::Null) => shorten(display(value)),
        (Json::Object(a), Json::Object(b)) if a.len() == 1 && a.keys().eq(b.keys()) => {
            let (key, a) = a.iter().next().expect("one entry");
            format!("{key}: {} -> {}", shorten(nested(a)), shorten(nested(&b[key])))
        }
        (old, new) => format!("{} -> {}", shorten(display(old)), shorten(display(new))),
    }
}

/// Escapes text for a Markdown table cell: no line breaks, `|` escaped, HTML tags and entities
/// neutralised (`<` and `&`).
fn text_cell(text: &str) -> String {
    let mut cell = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => cell.push_str("\\|"),
            '&' => cell.push_str("&amp;"),
            '<' => cell.push_str("&lt;"),
            '\r' | '\n' => cell.push(' '),
            c => cell.push(c),
        }
    }
    cell
}

fn value_cell(value: &Json) -> String {
    if value.is_null() { String::new() } else { text_cell(&shorten(display(value))) }
}

/// A path as inline code (only `|` needs escaping inside a table); as text if it has a backtick.
fn code_cell(text: &str) -> String {
    if text.contains('`') { text_cell(text) } else { format!("`{}`", text.replace('|', "\\|")) }
}

/// One section of a version comparison: what only one side has, or what differs.
struct Section {
    title: String,
    groups: Vec<Group>,
}

/// The changes of one item in a section, e.g. `properties (213)`.
struct Group {
    item: Item,
    count: usize,
    lines: Vec<Line>,
}

/// One line of a group: a path, or an owner with the names of its members.
struct Line {
    subject: String,
    detail: Detail,
}

enum Detail {
    None,
    Names(Vec<String>),
    Text(String),
}

pub(super) fn comparison_text(diff: &Diff, old_label: &str, new_label: &str) -> String {
    let sections = comparison(diff, old_label, new_label);
    let mut out = format!("{new_label} compared with {old_label}: {}\n", comparison_counts(&sections));
    for section in &sections {
        let _ = writeln!(out, "\n{}", section.title);
        if section.groups.is_empty() {
            out.push_str("  none\n");
        }
        for group in &section.groups {
            let _ = writeln!(out, "  {} ({})", group.item.plural(), group.count);
            for line in &group.lines {
                let _ = match &line.detail {
                    Detail::None => writeln!(out, "    {}", line.subject),
                    Detail::Names(names) => {
                        writeln!(out, "    {}: {}", line.subject, names.join(", "))
                    }
                    Detail::Text(text) => writeln!(out, "    {}: {text}", line.subject),
                };
            }
        }
    }
    out
}

pub(super) fn comparison_markdown(diff: &Diff, old_label: &str, new_label: &str) -> String {
    let sections = comparison(diff, old_label, new_label);
    let mut out = format!(
        "**{} compared with {}:** {}\n",
        text_cell(new_label),
        text_cell(old_label),
        comparison_counts(&sections)
    );
    for section in &sections {
        let _ = writeln!(out, "\n### {}", text_cell(&section.title));
        if section.groups.is_empty() {
            out.push_str("\nNone.\n");
        }
        for group in &section.groups {
            let _ = writeln!(out, "\n**{} ({})**\n", capitalise(group.item.plural()), group.count);
            for line in &group.lines {
                let subject = code_cell(&line.subject);
                let _ = match &line.detail {
                    Detail::None => writeln!(out, "- {subject}"),
                    Detail::Names(names) => {
                        let names: Vec<String> = names.iter().map(|n| code_cell(n)).collect();
                        writeln!(out, "- {subject}: {}", names.join(", "))
                    }
                    Detail::Text(text) => writeln!(out, "- {subject}: {}", text_cell(text)),
                };
            }
        }
    }
    out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn comparison_counts(sections: &[Section]) -> String {
    let counts: Vec<String> = sections
        .iter()
        .map(|s| format!("{} {}", s.groups.iter().map(|g| g.count).sum::<usize>(), s.title.to_lowercase()))
        .collect();
    counts.join(", ")
}

/// Groups the changes into "Only in new", "Only in old" and "Different" (always all three, so
/// an empty one says so), each by item.
fn comparison(diff: &Diff, old_label: &str, new_label: &str) -> Vec<Section> {
    let sections = [
        (ChangeKind::Added, format!("Only in {new_label}")),
        (ChangeKind::Removed, format!("Only in {old_label}")),
        (ChangeKind::Changed, "Different".to_owned()),
    ];
    sections
        .into_iter()
        .map(|(kind, title)| {
            let groups: Vec<Group> = Item::ALL
                .into_iter()
                .filter_map(|item| {
                    let changes: Vec<&Change> =
                        diff.changes.iter().filter(|c| c.kind == kind && c.item == item).collect();
                    (!changes.is_empty()).then(|| Group {
                        item,
                        count: changes.len(),
                        lines: lines(kind, item, &changes),
                    })
                })
                .collect();
            Section { title, groups }
        })
        .collect()
}

/// Members and container children found on one side are listed by owner; types by path; the
/// rest with their value (or old and new values).
fn lines(kind: ChangeKind, item: Item, changes: &[&Change]) -> Vec<Line> {
    let by_owner = matches!(
        item,
        Item::EntitySet | Item::Singleton | Item::Property | Item::NavigationProperty | Item::EnumMember
    );
    if kind != ChangeKind::Changed && by_owner {
        let mut owners: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for change in changes {
            let (owner, name) = change.path.rsplit_once('/').unwrap_or(("", &change.path));
            owners.entry(owner).or_default().push(name.to_owned());
        }
        return owners
            .into_iter()
            .map(|(owner, names)| Line { subject: owner.to_owned(), detail: Detail::Names(names) })
            .collect();
    }
    let is_type = matches!(item, Item::EntityType | Item::ComplexType | Item::EnumType | Item::TypeDefinition);
    changes
        .iter()
        .map(|change| {
            let detail = if kind != ChangeKind::Changed && is_type {
                Detail::None
            } else {
                Detail::Text(values(&change.old, &change.new))
            };
            Line { subject: change.path.clone(), detail }
        })
        .collect()
}
