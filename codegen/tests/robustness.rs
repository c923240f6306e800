//! No input panics the parser: real documents truncated and mutated at many (deterministic)
//! positions, hostile attribute values in every place a path or type is read, multi-byte text
//! around errors, and a very large document. Every error must also point inside the document.

mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use codegen::csdl::{self, DiagnosticKind};

/// Bytes that break XML, CSDL paths or UTF-8.
const HOSTILE_BYTES: [u8; 16] =
    [b'<', b'>', b'"', b'\'', b'/', b'(', b')', b'&', b'.', b'=', b' ', b'\n', 0, 0xFF, 0xC3, 0xE2];
/// Snippets inserted into documents.
const HOSTILE_SNIPPETS: [&str; 12] = [
    "<",
    "</x>",
    "\"",
    "(",
    "é",
    "&lol;",
    "<!DOCTYPE x>",
    "<Annotation Term=\"a.b\"><Collection>",
    "<Annotations Target=\"(\"/>",
    "<EntityType Name=\"\u{1F600}\" BaseType=\"NS.(\"/>",
    "\u{FEFF}",
    "\r\n",
];

/// A small deterministic pseudo-random sequence (xorshift64*).
struct Positions(u64);

impl Positions {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let below = u64::try_from(below.max(1)).expect("usize fits u64");
        usize::try_from(self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % below).expect("below a usize")
    }
}

/// Parses `bytes`, which must neither panic nor report an error outside the document.
/// Returns whether it parsed.
fn parse_checked(bytes: &[u8], what: &dyn Fn() -> String) -> bool {
    let result = catch_unwind(AssertUnwindSafe(|| csdl::parse_bytes(bytes).map(|_| ())));
    let errors = match result {
        Err(_) => panic!("{}: the parser panicked", what()),
        Ok(Ok(())) => return true,
        Ok(Err(errors)) => errors,
    };
    assert!(!errors.is_empty(), "{}: Err without errors", what());
    // Columns count characters; undecodable bytes count as one character each at most.
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<usize> = text.split('\n').map(|line| line.chars().count()).collect();
    for error in &errors {
        let (line, column) = (error.location.line as usize, error.location.column as usize);
        let fits = line >= 1 && line <= lines.len() && column >= 1 && column <= lines[line - 1] + 1;
        assert!(fits, "{}: error outside the document ({} lines): {error}", what(), lines.len());
    }
    false
}

/// Truncates, overwrites, inserts into and cuts out of `doc` at `n` positions each.
fn mutate(name: &str, doc: &[u8], n: usize) {
    assert!(parse_checked(doc, &|| format!("{name} (unchanged)")), "{name} must parse unchanged");
    let step = (doc.len() / n).max(1);
    for end in (0..doc.len()).step_by(step) {
        parse_checked(&doc[..end], &|| format!("{name} truncated to {end} bytes"));
    }
    let mut positions = Positions(0x9E37_79B9_7F4A_7C15 ^ doc.len() as u64);
    let mut mutated = Vec::with_capacity(doc.len() + 64);
    for i in 0..n {
        let at = positions.next(doc.len());
        let byte = HOSTILE_BYTES[i % HOSTILE_BYTES.len()];
        mutated.clear();
        mutated.extend_from_slice(doc);
        mutated[at] = byte;
        parse_checked(&mutated, &|| format!("{name} with byte {at} set to {byte:#04x}"));

        let snippet = HOSTILE_SNIPPETS[i % HOSTILE_SNIPPETS.len()];
        mutated.clear();
        mutated.extend_from_slice(&doc[..at]);
        mutated.extend_from_slice(snippet.as_bytes());
        mutated.extend_from_slice(&doc[at..]);
        parse_checked(&mutated, &|| format!("{name} with {snippet:?} inserted at {at}"));

        let cut = (at + 1 + positions.next(40)).min(doc.len());
        mutated.clear();
        mutated.extend_from_slice(&doc[..at]);
        mutated.extend_from_slice(&doc[cut..]);
        parse_checked(&mutated, &|| format!("{name} without bytes {at}..{cut}"));
    }
}

#[test]
fn mutated_trippin_never_panics() {
    let Some(corpora) = support::corpora_dir("mutated_trippin_never_panics") else {
        return;
    };
    mutate("trippin.xml", &support::read(&corpora.join("trippin.xml")), 400);
}

#[test]
fn mutated_feature_document_never_panics() {
    let doc = support::read(&support::workspace_root().join("codegen/tests/data/features.xml"));
    mutate("features.xml", &doc, 400);
}

/// Values that stress the code slicing names, paths and signatures: unbalanced and nested
/// parentheses, empty segments, and multi-byte characters next to the delimiters.
const HOSTILE_VALUES: [&str; 34] = [
    "",
    " ",
    ".",
    "..",
    "/",
    "//",
    "(",
    ")",
    ")(",
    "((",
    "()",
    "NS.",
    ".A",
    "NS./",
    "NS.A/",
    "NS.A//",
    "NS.A/é/",
    "NS.f(",
    "NS.f()",
    "NS.f(,)",
    "NS.f(Collection(",
    "NS.f(Collection()",
    "NS.f(Collection(NS.A)",
    "NS.f(Collection(x)é",
    "NS.f(Collection(é))é/é",
    "NS.f(NS.A)/",
    "NS.f(NS.A)x",
    "é(",
    "(é",
    "NS.é(Collection(é)",
    "Collection(",
    "Collection()",
    "Collection(Collection(Edm.String))",
    "Edm.",
];

