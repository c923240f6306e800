//! The resolved model of `tests/data/features.xml`, a CSDL 4.01 document using every feature the
//! model covers: aliases, inheritance, keys, enums, facets, navigation, operations, containers and
//! annotations (typed, raw and external).

mod support;

use std::sync::LazyLock;

use codegen::csdl::{
    self, Annotation, ConstantKind, Counts, EdmType, Geo, MaxLength, Model, ODataVersion, OnDeleteAction, Operation,
    PathKind, Permissions, PropertyRef, QualifiedName, ReferentialConstraint, RevisionKind, Scale, Srid,
    StructuredType, TypeDecl, TypeRef, TypeTarget, Value,
};

const MODEL: &str = "Features.Model";
const OTHER: &str = "Features.Other";
const EXTERNAL: &str = "Example.External";

static FEATURES: LazyLock<Model> = LazyLock::new(|| {
    let path = support::workspace_root().join("codegen/tests/data/features.xml");
    support::clean(csdl::parse_bytes(&support::read(&path)), "features.xml")
});

fn name(namespace: &str, name: &str) -> QualifiedName {
    QualifiedName::new(namespace, name)
}

fn named(namespace: &str, ty: &str) -> TypeRef {
    TypeRef { collection: false, target: TypeTarget::Named(name(namespace, ty)) }
}

fn entity(ty: &str) -> &'static StructuredType {
    FEATURES.entity_type(&name(MODEL, ty)).unwrap_or_else(|| panic!("entity type {ty}"))
}

fn complex(ty: &str) -> &'static StructuredType {
    match FEATURES.type_decl(&name(MODEL, ty)) {
        Some(TypeDecl::Complex(ty)) => ty,
        _ => panic!("complex type {ty}"),
    }
}

fn property<'a>(ty: &'a StructuredType, property: &str) -> &'a csdl::Property {
    ty.property(property).unwrap_or_else(|| panic!("{}.{property}", ty.name))
}

fn navigation<'a>(ty: &'a StructuredType, nav: &str) -> &'a csdl::NavigationProperty {
    ty.navigation_properties.iter().find(|n| n.name == nav).unwrap_or_else(|| panic!("{}.{nav}", ty.name))
}

fn schema(namespace: &str) -> &'static csdl::Schema {
    FEATURES.schema(namespace).unwrap_or_else(|| panic!("schema {namespace}"))
}

fn operations(kind: csdl::OperationKind, op: &str) -> Vec<&'static Operation> {
    let schema = schema(MODEL);
    let list = match kind {
        csdl::OperationKind::Action => &schema.actions,
        csdl::OperationKind::Function => &schema.functions,
    };
    list.iter().filter(|o| o.name == op).collect()
}

fn container(namespace: &str, container: &str) -> &'static csdl::EntityContainer {
    FEATURES.entity_container(&name(namespace, container)).unwrap_or_else(|| panic!("container {container}"))
}

fn other_terms(annotations: &csdl::Annotations) -> Vec<(&str, Option<&str>)> {
    annotations.other.iter().map(|a| (a.term.as_str(), a.qualifier.as_deref())).collect()
}

fn raw<'a>(annotations: &'a csdl::Annotations, term: &str) -> &'a Annotation {
    annotations.other.iter().find(|a| a.term == term).unwrap_or_else(|| panic!("no raw annotation {term}"))
}

fn string(text: &str) -> Value {
    Value::String(text.to_owned())
}

