//! Small documents with a defect that real services ship and that the reader works around, one
//! per fallback class, each with exactly the warnings it must produce. Shared by
//! `codegen/tests/warnings.rs` (the warnings, `--strict`) and `xtask/tests/generate.rs` (each
//! document generates a crate that checks with `-D warnings`).

use codegen::csdl::DiagnosticKind;

use super::schema_doc;

/// One document and its warnings: (line:column, element path, kind), in document order.
pub struct WarningCase {
    /// A short name, also used as the generated crate's directory name.
    pub name: &'static str,
    pub text: String,
    pub expected: Vec<(&'static str, &'static str, DiagnosticKind)>,
}

/// A keyed entity type `NS.A` and an entity set `as` of it, on lines 4 and 5, so that every
/// document generates a client with an entity set.
const KEYED_A: &str = r#"<EntityType Name="A"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32" Nullable="false"/>"#;
const DESCRIPTION: &str = r#"<Annotation Term="Org.OData.Core.V1.Description" String="d"/>"#;

fn read_as(attribute: &'static str, value: &str, read_as: &'static str) -> DiagnosticKind {
    DiagnosticKind::ValueReadAs { attribute, value: value.to_owned(), read_as }
}

fn ignored(attribute: &'static str, value: &str, expected: &'static str, fallback: &'static str) -> DiagnosticKind {
    DiagnosticKind::ValueIgnored { attribute, value: value.to_owned(), expected, fallback }
}

fn unknown_type(name: &str) -> DiagnosticKind {
    DiagnosticKind::UnknownType { name: name.to_owned() }
}

fn reference(what: &'static str, name: &str, fallback: &'static str) -> DiagnosticKind {
    DiagnosticKind::UnresolvedReference { what, name: name.to_owned(), fallback }
}

fn dropped_target(target: &str) -> DiagnosticKind {
    DiagnosticKind::UnresolvedAnnotationTarget { target: target.to_owned() }
}

fn dropped_binding(path: &str, target: &str, reason: &'static str) -> DiagnosticKind {
    DiagnosticKind::UnresolvedBinding { path: path.to_owned(), target: target.to_owned(), reason }
}

/// A document whose first lines are `lines` (from line 4), then the entity type `NS.A` closed
/// by `members`, and a container `EC` with the entity set `as` of `NS.A`.
fn doc(lines: &[&str], members: &str, set: &str) -> String {
    let a = format!("{KEYED_A}{members}</EntityType>");
    let container = format!(
        r#"<EntityContainer Name="EC"><EntitySet Name="as" EntityType="NS.A">{set}</EntitySet></EntityContainer>"#
    );
    let mut all: Vec<&str> = lines.to_vec();
    all.push(&a);
    all.push(&container);
    schema_doc(&all)
}