/// Where each hostile value goes: a document with one `{}` placeholder.
fn hostile_templates() -> Vec<String> {
    let entity = r#"<EntityType Name="A"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32" Nullable="false"/><NavigationProperty Name="n" Type="NS.A"/></EntityType>"#;
    let function = r#"<Function Name="f" IsBound="true"><Parameter Name="a" Type="NS.A"/><ReturnType Type="Edm.String"/></Function>"#;
    let with = |line: &str| support::schema_doc(&[entity, function, line]);
    let container = |inner: &str| {
        with(&format!(r#"<EntityContainer Name="C"><EntitySet Name="as" EntityType="NS.A"/>{inner}</EntityContainer>"#))
    };
    let annotation =
        |value: &str| with(&format!(r#"<ComplexType Name="X"><Annotation Term="NS.t" {value}/></ComplexType>"#));
    vec![
        with(r#"<Annotations Target="{}"><Annotation Term="NS.t" String="v"/></Annotations>"#),
        with(r#"<ComplexType Name="X"><Property Name="p" Type="{}"/></ComplexType>"#),
        with(r#"<ComplexType Name="X" BaseType="{}"/>"#),
        with(r#"<EntityType Name="X"><Key><PropertyRef Name="{}" Alias="k"/></Key><Property Name="id" Type="NS.A"/></EntityType>"#),
        with(r#"<EntityType Name="X"><NavigationProperty Name="n" Type="{}" Partner="{}"/></EntityType>"#),
        with(r#"<Function Name="g"><Parameter Name="p" Type="{}"/><ReturnType Type="{}"/></Function>"#),
        with(r#"<Term Name="t" Type="{}" BaseTerm="{}"/>"#),
        with(r#"<EnumType Name="E" UnderlyingType="{}"><Member Name="{}" Value="{}"/></EnumType>"#),
        with(r#"<TypeDefinition Name="T" UnderlyingType="{}" MaxLength="{}" Scale="{}" SRID="{}" Precision="{}"/>"#),
        container(r#"<EntitySet Name="bs" EntityType="NS.A"><NavigationPropertyBinding Path="n" Target="{}"/></EntitySet>"#),
        container(r#"<EntitySet Name="bs" EntityType="{}"/>"#),
        container(r#"<ActionImport Name="i" Action="{}" EntitySet="{}"/><FunctionImport Name="j" Function="NS.f" EntitySet="{}"/>"#),
        with(r#"<EntityContainer Name="D" Extends="{}"/>"#),
        annotation(r#"EnumMember="{}""#),
        annotation(r#"Int="{}""#),
        annotation(r#"Bool="{}""#),
        annotation(r#"Path="{}""#),
        with(r#"<ComplexType Name="X"><Annotation Term="{}" Qualifier="{}"><Record Type="{}"/></Annotation></ComplexType>"#),
        format!(
            r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:Reference Uri="{{}}"><edmx:Include Namespace="{{}}" Alias="{{}}"/></edmx:Reference><edmx:DataServices>{}</Schema></edmx:DataServices></edmx:Edmx>"#,
            support::SCHEMA_OPEN
        ),
        r#"<edmx:Edmx Version="{}" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices/></edmx:Edmx>"#.to_owned(),
        r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices><Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="{}" Alias="{}"/></edmx:DataServices></edmx:Edmx>"#.to_owned(),
    ]
}

#[test]
fn hostile_attribute_values_never_panic() {
    let templates = hostile_templates();
    // Each template is well-formed XML, so that the values reach the CSDL reader rather than
    // stopping at an XML error.
    for template in &templates {
        let plain = template.replace("{}", "NS.A");
        if let Err(errors) = csdl::parse(&plain) {
            let xml = errors.iter().find(|e| matches!(e.kind, DiagnosticKind::Xml { .. }));
            assert!(xml.is_none(), "{plain}: {errors}");
        }
    }
    for template in &templates {
        for value in HOSTILE_VALUES {
            let escaped = value.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
            let text = template.replace("{}", &escaped);
            parse_checked(text.as_bytes(), &|| format!("value {value:?} in {template}"));
        }
    }
}

/// The annotation targets of the brief, which once sliced strings at the wrong places: each is
/// dropped with a warning or kept as written.
#[test]
fn hostile_annotation_targets_are_dropped_or_kept() {
    for (target, dropped) in [
        ("NS.f(Collection(", true),
        ("NS.f(Collection(x)é", true),
        ("NS.f(Collection(é)", true),
        ("NS.A(", true),
        ("NS.f(NS.A)x", true),
        ("NS.A/é", true),
        ("(", false),
        ("é(", false),
        ("Other.NS.T(é", false),
    ] {
        let text = support::schema_doc(&[
            r#"<EntityType Name="A"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32" Nullable="false"/></EntityType>"#,
            r#"<Function Name="f" IsBound="true"><Parameter Name="a" Type="NS.A"/><ReturnType Type="Edm.String"/></Function>"#,
            &format!(r#"<Annotations Target="{target}"><Annotation Term="NS.t" String="v"/></Annotations>"#),
        ]);
        let parsed = csdl::parse(&text).unwrap_or_else(|errors| panic!("{target}: {errors}"));
        let kept: Vec<&str> = parsed.model.schemas[0].external_annotations.iter().map(|a| a.target.as_str()).collect();
        let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
        if dropped {
            assert!(kept.is_empty(), "{target}: kept");
            let expected = format!(
                "6:1: warning: Schema[NS]/Annotations[{target}]: annotation target `{target}` does not resolve; \
                 its annotations are dropped"
            );
            assert_eq!(warnings, [expected]);
        } else {
            assert_eq!(kept, [target], "kept as written");
            assert!(warnings.is_empty(), "{target}: {warnings:?}");
        }
    }
}

/// Errors after multi-byte characters, at every truncation of a document full of them: the
/// column counts characters, and every error lies inside the text.
#[test]
fn multi_byte_text_near_errors() {
    let text = support::schema_doc(&[
        "<!-- Größe, 名前, emoji \u{1F600} -->",
        r#"<ComplexType Name="Größe"><Annotation Term="NS.t" String="名前 😀 é"/><Property Name="ñ" Type="NS.Ünknown"/></ComplexType>"#,
        r#"<EnumType Name="Ä"><Member Name="名" Value="x名"/></EnumType>"#,
    ]);
    let unknown = "5:68: warning: Schema[NS]/ComplexType[Größe]/Property[ñ]: unknown type `NS.Ünknown`; \
                   decoded as raw JSON (serde_json::Value)";
    assert_eq!(
        support::error_lines(&text),
        [
            "6:20: error: Schema[NS]/EnumType[Ä]/Member[名]: invalid value \"x名\" for attribute `Value`: expected an integer"
        ],
        "an error stops the reading before resolution"
    );
    let fixed = text.replace("x名", "1");
    let warnings: Vec<String> = csdl::parse(&fixed).expect("reads").warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings, [unknown]);
    let bytes = fixed.as_bytes();
    for end in 0..bytes.len() {
        parse_checked(&bytes[..end], &|| format!("truncated to {end} bytes"));
    }
}

/// A very large generated document: 20,000 entity types, each with an entity set, a navigation
/// binding and an external annotation.
#[test]
fn very_large_document() {
    const N: usize = 20_000;
    let mut lines: Vec<String> = (0..N)
        .map(|i| {
            format!(
                r#"<EntityType Name="T{i}"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int64" Nullable="false"/><Property Name="name" Type="Edm.String"/><NavigationProperty Name="next" Type="NS.T{}"/></EntityType>"#,
                (i + 1) % N
            )
        })
        .collect();
    let sets: String = (0..N)
        .map(|i| format!(r#"<EntitySet Name="S{i}" EntityType="NS.T{i}"><NavigationPropertyBinding Path="next" Target="S{}"/></EntitySet>"#, (i + 1) % N))
        .collect();
    lines.push(format!(r#"<EntityContainer Name="C">{sets}</EntityContainer>"#));
    lines.extend(
        (0..N).map(|i| format!(r#"<Annotations Target="NS.C/S{i}"><Annotation Term="Org.OData.Core.V1.Description" String="set {i}"/></Annotations>"#)),
    );
    let text = support::schema_doc(&lines.iter().map(String::as_str).collect::<Vec<_>>());
    let model = support::model(&text);
    let counts = model.counts();
    assert_eq!(
        (counts.entity_types, counts.entity_sets, counts.properties, counts.navigation_properties),
        (N, N, 2 * N, N)
    );
    let sets = &model.schemas[0].entity_containers[0].entity_sets;
    assert_eq!(sets[N - 1].annotations.description.as_deref(), Some("set 19999"));
}

/// Columns on a line longer than the location index's checkpoint step (4 KiB), after multi-byte
/// characters: a minified document is one long line.
#[test]
fn columns_on_long_lines() {
    let comment = format!("<!--{}-->", "é€😀x".repeat(3_000));
    let before = format!("{}{comment}<ComplexType Name=\"C\">", support::SCHEMA_OPEN);
    let text = format!(
        "{}<edmx:DataServices>{before}<Property Name=\"p\"/></ComplexType></Schema></edmx:DataServices></edmx:Edmx>",
        support::EDMX_OPEN
    );
    let column =
        support::EDMX_OPEN.chars().count() + "<edmx:DataServices>".chars().count() + before.chars().count() + 1;
    assert!(text.len() > 5 * 4096);
    assert_eq!(
        support::error_lines(&text),
        [format!("1:{column}: error: Schema[NS]/ComplexType[C]/Property[p]: missing required attribute `Type`")]
    );
}