#[test]
fn version_references_and_counts() {
    assert_eq!(FEATURES.version, ODataVersion::V4_01);
    assert_eq!(FEATURES.version.to_string(), "4.01");
    let includes: Vec<(&str, Option<&str>)> = FEATURES
        .references
        .iter()
        .flat_map(|r| &r.includes)
        .map(|i| (i.namespace.as_str(), i.alias.as_deref()))
        .collect();
    assert_eq!(
        includes,
        [
            ("Org.OData.Core.V1", Some("Core")),
            ("Org.OData.Capabilities.V1", Some("Capabilities")),
            (EXTERNAL, Some("ext"))
        ]
    );
    let external = &FEATURES.references[2];
    assert_eq!(external.uri, "https://example.com/ext/$metadata");
    assert_eq!(external.location.to_string(), "11:3");
    let include_annotations = &external.include_annotations[0];
    assert_eq!(include_annotations.term_namespace, "Example.Vocabulary");
    assert_eq!(include_annotations.qualifier.as_deref(), Some("Phone"));
    assert_eq!(include_annotations.target_namespace.as_deref(), Some(MODEL));

    let namespaces: Vec<(&str, Option<&str>)> =
        FEATURES.schemas.iter().map(|s| (s.namespace.as_str(), s.alias.as_deref())).collect();
    assert_eq!(namespaces, [(MODEL, Some("self")), (OTHER, Some("other"))]);

    assert_eq!(
        FEATURES.counts(),
        Counts {
            entity_types: 6,
            complex_types: 3,
            enum_types: 3,
            type_definitions: 2,
            entity_sets: 4,
            singletons: 1,
            actions: 3,
            functions: 3,
            action_imports: 1,
            function_imports: 1,
            terms: 2,
            properties: 28,
            navigation_properties: 5,
        }
    );
}

#[test]
fn aliases_are_replaced_by_namespaces() {
    let thing = entity("Thing");
    assert_eq!(thing.base_type, Some(name(MODEL, "Base")));
    assert_eq!(property(thing, "color").ty, named(MODEL, "Color"));
    // Written `Features.Model.Access`: the namespace itself works as well as the alias.
    assert_eq!(property(thing, "access").ty, named(MODEL, "Access"));
    assert_eq!(navigation(thing, "maker").ty, named(OTHER, "Maker"));
    // Types of a namespace that is only included are external, through the include's alias.
    assert_eq!(property(thing, "external").ty.target, TypeTarget::External(name(EXTERNAL, "Gadget")));
    assert_eq!(
        navigation(thing, "related").ty,
        TypeRef { collection: true, target: TypeTarget::External(name(EXTERNAL, "Gizmo")) }
    );
    assert_eq!(entity("Outside").base_type, Some(name(EXTERNAL, "Root")));

    // Annotation terms, record types and enum members.
    let terms = other_terms(&thing.annotations);
    assert!(terms.contains(&("Features.Model.Rank", None)), "{terms:?}");
    assert!(terms.contains(&("Example.External.Score", None)), "{terms:?}");
    let Value::Record { ty, .. } = &raw(&thing.annotations, "Example.External.Origin").value else { panic!("record") };
    assert_eq!(ty.as_deref(), Some("Example.External.OriginType"));

    // Paths into containers.
    let things = &container(MODEL, "Container").entity_sets[0];
    let targets: Vec<&str> = things.navigation_property_bindings.iter().map(|b| b.target.as_str()).collect();
    assert_eq!(targets, ["Features.Other.More/Makers", "Parts"]);
    assert_eq!(
        container(MODEL, "Container").singletons[0].navigation_property_bindings[0].target,
        "Features.Model.Container/Parts"
    );
    assert_eq!(
        container(MODEL, "Container").function_imports[0].entity_set.as_deref(),
        Some("Features.Model.Container/Things")
    );
    assert_eq!(container(MODEL, "Container").action_imports[0].action, name(MODEL, "Reset"));
    assert_eq!(container(OTHER, "More").extends, Some(name(MODEL, "Container")));
}

#[test]
fn keys_are_inherited_through_base_types() {
    let id = [PropertyRef { name: "id".to_owned(), alias: None }];
    assert_eq!(entity("Base").key, id);
    assert!(entity("Thing").key.is_empty());
    assert!(entity("Widget").key.is_empty());
    assert_eq!(FEATURES.effective_key(entity("Thing")), id);
    assert_eq!(FEATURES.effective_key(entity("Widget")), id);
    // An included base type cannot be followed: no key known.
    assert!(FEATURES.effective_key(entity("Outside")).is_empty());

    let chain: Vec<&str> = FEATURES.type_chain(entity("Widget")).map(|t| t.name.as_str()).collect();
    assert_eq!(chain, ["Widget", "Thing", "Base"]);
    let properties: Vec<&str> =
        FEATURES.all_properties(entity("Widget")).iter().map(|p| p.name.as_str()).take(3).collect();
    assert_eq!(properties, ["id", "version", "name"]);
    let navs: Vec<&str> =
        FEATURES.all_navigation_properties(entity("Widget")).iter().map(|n| n.name.as_str()).collect();
    assert_eq!(navs, ["parts", "maker", "related", "anyEntity"]);

    // A key property path into a complex property (itself inherited from a base complex type).
    assert_eq!(
        entity("Part").key,
        [
            PropertyRef { name: "address/code".to_owned(), alias: Some("code".to_owned()) },
            PropertyRef { name: "serial".to_owned(), alias: None },
        ]
    );
    let postal: Vec<&str> = FEATURES.all_properties(complex("PostalAddress")).iter().map(|p| p.name.as_str()).collect();
    assert_eq!(postal, ["code", "street", "location", "box"]);
}

