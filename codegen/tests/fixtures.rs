//! The Intune Data Warehouse fixtures (`fixtures/<version>/metadata.xml`): they parse and resolve,
//! and hold exactly the entity sets of the research data (`../shared/intune-dw/collections.json`)
//! with its keys, property names (in order), Edm types and nullability.

mod support;

use std::collections::BTreeSet;

use codegen::csdl::{self, Model, ODataVersion, RevisionKind, StructuredType, TypeTarget};
use serde_json::Value;

const VERSIONS: [&str; 2] = ["v1.0", "beta"];

fn fixture(version: &str) -> Model {
    let path = support::fixture(&format!("{version}/metadata.xml"));
    support::clean(csdl::parse_bytes(&support::read(&path)), &path.display())
}

/// `versions` of `collections.json`, if the shared data is present.
fn collections(test: &str) -> Option<serde_json::Map<String, Value>> {
    let path = support::shared_dir(test)?.join("intune-dw/collections.json");
    let json: Value = serde_json::from_slice(&support::read(&path)).expect("collections.json is JSON");
    match json.get("versions") {
        Some(Value::Object(versions)) => Some(versions.clone()),
        _ => panic!("collections.json has no `versions` object"),
    }
}

fn str_field<'a>(value: &'a Value, field: &str) -> &'a str {
    value.get(field).and_then(Value::as_str).unwrap_or_else(|| panic!("no string `{field}` in {value}"))
}

/// Every entity set of the fixture with its entity type.
fn entity_sets(model: &Model) -> Vec<(&str, &StructuredType)> {
    model
        .entity_containers()
        .flat_map(|(_, container)| &container.entity_sets)
        .map(|set| {
            let ty = model
                .entity_type(&set.entity_type)
                .unwrap_or_else(|| panic!("entity set {} has no entity type", set.name));
            (set.name.as_str(), ty)
        })
        .collect()
}

#[test]
fn fixtures_parse_and_resolve() {
    // The numbers of fixtures/README.md.
    for (version, entity_sets, properties) in [("v1.0", 43, 274), ("beta", 54, 487)] {
        let model = fixture(version);
        assert_eq!(model.version, ODataVersion::V4_0, "{version}");
        let counts = model.counts();
        assert_eq!(counts.entity_sets, entity_sets, "{version}");
        assert_eq!(counts.entity_types, entity_sets, "{version}: one entity type per set");
        assert_eq!(counts.properties, properties, "{version}");
    }
}

#[test]
fn fixtures_hold_exactly_the_recorded_collections() {
    let Some(versions) = collections("fixtures_hold_exactly_the_recorded_collections") else {
        return;
    };
    for version in VERSIONS {
        let recorded =
            versions.get(version).and_then(Value::as_object).unwrap_or_else(|| panic!("no version {version}"));
        let model = fixture(version);
        let sets = entity_sets(&model);

        let names: BTreeSet<&str> = sets.iter().map(|(name, _)| *name).collect();
        let expected: BTreeSet<&str> = recorded.keys().map(String::as_str).collect();
        assert_eq!(names, expected, "{version}: entity sets");
        assert_eq!(names.len(), sets.len(), "{version}: an entity set is declared twice");

        for (set, ty) in sets {
            let collection = &recorded[set];
            let at = format!("{version} {set}");
            assert_eq!(ty.name, str_field(collection, "entityType"), "{at}: entity type name");

            let key: Vec<&str> = model.effective_key(ty).iter().map(|k| k.name.as_str()).collect();
            let expected_key: Vec<&str> = collection["key"]
                .as_array()
                .expect("key array")
                .iter()
                .map(|k| k.as_str().expect("key name"))
                .collect();
            assert_eq!(key, expected_key, "{at}: key");

            let properties = collection["properties"].as_array().expect("properties array");
            let names: Vec<&str> = ty.properties.iter().map(|p| p.name.as_str()).collect();
            let expected_names: Vec<&str> = properties.iter().map(|p| str_field(p, "name")).collect();
            assert_eq!(names, expected_names, "{at}: property names and order");
            for (property, recorded) in ty.properties.iter().zip(properties) {
                let at = format!("{at}.{}", property.name);
                assert!(!property.ty.collection, "{at}: a collection");
                assert!(matches!(property.ty.target, TypeTarget::Edm(_)), "{at}: not an Edm type");
                assert_eq!(property.ty.to_string(), str_field(recorded, "edmType"), "{at}: type");
                assert_eq!(Some(property.nullable), recorded["nullable"].as_bool(), "{at}: nullability");
            }
            assert!(ty.navigation_properties.is_empty(), "{at}: no navigation property was ever recorded");
        }
    }
}

/// Beta marks what is gone from today's service as deprecated (`Core.Revisions`): every
/// `legacy-beta` property and every entity type that only beta has.
#[test]
fn beta_deprecates_exactly_the_legacy_parts() {
    let Some(versions) = collections("beta_deprecates_exactly_the_legacy_parts") else {
        return;
    };
    let (beta, v1) = (&versions["beta"], &versions["v1.0"]);
    let model = fixture("beta");
    let mut deprecated_properties = 0;
    for (set, ty) in entity_sets(&model) {
        let beta_only = v1.get(set).is_none();
        assert_eq!(ty.annotations.deprecation().is_some(), beta_only, "beta {set}: entity type deprecated");
        let properties = beta[set]["properties"].as_array().expect("properties");
        for (property, recorded) in ty.properties.iter().zip(properties) {
            let legacy = str_field(recorded, "status") == "legacy-beta";
            let deprecation = property.annotations.deprecation();
            assert_eq!(deprecation.is_some(), legacy, "beta {set}.{}: deprecated", property.name);
            if let Some(revision) = deprecation {
                assert_eq!(revision.kind, RevisionKind::Deprecated);
                assert!(revision.version.is_some(), "beta {set}.{}: revision without Version", property.name);
                deprecated_properties += 1;
            }
        }
    }
    assert_eq!(deprecated_properties, 213);
}

/// Descriptions (the docs path of the generator) are on every entity type and entity set.
#[test]
fn fixtures_describe_every_type_and_set() {
    for version in VERSIONS {
        let model = fixture(version);
        for (_, container) in model.entity_containers() {
            for set in &container.entity_sets {
                assert!(set.annotations.description.is_some(), "{version} {}: no description", set.name);
            }
        }
        for (set, ty) in entity_sets(&model) {
            assert!(ty.annotations.description.is_some(), "{version} {set}: entity type without description");
        }
        // The external `Annotations` block lands on the devices set.
        let devices =
            model.entity_containers().flat_map(|(_, c)| &c.entity_sets).find(|s| s.name == "devices").expect("devices");
        assert!(devices.annotations.long_description.is_some(), "{version}: devices has no long description");
    }
}
