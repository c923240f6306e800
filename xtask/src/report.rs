//! Reading a CSDL document and printing its diagnostics, the same way for every command.
//!
//! Each diagnostic is one line on stderr, `file:line:column: severity: element/path: message`,
//! for editors and CI annotations to pick up, followed by one line of totals
//! (`warning: 2 warnings in fixtures/v1.0/metadata.xml`). With `--strict`, warnings are printed
//! and counted as errors.

use std::path::Path;

use anyhow::Context;
use codegen::csdl::{self, Diagnostic, Model, Parsed, Severity};

/// The `--strict` flag, shared by every command that reads CSDL.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Strictness {
    /// Treat every warning about the document (a defect read with a fallback) as an error.
    #[arg(long)]
    pub strict: bool,
}

/// Reads and parses the document at `file`, printing its diagnostics; the model when it can be
/// used (no error, and no warning under `--strict`).
pub fn load(file: &Path, strict: bool) -> anyhow::Result<Option<Model>> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    Ok(parse(&bytes, &file.display().to_string(), strict))
}

/// Parses `bytes`, printing their diagnostics against `shown`; the model when it can be used.
pub fn parse(bytes: &[u8], shown: &str, strict: bool) -> Option<Model> {
    match judge(csdl::parse_bytes(bytes), strict) {
        Ok(Parsed { model, warnings }) => {
            print(shown, &warnings);
            Some(model)
        }
        Err(diagnostics) => {
            print(shown, &diagnostics);
            None
        }
    }
}

/// The outcome of a parse under `strict`: the parsed document, or every diagnostic when it is
/// refused (warnings promoted to errors under `--strict`).
pub fn judge(result: Result<Parsed, csdl::Errors>, strict: bool) -> Result<Parsed, Vec<Diagnostic>> {
    match (result, strict) {
        (Ok(parsed), true) => parsed.into_strict().map(|model| Parsed { model, warnings: Vec::new() }).map_err(|e| e.0),
        (Ok(parsed), false) => Ok(parsed),
        (Err(errors), _) => Err(errors.0),
    }
}

/// Prints each diagnostic as `shown:line:column: severity: path: message`, then the totals.
/// Prints nothing when there is none.
pub fn print(shown: &str, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        eprintln!("{shown}:{diagnostic}");
    }
    if let Some(line) = totals(shown, diagnostics) {
        eprintln!("{line}");
    }
}

/// `warning: 2 warnings in FILE`, `error: 1 error and 3 warnings in FILE`; `None` for none.
pub fn totals(shown: &str, diagnostics: &[Diagnostic]) -> Option<String> {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.len() - errors;
    let counted = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let (severity, counts) = match (errors, warnings) {
        (0, 0) => return None,
        (0, w) => (Severity::Warning, counted(w, "warning")),
        (e, 0) => (Severity::Error, counted(e, "error")),
        (e, w) => (Severity::Error, format!("{} and {}", counted(e, "error"), counted(w, "warning"))),
    };
    Some(format!("{severity}: {counts} in {shown}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use codegen::csdl::{DiagnosticKind, Location};

    fn diagnostic(kind: DiagnosticKind) -> Diagnostic {
        Diagnostic::new(kind, Location { line: 1, column: 2 }, "Schema[NS]".to_owned())
    }

    #[test]
    fn totals_count_each_severity() {
        let warning = diagnostic(DiagnosticKind::UntypedNavigationProperty);
        let error = diagnostic(DiagnosticKind::MissingAttribute { attribute: "Name" });
        assert_eq!(totals("f.xml", &[]), None);
        assert_eq!(totals("f.xml", std::slice::from_ref(&warning)).as_deref(), Some("warning: 1 warning in f.xml"));
        assert_eq!(
            totals("f.xml", &[error.clone(), warning.clone(), warning]).as_deref(),
            Some("error: 1 error and 2 warnings in f.xml")
        );
        assert_eq!(totals("f.xml", &[error.clone(), error]).as_deref(), Some("error: 2 errors in f.xml"));
    }
}
