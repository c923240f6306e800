//! Malformed documents: each is refused with exactly the expected diagnostics (kind, line:column,
//! element path; the errors and any warnings beside them), and never a panic. Documents with
//! defects that are read with a warning are in `warnings.rs`. Hostile sizes end fast, with a
//! located error.

mod support;

use std::time::{Duration, Instant};

use codegen::csdl::{self, DiagnosticKind, Location, MAX_EXPRESSION_DEPTH};
use support::{CLOSE, EDMX_OPEN, SCHEMA_OPEN, schema_doc};

const EDM_V3: &str = "http://schemas.microsoft.com/ado/2009/11/edm";
/// A keyed entity type `NS.A` on one line (111 characters).
const KEYED_A: &str = r#"<EntityType Name="A"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32" Nullable="false"/>"#;
const DESCRIPTION: &str = r#"<Annotation Term="Org.OData.Core.V1.Description" String="d"/>"#;

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    /// Every diagnostic, in the order reported: line:column, element path, kind.
    expected: Vec<(&'static str, &'static str, DiagnosticKind)>,
}

fn case(
    name: &'static str,
    text: impl Into<Vec<u8>>,
    expected: Vec<(&'static str, &'static str, DiagnosticKind)>,
) -> Case {
    Case { name, bytes: text.into(), expected }
}

fn xml(message: &str) -> DiagnosticKind {
    DiagnosticKind::Xml { message: message.to_owned() }
}

fn unresolved(what: &'static str, name: &str) -> DiagnosticKind {
    DiagnosticKind::Unresolved { what, name: name.to_owned() }
}

fn missing(attribute: &'static str) -> DiagnosticKind {
    DiagnosticKind::MissingAttribute { attribute }
}

fn invalid(attribute: &'static str, value: &str, expected: &'static str) -> DiagnosticKind {
    DiagnosticKind::InvalidAttribute { attribute, value: value.to_owned(), expected }
}

fn unsupported(detail: &str) -> DiagnosticKind {
    DiagnosticKind::UnsupportedODataVersion { detail: detail.to_owned() }
}

fn unexpected(element: &str) -> DiagnosticKind {
    DiagnosticKind::UnexpectedElement { element: element.to_owned() }
}

fn wrong_kind(name: &str, found: &'static str, expected: &'static str) -> DiagnosticKind {
    DiagnosticKind::WrongKind { name: name.to_owned(), found, expected }
}

fn cycle(chain: &str) -> DiagnosticKind {
    DiagnosticKind::BaseTypeCycle { chain: chain.to_owned() }
}

fn at(line: u32, column: u32) -> Location {
    Location { line, column }
}

/// `lines` of `open` nested elements (one per line) closed by as many `close` ones.
fn nested(open: &str, close: &str, levels: usize) -> String {
    format!("{}{}", format!("{open}\n").repeat(levels), close.repeat(levels))
}

/// The edmx wrapper around a document's `edmx:DataServices` content, on lines 1 and 2.
fn data_services(content: &str) -> String {
    format!("{EDMX_OPEN}\n<edmx:DataServices>\n{content}\n</edmx:DataServices></edmx:Edmx>")
}

