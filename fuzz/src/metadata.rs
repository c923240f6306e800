//! Metadata documents: CSDL bytes → parse → resolve → generate, and two documents → diff.
//! Included by `codegen/tests/fuzz_regressions.rs` too, so it uses `codegen` and `syn` only.

use codegen::csdl;

/// Any bytes: reading never panics, and a document that reads generates Rust that parses
/// (names that collide are made unique, so generation has no reason to fail).
pub fn csdl(data: &[u8]) {
    if csdl::parse_bytes(data).is_err() {
        return;
    }
    let header = codegen::Header { command: "fuzz".to_owned(), source_name: "fuzz.xml".to_owned() };
    match codegen::generate(data, &codegen::Options::standalone("Fuzz", header)) {
        Ok(files) => {
            for (path, text) in &files {
                if let Err(e) = syn::parse_file(text) {
                    panic!("generated {path} does not parse: {e}\n{text}");
                }
            }
        }
        Err(e) => panic!("a document that reads failed to generate: {e}"),
    }
}

/// Two documents separated by a NUL byte (which XML cannot contain), or one compared with
/// itself: comparing never panics, a document equals itself, a change is seen both ways, and
/// every report renders.
pub fn diff(data: &[u8]) {
    let (old, new, itself) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..], false),
        None => (data, data, true),
    };
    let (Ok(old), Ok(new)) = (csdl::parse_bytes(old), csdl::parse_bytes(new)) else {
        return;
    };
    let diff = codegen::diff::compare(&old.model, &new.model);
    if itself {
        assert!(diff.is_empty(), "a document differs from itself:\n{}", diff.to_text());
    }
    let summary = diff.summary;
    assert_eq!(summary.breaking + summary.additive + summary.docs, diff.changes.len());
    for report in [diff.to_text(), diff.to_json(), diff.to_markdown(), diff.to_comparison_text("old", "new")] {
        assert!(!report.is_empty());
    }
    let reverse = codegen::diff::compare(&new.model, &old.model);
    assert_eq!(diff.is_empty(), reverse.is_empty(), "a change is seen one way only:\n{}", diff.to_text());
}