#[test]
fn type_flags() {
    let flags = |ty: &StructuredType| (ty.is_abstract, ty.open_type, ty.has_stream);
    assert_eq!(flags(entity("Base")), (true, false, false));
    assert_eq!(flags(entity("Thing")), (false, true, true));
    assert_eq!(flags(complex("Label")), (false, true, false));
    assert_eq!(entity("Thing").kind, csdl::StructuredKind::Entity);
    assert_eq!(complex("Label").kind, csdl::StructuredKind::Complex);
}

#[test]
fn enums_have_implicit_and_flag_values() {
    let enum_type = |ty: &str| match FEATURES.type_decl(&name(MODEL, ty)) {
        Some(TypeDecl::Enum(e)) => e,
        _ => panic!("enum {ty}"),
    };
    let members = |e: &csdl::EnumType| e.members.iter().map(|m| (m.name.clone(), m.value)).collect::<Vec<_>>();
    let color = enum_type("Color");
    assert_eq!((color.underlying_type, color.is_flags), (EdmType::Int32, false));
    assert_eq!(members(color), [("Red".to_owned(), 0), ("Green".to_owned(), 1), ("Blue".to_owned(), 2)]);
    let access = enum_type("Access");
    assert_eq!((access.underlying_type, access.is_flags), (EdmType::Byte, true));
    assert_eq!(
        members(access),
        [("None".to_owned(), 0), ("Read".to_owned(), 1), ("Write".to_owned(), 2), ("ReadWrite".to_owned(), 3)]
    );
    let big = enum_type("Big");
    assert_eq!(big.underlying_type, EdmType::Int64);
    assert_eq!(members(big), [("Min".to_owned(), i64::MIN), ("Max".to_owned(), i64::MAX)]);
    // Annotations on members: inline, and external (`self.Color/Red`).
    assert_eq!(color.members[2].annotations.description.as_deref(), Some("Inline member description."));
    assert_eq!(color.members[0].annotations.description.as_deref(), Some("Red, externally."));
    assert_eq!(color.members[1].annotations, csdl::Annotations::default());
}

#[test]
fn facets_and_collection_types() {
    let thing = entity("Thing");
    let name_property = property(thing, "name");
    assert!(!name_property.nullable);
    assert_eq!(name_property.facets.max_length, Some(MaxLength::Length(40)));
    assert_eq!(name_property.default_value.as_deref(), Some("unnamed"));
    assert_eq!(name_property.ty.target, TypeTarget::Edm(EdmType::String));

    let text = property(complex("Label"), "text");
    assert_eq!((text.facets.max_length, text.facets.unicode), (Some(MaxLength::Max), Some(false)));
    assert!(text.nullable, "Nullable defaults to true");
    assert_eq!(name_property.facets.unicode, None);

    let facets = |p: &str| {
        let f = property(thing, p).facets;
        (f.precision, f.scale, f.srid)
    };
    assert_eq!(facets("weight"), (Some(10), Some(Scale::Variable), None));
    assert_eq!(facets("ratio"), (None, Some(Scale::Floating), None));
    assert_eq!(facets("width"), (Some(5), Some(Scale::Digits(2)), None));
    assert_eq!(facets("where"), (None, None, Some(Srid::Variable)));
    assert_eq!(facets("shape"), (None, None, Some(Srid::Id(0))));
    assert_eq!(property(thing, "where").ty.target, TypeTarget::Edm(EdmType::Geography(Geo::Point)));
    assert_eq!(property(thing, "shape").ty.target, TypeTarget::Edm(EdmType::Geometry(Geo::Polygon)));
    assert_eq!(property(thing, "blob").ty.target, TypeTarget::Edm(EdmType::Stream));
    assert_eq!(property(thing, "anything").ty.target, TypeTarget::Edm(EdmType::Untyped));

    let tags = property(thing, "tags");
    assert_eq!(tags.ty, TypeRef { collection: true, target: TypeTarget::Edm(EdmType::String) });
    assert!(!tags.nullable);
    assert_eq!(tags.ty.to_string(), "Collection(Edm.String)");
    let addresses = property(thing, "addresses");
    assert_eq!(addresses.ty.to_string(), "Collection(Features.Model.Address)");
    assert!(matches!(FEATURES.type_decl(&name(MODEL, "Address")), Some(TypeDecl::Complex(_))));

    let type_definition = |ty: &str| match FEATURES.type_decl(&name(MODEL, ty)) {
        Some(TypeDecl::TypeDefinition(t)) => t,
        _ => panic!("type definition {ty}"),
    };
    let money = type_definition("Money");
    assert_eq!(
        (money.underlying_type, money.facets.precision, money.facets.scale),
        (EdmType::Decimal, Some(18), Some(Scale::Digits(4)))
    );
    let place = type_definition("Place");
    assert_eq!((place.underlying_type, place.facets.srid), (EdmType::Geography(Geo::Point), Some(Srid::Id(4326))));
    assert_eq!(property(thing, "price").ty, named(MODEL, "Money"));
}