fn cases() -> Vec<Case> {
    /// Deeper than [`MAX_EXPRESSION_DEPTH`], within [`csdl::MAX_ELEMENT_DEPTH`].
    const DEEP: usize = 200;
    let truncated = format!("{EDMX_OPEN}\n<edmx:DataServices>\n{SCHEMA_OPEN}\n");
    let mut latin1 =
        format!(r#"<?xml version="1.0" encoding="ISO-8859-1"?>{}"#, schema_doc(&[r#"<EntityType Name="Caf#"/>"#]))
            .into_bytes();
    let hash = latin1.iter().position(|&b| b == b'#').expect("marker");
    latin1[hash] = 0xE9; // `é` in Latin-1
    let mut invalid_after_accent = schema_doc(&[r#"<EntityType Name="Aé#"/>"#]).into_bytes();
    let hash = invalid_after_accent.iter().position(|&b| b == b'#').expect("marker");
    invalid_after_accent[hash] = 0xFF;
    let mut cut_in_char = schema_doc(&[r#"<EntityType Name="Aé"/>"#]).into_bytes();
    cut_in_char.truncate(cut_in_char.windows(2).position(|w| w == "é".as_bytes()).expect("é") + 1);
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(EDMX_OPEN.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let bomb = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n{}]>\n{EDMX_OPEN}&lol9;</edmx:Edmx>",
        (1..=9)
            .map(|i| format!(
                "<!ENTITY lol{i} \"{}\">\n",
                format!("&lol{};", if i == 1 { String::new() } else { (i - 1).to_string() }).repeat(10)
            ))
            .collect::<String>()
    );
    let many_implicit: Vec<String> = (0..=128).map(|i| format!(r#"  <Member Name="m{i}"/>"#)).collect();
    let mut enum_lines = vec![r#"<EnumType Name="E" UnderlyingType="Edm.SByte">"#];
    enum_lines.extend(many_implicit.iter().map(String::as_str));
    enum_lines.push("</EnumType>");

    vec![
        // ---- not XML, or not a CSDL v4 document
        case(
            "truncated after a start tag",
            format!("{truncated}<EntityType Name=\"A\">"),
            vec![("4:22", "", xml("the root node was opened but never closed"))],
        ),
        case(
            "truncated inside a tag",
            format!("{truncated}<EntityType Na"),
            vec![("4:15", "", xml("unexpected end of stream"))],
        ),
        case(
            "truncated before the last end tag",
            schema_doc(&[]).trim_end_matches("</edmx:Edmx>").to_owned(),
            vec![("4:30", "", xml("the root node was opened but never closed"))],
        ),
        case("empty document", "", vec![("1:1", "", xml("the document does not have a root node"))]),
        case(
            "wrong root element",
            format!("{SCHEMA_OPEN}</Schema>"),
            vec![("1:1", "", DiagnosticKind::WrongRoot { found: "Schema".to_owned() })],
        ),
        case(
            "root element in a foreign namespace",
            "<?xml version=\"1.0\"?>\n<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"urn:example\"/>",
            vec![("2:1", "", DiagnosticKind::WrongRoot { found: "edmx:Edmx".to_owned() })],
        ),
        case(
            "non-UTF-8 byte after a multi-byte character",
            invalid_after_accent,
            vec![("4:21", "", DiagnosticKind::NotUtf8 { byte: 0xFF })],
        ),
        case("Latin-1 document", latin1, vec![("4:22", "", DiagnosticKind::NotUtf8 { byte: 0xE9 })]),
        case("UTF-16 document", utf16, vec![("1:1", "", DiagnosticKind::NotUtf8 { byte: 0xFF })]),
        case(
            "cut inside a multi-byte character",
            cut_in_char,
            vec![("4:20", "", DiagnosticKind::NotUtf8 { byte: 0xC3 })],
        ),
        case("entity-expansion bomb (DTD)", bomb, vec![("2:1", "", xml("XML with DTD detected"))]),
        case(
            "entity reference without a DTD",
            format!("{EDMX_OPEN}\n&lol9;</edmx:Edmx>"),
            vec![("2:1", "", xml("unknown entity reference 'lol9'"))],
        ),
        case(
            "edmx:Edmx without Version",
            r#"<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"/>"#,
            vec![("1:1", "", missing("Version"))],
        ),
        case(
            "unknown edmx:Edmx Version",
            r#"<edmx:Edmx Version="5.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"/>"#,
            vec![("1:1", "", DiagnosticKind::UnknownVersion { version: "5.0".to_owned() })],
        ),
        case(
            "edmx:Edmx without DataServices",
            format!("{EDMX_OPEN}</edmx:Edmx>"),
            vec![("1:1", "", DiagnosticKind::MissingElement { element: "edmx:DataServices" })],
        ),
        // ---- OData v2/v3
        case(
            "Version 3.0 in the v4 namespace",
            r#"<edmx:Edmx Version="3.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices/></edmx:Edmx>"#,
            vec![("1:1", "", unsupported("edmx:Edmx Version=\"3.0\""))],
        ),
        case(
            "v3 Schema inside a v4 edmx:Edmx",
            data_services(&format!(r#"<Schema xmlns="{EDM_V3}" Namespace="NS"/>"#)),
            vec![("3:1", "", unsupported(&format!("<Schema> in namespace {EDM_V3}")))],
        ),
        case(
            "Association element",
            schema_doc(&[r#"<Association Name="A_B"/>"#]),
            vec![("4:1", "Schema[NS]", unsupported("<Association> element"))],
        ),
        case(
            "AssociationSet and a Relationship navigation property",
            schema_doc(&[
                r#"<EntityType Name="A"><NavigationProperty Name="b" Relationship="NS.A_B" FromRole="A" ToRole="B"/></EntityType>"#,
                r#"<EntityContainer Name="C"><AssociationSet Name="A_B" Association="NS.A_B"/></EntityContainer>"#,
            ]),
            vec![
                (
                    "4:22",
                    "Schema[NS]/EntityType[A]/NavigationProperty[b]",
                    unsupported("NavigationProperty with Relationship/FromRole/ToRole"),
                ),
                ("5:27", "Schema[NS]/EntityContainer[C]", unsupported("<AssociationSet> element")),
            ],
        ),
        // ---- elements that cannot be read
        case(
            "missing Name",
            schema_doc(&[
                "<EntityType>",
                r#"  <Property Name="p" Type="Edm.String"/>"#,
                "</EntityType>",
                r#"<ComplexType Name="C">"#,
                r#"  <Property Type="Edm.String"/>"#,
                "</ComplexType>",
                r#"<EnumType Name="E"><Member Value="1"/></EnumType>"#,
                r#"<EntityContainer Name="EC"><EntitySet EntityType="NS.C"/></EntityContainer>"#,
            ]),
            vec![
                ("4:1", "Schema[NS]/EntityType", missing("Name")),
                ("8:3", "Schema[NS]/ComplexType[C]/Property", missing("Name")),
                ("10:20", "Schema[NS]/EnumType[E]/Member", missing("Name")),
                ("11:28", "Schema[NS]/EntityContainer[EC]/EntitySet", missing("Name")),
            ],
        ),
        case(
            "missing Type, Namespace and binding Target",
            format!(
                "{EDMX_OPEN}\n<edmx:Reference Uri=\"https://example.com/v.xml\"><edmx:Include Alias=\"V\"/></edmx:Reference>\n<edmx:DataServices>\n{SCHEMA_OPEN}\n{}\n{}\n{CLOSE}",
                r#"<ComplexType Name="C"><Property Name="p"/></ComplexType>"#,
                r#"<EntityContainer Name="EC"><EntitySet Name="s" EntityType="NS.C"><NavigationPropertyBinding Path="p"/></EntitySet></EntityContainer>"#,
            ),
            vec![
                ("2:49", "edmx:Reference[https://example.com/v.xml]/edmx:Include", missing("Namespace")),
                ("5:23", "Schema[NS]/ComplexType[C]/Property[p]", missing("Type")),
                ("6:66", "Schema[NS]/EntityContainer[EC]/EntitySet[s]/NavigationPropertyBinding", missing("Target")),
            ],
        ),
        case(
            "enum member values out of range",
            schema_doc(&[
                r#"<EnumType Name="B" UnderlyingType="Edm.Byte">"#,
                r#"  <Member Name="big" Value="256"/>"#,
                r#"  <Member Name="negative" Value="-1"/>"#,
                r#"  <Member Name="huge" Value="99999999999999999999"/>"#,
                "</EnumType>",
                r#"<EnumType Name="F" IsFlags="true"><Member Name="none"/></EnumType>"#,
                r#"<EnumType Name="S" UnderlyingType="Edm.String"/>"#,
            ]),
            vec![
                (
                    "5:3",
                    "Schema[NS]/EnumType[B]/Member[big]",
                    DiagnosticKind::EnumValueOutOfRange { value: 256, underlying: "Byte".to_owned() },
                ),
                (
                    "6:3",
                    "Schema[NS]/EnumType[B]/Member[negative]",
                    DiagnosticKind::EnumValueOutOfRange { value: -1, underlying: "Byte".to_owned() },
                ),
                ("7:3", "Schema[NS]/EnumType[B]/Member[huge]", invalid("Value", "99999999999999999999", "an integer")),
                ("9:35", "Schema[NS]/EnumType[F]/Member[none]", missing("Value")),
                (
                    "10:1",
                    "Schema[NS]/EnumType[S]",
                    DiagnosticKind::ValueIgnored {
                        attribute: "UnderlyingType",
                        value: "Edm.String".to_owned(),
                        expected: "Edm.Byte, Edm.SByte, Edm.Int16, Edm.Int32 or Edm.Int64",
                        fallback: "read as Edm.Int32",
                    },
                ),
            ],
        ),
        case(
            "implicit enum value out of range",
            schema_doc(&enum_lines),
            vec![(
                "133:3",
                "Schema[NS]/EnumType[E]/Member[m128]",
                DiagnosticKind::EnumValueOutOfRange { value: 128, underlying: "SByte".to_owned() },
            )],
        ),
        case(
            "Function without ReturnType",
            schema_doc(&[r#"<Function Name="f"/>"#]),
            vec![("4:1", "Schema[NS]/Function[f]", DiagnosticKind::MissingElement { element: "ReturnType" })],
        ),
        case(
            "an alias declared for two namespaces",
            format!(
                "{EDMX_OPEN}\n{}\n{}\n<edmx:DataServices>{SCHEMA_OPEN}{CLOSE}",
                r#"<edmx:Reference Uri="https://example.com/a.xml"><edmx:Include Namespace="A" Alias="X"/></edmx:Reference>"#,
                r#"<edmx:Reference Uri="https://example.com/b.xml"><edmx:Include Namespace="B" Alias="X"/></edmx:Reference>"#,
            ),
            vec![("3:49", "", DiagnosticKind::Duplicate { name: "alias X".to_owned(), first: at(2, 49) })],
        ),
        // ---- deep nesting below the element limit: reported once, never a stack overflow
        case(
            "200 nested Collection expressions",
            schema_doc(&[&format!(
                r#"<Annotation Term="NS.t">{}</Annotation>"#,
                nested("<Collection>", "</Collection>", DEEP)
            )]),
            // The first Collection (depth 1) is on line 4, so depth 65 is on line 68.
            vec![("68:1", "Schema[NS]/Annotation[NS.t]", DiagnosticKind::TooDeep { limit: MAX_EXPRESSION_DEPTH })],
        ),
        case(
            "100 nested Record expressions",
            schema_doc(&[&format!(
                "<Annotation Term=\"NS.t\">\n{}</Annotation>",
                nested(r#"<Record><PropertyValue Property="p">"#, "</PropertyValue></Record>", DEEP / 2)
            )]),
            // Record k (depth 2k - 1, line 4 + k): k = 33 is the first deeper than 64.
            vec![("37:1", "Schema[NS]/Annotation[NS.t]", DiagnosticKind::TooDeep { limit: MAX_EXPRESSION_DEPTH })],
        ),
        case(
            "200 nested foreign elements inside an annotation",
            schema_doc(&[&format!(
                r#"<Annotation Term="NS.t" xmlns:x="urn:x">{}</Annotation>"#,
                nested("<x:e>", "</x:e>", DEEP)
            )]),
            vec![("68:1", "Schema[NS]/Annotation[NS.t]", DiagnosticKind::TooDeep { limit: MAX_EXPRESSION_DEPTH })],
        ),
        // Skipped elements are not read below their top: one warning each, beside the error.
        case(
            "200 nested unknown elements in a schema, and an error",
            schema_doc(&[&nested("<Foo>", "</Foo>", DEEP), "<EntityType/>"]),
            vec![("4:1", "Schema[NS]", unexpected("Foo")), ("205:1", "Schema[NS]/EntityType", missing("Name"))],
        ),
        case(
            "200 nested unknown elements in an entity type, and an error",
            schema_doc(&[
                &format!(r#"<EntityType Name="A">{}</EntityType>"#, nested("<Bar>", "</Bar>", DEEP)),
                "<EntityType/>",
            ]),
            vec![
                ("4:22", "Schema[NS]/EntityType[A]", unexpected("Bar")),
                ("205:1", "Schema[NS]/EntityType", missing("Name")),
            ],
        ),
        // ---- resolution
        case(
            "duplicate type",
            schema_doc(&[r#"<ComplexType Name="A"/>"#, &format!("{KEYED_A}</EntityType>"), r#"<EnumType Name="A"/>"#]),
            vec![
                (
                    "5:1",
                    "Schema[NS]/EntityType[A]",
                    DiagnosticKind::Duplicate { name: "NS.A".to_owned(), first: at(4, 1) },
                ),
                (
                    "6:1",
                    "Schema[NS]/EnumType[A]",
                    DiagnosticKind::Duplicate { name: "NS.A".to_owned(), first: at(4, 1) },
                ),
            ],
        ),
        case(
            "duplicate members",
            schema_doc(&[
                r#"<EntityType Name="A"><Key><PropertyRef Name="id"/></Key>"#,
                r#"  <Property Name="id" Type="Edm.Int32" Nullable="false"/>"#,
                r#"  <NavigationProperty Name="id" Type="NS.A"/>"#,
                "</EntityType>",
                r#"<EnumType Name="E"><Member Name="a"/><Member Name="a"/></EnumType>"#,
                r#"<Action Name="act"><Parameter Name="x" Type="Edm.String"/><Parameter Name="x" Type="Edm.Int32"/></Action>"#,
                r#"<EntityContainer Name="EC"><EntitySet Name="as" EntityType="NS.A"/><Singleton Name="as" Type="NS.A"/></EntityContainer>"#,
            ]),
            vec![
                (
                    "6:3",
                    "Schema[NS]/EntityType[A]/NavigationProperty[id]",
                    DiagnosticKind::Duplicate { name: "id".to_owned(), first: at(5, 3) },
                ),
                (
                    "8:38",
                    "Schema[NS]/EnumType[E]/Member[a]",
                    DiagnosticKind::Duplicate { name: "a".to_owned(), first: at(8, 20) },
                ),
                (
                    "9:59",
                    "Schema[NS]/Action[act]/Parameter[x]",
                    DiagnosticKind::Duplicate { name: "x".to_owned(), first: at(9, 20) },
                ),
                (
                    "10:68",
                    "Schema[NS]/EntityContainer[EC]/Singleton[as]",
                    DiagnosticKind::Duplicate { name: "as".to_owned(), first: at(10, 28) },
                ),
            ],
        ),
        case(
            "duplicate type in a second schema of the same namespace",
            data_services(&format!(
                "{SCHEMA_OPEN}<ComplexType Name=\"T\"/></Schema>\n{SCHEMA_OPEN}<TypeDefinition Name=\"T\" UnderlyingType=\"Edm.String\"/></Schema>"
            )),
            vec![(
                "4:72",
                "Schema[NS]/TypeDefinition[T]",
                DiagnosticKind::Duplicate { name: "NS.T".to_owned(), first: at(3, 72) },
            )],
        ),
        case(
            "base-type cycle A -> B -> A",
            schema_doc(&[r#"<EntityType Name="A" BaseType="NS.B"/>"#, r#"<EntityType Name="B" BaseType="NS.A"/>"#]),
            vec![
                ("4:1", "Schema[NS]/EntityType[A]", cycle("A -> B -> A")),
                ("5:1", "Schema[NS]/EntityType[B]", cycle("B -> A -> B")),
            ],
        ),
        case(
            "base-type self-cycle",
            schema_doc(&[r#"<ComplexType Name="C" BaseType="NS.C"/>"#]),
            vec![("4:1", "Schema[NS]/ComplexType[C]", cycle("C -> C"))],
        ),
        case(
            "base-type cycle above a type (reported by its members only)",
            schema_doc(&[
                r#"<EntityType Name="A" BaseType="NS.B"/>"#,
                r#"<EntityType Name="B" BaseType="NS.C"/>"#,
                r#"<EntityType Name="C" BaseType="NS.B"/>"#,
            ]),
            vec![
                ("5:1", "Schema[NS]/EntityType[B]", cycle("B -> C -> B")),
                ("6:1", "Schema[NS]/EntityType[C]", cycle("C -> B -> C")),
            ],
        ),
        case(
            "key into a complex type with a base-type cycle",
            schema_doc(&[
                r#"<EntityType Name="A"><Key><PropertyRef Name="c/x" Alias="x"/></Key><Property Name="c" Type="NS.C" Nullable="false"/></EntityType>"#,
                r#"<ComplexType Name="C" BaseType="NS.C"/>"#,
            ]),
            vec![
                (
                    "4:1",
                    "Schema[NS]/EntityType[A]/Key/PropertyRef[c/x]",
                    DiagnosticKind::KeyPropertyMissing { name: "c/x".to_owned() },
                ),
                ("5:1", "Schema[NS]/ComplexType[C]", cycle("C -> C")),
            ],
        ),
        case(
            "base types that are missing or of the wrong kind",
            schema_doc(&[
                r#"<EntityType Name="A" BaseType="NS.C"/>"#,
                r#"<ComplexType Name="C" BaseType="NS.Gone"/>"#,
                r#"<ComplexType Name="D" BaseType="NS.A"/>"#,
            ]),
            vec![
                ("4:1", "Schema[NS]/EntityType[A]", wrong_kind("NS.C", "complex type", "an entity type")),
                ("5:1", "Schema[NS]/ComplexType[C]", unresolved("base type", "NS.Gone")),
                ("6:1", "Schema[NS]/ComplexType[D]", wrong_kind("NS.A", "entity type", "a complex type")),
            ],
        ),
        case(
            "key on a missing property",
            schema_doc(&[
                r#"<EntityType Name="A">"#,
                r#"  <Key><PropertyRef Name="nope"/><PropertyRef Name="c/missing" Alias="m"/></Key>"#,
                r#"  <Property Name="id" Type="Edm.Int32"/>"#,
                r#"  <Property Name="c" Type="NS.C"/>"#,
                "</EntityType>",
                r#"<ComplexType Name="C"><Property Name="x" Type="Edm.Int32"/></ComplexType>"#,
            ]),
            vec![
                (
                    "4:1",
                    "Schema[NS]/EntityType[A]/Key/PropertyRef[nope]",
                    DiagnosticKind::KeyPropertyMissing { name: "nope".to_owned() },
                ),
                (
                    "4:1",
                    "Schema[NS]/EntityType[A]/Key/PropertyRef[c/missing]",
                    DiagnosticKind::KeyPropertyMissing { name: "c/missing".to_owned() },
                ),
            ],
        ),
        case(
            "properties and navigation properties of the wrong kind",
            schema_doc(&[
                r#"<ComplexType Name="C"/>"#,
                r#"<EntityType Name="A">"#,
                r#"  <Key><PropertyRef Name="id"/></Key>"#,
                r#"  <Property Name="id" Type="Edm.Int32" Nullable="false"/>"#,
                r#"  <NavigationProperty Name="c" Type="NS.C"/>"#,
                r#"  <NavigationProperty Name="s" Type="Collection(Edm.String)"/>"#,
                r#"  <Property Name="e" Type="NS.A"/>"#,
                "</EntityType>",
            ]),
            vec![
                (
                    "8:3",
                    "Schema[NS]/EntityType[A]/NavigationProperty[c]",
                    wrong_kind("NS.C", "complex type", "an entity type"),
                ),
                (
                    "9:3",
                    "Schema[NS]/EntityType[A]/NavigationProperty[s]",
                    wrong_kind("Edm.String", "primitive type", "an entity type"),
                ),
                (
                    "10:3",
                    "Schema[NS]/EntityType[A]/Property[e]",
                    wrong_kind("NS.A", "entity type", "a primitive, complex, enum or type definition type"),
                ),
            ],
        ),
        case(
            "entity set and singleton of missing or wrong types",
            schema_doc(&[
                r#"<ComplexType Name="C"/>"#,
                r#"<EntityContainer Name="EC">"#,
                r#"  <EntitySet Name="xs" EntityType="NS.X"/>"#,
                r#"  <Singleton Name="c" Type="NS.C"/>"#,
                "</EntityContainer>",
            ]),
            vec![
                (
                    "6:3",
                    "Schema[NS]/EntityContainer[EC]/EntitySet[xs]",
                    DiagnosticKind::UnresolvedReference {
                        what: "entity type",
                        name: "NS.X".to_owned(),
                        fallback: "the entity set is not generated",
                    },
                ),
                (
                    "7:3",
                    "Schema[NS]/EntityContainer[EC]/Singleton[c]",
                    wrong_kind("NS.C", "complex type", "an entity type"),
                ),
            ],
        ),
        case(
            "several resolution errors",
            schema_doc(&[
                r#"<EntityType Name="A"><Key><PropertyRef Name="nope"/></Key><Property Name="p" Type="NS.Missing"/></EntityType>"#,
                r#"<ComplexType Name="A"/>"#,
                r#"<EntityContainer Name="EC"><EntitySet Name="as" EntityType="NS.A"><NavigationPropertyBinding Path="p" Target="bs"/></EntitySet></EntityContainer>"#,
                &format!(r#"<Annotations Target="NS.EC/bs">{DESCRIPTION}</Annotations>"#),
            ]),
            vec![
                (
                    "4:1",
                    "Schema[NS]/EntityType[A]/Key/PropertyRef[nope]",
                    DiagnosticKind::KeyPropertyMissing { name: "nope".to_owned() },
                ),
                (
                    "4:59",
                    "Schema[NS]/EntityType[A]/Property[p]",
                    DiagnosticKind::UnknownType { name: "NS.Missing".to_owned() },
                ),
                (
                    "5:1",
                    "Schema[NS]/ComplexType[A]",
                    DiagnosticKind::Duplicate { name: "NS.A".to_owned(), first: at(4, 1) },
                ),
                (
                    "6:28",
                    "Schema[NS]/EntityContainer[EC]/EntitySet[as]/NavigationPropertyBinding[p]",
                    DiagnosticKind::UnresolvedBinding {
                        path: "p".to_owned(),
                        target: "bs".to_owned(),
                        reason: "the target is no entity set or singleton",
                    },
                ),
                (
                    "7:1",
                    "Schema[NS]/Annotations[NS.EC/bs]",
                    DiagnosticKind::UnresolvedAnnotationTarget { target: "NS.EC/bs".to_owned() },
                ),
            ],
        ),
    ]
}

#[test]
fn malformed_documents_are_refused_with_exactly_the_expected_diagnostics() {
    let mut failures = Vec::new();
    for case in cases() {
        let result = std::panic::catch_unwind(|| csdl::parse_bytes(&case.bytes).map(|_| ()));
        let actual: Vec<(String, String, DiagnosticKind)> = match result {
            Err(_) => {
                failures.push(format!("{}: panicked", case.name));
                continue;
            }
            Ok(Ok(())) => {
                failures.push(format!("{}: read", case.name));
                continue;
            }
            Ok(Err(errors)) => {
                errors.iter().map(|e| (e.location.to_string(), e.path.clone(), e.kind.clone())).collect()
            }
        };
        let expected: Vec<(String, String, DiagnosticKind)> =
            case.expected.iter().map(|(at, path, kind)| ((*at).to_owned(), (*path).to_owned(), kind.clone())).collect();
        if actual != expected {
            let lines = |errors: &[(String, String, DiagnosticKind)]| -> String {
                errors.iter().map(|(at, path, kind)| format!("\n    {at} {path}: {kind:?}")).collect()
            };
            failures.push(format!("{}:\n  expected:{}\n  actual:{}", case.name, lines(&expected), lines(&actual)));
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// The display form is what `cargo xtask inspect` prints: pinned for a few errors.
#[test]
fn errors_display_location_path_and_message() {
    let cases: [(String, &[&str]); 5] = [
        (
            schema_doc(&[
                r#"<EntityType Name="A"><Key><PropertyRef Name="id"/></Key>"#,
                r#"  <Property Name="id" Type="Edm.Int32" Nullable="false"/>"#,
                r#"  <Property Name="p"/>"#,
                "</EntityType>",
            ]),
            &["6:3: error: Schema[NS]/EntityType[A]/Property[p]: missing required attribute `Type`"],
        ),
        (
            schema_doc(&[r#"<EntityType Name="A" BaseType="NS.B"/>"#, r#"<EntityType Name="B" BaseType="NS.A"/>"#]),
            &[
                "4:1: error: Schema[NS]/EntityType[A]: base type cycle: A -> B -> A",
                "5:1: error: Schema[NS]/EntityType[B]: base type cycle: B -> A -> B",
            ],
        ),
        (
            schema_doc(&[r#"<ComplexType Name="A"/>"#, r#"<ComplexType Name="A"/>"#]),
            &["5:1: error: Schema[NS]/ComplexType[A]: `NS.A` is declared twice (first at 4:1)"],
        ),
        (
            r#"<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"/>"#.to_owned(),
            &[
                "1:1: error: OData v2/v3 metadata (edmx:Edmx Version=\"1.0\" in namespace http://schemas.microsoft.com/ado/2007/06/edmx) is not supported: \
                 this generator reads OData v4 CSDL (edmx:Edmx Version=\"4.0\" or \"4.01\")",
            ],
        ),
        (
            format!("{EDMX_OPEN}\n<edmx:DataServices>"),
            &["2:20: error: the document is not well-formed XML: the root node was opened but never closed"],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(support::error_lines(&text), expected, "{text}");
    }
    let errors = csdl::parse_bytes(b"<a>\xC3\x28</a>").expect_err("invalid UTF-8");
    assert_eq!(errors.to_string(), "1:4: error: the document is not valid UTF-8 (invalid byte 0xc3)");
}

/// Hostile sizes: each is refused with a located error before anything costs more than linear
/// time (roxmltree checks the attributes of an element for duplicates pairwise: 60,000 attributes
/// took 4 s, 200,000 more than 20 s).
#[test]
fn hostile_sizes_end_fast_with_a_located_error() {
    let attributes = |n: usize| (0..n).map(|i| format!(" a{i}=\"\"")).collect::<String>();
    let many_attributes = schema_doc(&[&format!("<EntityType Name=\"A\"{}/>", attributes(200_000))]);
    let deep = schema_doc(&[&nested("<Foo>", "</Foo>", 1_000_000)]);
    let padding = "<!-- padding -->\n".repeat(csdl::MAX_DOCUMENT_BYTES / 17 + 1);
    let huge = schema_doc(&[&padding]);
    let huge_text =
        schema_doc(&[&format!(r#"<Annotation Term="NS.t" String="{}"/>"#, "x".repeat(csdl::MAX_DOCUMENT_BYTES))]);
    // The size limit is reported at the first byte beyond it (these documents are ASCII).
    let at_limit = |text: &str| {
        let before = &text[..csdl::MAX_DOCUMENT_BYTES];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        format!("{}:{}", before.matches('\n').count() + 1, before.len() - line_start + 1)
    };
    let (huge_at, huge_text_at) = (at_limit(&huge), at_limit(&huge_text));
    let cases = [
        (
            "200,000 attributes on one element",
            many_attributes,
            "4:1".to_owned(),
            DiagnosticKind::TooManyAttributes { limit: csdl::MAX_ATTRIBUTES },
        ),
        (
            "1,000,000 nested elements",
            deep,
            // The root is level 1 and the schema level 3, so the first element too deep is on
            // line 4 + (limit - 3).
            "257:1".to_owned(),
            DiagnosticKind::ElementsTooDeep { limit: csdl::MAX_ELEMENT_DEPTH },
        ),
        ("64 MiB of comments", huge, huge_at, DiagnosticKind::DocumentTooLarge { limit: csdl::MAX_DOCUMENT_BYTES }),
        (
            "a 64 MiB attribute value",
            huge_text,
            huge_text_at,
            DiagnosticKind::DocumentTooLarge { limit: csdl::MAX_DOCUMENT_BYTES },
        ),
    ];
    for (name, text, at, kind) in cases {
        let started = Instant::now();
        let errors = csdl::parse(&text).expect_err(name);
        let elapsed = started.elapsed();
        let actual: Vec<(String, String, DiagnosticKind)> =
            errors.iter().map(|e| (e.location.to_string(), e.path.clone(), e.kind.clone())).collect();
        assert_eq!(actual, [(at, String::new(), kind)], "{name}");
        // Generous for a debug build on a loaded machine; the quadratic case took seconds.
        assert!(elapsed < Duration::from_secs(2), "{name}: {elapsed:?}");
    }
}
