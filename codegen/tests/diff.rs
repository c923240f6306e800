//! `codegen::diff`: crafted CSDL pairs covering every change kind and impact, pairs that must
//! show no change, the Microsoft Graph document against itself and against an edited copy, and
//! the JSON, text and Markdown renderings.
//!
//! Most pairs are one small edit of [`BASE`]: `check(edits, expected)` applies the edits to get
//! the new document and asserts the exact list of changes, each as `kind item path impact`.

mod support;

use codegen::csdl;
use codegen::diff::{self, ChangeKind, Diff, Impact, Item};

const BASE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">
    <edmx:Include Namespace="Org.OData.Core.V1" Alias="Core"/>
  </edmx:Reference>
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Test" Alias="t">
      <EntityType Name="base" Abstract="true">
        <Key>
          <PropertyRef Name="id"/>
        </Key>
        <Property Name="id" Type="Edm.Int32" Nullable="false"/>
      </EntityType>
      <EntityType Name="device" BaseType="t.base">
        <Annotation Term="Core.Description" String="A managed device."/>
        <Property Name="name" Type="Edm.String"/>
        <Property Name="count" Type="Edm.Int32" Nullable="false"/>
        <Property Name="tags" Type="Collection(Edm.String)"/>
        <Property Name="state" Type="t.state"/>
        <Property Name="serial" Type="Edm.String" MaxLength="64"/>
        <NavigationProperty Name="owner" Type="t.user"/>
      </EntityType>
      <EntityType Name="user">
        <Key>
          <PropertyRef Name="upn"/>
        </Key>
        <Property Name="upn" Type="Edm.String" Nullable="false"/>
        <Property Name="mail" Type="Edm.String"/>
      </EntityType>
      <ComplexType Name="address">
        <Property Name="city" Type="Edm.String"/>
      </ComplexType>
      <ComplexType Name="place"/>
      <EnumType Name="state">
        <Member Name="on" Value="0"/>
        <Member Name="off" Value="1"/>
      </EnumType>
      <TypeDefinition Name="code" UnderlyingType="Edm.String" MaxLength="10"/>
      <Action Name="reset" IsBound="true">
        <Parameter Name="bindingParameter" Type="t.device"/>
      </Action>
      <Action Name="reset" IsBound="true">
        <Parameter Name="bindingParameter" Type="t.user"/>
      </Action>
      <Function Name="total">
        <Parameter Name="x" Type="Edm.Int32"/>
        <ReturnType Type="Edm.Int32"/>
      </Function>
      <EntityContainer Name="svc">
        <EntitySet Name="devices" EntityType="t.device"/>
        <EntitySet Name="users" EntityType="t.user"/>
        <Singleton Name="me" Type="t.user"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;

fn parse(text: &str) -> csdl::Model {
    support::clean(csdl::parse(text), text)
}

/// `text` with each `(from, to)` replacement applied; `from` must occur exactly once.
#[track_caller]
fn edit(text: &str, edits: &[(&str, &str)]) -> String {
    let mut text = text.to_owned();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "edit target must occur once: {from}");
        text = text.replacen(from, to, 1);
    }
    text
}

/// Each change as `kind item path impact`.
fn lines(diff: &Diff) -> Vec<String> {
    diff.changes
        .iter()
        .map(|c| format!("{} {} {} {}", c.kind.as_str(), c.item.as_str(), c.path, c.impact.as_str()))
        .collect()
}

fn compare(old: &str, new: &str) -> Diff {
    diff::compare(&parse(old), &parse(new))
}

/// Diffs [`BASE`] against [`BASE`] with `edits` and asserts the exact change list.
#[track_caller]
fn check(edits: &[(&str, &str)], expected: &[&str]) -> Diff {
    let diff = compare(BASE, &edit(BASE, edits));
    assert_eq!(lines(&diff), expected, "\n{}", diff.to_text());
    diff
}

#[test]
fn identical_documents_have_no_changes() {
    let diff = compare(BASE, BASE);
    assert!(diff.is_empty());
    assert_eq!(diff.worst(), None);
    assert_eq!(diff.to_text(), "Schema diff: no changes\n");
    assert_eq!(diff.to_markdown(), "**Schema diff:** no changes\n");
    // A comparison names every side, even an empty one.
    assert_eq!(
        diff.to_comparison_text("v1.0", "beta"),
        "beta compared with v1.0: 0 only in beta, 0 only in v1.0, 0 different\n\n\
         Only in beta\n  none\n\nOnly in v1.0\n  none\n\nDifferent\n  none\n"
    );
}