#[test]
fn navigation_properties() {
    let thing = entity("Thing");
    let parts = navigation(thing, "parts");
    assert_eq!(parts.ty, TypeRef { collection: true, target: TypeTarget::Named(name(MODEL, "Part")) });
    assert_eq!(parts.partner.as_deref(), Some("owner"));
    assert!(parts.contains_target);
    assert_eq!(parts.on_delete, Some(OnDeleteAction::Cascade));
    assert!(parts.nullable);

    let maker = navigation(thing, "maker");
    assert!(!maker.nullable && !maker.contains_target);
    assert_eq!(maker.on_delete, None);
    assert_eq!(
        maker.referential_constraints,
        [
            ReferentialConstraint { property: "makerId".to_owned(), referenced_property: "id".to_owned() },
            ReferentialConstraint { property: "makerRegion".to_owned(), referenced_property: "region".to_owned() },
        ]
    );
    assert_eq!(navigation(thing, "anyEntity").ty.target, TypeTarget::Edm(EdmType::EntityType));
    let owner = navigation(entity("Part"), "owner");
    assert_eq!((owner.partner.as_deref(), owner.on_delete), (Some("parts"), Some(OnDeleteAction::SetNull)));
}

#[test]
fn operations_and_overloads() {
    use csdl::OperationKind::{Action, Function};
    let paint = operations(Action, "Paint");
    assert_eq!(paint.len(), 2);
    assert!(paint.iter().all(|p| p.is_bound && !p.is_composable));
    assert_eq!(paint[0].entity_set_path.as_deref(), Some("thing"));
    assert_eq!(paint[1].entity_set_path, None);
    assert_eq!(paint[0].signature(), "Paint(Features.Model.Thing,Features.Model.Color)");
    assert_eq!(paint[1].signature(), "Paint(Collection(Features.Model.Thing),Features.Model.Color)");
    assert_eq!(paint[0].return_type.as_ref().map(|r| &r.ty), Some(&named(MODEL, "Thing")));
    assert!(paint[1].return_type.is_none());
    assert!(!paint[0].parameters[0].nullable);

    let reset = operations(Action, "Reset");
    assert_eq!(reset.len(), 1);
    assert!(!reset[0].is_bound);

    let price = operations(Function, "Price");
    assert_eq!(price.len(), 2);
    assert!(price[0].is_composable && !price[1].is_composable);
    let ret = price[0].return_type.as_ref().expect("return type");
    assert_eq!((ret.nullable, ret.facets.precision, ret.facets.scale), (false, Some(12), Some(Scale::Digits(2))));
    assert_eq!(price[1].parameters[1].facets.max_length, Some(MaxLength::Length(3)));

    let search = operations(Function, "Search");
    let ret = search[0].return_type.as_ref().expect("return type");
    assert_eq!(ret.ty.to_string(), "Collection(Features.Model.Thing)");
    assert!(!search[0].is_bound);
    assert_eq!(search[0].kind, Function);
}

