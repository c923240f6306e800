//! The public corpus in `../shared/corpora`: every OData v4 document parses and resolves with the
//! element counts of `MANIFEST.md`, and the v2 document is refused as unsupported.

mod support;

use codegen::csdl::{self, Counts, DiagnosticKind, QualifiedName, TypeTarget};

/// One of [`csdl::Model::counts`].
type Count = fn(&Counts) -> usize;

/// `MANIFEST.md` column → the count of [`csdl::Model::counts`] that must equal it.
const COLUMNS: [(&str, Count); 9] = [
    ("EntityType", |c| c.entity_types),
    ("ComplexType", |c| c.complex_types),
    ("EnumType", |c| c.enum_types),
    ("EntitySet", |c| c.entity_sets),
    ("Action", |c| c.actions),
    ("Function", |c| c.functions),
    ("Singleton", |c| c.singletons),
    ("FunctionImport", |c| c.function_imports),
    ("Term", |c| c.terms),
];

#[test]
fn every_v4_document_resolves_with_the_manifest_counts() {
    let Some(corpora) = support::corpora_dir("every_v4_document_resolves_with_the_manifest_counts") else {
        return;
    };
    let rows = support::manifest(&corpora);

    // Every corpus document is listed, so none escapes the test.
    let mut on_disk: Vec<String> = std::fs::read_dir(&corpora)
        .expect("corpora directory")
        .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".xml"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = rows.iter().map(|row| row.file.clone()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "corpus files vs MANIFEST.md rows");

    let mut checked = 0;
    for row in rows.iter().filter(|row| row.is_v4()) {
        let bytes = support::read(&corpora.join(&row.file));
        let model = support::clean(csdl::parse_bytes(&bytes), &row.file);
        let counts = model.counts();
        for (column, count) in COLUMNS {
            assert_eq!(count(&counts), row.count(column), "{}: {column}", row.file);
        }
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} v4 documents in the manifest");
}

#[test]
fn v2_documents_are_refused_as_unsupported() {
    let Some(corpora) = support::corpora_dir("v2_documents_are_refused_as_unsupported") else {
        return;
    };
    let legacy: Vec<_> = support::manifest(&corpora).into_iter().filter(|row| !row.is_v4()).collect();
    assert!(legacy.iter().any(|row| row.file == "odata-demo-v2.xml"));
    for row in legacy {
        let errors = csdl::parse_bytes(&support::read(&corpora.join(&row.file))).expect_err(&row.file);
        assert_eq!(errors.len(), 1, "{}: {errors}", row.file);
        let error = &errors.0[0];
        assert!(matches!(error.kind, DiagnosticKind::UnsupportedODataVersion { .. }), "{}: {error}", row.file);
        assert_eq!(error.location.to_string(), "2:1", "{}: the edmx:Edmx element", row.file);
        assert!(error.to_string().contains("OData v2/v3 metadata"), "{error}");
        assert!(error.to_string().contains("is not supported"), "{error}");
    }
}

