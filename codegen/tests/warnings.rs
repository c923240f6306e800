//! Documents with defects that real services ship: each reads with exactly the expected warnings
//! (kind, line:column, element path), and under `--strict` fails with the same diagnostics as
//! errors. Their generated crates are compiled by `xtask/tests/generate.rs`.

mod support;

use codegen::csdl::{self, DiagnosticKind, Severity};
use support::warnings::warning_cases;

type Row = (String, String, DiagnosticKind);

fn rows(expected: &[(&str, &str, DiagnosticKind)]) -> Vec<Row> {
    expected.iter().map(|(at, path, kind)| ((*at).to_owned(), (*path).to_owned(), kind.clone())).collect()
}

fn show(rows: &[Row]) -> String {
    rows.iter().map(|(at, path, kind)| format!("\n    {at} {path}: {kind:?}")).collect()
}

#[test]
fn documents_with_defects_read_with_exactly_the_expected_warnings() {
    let mut failures = Vec::new();
    for case in warning_cases() {
        let expected = rows(&case.expected);
        let parsed = match csdl::parse(&case.text) {
            Ok(parsed) => parsed,
            Err(errors) => {
                failures.push(format!("{}: refused:\n{errors}", case.name));
                continue;
            }
        };
        assert!(parsed.warnings.iter().all(|w| w.severity == Severity::Warning), "{}", case.name);
        let actual: Vec<Row> =
            parsed.warnings.iter().map(|w| (w.location.to_string(), w.path.clone(), w.kind.clone())).collect();
        if actual != expected {
            failures.push(format!("{}:\n  expected:{}\n  actual:{}", case.name, show(&expected), show(&actual)));
        }
        // `--strict`: the same diagnostics, as errors.
        let strict = parsed.into_strict().expect_err("warnings refuse the document under --strict");
        assert!(strict.iter().all(|e| e.severity == Severity::Error), "{}", case.name);
        let promoted: Vec<Row> =
            strict.iter().map(|e| (e.location.to_string(), e.path.clone(), e.kind.clone())).collect();
        assert_eq!(promoted, expected, "{}: --strict", case.name);
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// What each fallback leaves in the model.
#[test]
fn fallbacks_leave_what_the_table_of_readme_says() {
    let cases = warning_cases();
    let case = |name: &str| {
        let case = cases.iter().find(|c| c.name == name).expect("case");
        csdl::parse(&case.text).expect("reads").model
    };
    let model = case("facet-case");
    let c = model.structured_type(&csdl::QualifiedName::new("NS", "C")).expect("C");
    assert_eq!(c.properties[0].facets.scale, Some(csdl::Scale::Variable));
    assert_eq!(c.properties[1].facets.srid, Some(csdl::Srid::Variable));
    assert_eq!(c.properties[2].facets.max_length, Some(csdl::MaxLength::Max));
    assert_eq!(c.properties[2].facets.unicode, Some(false));
    assert!(!c.properties[3].nullable);

    let model = case("facet-out-of-range");
    let c = model.structured_type(&csdl::QualifiedName::new("NS", "C")).expect("C");
    assert_eq!((c.properties[0].facets.precision, c.properties[0].facets.scale), (None, None));
    assert!(c.properties[0].nullable, "the default");
    assert_eq!(c.properties[1].facets.max_length, None);

    let model = case("annotation-targets");
    let schema = &model.schemas[0];
    let act = &schema.actions[0];
    assert_eq!(act.annotations.description.as_deref(), Some("d"), "overload-qualified target merged");
    assert_eq!(act.parameters[1].annotations.description.as_deref(), Some("d"), "parameter target merged");
    let kept: Vec<&str> = schema.external_annotations.iter().map(|a| a.target.as_str()).collect();
    assert_eq!(kept, ["NS.f()/$ReturnType", "Other.Vocabulary.T/p"], "kept as written; the others dropped");

    let model = case("navigation-bindings");
    let bindings = &model.schemas[0].entity_containers[0].entity_sets[0].navigation_property_bindings;
    let kept: Vec<(&str, &str)> = bindings.iter().map(|b| (b.path.as_str(), b.target.as_str())).collect();
    assert_eq!(kept, [("NS.A/next", "as"), ("next", "NS.EC/as")]);

    let model = case("annotation-terms");
    let c = model.structured_type(&csdl::QualifiedName::new("NS", "C")).expect("C");
    let terms: Vec<&str> = c.annotations.other.iter().map(|a| a.term.as_str()).collect();
    assert_eq!(terms, ["Description", "Core.Tag"], "kept raw; the invalid Int dropped");
    assert!(matches!(model.schemas[0].terms[0].ty.target, csdl::TypeTarget::External(_)));

    let model = case("skipped-elements");
    let c = model.structured_type(&csdl::QualifiedName::new("NS", "C")).expect("C");
    assert!(c.navigation_properties.is_empty() && c.key.is_empty());
    assert_eq!(c.properties.len(), 1);
    assert_eq!(model.counts().navigation_properties, 1, "counts include the skipped navigation property");

    let model = case("duplicate-term");
    let terms = &model.schemas[0].terms;
    assert_eq!(terms.len(), 2, "both declarations are kept in the schema");
    let first = model.term(&csdl::QualifiedName::new("NS", "T")).expect("the term resolves");
    assert_eq!(first.ty.to_string(), "Edm.String", "the first declaration wins");

    let model = case("unknown-types");
    let c = model.structured_type(&csdl::QualifiedName::new("NS", "C")).expect("C");
    for property in &c.properties {
        assert!(matches!(property.ty.target, csdl::TypeTarget::External(_)), "{}", property.name);
    }
}
