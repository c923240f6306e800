//! `cargo xtask diff`: exit codes 0/1/2 with `--fail-on` and `--policy v1.0`, the three formats,
//! located errors for invalid input, and `--versions` on the committed fixtures, running the
//! built binary on documents written to a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const OLD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">
    <edmx:Include Namespace="Org.OData.Core.V1" Alias="Core"/>
  </edmx:Reference>
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="T">
      <EntityType Name="row">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.Int32" Nullable="false"/>
        <Property Name="name" Type="Edm.String"/>
      </EntityType>
      <EnumType Name="color">
        <Member Name="red" Value="0"/>
      </EnumType>
      <EntityContainer Name="svc">
        <EntitySet Name="rows" EntityType="T.row"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;

/// [`OLD`] with `from` replaced by `to` (which must occur once).
fn edited(from: &str, to: &str) -> String {
    assert_eq!(OLD.matches(from).count(), 1, "{from}");
    OLD.replace(from, to)
}

fn breaking() -> String {
    edited(r#"<Property Name="name" Type="Edm.String"/>"#, "")
}

fn additive() -> String {
    edited(r#"<Member Name="red" Value="0"/>"#, r#"<Member Name="red" Value="0"/><Member Name="blue" Value="1"/>"#)
}

fn docs_only() -> String {
    edited(
        r#"<EntitySet Name="rows" EntityType="T.row"/>"#,
        r#"<EntitySet Name="rows" EntityType="T.row"><Annotation Term="Core.Description" String="Rows."/></EntitySet>"#,
    )
}

/// A temporary directory holding documents by name.
struct Docs(tempfile::TempDir);

impl Docs {
    fn new() -> Docs {
        Docs(tempfile::tempdir().expect("a temporary directory"))
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).expect("write a test document");
        path
    }
}

fn xtask(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("diff")
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run xtask")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

/// Runs `xtask diff OLD NEW extra...` with `new` as the new document.
fn diff(new: &str, extra: &[&str]) -> Output {
    let docs = Docs::new();
    let (old, new) = (docs.write("old.xml", OLD), docs.write("new.xml", new));
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&old, &new];
    args.extend(extra.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>));
    xtask(&args)
}