/// Microsoft Graph: the biggest real document, with aliases (`graph`, `self`), overloads, a type
/// and a function sharing a name, and thousands of external annotations.
#[test]
fn graph_resolves_aliases_and_merges_every_external_annotation() {
    let Some(corpora) = support::corpora_dir("graph_resolves_aliases_and_merges_every_external_annotation") else {
        return;
    };
    let model = support::clean(csdl::parse_bytes(&support::read(&corpora.join("graph-v1.0-2026-08-03.xml"))), "graph");

    let security = model.schema("microsoft.graph.security").expect("security schema");
    assert_eq!(security.alias.as_deref(), Some("self"));
    // Every type reference names a declared namespace: no alias is left.
    let namespaces: Vec<&str> = model.schemas.iter().map(|s| s.namespace.as_str()).collect();
    for schema in &model.schemas {
        for ty in schema.entity_types.iter().chain(&schema.complex_types) {
            if let Some(base) = &ty.base_type {
                assert!(model.structured_type(base).is_some(), "{}.{} base {base}", schema.namespace, ty.name);
            }
            for property in &ty.properties {
                match &property.ty.target {
                    TypeTarget::Named(name) => {
                        assert!(namespaces.contains(&name.namespace.as_str()), "{}", property.name);
                        assert!(model.type_decl(name).is_some(), "{name}");
                    }
                    TypeTarget::Edm(_) => {}
                    TypeTarget::External(name) => {
                        panic!("{}.{}: external type {name}", schema.namespace, ty.name)
                    }
                }
            }
        }
    }

    // `image` is a complex type and a bound function of microsoft.graph.
    let image = QualifiedName::new("microsoft.graph", "image");
    assert!(model.structured_type(&image).is_some());
    let graph = model.schema("microsoft.graph").expect("graph schema");
    assert!(graph.functions.iter().any(|f| f.name == "image"));

    // Every `Annotations` block targets something in this document and lands on its target.
    let kept: Vec<_> = model.schemas.iter().flat_map(|s| &s.external_annotations).map(|a| &a.target).collect();
    assert!(kept.is_empty(), "not merged: {kept:?}");

    // An overload addressed by its full signature:
    // Target="microsoft.graph.assignUserToDevice(microsoft.graph.windowsAutopilotDeviceIdentity, Edm.String, Edm.String)"
    let assign = graph.actions.iter().find(|a| a.name == "assignUserToDevice").expect("assignUserToDevice");
    assert!(!assign.annotations.is_empty(), "annotations of assignUserToDevice were not merged");
}

/// The Microsoft Graph v1.0 release of mid-2022 (`real-world/`), which breaks the specification
/// as services do: it reads with exactly its two warnings, has the counts of its README, and
/// compares with the 2026 release sensibly (every entity type added since is reported as added,
/// and no more).
#[test]
fn real_world_graph_2022_reads_with_warnings_and_diffs_against_2026() {
    let Some(corpora) = support::corpora_dir("real_world_graph_2022_reads_with_warnings_and_diffs_against_2026") else {
        return;
    };
    let parsed = csdl::parse_bytes(&support::read(&corpora.join("real-world/graph-v1.0-2022-06-28.xml")))
        .unwrap_or_else(|errors| panic!("graph 2022 is refused:\n{errors}"));
    let warnings: Vec<(String, String, DiagnosticKind)> =
        parsed.warnings.iter().map(|w| (w.location.to_string(), w.path.clone(), w.kind.clone())).collect();
    let scale = DiagnosticKind::ValueReadAs { attribute: "Scale", value: "Variable".to_owned(), read_as: "variable" };
    let row = "Schema[microsoft.graph.callRecords]/ComplexType[pstnCallLogRow]";
    assert_eq!(
        warnings,
        [
            ("28671:9".to_owned(), format!("{row}/Property[charge]"), scale.clone()),
            ("28673:9".to_owned(), format!("{row}/Property[connectionCharge]"), scale),
        ]
    );
    let old = parsed.model;
    let expected = Counts {
        entity_types: 589,
        complex_types: 652,
        enum_types: 395,
        entity_sets: 39,
        singletons: 28,
        actions: 652,
        functions: 233,
        terms: 8,
        ..old.counts()
    };
    assert_eq!(old.counts(), expected, "the counts of real-world/README.md");

    let new = support::clean(csdl::parse_bytes(&support::read(&corpora.join("graph-v1.0-2026-08-03.xml"))), "graph");
    let diff = codegen::diff::compare(&old, &new);
    let names = |model: &csdl::Model| -> std::collections::BTreeSet<String> {
        model
            .schemas
            .iter()
            .flat_map(|s| s.entity_types.iter().map(move |t| format!("{}.{}", s.namespace, t.name)))
            .collect()
    };
    let (before, after) = (names(&old), names(&new));
    let added: std::collections::BTreeSet<String> = diff
        .changes
        .iter()
        .filter(|c| c.kind.as_str() == "added" && c.item.as_str() == "entity_type")
        .map(|c| c.path.clone())
        .collect();
    assert_eq!(added, after.difference(&before).cloned().collect(), "added entity types");
    assert!(added.len() > 500, "{}", added.len());
    assert!(diff.summary.additive > diff.summary.breaking, "{:?}", diff.summary);
    assert!(
        diff.changes.iter().all(|c| c.path.starts_with("microsoft.graph")),
        "every change is in Graph's namespaces"
    );
}