#[test]
fn containers() {
    let main = container(MODEL, "Container");
    let sets: Vec<(&str, &QualifiedName, bool)> =
        main.entity_sets.iter().map(|s| (s.name.as_str(), &s.entity_type, s.include_in_service_document)).collect();
    assert_eq!(sets, [("Things", &name(MODEL, "Thing"), true), ("Parts", &name(MODEL, "Part"), false)]);
    assert_eq!(main.singletons[0].entity_type, name(MODEL, "Thing"));
    assert_eq!(main.function_imports[0].function, name(MODEL, "Search"));
    assert!(main.function_imports[0].include_in_service_document);
    assert_eq!(main.extends, None);
    let more = container(OTHER, "More");
    let sets: Vec<&str> = more.entity_sets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(sets, ["Makers", "Widgets"]);
    let containers: Vec<String> =
        FEATURES.entity_containers().map(|(s, c)| format!("{}.{}", s.namespace, c.name)).collect();
    assert_eq!(containers, ["Features.Model.Container", "Features.Other.More"]);
}

#[test]
fn terms() {
    let terms = &schema(MODEL).terms;
    let rank = &terms[0];
    assert_eq!((rank.name.as_str(), rank.nullable, rank.default_value.as_deref()), ("Rank", false, Some("1")));
    assert_eq!(rank.applies_to, ["EntityType", "Property"]);
    let tags = &terms[1];
    assert_eq!(tags.ty.to_string(), "Collection(Features.Model.Label)");
    assert_eq!(tags.base_term, Some(name(MODEL, "Rank")));
    assert_eq!(rank.annotations.description.as_deref(), Some("A rank."));
}

#[test]
fn core_and_capabilities_annotations_are_typed() {
    let thing = &entity("Thing").annotations;
    // The external description replaces the inline one.
    assert_eq!(thing.description.as_deref(), Some("A thing (external)."));
    assert_eq!(thing.long_description.as_deref(), Some("A thing, described at length."));
    assert_eq!(thing.permissions, Some(Permissions { read: true, write: false, invoke: false }));
    let deprecation = thing.deprecation().expect("deprecated");
    assert_eq!(deprecation.kind, RevisionKind::Deprecated);
    assert_eq!(deprecation.version.as_deref(), Some("2024-01"));
    assert_eq!(deprecation.description.as_deref(), Some("Use Widget instead."));
    assert_eq!(deprecation.date.as_deref(), Some("2024-01-31"));
    assert_eq!(deprecation.removal_date.as_deref(), Some("2025-01-31"));

    let filter = thing.filter_restrictions().expect("FilterRestrictions");
    assert_eq!(filter.flag("Filterable"), Some(true));
    assert_eq!(filter.flag("RequiresFilter"), Some(false));
    assert_eq!(filter.flag("Sortable"), None);
    assert_eq!(filter.paths("NonFilterableProperties"), ["blob", "address/street"]);
    assert!(filter.paths("RequiredProperties").is_empty());
    assert_eq!(filter.other.get("MaxLevels"), Some(&Value::Int(2)));
    assert_eq!(thing.restrictions.keys().collect::<Vec<_>>(), ["FilterRestrictions"]);

    let id = &property(entity("Base"), "id").annotations;
    assert!(id.computed && id.immutable, "tag terms without a value mean true");
    let version = &property(entity("Base"), "version").annotations;
    assert!(!version.computed);
    assert!(version.is_empty());
    assert!(!entity("Thing").annotations.is_empty());
}

