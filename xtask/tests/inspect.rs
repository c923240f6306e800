//! `cargo xtask inspect FILE [--json]`, run as the built binary: the JSON summary of issue 2 §5
//! (exactly its keys, in order), the human summary, and every error of a malformed document on
//! stderr, one per line, with exit status 1.

#[path = "../../codegen/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use codegen::csdl;
use serde_json::Value;

/// The count keys of `--json`, in their order.
const COUNT_KEYS: [&str; 13] = [
    "entity_types",
    "complex_types",
    "enum_types",
    "type_definitions",
    "entity_sets",
    "singletons",
    "actions",
    "functions",
    "action_imports",
    "function_imports",
    "terms",
    "properties",
    "navigation_properties",
];

fn inspect(file: &Path, json: bool) -> Output {
    inspect_with(file, if json { &["--json"] } else { &[] })
}

fn inspect_with(file: &Path, flags: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).arg("inspect").arg(file).args(flags).output().expect("xtask runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Writes a document into this test target's scratch directory.
fn scratch_file(name: &str, contents: &[u8]) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("inspect-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).expect("scratch file written");
    path
}

/// Runs `inspect --json` and checks the output is exactly one JSON object with the keys of the
/// issue, in order; returns it.
fn json_summary(file: &Path) -> Value {
    let output = inspect(file, true);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{}: {stderr}", file.display());
    assert_eq!(stderr, "", "{}", file.display());
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    let summary: Value = serde_json::from_str(&stdout).expect("exactly one JSON value");

    // serde_json's map sorts keys, so the order is checked by printing the expected object
    // in the issue's order from the parsed values and comparing the text.
    let counts = &summary["counts"];
    let count_fields: Vec<String> = COUNT_KEYS
        .iter()
        .map(|key| {
            format!("\"{key}\":{}", counts.get(key).and_then(Value::as_u64).unwrap_or_else(|| panic!("count {key}")))
        })
        .collect();
    let expected = format!(
        "{{\"odata_version\":{},\"namespaces\":{},\"counts\":{{{}}}}}\n",
        summary["odata_version"],
        summary["namespaces"],
        count_fields.join(",")
    );
    assert_eq!(stdout, expected, "keys, order and nothing else");
    summary
}

#[test]
fn json_summary_of_the_fixtures() {
    for (version, entity_sets, properties) in [("v1.0", 43, 274), ("beta", 54, 487)] {
        let file = support::fixture(&format!("{version}/metadata.xml"));
        let summary = json_summary(&file);
        assert_eq!(summary["odata_version"], "4.0");
        assert_eq!(summary["namespaces"], serde_json::json!(["Microsoft.Intune.DataWarehouse"]));
        // The counts are those of the library's model, and the numbers of fixtures/README.md.
        let model = support::clean(csdl::parse_bytes(&support::read(&file)), &file.display());
        assert_eq!(summary["counts"], serde_json::to_value(model.counts()).expect("counts serialise"));
        assert_eq!(summary["counts"]["entity_sets"], entity_sets, "{version}");
        assert_eq!(summary["counts"]["entity_types"], entity_sets, "{version}");
        assert_eq!(summary["counts"]["properties"], properties, "{version}");
        assert_eq!(summary["counts"]["navigation_properties"], 0, "{version}");
    }
}

/// `inspect --json` on the corpus gives the element counts of `MANIFEST.md`.
#[test]
fn json_counts_of_the_corpus_match_the_manifest() {
    let Some(corpora) = support::corpora_dir("json_counts_of_the_corpus_match_the_manifest") else {
        return;
    };
    let columns = [
        ("EntityType", "entity_types"),
        ("ComplexType", "complex_types"),
        ("EnumType", "enum_types"),
        ("EntitySet", "entity_sets"),
        ("Action", "actions"),
        ("Function", "functions"),
        ("Singleton", "singletons"),
        ("FunctionImport", "function_imports"),
        ("Term", "terms"),
    ];
    for row in support::manifest(&corpora).iter().filter(|row| row.is_v4()) {
        let summary = json_summary(&corpora.join(&row.file));
        for (column, key) in columns {
            assert_eq!(summary["counts"][key], row.count(column), "{}: {column}", row.file);
        }
    }
}

#[test]
fn human_summary_of_a_fixture() {
    let output = inspect(&support::fixture("v1.0/metadata.xml"), false);
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    assert!(stdout.contains("OData 4.0 CSDL"), "{stdout}");
    assert!(stdout.contains("  schema Microsoft.Intune.DataWarehouse\n"), "{stdout}");
    assert!(stdout.lines().any(|line| line.split_whitespace().eq(["entity", "sets", "43"])), "{stdout}");
}

#[test]
fn every_error_on_stderr_one_per_line_and_exit_1() {
    let document = support::schema_doc(&[
        r#"<EntityType Name="A"><Key><PropertyRef Name="nope"/></Key>"#,
        r#"  <Property Name="p" Type="NS.Missing"/>"#,
        "</EntityType>",
        r#"<ComplexType Name="A"/>"#,
    ]);
    let file = scratch_file("errors.xml", document.as_bytes());
    let name = file.display().to_string();
    for json in [false, true] {
        let output = inspect(&file, json);
        assert_eq!(output.status.code(), Some(1), "--json {json}");
        assert_eq!(text(&output.stdout), "", "--json {json}: nothing on stdout");
        assert_eq!(text(&output.stderr), [
            format!("{name}:4:1: error: Schema[NS]/EntityType[A]/Key/PropertyRef[nope]: key property `nope` is not a property of the type or its base types\n"),
            format!("{name}:5:3: warning: Schema[NS]/EntityType[A]/Property[p]: unknown type `NS.Missing`; decoded as raw JSON (serde_json::Value)\n"),
            format!("{name}:7:1: error: Schema[NS]/ComplexType[A]: `NS.A` is declared twice (first at 4:1)\n"),
            format!("error: 2 errors and 1 warning in {name}\n"),
        ]
        .concat());
    }
    std::fs::remove_file(&file).expect("scratch file removed");
}

#[test]
fn unreadable_and_undecodable_files_exit_1() {
    let file = scratch_file("latin1.xml", b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<caf\xE9/>");
    let output = inspect(&file, true);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "{name}:2:5: error: the document is not valid UTF-8 (invalid byte 0xe9)\nerror: 1 error in {name}\n",
            name = file.display()
        )
    );
    std::fs::remove_file(&file).expect("scratch file removed");

    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("inspect-no-such-file.xml");
    let output = inspect(&missing, true);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: cannot read") && stderr.contains("no-such-file.xml"), "{stderr}");
}