#[test]
fn a_second_entity_set_of_a_type_moves_the_row_struct() {
    check(
        &[(
            r#"<EntitySet Name="users" EntityType="t.user"/>"#,
            r#"<EntitySet Name="users" EntityType="t.user"/><EntitySet Name="admins" EntityType="t.user"/>"#,
        )],
        &["added entity_set Test.svc/admins additive", "changed entity_type Test.user breaking"],
    );
}

#[test]
fn entity_sets_added_removed_and_retyped() {
    check(
        &[(r#"<EntitySet Name="users" EntityType="t.user"/>"#, r#"<EntitySet Name="people" EntityType="t.user"/>"#)],
        &["added entity_set Test.svc/people additive", "removed entity_set Test.svc/users breaking"],
    );
    let diff = check(
        &[(
            r#"<EntitySet Name="devices" EntityType="t.device"/>"#,
            r#"<EntitySet Name="devices" EntityType="t.user"/>"#,
        )],
        // Both row structs move to `types`: `device` has no entity set left, `user` now has two.
        &[
            "changed entity_type Test.device breaking",
            "changed entity_set Test.svc/devices breaking",
            "changed entity_type Test.user breaking",
        ],
    );
    assert_eq!(diff.changes[1].old, serde_json::json!({"entity_type": "Test.device"}));
    assert_eq!(diff.changes[1].new, serde_json::json!({"entity_type": "Test.user"}));
    assert_eq!(diff.changes[0].new, serde_json::json!({"module": "types"}));
}

#[test]
fn singletons_added_removed_and_retyped() {
    check(
        &[(r#"<Singleton Name="me" Type="t.user"/>"#, r#"<Singleton Name="self" Type="t.user"/>"#)],
        &["removed singleton Test.svc/me breaking", "added singleton Test.svc/self additive"],
    );
    check(
        &[(r#"<Singleton Name="me" Type="t.user"/>"#, r#"<Singleton Name="me" Type="t.device"/>"#)],
        &["changed singleton Test.svc/me breaking"],
    );
}

#[test]
fn types_added_and_removed() {
    check(
        &[
            (r#"<ComplexType Name="place"/>"#, r#"<ComplexType Name="spot"/>"#),
            (r#"<TypeDefinition Name="code" UnderlyingType="Edm.String" MaxLength="10"/>"#, ""),
            (
                "<EntityContainer",
                r#"<EntityType Name="app"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32" Nullable="false"/></EntityType>
      <EnumType Name="color"><Member Name="red"/></EnumType>
      <TypeDefinition Name="tag" UnderlyingType="Edm.String"/>
      <EntityContainer"#,
            ),
        ],
        &[
            "added entity_type Test.app additive",
            "removed type_definition Test.code breaking",
            "added enum_type Test.color additive",
            "removed complex_type Test.place breaking",
            "added complex_type Test.spot additive",
            "added type_definition Test.tag additive",
        ],
    );
    check(
        &[(r#"<EnumType Name="state">"#, r#"<EnumType Name="status">"#), (r#"Type="t.state""#, r#"Type="t.status""#)],
        &[
            "changed property Test.device/state breaking",
            "removed enum_type Test.state breaking",
            "added enum_type Test.status additive",
        ],
    );
}

#[test]
fn kind_base_type_and_flags_of_types() {
    // A complex type that becomes an entity type is one change, its members are not compared.
    check(
        &[(
            r#"<ComplexType Name="address">
        <Property Name="city" Type="Edm.String"/>
      </ComplexType>"#,
            r#"<EntityType Name="address">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.Int32" Nullable="false"/>
      </EntityType>"#,
        )],
        &["changed entity_type Test.address breaking"],
    );
    let diff = check(
        &[(r#"<ComplexType Name="address">"#, r#"<ComplexType Name="address" BaseType="t.place">"#)],
        &["changed complex_type Test.address breaking"],
    );
    assert_eq!(diff.changes[0].old, serde_json::json!({"base_type": null}));
    assert_eq!(diff.changes[0].new, serde_json::json!({"base_type": "Test.place"}));
    // The generator ignores Abstract, OpenType and HasStream: documentation-level changes.
    check(
        &[
            (r#"<EntityType Name="base" Abstract="true">"#, r#"<EntityType Name="base">"#),
            (r#"<EntityType Name="user">"#, r#"<EntityType Name="user" OpenType="true" HasStream="true">"#),
        ],
        &[
            "changed entity_type Test.base docs",
            "changed entity_type Test.user docs",
            "changed entity_type Test.user docs",
        ],
    );
}

#[test]
fn properties_added() {
    let diff = check(
        &[(
            r#"<Property Name="mail" Type="Edm.String"/>"#,
            r#"<Property Name="mail" Type="Edm.String"/>
        <Property Name="phone" Type="Edm.String"/>
        <Property Name="age" Type="Edm.Int32" Nullable="false"/>
        <Property Name="aliases" Type="Collection(Edm.String)" Nullable="false"/>"#,
        )],
        &[
            "added property Test.user/age additive",
            "added property Test.user/aliases additive",
            "added property Test.user/phone additive",
        ],
    );
    assert_eq!(diff.changes[0].new, serde_json::json!({"type": "Edm.Int32", "nullable": false}));
    assert_eq!(diff.changes[0].old, serde_json::Value::Null);
    assert!(diff.changes[0].reason.contains("#[non_exhaustive]"), "{}", diff.changes[0].reason);
    assert!(diff.changes[2].reason.contains("Option<T>"), "{}", diff.changes[2].reason);
}

#[test]
fn properties_removed_retyped_and_facets() {
    check(
        &[
            (r#"<Property Name="name" Type="Edm.String"/>"#, ""),
            (
                r#"<Property Name="count" Type="Edm.Int32" Nullable="false"/>"#,
                r#"<Property Name="count" Type="Edm.Int64" Nullable="false"/>"#,
            ),
            (r#"<Property Name="state" Type="t.state"/>"#, r#"<Property Name="state" Type="Collection(t.state)"/>"#),
            (r#"MaxLength="64""#, r#"MaxLength="128""#),
        ],
        &[
            "changed property Test.device/count breaking",
            "removed property Test.device/name breaking",
            "changed property Test.device/serial docs",
            "changed property Test.device/state breaking",
        ],
    );
}

#[test]
fn property_nullability() {
    let diff = check(
        &[
            (
                r#"<Property Name="name" Type="Edm.String"/>"#,
                r#"<Property Name="name" Type="Edm.String" Nullable="false"/>"#,
            ),
            (
                r#"<Property Name="count" Type="Edm.Int32" Nullable="false"/>"#,
                r#"<Property Name="count" Type="Edm.Int32"/>"#,
            ),
            (r#"Type="Collection(Edm.String)"/>"#, r#"Type="Collection(Edm.String)" Nullable="false"/>"#),
        ],
        &[
            "changed property Test.device/count breaking",
            "changed property Test.device/name breaking",
            "changed property Test.device/tags docs",
        ],
    );
    let reasons: Vec<&str> = diff.changes.iter().map(|c| c.reason.as_str()).collect();
    assert_eq!(reasons[0], "non-nullable became nullable: a field type changes from T to Option<T>");
    assert_eq!(reasons[1], "nullable became non-nullable: a field type changes from Option<T> to T");
    assert_eq!(diff.changes[1].old, serde_json::json!({"nullable": true}));
    assert_eq!(diff.changes[1].new, serde_json::json!({"nullable": false}));
}

#[test]
fn navigation_properties() {
    check(
        &[(
            r#"<NavigationProperty Name="owner" Type="t.user"/>"#,
            r#"<NavigationProperty Name="owner" Type="t.user"/>
        <NavigationProperty Name="manager" Type="t.user" Nullable="false"/>"#,
        )],
        &["added navigation_property Test.device/manager additive"],
    );
    check(
        &[(r#"<NavigationProperty Name="owner" Type="t.user"/>"#, "")],
        &["removed navigation_property Test.device/owner breaking"],
    );
    check(
        &[(
            r#"<NavigationProperty Name="owner" Type="t.user"/>"#,
            r#"<NavigationProperty Name="owner" Type="Collection(t.user)"/>"#,
        )],
        &["changed navigation_property Test.device/owner breaking"],
    );
    check(
        &[(
            r#"<NavigationProperty Name="owner" Type="t.user"/>"#,
            r#"<NavigationProperty Name="owner" Type="t.user" Nullable="false" ContainsTarget="true"/>"#,
        )],
        &["changed navigation_property Test.device/owner docs", "changed navigation_property Test.device/owner docs"],
    );
}

#[test]
fn effective_keys_including_inherited_ones() {
    // The base type's key changes, and with it the key device inherits.
    check(
        &[(
            r#"<PropertyRef Name="id"/>
        </Key>
        <Property Name="id" Type="Edm.Int32" Nullable="false"/>"#,
            r#"<PropertyRef Name="id"/>
          <PropertyRef Name="tenant"/>
        </Key>
        <Property Name="id" Type="Edm.Int32" Nullable="false"/>
        <Property Name="tenant" Type="Edm.Int32"/>"#,
        )],
        &[
            "changed key Test.base breaking",
            "added property Test.base/tenant additive",
            "changed key Test.device breaking",
        ],
    );
    // A derived type declaring its own key.
    let diff = check(
        &[(
            r#"<Property Name="name" Type="Edm.String"/>"#,
            r#"<Key><PropertyRef Name="count" Alias="n"/></Key><Property Name="name" Type="Edm.String"/>"#,
        )],
        &["changed key Test.device breaking"],
    );
    assert_eq!(diff.changes[0].old, serde_json::json!(["id"]));
    assert_eq!(diff.changes[0].new, serde_json::json!(["count as n"]));
}

#[test]
fn enum_members_and_enum_attributes() {
    let diff = check(
        &[(
            r#"<Member Name="on" Value="0"/>
        <Member Name="off" Value="1"/>"#,
            r#"<Member Name="on" Value="2"/>
        <Member Name="unknown" Value="3"/>"#,
        )],
        &[
            "removed enum_member Test.state/off breaking",
            "changed enum_member Test.state/on breaking",
            "added enum_member Test.state/unknown additive",
        ],
    );
    assert_eq!(diff.changes[1].old, serde_json::json!({"value": 0}));
    assert_eq!(diff.changes[1].new, serde_json::json!({"value": 2}));
    check(
        &[(r#"<EnumType Name="state">"#, r#"<EnumType Name="state" IsFlags="true" UnderlyingType="Edm.Int64">"#)],
        &["changed enum_type Test.state breaking", "changed enum_type Test.state docs"],
    );
}

#[test]
fn enum_members_reordered_without_values_change_their_implicit_values() {
    let old = edit(
        BASE,
        &[
            (r#"<Member Name="on" Value="0"/>"#, r#"<Member Name="on"/>"#),
            (r#"<Member Name="off" Value="1"/>"#, r#"<Member Name="off"/>"#),
        ],
    );
    let new = edit(
        &old,
        &[(
            r#"<Member Name="on"/>
        <Member Name="off"/>"#,
            r#"<Member Name="off"/>
        <Member Name="on"/>"#,
        )],
    );
    let diff = compare(&old, &new);
    assert_eq!(
        lines(&diff),
        ["changed enum_member Test.state/off breaking", "changed enum_member Test.state/on breaking"]
    );
}

#[test]
fn type_definitions() {
    check(
        &[(
            r#"<TypeDefinition Name="code" UnderlyingType="Edm.String" MaxLength="10"/>"#,
            r#"<TypeDefinition Name="code" UnderlyingType="Edm.Int32"/>"#,
        )],
        &["changed type_definition Test.code docs", "changed type_definition Test.code breaking"],
    );
}

#[test]
fn operations_and_their_overloads() {
    // One overload of a bound action removed: matched by binding parameter type.
    let diff = check(
        &[(
            r#"<Action Name="reset" IsBound="true">
        <Parameter Name="bindingParameter" Type="t.user"/>
      </Action>"#,
            "",
        )],
        &["removed action Test.reset breaking"],
    );
    assert_eq!(diff.changes[0].old, serde_json::json!({"signature": "bound reset(bindingParameter: Test.user)"}));
    // The other overload's signature changed: told apart in old/new.
    let diff = check(
        &[(
            r#"<Parameter Name="bindingParameter" Type="t.device"/>"#,
            r#"<Parameter Name="bindingParameter" Type="t.device"/>
        <Parameter Name="hard" Type="Edm.Boolean" Nullable="false"/>"#,
        )],
        &["changed action Test.reset breaking"],
    );
    assert_eq!(diff.changes[0].old, serde_json::json!({"signature": "bound reset(bindingParameter: Test.device)"}));
    assert_eq!(
        diff.changes[0].new,
        serde_json::json!({"signature": "bound reset(bindingParameter: Test.device, hard: Edm.Boolean not null)"})
    );
    // A function's only overload changes its parameter: a changed signature, not remove + add.
    check(
        &[(r#"<Parameter Name="x" Type="Edm.Int32"/>"#, r#"<Parameter Name="y" Type="Edm.Int64"/>"#)],
        &["changed function Test.total breaking"],
    );
    check(
        &[(r#"<ReturnType Type="Edm.Int32"/>"#, r#"<ReturnType Type="Edm.Int64"/>"#)],
        &["changed function Test.total breaking"],
    );
    // A new overload beside the old one is added; an action turned function is removed + added.
    let diff = check(
        &[(
            "<EntityContainer",
            r#"<Function Name="total"><Parameter Name="x" Type="Edm.Int32"/><Parameter Name="y" Type="Edm.Int32"/><ReturnType Type="Edm.Int32"/></Function>
      <Function Name="ping"><ReturnType Type="Edm.String"/></Function>
      <EntityContainer"#,
        )],
        &["added function Test.ping additive", "added function Test.total additive"],
    );
    assert_eq!(diff.changes[1].new, serde_json::json!({"signature": "total(x: Edm.Int32, y: Edm.Int32) -> Edm.Int32"}));
}

#[test]
fn descriptions_and_other_annotations() {
    check(
        &[
            (r#"String="A managed device.""#, r#"String="A device managed by Intune.""#),
            (
                r#"<Property Name="mail" Type="Edm.String"/>"#,
                r#"<Property Name="mail" Type="Edm.String"><Annotation Term="Core.Description" String="E-mail."/><Annotation Term="Core.Computed"/></Property>"#,
            ),
            (
                r#"<Member Name="off" Value="1"/>"#,
                r#"<Member Name="off" Value="1"><Annotation Term="Core.LongDescription" String="Off."/></Member>"#,
            ),
            (
                r#"<EntitySet Name="users" EntityType="t.user"/>"#,
                r#"<EntitySet Name="users" EntityType="t.user"><Annotation Term="Core.Description" String="People."/></EntitySet>"#,
            ),
            (
                r#"<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Test" Alias="t">"#,
                r#"<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Test" Alias="t"><Annotation Term="Core.Description" String="Test schema." Qualifier="en"/>"#,
            ),
            (
                r#"<Parameter Name="x" Type="Edm.Int32"/>"#,
                r#"<Parameter Name="x" Type="Edm.Int32"><Annotation Term="Core.Description" String="X."/></Parameter>"#,
            ),
            (
                r#"<Parameter Name="bindingParameter" Type="t.user"/>"#,
                r#"<Parameter Name="bindingParameter" Type="t.user"/><Annotation Term="Core.Description" String="Reset."/>"#,
            ),
        ],
        &[
            "changed annotation Test.device@Org.OData.Core.V1.Description docs",
            "added annotation Test.reset(Test.user)@Org.OData.Core.V1.Description docs",
            "added annotation Test.state/off@Org.OData.Core.V1.LongDescription docs",
            "added annotation Test.svc/users@Org.OData.Core.V1.Description docs",
            "added annotation Test.total(Edm.Int32)/x@Org.OData.Core.V1.Description docs",
            "added annotation Test.user/mail@Org.OData.Core.V1.Computed docs",
            "added annotation Test.user/mail@Org.OData.Core.V1.Description docs",
            "added annotation Test@Org.OData.Core.V1.Description#en docs",
        ],
    );
}

#[test]
fn deprecation_is_a_docs_change_that_adds_deprecated() {
    let deprecated = r#"<Property Name="mail" Type="Edm.String">
          <Annotation Term="Core.Revisions">
            <Collection>
              <Record>
                <PropertyValue Property="Version" String="2202"/>
                <PropertyValue Property="Kind" EnumMember="Core.RevisionKind/Deprecated"/>
                <PropertyValue Property="Description" String="Use upn."/>
              </Record>
            </Collection>
          </Annotation>
        </Property>"#;
    let diff = check(
        &[(r#"<Property Name="mail" Type="Edm.String"/>"#, deprecated)],
        &["added annotation Test.user/mail@Org.OData.Core.V1.Revisions docs"],
    );
    assert_eq!(diff.changes[0].reason, "adds #[deprecated]: a compiler warning, not an error");
    assert_eq!(
        diff.changes[0].new,
        serde_json::json!([{"Kind": "Deprecated", "Version": "2202", "Description": "Use upn."}])
    );
    let undone = diff::compare(
        &parse(&edit(BASE, &[(r#"<Property Name="mail" Type="Edm.String"/>"#, deprecated)])),
        &parse(BASE),
    );
    assert_eq!(lines(&undone), ["removed annotation Test.user/mail@Org.OData.Core.V1.Revisions docs"]);
    assert_eq!(undone.changes[0].reason, "removes #[deprecated]: only a warning goes away");
}

#[test]
fn every_impact_is_counted_in_the_summary() {
    let diff = check(
        &[
            (r#"<Property Name="name" Type="Edm.String"/>"#, ""),
            (
                r#"<Property Name="mail" Type="Edm.String"/>"#,
                r#"<Property Name="mail" Type="Edm.String"/><Property Name="phone" Type="Edm.String"/>"#,
            ),
            (r#"String="A managed device.""#, r#"String="A device.""#),
        ],
        &[
            "removed property Test.device/name breaking",
            "changed annotation Test.device@Org.OData.Core.V1.Description docs",
            "added property Test.user/phone additive",
        ],
    );
    assert_eq!((diff.summary.breaking, diff.summary.additive, diff.summary.docs), (1, 1, 1));
    assert_eq!(diff.worst(), Some(Impact::Breaking));
    assert_eq!(diff.with_impact(Impact::Additive).count(), 1);
}

// ---------------------------------------------------------------------------------------------
// No-change pairs.

#[test]
fn reordered_elements_are_no_change() {
    let reordered = edit(
        BASE,
        &[
            // Types, properties, members with explicit values, entity sets, overloads.
            (
                r#"<ComplexType Name="address">
        <Property Name="city" Type="Edm.String"/>
      </ComplexType>
      <ComplexType Name="place"/>"#,
                r#"<ComplexType Name="place"/>
      <ComplexType Name="address">
        <Property Name="city" Type="Edm.String"/>
      </ComplexType>"#,
            ),
            (
                r#"<Property Name="name" Type="Edm.String"/>
        <Property Name="count" Type="Edm.Int32" Nullable="false"/>"#,
                r#"<Property Name="count" Type="Edm.Int32" Nullable="false"/>
        <NavigationProperty Name="owner" Type="t.user"/>
        <Property Name="name" Type="Edm.String"/>"#,
            ),
            (
                r#"MaxLength="64"/>
        <NavigationProperty Name="owner" Type="t.user"/>"#,
                r#"MaxLength="64"/>"#,
            ),
            (
                r#"<Member Name="on" Value="0"/>
        <Member Name="off" Value="1"/>"#,
                r#"<Member Name="off" Value="1"/>
        <Member Name="on" Value="0"/>"#,
            ),
            (r#"<Singleton Name="me" Type="t.user"/>"#, ""),
            (
                r#"<EntitySet Name="devices" EntityType="t.device"/>
        <EntitySet Name="users" EntityType="t.user"/>"#,
                r#"<EntitySet Name="users" EntityType="t.user"/>
        <Singleton Name="me" Type="t.user"/>
        <EntitySet Name="devices" EntityType="t.device"/>"#,
            ),
            (
                r#"<Action Name="reset" IsBound="true">
        <Parameter Name="bindingParameter" Type="t.device"/>
      </Action>
      <Action Name="reset" IsBound="true">
        <Parameter Name="bindingParameter" Type="t.user"/>
      </Action>"#,
                r#"<Action Name="reset" IsBound="true">
        <Parameter Name="bindingParameter" Type="t.user"/>
      </Action>
      <Action Name="reset" IsBound="true">
        <Parameter Name="bindingParameter" Type="t.device"/>
      </Action>"#,
            ),
        ],
    );
    assert_ne!(reordered, BASE);
    assert_eq!(lines(&compare(BASE, &reordered)), Vec::<String>::new());
}

#[test]
fn reformatted_documents_are_no_change() {
    // Attribute order and quotes, self-closing tags, indentation, line breaks, comments.
    let reformatted = BASE
        .replace(
            r#"<Property Name="name" Type="Edm.String"/>"#,
            "<Property Type='Edm.String'\n\t\tName='name'  ></Property>",
        )
        .replace(
            r#"<EntitySet Name="users" EntityType="t.user"/>"#,
            "<!-- people -->\n<EntitySet EntityType=\"t.user\" Name=\"users\"></EntitySet>",
        )
        .replace("\n      ", "\n")
        .replace("\n", "\r\n");
    assert_eq!(lines(&compare(BASE, &reformatted)), Vec::<String>::new());
}

#[test]
fn renamed_namespace_alias_is_no_change() {
    let renamed = BASE
        .replace(r#"Alias="t""#, r#"Alias="intune""#)
        .replace(r#""t."#, r#""intune."#)
        .replace("(t.", "(intune.")
        .replace(r#"Alias="Core""#, r#"Alias="C""#)
        .replace(r#"Term="Core."#, r#"Term="C."#);
    assert!(renamed.contains(r#"BaseType="intune.base""#) && renamed.contains(r#"Term="C.Description""#));
    // Dropping the alias and writing the namespace is no change either.
    let unaliased = BASE.replace(r#" Alias="t""#, "").replace(r#""t."#, r#""Test."#);
    assert_eq!(lines(&compare(BASE, &renamed)), Vec::<String>::new());
    assert_eq!(lines(&compare(BASE, &unaliased)), Vec::<String>::new());
}

#[test]
fn inline_and_external_annotations_of_the_same_description_are_no_change() {
    let external = edit(
        BASE,
        &[
            (r#"<Annotation Term="Core.Description" String="A managed device."/>"#, ""),
            (
                "</EntityContainer>",
                r#"</EntityContainer>
      <Annotations Target="t.device">
        <Annotation Term="Core.Description" String="A managed device."/>
      </Annotations>"#,
            ),
        ],
    );
    assert_eq!(lines(&compare(BASE, &external)), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// Microsoft Graph.

const GRAPH: &str = "graph-v1.0-2026-08-03.xml";

fn graph(test: &str) -> Option<String> {
    let dir = support::corpora_dir(test)?;
    Some(String::from_utf8(support::read(&dir.join(GRAPH))).expect("the Graph document is UTF-8"))
}

/// `text` with `from` replaced by `to` at its first occurrence after `anchor`.
#[track_caller]
fn edit_after(text: &str, anchor: &str, from: &str, to: &str) -> String {
    let start = text.find(anchor).unwrap_or_else(|| panic!("anchor not found: {anchor}"));
    let at = start + text[start..].find(from).unwrap_or_else(|| panic!("{from} not found after {anchor}"));
    format!("{}{to}{}", &text[..at], &text[at + from.len()..])
}

#[test]
fn graph_against_itself_is_empty() {
    let Some(text) = graph("graph_against_itself_is_empty") else {
        return;
    };
    let model = parse(&text);
    let again = parse(&text);
    let started = std::time::Instant::now();
    let diff = diff::compare(&model, &again);
    eprintln!("Graph diffed against itself in {:?}", started.elapsed());
    assert!(diff.is_empty(), "{}", diff.to_text());
}

#[test]
fn graph_with_four_edits_shows_exactly_those_four_changes() {
    let Some(text) = graph("graph_with_four_edits_shows_exactly_those_four_changes") else {
        return;
    };
    let agreement = r#"<EntityType Name="agreement" BaseType="graph.entity">"#;
    let edited = edit_after(&text, agreement, "<Property Name=\"displayName\" Type=\"Edm.String\" />", "");
    let edited = edit_after(
        &edited,
        agreement,
        r#"<Property Name="isPerDeviceAcceptanceRequired" Type="Edm.Boolean" />"#,
        r#"<Property Name="isPerDeviceAcceptanceRequired" Type="Edm.Boolean" Nullable="false" />"#,
    );
    let edited = edit_after(
        &edited,
        r#"<EnumType Name="riskLevel">"#,
        r#"<Member Name="unknownFutureValue" Value="5" />"#,
        r#"<Member Name="unknownFutureValue" Value="5" /><Member Name="extreme" Value="6" />"#,
    );
    let edited = edit_after(
        &edited,
        "<EntityContainer",
        r#"<EntitySet Name="agreements" EntityType="microsoft.graph.agreement" />"#,
        "",
    );

    let diff = diff::compare(&parse(&text), &parse(&edited));
    assert_eq!(
        lines(&diff),
        [
            "removed entity_set microsoft.graph.GraphService/agreements breaking",
            "removed property microsoft.graph.agreement/displayName breaking",
            "changed property microsoft.graph.agreement/isPerDeviceAcceptanceRequired breaking",
            "added enum_member microsoft.graph.riskLevel/extreme additive",
        ],
        "\n{}",
        diff.to_text()
    );
    assert_eq!(diff.changes[2].reason, "nullable became non-nullable: a field type changes from Option<T> to T");
    assert_eq!((diff.summary.breaking, diff.summary.additive, diff.summary.docs), (3, 1, 0));
}

// ---------------------------------------------------------------------------------------------
// Renderings.

/// One change of each impact, with a `|` and a line break in a description.
fn sample() -> Diff {
    compare(
        BASE,
        &edit(
            BASE,
            &[
                (
                    r#"<Property Name="name" Type="Edm.String"/>"#,
                    r#"<Property Name="name" Type="Edm.String" Nullable="false"/>"#,
                ),
                (
                    r#"<Member Name="off" Value="1"/>"#,
                    r#"<Member Name="off" Value="1"/><Member Name="standby" Value="2"/>"#,
                ),
                (r#"String="A managed device.""#, "String=\"A managed device | or a VM.&#10;See &lt;docs&gt;.\""),
            ],
        ),
    )
}

#[test]
fn json_has_the_documented_shape() {
    let json: serde_json::Value = serde_json::from_str(&sample().to_json()).expect("valid JSON");
    let object = json.as_object().expect("an object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["changes", "summary"]);
    assert_eq!(json["summary"], serde_json::json!({"breaking": 1, "additive": 1, "docs": 1}));
    let changes = json["changes"].as_array().expect("an array");
    assert_eq!(changes.len(), 3);
    for change in changes {
        let mut keys: Vec<&String> = change.as_object().expect("an object").keys().collect();
        keys.sort();
        assert_eq!(keys, ["impact", "item", "kind", "new", "old", "path", "reason"]);
    }
    assert_eq!(
        changes[0],
        serde_json::json!({
            "kind": "changed",
            "item": "property",
            "path": "Test.device/name",
            "old": {"nullable": true},
            "new": {"nullable": false},
            "impact": "breaking",
            "reason": "nullable became non-nullable: a field type changes from Option<T> to T",
        })
    );
    // The summary comes first in the text, as documented.
    assert!(sample().to_json().trim_start().starts_with("{\n  \"summary\""));
}

#[test]
fn serialised_enums_use_the_documented_names() {
    let names = |value: serde_json::Value| value.as_str().map(str::to_owned);
    for item in Item::ALL {
        assert_eq!(names(serde_json::to_value(item).unwrap()).as_deref(), Some(item.as_str()));
    }
    for kind in [ChangeKind::Added, ChangeKind::Removed, ChangeKind::Changed] {
        assert_eq!(names(serde_json::to_value(kind).unwrap()).as_deref(), Some(kind.as_str()));
    }
    for impact in Impact::BY_SEVERITY {
        assert_eq!(names(serde_json::to_value(impact).unwrap()).as_deref(), Some(impact.as_str()));
    }
}

#[test]
fn text_rendering() {
    insta::with_settings!({ snapshot_path => "data/diff/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("text", sample().to_text());
    });
}

#[test]
fn markdown_rendering_groups_by_impact_and_escapes_cells() {
    let markdown = sample().to_markdown();
    assert!(markdown.contains(r"A managed device \| or a VM. See &lt;docs>."), "{markdown}");
    insta::with_settings!({ snapshot_path => "data/diff/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("markdown", markdown);
    });
}

#[test]
fn comparison_rendering_for_release_notes() {
    let diff = check(
        &[
            (r#"<EntitySet Name="users" EntityType="t.user"/>"#, ""),
            (
                r#"<Property Name="mail" Type="Edm.String"/>"#,
                r#"<Property Name="mail" Type="Edm.String"/><Property Name="phone" Type="Edm.String"/><Property Name="fax" Type="Edm.String"/>"#,
            ),
            (
                r#"<Property Name="name" Type="Edm.String"/>"#,
                r#"<Property Name="name" Type="Edm.String" Nullable="false"/>"#,
            ),
        ],
        &[
            "changed property Test.device/name breaking",
            "removed entity_set Test.svc/users breaking",
            "added property Test.user/fax additive",
            "added property Test.user/phone additive",
        ],
    );
    insta::with_settings!({ snapshot_path => "data/diff/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("comparison_text", diff.to_comparison_text("v1.0", "beta"));
        insta::assert_snapshot!("comparison_markdown", diff.to_comparison_markdown("v1.0", "beta"));
    });
}