#[test]
fn other_annotations_are_kept_raw() {
    let thing = &entity("Thing").annotations;
    assert_eq!(
        other_terms(thing),
        [
            ("Org.OData.Core.V1.Description", Some("Tablet")),
            ("Features.Model.Rank", None),
            ("Example.External.Score", None),
            ("Example.External.Origin", None),
            ("Example.External.Keywords", None),
            ("Example.External.Link", None),
            ("Example.External.Help", None),
        ]
    );
    assert_eq!(thing.other[0].value, string("Thing (short)."));
    assert_eq!(raw(thing, "Features.Model.Rank").value, Value::Int(3));
    assert_eq!(
        raw(thing, "Example.External.Score").value,
        Value::Constant { kind: ConstantKind::Float, text: "2.5".to_owned() }
    );
    assert_eq!(
        raw(thing, "Example.External.Origin").value,
        Value::Record {
            ty: Some("Example.External.OriginType".to_owned()),
            properties: vec![
                ("Name".to_owned(), string("factory")),
                (
                    "When".to_owned(),
                    Value::Constant { kind: ConstantKind::DateTimeOffset, text: "2024-01-31T10:00:00Z".to_owned() }
                ),
                (
                    "Id".to_owned(),
                    Value::Constant {
                        kind: ConstantKind::Guid,
                        text: "21EC2020-3AEA-1069-A2DD-08002B30309D".to_owned()
                    }
                ),
                ("Missing".to_owned(), Value::Null),
            ],
        }
    );
    assert_eq!(
        raw(thing, "Example.External.Keywords").value,
        Value::Collection(vec![string("one"), string("two"), Value::Int(3)])
    );
    assert_eq!(
        raw(thing, "Example.External.Link").value,
        Value::Dynamic {
            element: "Apply".to_owned(),
            attributes: vec![("Function".to_owned(), "odata.concat".to_owned())],
            operands: vec![
                string("https://example.com/things/"),
                Value::Path { kind: PathKind::Path, path: "id".to_owned() }
            ],
        }
    );
    assert_eq!(
        raw(thing, "Example.External.Help").value,
        Value::Dynamic {
            element: "UrlRef".to_owned(),
            attributes: vec![],
            operands: vec![string("https://example.com/help")],
        }
    );
}

#[test]
fn external_annotations_are_merged_into_their_targets() {
    let thing = entity("Thing");
    let name_annotations = &property(thing, "name").annotations;
    assert_eq!(name_annotations.description.as_deref(), Some("The name."));
    assert!(name_annotations.immutable);
    // The block's qualifier applies to its annotations, which stay raw.
    assert_eq!(other_terms(name_annotations), [("Org.OData.Core.V1.Description", Some("Phone"))]);
    assert_eq!(navigation(thing, "parts").annotations.description.as_deref(), Some("The parts."));

    let main = container(MODEL, "Container");
    assert_eq!(main.annotations.description.as_deref(), Some("The container."));
    let things = &main.entity_sets[0].annotations;
    assert_eq!(things.description.as_deref(), Some("All things."));
    assert_eq!(things.long_description.as_deref(), Some("Every thing there is."));

    // Overloads: by binding parameter type, by all parameter types, `()` for an unbound action,
    // and a parameter of one overload.
    use csdl::OperationKind::{Action, Function};
    let description = |op: &Operation| op.annotations.description.clone();
    let paint = operations(Action, "Paint");
    assert_eq!(description(paint[0]).as_deref(), Some("Paints one thing."));
    assert_eq!(description(paint[1]), None);
    assert_eq!(paint[1].parameters[1].annotations.description.as_deref(), Some("The color of the things."));
    assert_eq!(paint[0].parameters[1].annotations.description, None);
    let price = operations(Function, "Price");
    assert_eq!(description(price[0]), None);
    assert_eq!(description(price[1]).as_deref(), Some("The price of a widget."));
    assert_eq!(description(operations(Action, "Reset")[0]).as_deref(), Some("Resets everything."));

    let money = match FEATURES.type_decl(&name(MODEL, "Money")) {
        Some(TypeDecl::TypeDefinition(t)) => t,
        _ => panic!("Money"),
    };
    assert_eq!(money.annotations.description.as_deref(), Some("An amount of money."));
    let model_schema = schema(MODEL);
    assert_eq!(model_schema.annotations.description.as_deref(), Some("The feature schema."));
    assert_eq!(model_schema.annotations.long_description.as_deref(), Some("The feature schema, at length."));

    // Kept rather than merged: a path below a property, and a target in a referenced document.
    let kept: Vec<&str> = model_schema.external_annotations.iter().map(|a| a.target.as_str()).collect();
    assert_eq!(kept, ["Features.Model.Thing/address/street", "Org.OData.Core.V1.Description"]);
    assert_eq!(
        property(thing, "address").annotations.description,
        None,
        "a deeper path must not land on its first segment"
    );
    assert!(schema(OTHER).external_annotations.is_empty());
}