pub fn warning_cases() -> Vec<WarningCase> {
    const NO_NAV: &str = "the path names no navigation property";
    const NO_SET: &str = "the target is no entity set or singleton";
    vec![
        WarningCase {
            name: "facet-case",
            text: doc(
                &[
                    r#"<ComplexType Name="C">"#,
                    r#"  <Property Name="charge" Type="Edm.Decimal" Scale="Variable"/>"#,
                    r#"  <Property Name="where" Type="Edm.GeographyPoint" SRID="Variable"/>"#,
                    r#"  <Property Name="text" Type="Edm.String" MaxLength="MAX" Unicode="False"/>"#,
                    r#"  <Property Name="flag" Type="Edm.Boolean" Nullable="FALSE"/>"#,
                    "</ComplexType>",
                ],
                "",
                "",
            ),
            expected: vec![
                ("5:3", "Schema[NS]/ComplexType[C]/Property[charge]", read_as("Scale", "Variable", "variable")),
                ("6:3", "Schema[NS]/ComplexType[C]/Property[where]", read_as("SRID", "Variable", "variable")),
                ("7:3", "Schema[NS]/ComplexType[C]/Property[text]", read_as("MaxLength", "MAX", "max")),
                ("7:3", "Schema[NS]/ComplexType[C]/Property[text]", read_as("Unicode", "False", "false")),
                ("8:3", "Schema[NS]/ComplexType[C]/Property[flag]", read_as("Nullable", "FALSE", "false")),
            ],
        },
        WarningCase {
            name: "facet-out-of-range",
            text: doc(
                &[
                    r#"<ComplexType Name="C">"#,
                    r#"  <Property Name="p" Type="Edm.Decimal" Precision="-2" Scale="x" Nullable="yes"/>"#,
                    r#"  <Property Name="s" Type="Edm.String" MaxLength="99999999999999999999"/>"#,
                    "</ComplexType>",
                ],
                "",
                "",
            ),
            expected: vec![
                (
                    "5:3",
                    "Schema[NS]/ComplexType[C]/Property[p]",
                    ignored("Nullable", "yes", "`true` or `false`", "the default `true` applies"),
                ),
                (
                    "5:3",
                    "Schema[NS]/ComplexType[C]/Property[p]",
                    ignored("Precision", "-2", "a non-negative integer", "the facet is ignored"),
                ),
                (
                    "5:3",
                    "Schema[NS]/ComplexType[C]/Property[p]",
                    ignored("Scale", "x", "a non-negative integer, `variable` or `floating`", "the facet is ignored"),
                ),
                (
                    "6:3",
                    "Schema[NS]/ComplexType[C]/Property[s]",
                    ignored(
                        "MaxLength",
                        "99999999999999999999",
                        "a non-negative integer or `max`",
                        "the facet is ignored",
                    ),
                ),
            ],
        },
        WarningCase {
            name: "annotation-targets",
            text: doc(
                &[
                    r#"<Action Name="act" IsBound="true"><Parameter Name="a" Type="NS.A"/><Parameter Name="x" Type="Edm.String"/></Action>"#,
                    r#"<Function Name="f"><ReturnType Type="Edm.String"/></Function>"#,
                    &format!(r#"<Annotations Target="NS.A/removed">{DESCRIPTION}</Annotations>"#),
                    &format!(r#"<Annotations Target="NS.act(NS.A)">{DESCRIPTION}</Annotations>"#),
                    &format!(r#"<Annotations Target="NS.act(NS.A)/x">{DESCRIPTION}</Annotations>"#),
                    &format!(r#"<Annotations Target="NS.act(Edm.Int32)">{DESCRIPTION}</Annotations>"#),
                    &format!(r#"<Annotations Target="NS.f()/$ReturnType">{DESCRIPTION}</Annotations>"#),
                    &format!(r#"<Annotations Target="Other.Vocabulary.T/p">{DESCRIPTION}</Annotations>"#),
                    &format!(r#"<Annotations Target="NS.Gone">{DESCRIPTION}</Annotations>"#),
                ],
                "",
                "",
            ),
            expected: vec![
                ("6:1", "Schema[NS]/Annotations[NS.A/removed]", dropped_target("NS.A/removed")),
                ("9:1", "Schema[NS]/Annotations[NS.act(Edm.Int32)]", dropped_target("NS.act(Edm.Int32)")),
                ("12:1", "Schema[NS]/Annotations[NS.Gone]", dropped_target("NS.Gone")),
            ],
        },
        WarningCase {
            name: "navigation-bindings",
            text: doc(
                &[],
                r#"<NavigationProperty Name="next" Type="NS.A"/>"#,
                concat!(
                    r#"<NavigationPropertyBinding Path="next" Target="missing"/>"#,
                    r#"<NavigationPropertyBinding Path="nope" Target="as"/>"#,
                    r#"<NavigationPropertyBinding Path="NS.A/next" Target="as"/>"#,
                    r#"<NavigationPropertyBinding Path="next" Target="NS.EC/as"/>"#,
                ),
            ),
            expected: vec![
                (
                    "5:28",
                    "Schema[NS]/EntityContainer[EC]/EntitySet[as]/NavigationPropertyBinding[next]",
                    dropped_binding("next", "missing", NO_SET),
                ),
                (
                    "5:28",
                    "Schema[NS]/EntityContainer[EC]/EntitySet[as]/NavigationPropertyBinding[nope]",
                    dropped_binding("nope", "as", NO_NAV),
                ),
            ],
        },
        WarningCase {
            name: "annotation-terms",
            text: doc(
                &[
                    r#"<Term Name="tag" Type="Core.Tag"/>"#,
                    r#"<ComplexType Name="C">"#,
                    r#"  <Annotation Term="Description" String="unqualified"/>"#,
                    r#"  <Annotation Term="Core.Tag" Bool="true"/>"#,
                    r#"  <Annotation Term="NS.count" Int="ten"/>"#,
                    "</ComplexType>",
                ],
                "",
                "",
            ),
            expected: vec![
                ("4:1", "Schema[NS]/Term[tag]", unknown_type("Core.Tag")),
                (
                    "6:3",
                    "Schema[NS]/ComplexType[C]/Annotation[Description]",
                    DiagnosticKind::UnqualifiedTerm { term: "Description".to_owned() },
                ),
                (
                    "8:3",
                    "Schema[NS]/ComplexType[C]/Annotation[NS.count]",
                    ignored("Int", "ten", "a 64-bit integer", "the expression is dropped"),
                ),
            ],
        },
        WarningCase {
            name: "skipped-elements",
            text: doc(
                &[
                    r#"<ComplexType Name="C" Future="attribute of a later version">"#,
                    r#"  <NavigationProperty Name="untyped"/>"#,
                    r#"  <Key><PropertyRef Name="p"/></Key>"#,
                    r#"  <FutureElement/>"#,
                    r#"  <Property Name="p" Type="Edm.String"/>"#,
                    "</ComplexType>",
                    r#"<FutureSchemaChild Name="x"/>"#,
                ],
                "",
                "",
            ),
            expected: vec![
                (
                    "4:1",
                    "Schema[NS]/ComplexType[C]",
                    DiagnosticKind::UnknownAttribute { attribute: "Future".to_owned() },
                ),
                (
                    "5:3",
                    "Schema[NS]/ComplexType[C]/NavigationProperty[untyped]",
                    DiagnosticKind::UntypedNavigationProperty,
                ),
                ("6:3", "Schema[NS]/ComplexType[C]", DiagnosticKind::UnexpectedElement { element: "Key".to_owned() }),
                (
                    "7:3",
                    "Schema[NS]/ComplexType[C]",
                    DiagnosticKind::UnexpectedElement { element: "FutureElement".to_owned() },
                ),
                ("10:1", "Schema[NS]", DiagnosticKind::UnexpectedElement { element: "FutureSchemaChild".to_owned() }),
            ],
        },
        WarningCase {
            name: "duplicate-term",
            text: doc(&[r#"<Term Name="T" Type="Edm.String"/>"#, r#"<Term Name="T" Type="Edm.Int32"/>"#], "", ""),
            expected: vec![(
                "5:1",
                "Schema[NS]/Term[T]",
                DiagnosticKind::DuplicateTerm {
                    name: "NS.T".to_owned(),
                    first: codegen::csdl::Location { line: 4, column: 1 },
                },
            )],
        },
        WarningCase {
            name: "same-set-name-in-two-containers",
            text: doc(
                &[r#"<EntityContainer Name="Second"><EntitySet Name="as" EntityType="NS.A"/></EntityContainer>"#],
                "",
                "",
            ),
            expected: vec![(
                "6:28",
                "Schema[NS]/EntityContainer[EC]/EntitySet[as]",
                DiagnosticKind::ShadowedEntitySet {
                    name: "as".to_owned(),
                    container: "NS.Second".to_owned(),
                    first: codegen::csdl::Location { line: 4, column: 32 },
                },
            )],
        },
        WarningCase {
            name: "unresolved-references",
            text: doc(
                &[
                    r#"<EntityContainer Name="Other" Extends="NS.Base">"#,
                    r#"  <EntitySet Name="gone" EntityType="NS.Removed"/>"#,
                    r#"  <Singleton Name="me" Type="NS.Removed"/>"#,
                    r#"  <ActionImport Name="go" Action="NS.go"/>"#,
                    r#"  <FunctionImport Name="get" Function="NS.get" EntitySet="nowhere"/>"#,
                    "</EntityContainer>",
                ],
                "",
                "",
            ),
            expected: vec![
                (
                    "4:1",
                    "Schema[NS]/EntityContainer[Other]",
                    reference("entity container", "NS.Base", "the container is read without its base"),
                ),
                (
                    "5:3",
                    "Schema[NS]/EntityContainer[Other]/EntitySet[gone]",
                    reference("entity type", "NS.Removed", "the entity set is not generated"),
                ),
                (
                    "6:3",
                    "Schema[NS]/EntityContainer[Other]/Singleton[me]",
                    reference("entity type", "NS.Removed", "the singleton is ignored"),
                ),
                (
                    "7:3",
                    "Schema[NS]/EntityContainer[Other]/ActionImport[go]",
                    reference("action", "NS.go", "the import is ignored"),
                ),
                (
                    "8:3",
                    "Schema[NS]/EntityContainer[Other]/FunctionImport[get]",
                    reference("function", "NS.get", "the import is ignored"),
                ),
                (
                    "8:3",
                    "Schema[NS]/EntityContainer[Other]/FunctionImport[get]",
                    reference("entity set", "nowhere", "the import's entity set is ignored"),
                ),
            ],
        },
        WarningCase {
            name: "unknown-types",
            text: doc(
                &[
                    r#"<ComplexType Name="C">"#,
                    r#"  <Property Name="gone" Type="NS.Missing"/>"#,
                    r#"  <Property Name="many" Type="Collection(NS.Gone)" Nullable="false"/>"#,
                    r#"  <Property Name="when" Type="Edm.DateTime"/>"#,
                    "</ComplexType>",
                    r#"<Function Name="f"><Parameter Name="x" Type="NS.Nope"/><ReturnType Type="NS.Nada"/></Function>"#,
                    r#"<Action Name="go"><Parameter Name="x" Type="Edm.Int32"/></Action>"#,
                ],
                r#"<Property Name="c" Type="NS.C"/><NavigationProperty Name="other" Type="NS.Unknown"/>"#,
                "",
            ),
            expected: vec![
                ("5:3", "Schema[NS]/ComplexType[C]/Property[gone]", unknown_type("NS.Missing")),
                ("6:3", "Schema[NS]/ComplexType[C]/Property[many]", unknown_type("NS.Gone")),
                ("7:3", "Schema[NS]/ComplexType[C]/Property[when]", unknown_type("Edm.DateTime")),
                ("9:1", "Schema[NS]/Function[f]/ReturnType", unknown_type("NS.Nada")),
                ("9:20", "Schema[NS]/Function[f]/Parameter[x]", unknown_type("NS.Nope")),
                ("11:144", "Schema[NS]/EntityType[A]/NavigationProperty[other]", unknown_type("NS.Unknown")),
            ],
        },
    ]
}

/// Documents without warnings whose shapes once generated code that did not compile: each must
/// generate a crate that checks with `-D warnings`.
pub fn generation_cases() -> Vec<(&'static str, String)> {
    vec![
        (
            // A type named like a prelude item (`Copy` → `Copy_`) and its `Field` companion.
            "prelude-named-type",
            doc(
                &[
                    r#"<EntityType Name="Copy"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32" Nullable="false"/></EntityType>"#,
                    r#"<EntityContainer Name="Other"><EntitySet Name="copies" EntityType="NS.Copy"/></EntityContainer>"#,
                ],
                "",
                "",
            ),
        ),
        (
            // A container without entity sets (and nothing else to generate).
            "container-without-entity-sets",
            schema_doc(&[
                r#"<ComplexType Name="C"><Property Name="p" Type="Edm.String"/></ComplexType>"#,
                r#"<EntityContainer Name="Empty"/>"#,
            ]),
        ),
    ]
}