#[test]
fn no_change_exits_0() {
    let output = diff(OLD, &["--fail-on", "additive"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "Schema diff: no changes\n");
}

#[test]
fn a_breaking_change_exits_1_unless_fail_on_never() {
    let output = diff(&breaking(), &[]);
    assert_eq!(code(&output), 1);
    assert!(stdout(&output).contains("removed property T.row/name"), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("1 change(s) with impact breaking or higher (--fail-on breaking)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(code(&diff(&breaking(), &["--fail-on", "never"])), 0);
}

#[test]
fn an_additive_change_exits_1_only_with_fail_on_additive() {
    assert_eq!(code(&diff(&additive(), &[])), 0);
    assert_eq!(code(&diff(&additive(), &["--fail-on", "breaking"])), 0);
    assert_eq!(code(&diff(&additive(), &["--fail-on", "additive"])), 1);
    assert_eq!(code(&diff(&breaking(), &["--fail-on", "additive"])), 1);
    assert_eq!(code(&diff(&docs_only(), &["--fail-on", "additive"])), 0);
}

#[test]
fn policy_v1_0_fails_on_breaking_changes_and_names_them() {
    let output = diff(&breaking(), &["--policy", "v1.0", "--fail-on", "never"]);
    assert_eq!(code(&output), 1);
    let message = stderr(&output);
    assert!(
        message.contains(
            "policy v1.0 broken: the Intune Data Warehouse promises that changes to api-version v1.0 are additive"
        ),
        "{message}"
    );
    assert!(message.contains("  - removed property T.row/name: the struct field disappears"), "{message}");
    let output = diff(&additive(), &["--policy", "v1.0"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!stderr(&output).contains("policy"));
}

#[test]
fn unreadable_input_exits_2() {
    let docs = Docs::new();
    let old = docs.write("old.xml", OLD);
    let missing = docs.0.path().join("missing.xml");
    let output = xtask(&[&old, &missing]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("cannot read"), "{}", stderr(&output));
}

#[test]
fn invalid_input_exits_2_with_located_errors_of_both_files() {
    let docs = Docs::new();
    let old = docs.write("old.xml", &edited(r#"Type="Edm.String""#, r#"Typo="Edm.String""#));
    let new = docs.write("new.xml", "<edmx:Edmx");
    let output = xtask(&[&old, &new]);
    assert_eq!(code(&output), 2);
    let errors = stderr(&output);
    let expected = format!(
        "{}:11:9: error: Schema[T]/EntityType[row]/Property[name]: missing required attribute `Type`",
        old.display()
    );
    assert!(errors.lines().any(|line| line == expected), "{errors}");
    assert!(errors.lines().any(|line| line.starts_with(&format!("{}:1:", new.display()))), "{errors}");
    assert!(stdout(&output).is_empty());
}

/// A document with a warning is compared (the warning printed on stderr); `--strict` refuses it.
#[test]
fn warnings_are_printed_and_strict_refuses_them() {
    let docs = Docs::new();
    let old = docs.write("old.xml", OLD);
    let new = docs.write("new.xml", &edited(r#"Type="Edm.String""#, r#"Type="T.missing""#));
    let output = xtask(&[&old, &new, &"--fail-on", &"never"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let expected = format!(
        "{}:11:9: warning: Schema[T]/EntityType[row]/Property[name]: unknown type `T.missing`; decoded as raw JSON \
         (serde_json::Value)\nwarning: 1 warning in {}\n",
        new.display(),
        new.display()
    );
    assert_eq!(stderr(&output), expected);
    assert!(!stdout(&output).is_empty(), "the diff is printed");
    let output = xtask(&[&old, &new, &"--strict"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains(": error: Schema[T]/EntityType[row]/Property[name]: unknown type"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn json_format() {
    let output = diff(&breaking(), &["--format", "json", "--fail-on", "never"]);
    assert_eq!(code(&output), 0);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(json["summary"], serde_json::json!({"breaking": 1, "additive": 0, "docs": 0}));
    assert_eq!(json["changes"][0]["path"], "T.row/name");
    assert_eq!(json["changes"][0]["kind"], "removed");
    assert_eq!(json["changes"][0]["item"], "property");
}

#[test]
fn markdown_format() {
    let output = diff(&breaking(), &["--format", "markdown"]);
    let markdown = stdout(&output);
    assert!(markdown.starts_with("**Schema diff:** 1 breaking, 0 additive, 0 docs\n"), "{markdown}");
    assert!(markdown.contains("#### Breaking changes (1)"), "{markdown}");
    assert!(markdown.contains("| removed | property | `T.row/name` |"), "{markdown}");
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("fixtures")
}

#[test]
fn versions_compares_beta_with_v1_0() {
    let output = xtask(&[&"--versions"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("beta compared with v1.0: "), "{text}");
    assert!(text.contains("\nOnly in beta\n  entity sets ("), "{text}");

    // The JSON form is the plain diff of v1.0 → beta, the same as naming the files.
    let json = stdout(&xtask(&[&"--versions", &"--format", &"json"]));
    let (v1_0, beta) = (fixtures_dir().join("v1.0/metadata.xml"), fixtures_dir().join("beta/metadata.xml"));
    let direct = stdout(&xtask(&[&v1_0, &beta, &"--format", &"json"]));
    assert_eq!(json, direct);
    let markdown = stdout(&xtask(&[&"--versions", &"--format", &"markdown"]));
    assert!(markdown.starts_with("**beta compared with v1.0:** "), "{markdown}");
}

#[test]
fn versions_takes_no_files_or_gates() {
    let output = xtask(&[&"--versions", &"--fail-on", &"never"]);
    assert_eq!(code(&output), 2, "a usage error");
    assert!(stderr(&output).contains("cannot be used with"), "{}", stderr(&output));
}