/// Aliases in annotation targets and type references, declared by `edmx:Include` or `Schema`,
/// before or after their use; a `self` alias like Microsoft Graph's.
#[test]
fn alias_forms() {
    let text = r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
<edmx:Reference Uri="https://example.com/core"><edmx:Include Namespace="Org.OData.Core.V1" Alias="C"/></edmx:Reference>
<edmx:DataServices>
<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="a.b" Alias="self">
  <EntityType Name="T" BaseType="later.U"/>
  <Annotations Target="later.U/x"><Annotation Term="C.Description" String="x of U"/></Annotations>
  <Annotations Target="self.f(Collection(later.U),Edm.String)"><Annotation Term="C.Description" String="f"/></Annotations>
  <Function Name="f" IsBound="true"><Parameter Name="us" Type="Collection(c.d.U)"/><Parameter Name="s" Type="Edm.String"/><ReturnType Type="self.T"/></Function>
</Schema>
<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="c.d" Alias="later">
  <EntityType Name="U"><Key><PropertyRef Name="x"/></Key><Property Name="x" Type="Edm.Int32" Nullable="false"/></EntityType>
</Schema>
</edmx:DataServices>
</edmx:Edmx>"#;
    let model = support::model(text);
    let t = model.entity_type(&name("a.b", "T")).expect("T");
    assert_eq!(t.base_type, Some(name("c.d", "U")));
    assert_eq!(model.effective_key(t), [PropertyRef { name: "x".to_owned(), alias: None }]);
    let u = model.entity_type(&name("c.d", "U")).expect("U");
    assert_eq!(u.properties[0].annotations.description.as_deref(), Some("x of U"));
    let f = &model.schema("a.b").expect("a.b").functions[0];
    assert_eq!(f.annotations.description.as_deref(), Some("f"));
    assert_eq!(f.return_type.as_ref().map(|r| r.ty.to_string()).as_deref(), Some("a.b.T"));
}

/// `Annotations Target="Namespace"` annotates the schema, also when one namespace is a prefix of
/// another or has no dot.
#[test]
fn schema_targets() {
    let schema = |namespace: &str, target: &str| {
        format!(
            r#"<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="{namespace}"><Annotations Target="{target}"><Annotation Term="Org.OData.Core.V1.Description" String="{namespace}"/></Annotations></Schema>"#
        )
    };
    let text = format!(
        "{}<edmx:DataServices>{}{}{}</edmx:DataServices></edmx:Edmx>",
        support::EDMX_OPEN,
        schema("A", "A.B"),
        schema("A.B", "A"),
        schema("A.B.C", "A.B.C")
    );
    let model = support::model(&text);
    let descriptions: Vec<(&str, Option<&str>)> =
        model.schemas.iter().map(|s| (s.namespace.as_str(), s.annotations.description.as_deref())).collect();
    assert_eq!(descriptions, [("A", Some("A.B")), ("A.B", Some("A")), ("A.B.C", Some("A.B.C"))]);
}

/// A UTF-8 byte-order mark is skipped, and positions count from the character after it.
#[test]
fn byte_order_mark() {
    let text = support::schema_doc(&[r#"<ComplexType Name="C" BaseType="NS.Missing"/>"#]);
    let expected = ["4:1: error: Schema[NS]/ComplexType[C]: unknown base type `NS.Missing`"];
    assert_eq!(support::error_lines(&format!("\u{feff}{text}")), expected);
    let with_bom: Vec<u8> = b"\xEF\xBB\xBF".iter().chain(text.as_bytes()).copied().collect();
    let errors = csdl::parse_bytes(&with_bom).expect_err("unknown base type");
    assert_eq!(errors.iter().map(ToString::to_string).collect::<Vec<_>>(), expected);
    let fine = support::schema_doc(&[r#"<ComplexType Name="C"/>"#]);
    assert!(csdl::parse_bytes(&[b"\xEF\xBB\xBF".as_slice(), fine.as_bytes()].concat()).is_ok());
}

/// Foreign XML namespaces are extensions: ignored, however deep (up to the nesting limit).
#[test]
fn foreign_elements_are_ignored() {
    let levels = csdl::MAX_ELEMENT_DEPTH - 8;
    let deep = format!("<x:a xmlns:x=\"urn:x\">{}{}</x:a>", "<x:a>".repeat(levels), "</x:a>".repeat(levels));
    let model =
        support::model(&support::schema_doc(&[&deep, r#"<ComplexType Name="C"><x:b xmlns:x="urn:x"/></ComplexType>"#]));
    assert_eq!(model.counts().complex_types, 1);
}