/// Each fallback class reads with its warnings on stderr (`file:line:column: warning: path:
/// message`, then the total) and exit 0; `--strict` prints the same lines as errors and exits 1.
#[test]
fn warnings_on_stderr_and_strict_turns_them_into_errors() {
    for case in support::warnings::warning_cases() {
        let file = scratch_file(&format!("{}.xml", case.name), case.text.as_bytes());
        let name = file.display().to_string();
        let warnings = csdl::parse(&case.text).expect("reads").warnings;
        let lines = |severity: &str| -> String {
            let mut lines: Vec<String> = warnings
                .iter()
                .map(|w| format!("{name}:{}: {severity}: {}: {}\n", w.location, w.path, w.kind))
                .collect();
            let n = warnings.len();
            lines.push(format!("{severity}: {n} {severity}{} in {name}\n", if n == 1 { "" } else { "s" }));
            lines.concat()
        };
        let output = inspect(&file, true);
        assert!(output.status.success(), "{}", case.name);
        assert_eq!(text(&output.stderr), lines("warning"), "{}", case.name);
        assert!(text(&output.stdout).starts_with('{'), "{}: the summary is printed", case.name);

        let output = inspect_with(&file, &["--json", "--strict"]);
        assert_eq!(output.status.code(), Some(1), "{}", case.name);
        assert_eq!(text(&output.stdout), "", "{}", case.name);
        assert_eq!(text(&output.stderr), lines("error"), "{}", case.name);
        std::fs::remove_file(&file).expect("scratch file removed");
    }
}

/// The committed fixtures produce no warning, even under `--strict`.
#[test]
fn the_fixtures_have_no_warnings() {
    for version in ["v1.0", "beta"] {
        let output = inspect_with(&support::fixture(&format!("{version}/metadata.xml")), &["--json", "--strict"]);
        assert!(output.status.success(), "{version}");
        assert_eq!(text(&output.stderr), "", "{version}");
    }
}

/// The real Graph release of mid-2022 reads with warnings only, and its counts are those of the
/// README next to it.
#[test]
fn real_world_graph_reads_with_warnings_and_its_counts() {
    let Some(corpora) = support::corpora_dir("real_world_graph_reads_with_warnings_and_its_counts") else { return };
    let file = corpora.join("real-world/graph-v1.0-2022-06-28.xml");
    let output = inspect(&file, true);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains(": warning: Schema[microsoft.graph.callRecords]/ComplexType[pstnCallLogRow]/Property[charge]: value \"Variable\" of `Scale`"), "{stderr}");
    assert!(stderr.ends_with(&format!("warning: 2 warnings in {}\n", file.display())), "{stderr}");
    let summary: Value = serde_json::from_str(&text(&output.stdout)).expect("JSON");
    let counts = &summary["counts"];
    let expected = [
        ("entity_types", 589),
        ("complex_types", 652),
        ("enum_types", 395),
        ("entity_sets", 39),
        ("singletons", 28),
        ("actions", 652),
        ("functions", 233),
        ("terms", 8),
    ];
    for (key, count) in expected {
        assert_eq!(counts[key], count, "{key}");
    }
    assert_eq!(inspect_with(&file, &["--json", "--strict"]).status.code(), Some(1));
}
