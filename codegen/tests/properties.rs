//! Property tests on random valid documents with hostile names (`support::hostile`): the generator
//! turns every one into Rust that parses, whose names are unique in every scope and never raw
//! (`r#`), and it does so deterministically, with names that do not depend on declaration order.
//!
//! The generator keeps declaration order in its output (fields in property order, items in type
//! order), so a reordered document gives other bytes: only the file paths and the set of declared
//! names are compared across orders.
//!
//! A failure is a generator bug: its minimal document belongs in the regression tests at the end.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use quote::ToTokens;
use support::hostile::{self, Order};

fn options() -> codegen::Options {
    let header = codegen::Header {
        command: "cargo test -p codegen --test properties".to_owned(),
        source_name: "hostile.xml".to_owned(),
    };
    codegen::Options::standalone("A hostile document", header)
}

/// Generates a document that must be valid and without warnings (the strategy's promise).
fn generate(xml: &str) -> codegen::Files {
    support::model(xml);
    codegen::generate(xml.as_bytes(), &options()).unwrap_or_else(|e| panic!("generate failed: {e}\nin:\n{xml}"))
}

/// A declared name: (scope, namespace, name). Scopes are modules (by file path), structs (their
/// fields), enums (their variants) and impl blocks (their items).
type Name = (String, &'static str, String);

/// Every name the files declare, and the duplicates and raw identifiers among them.
fn declared_names(files: &codegen::Files) -> (BTreeSet<Name>, Vec<String>) {
    let mut names = Names::default();
    for (path, text) in files {
        let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{text}"));
        names.items(path, &file.items);
    }
    let mut problems = names.problems;
    let mut seen = BTreeSet::new();
    for name in names.all {
        if !seen.insert(name.clone()) {
            problems.push(format!("{} declares the {} name `{}` twice", name.0, name.1, name.2));
        }
    }
    (seen, problems)
}

#[derive(Default)]
struct Names {
    all: Vec<Name>,
    problems: Vec<String>,
}

impl Names {
    fn add(&mut self, scope: &str, namespace: &'static str, ident: &syn::Ident) {
        let name = ident.to_string();
        if name.starts_with("r#") {
            self.problems.push(format!("{scope} declares the raw identifier `{name}`"));
        }
        self.all.push((scope.to_owned(), namespace, name));
    }

    /// The items of one module. A tuple or unit struct takes a name in both namespaces; so does a
    /// `use` (conservatively).
    fn items(&mut self, scope: &str, items: &[syn::Item]) {
        for item in items {
            match item {
                syn::Item::Struct(s) => {
                    self.add(scope, "type", &s.ident);
                    if !matches!(s.fields, syn::Fields::Named(_)) {
                        self.add(scope, "value", &s.ident);
                    }
                    let inner = format!("{scope}::{}", s.ident);
                    for field in s.fields.iter().filter_map(|f| f.ident.as_ref()) {
                        self.add(&inner, "field", field);
                    }
                }
                syn::Item::Enum(e) => {
                    self.add(scope, "type", &e.ident);
                    let inner = format!("{scope}::{}", e.ident);
                    for variant in &e.variants {
                        self.add(&inner, "variant", &variant.ident);
                    }
                }
                syn::Item::Fn(f) => self.add(scope, "value", &f.sig.ident),
                syn::Item::Const(c) => self.add(scope, "value", &c.ident),
                syn::Item::Static(s) => self.add(scope, "value", &s.ident),
                syn::Item::Type(t) => self.add(scope, "type", &t.ident),
                syn::Item::Trait(t) => self.add(scope, "type", &t.ident),
                syn::Item::Union(u) => self.add(scope, "type", &u.ident),
                syn::Item::Mod(m) => {
                    self.add(scope, "type", &m.ident);
                    if let Some((_, items)) = &m.content {
                        self.items(&format!("{scope}::{}", m.ident), items);
                    }
                }
                syn::Item::Use(u) => self.use_tree(scope, &u.tree),
                syn::Item::Impl(i) => {
                    let trait_ = i.trait_.as_ref().map(|(path, _)| path.to_token_stream().to_string());
                    let inner = format!(
                        "{scope}::impl {}{}",
                        trait_.map(|t| format!("{t} for ")).unwrap_or_default(),
                        i.self_ty.to_token_stream()
                    );
                    for item in &i.items {
                        match item {
                            syn::ImplItem::Const(c) => self.add(&inner, "value", &c.ident),
                            syn::ImplItem::Fn(f) => self.add(&inner, "value", &f.sig.ident),
                            syn::ImplItem::Type(t) => self.add(&inner, "type", &t.ident),
                            _ => {}
                        }
                    }
                }
                // Macro invocations (`enum_impls!`) declare what the runtime says; not ours to check.
                _ => {}
            }
        }
    }

    fn use_tree(&mut self, scope: &str, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => self.use_tree(scope, &path.tree),
            syn::UseTree::Name(name) => {
                self.add(scope, "type", &name.ident);
                self.add(scope, "value", &name.ident);
            }
            syn::UseTree::Rename(rename) => {
                self.add(scope, "type", &rename.rename);
                self.add(scope, "value", &rename.rename);
            }
            syn::UseTree::Group(group) => group.items.iter().for_each(|tree| self.use_tree(scope, tree)),
            _ => {}
        }
    }
}

/// Checks one document: generation succeeds, every file parses, names are unique per scope and
/// not raw, file paths are unique even on a case-insensitive file system, and the same document
/// gives the same bytes again.
fn check(xml: &str) -> BTreeSet<Name> {
    let files = generate(xml);
    let (names, problems) = declared_names(&files);
    assert!(problems.is_empty(), "{}\nin:\n{xml}", problems.join("\n"));
    let mut lowered = BTreeMap::new();
    for path in files.keys() {
        if let Some(other) = lowered.insert(path.to_lowercase(), path) {
            panic!("{path} and {other} are one file on a case-insensitive file system\nin:\n{xml}");
        }
    }
    assert!(generate(xml) == files, "a second generation differs\nin:\n{xml}");
    names
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn hostile_documents_generate_unique_valid_rust(document in hostile::document()) {
        let drawn = document.xml(Order::Drawn);
        let names = check(&drawn);
        // Declared in another order, the document yields the same files with the same names.
        let reversed = document.xml(Order::Reversed);
        let reversed_files = generate(&reversed);
        let drawn_files = generate(&drawn);
        prop_assert_eq!(drawn_files.keys().collect::<Vec<_>>(), reversed_files.keys().collect::<Vec<_>>(),
            "files differ between\n{}\nand\n{}", drawn, reversed);
        let (reversed_names, _) = declared_names(&reversed_files);
        prop_assert!(names == reversed_names, "names differ between\n{}\nand\n{}\n{:?}", drawn, reversed,
            names.symmetric_difference(&reversed_names).collect::<Vec<_>>());
        // With a feature per entity set, the same items are declared, only gated, and each
        // feature gates one entity set's module.
        let mut gated = options();
        gated.set_features = true;
        let (gated_files, features) = codegen::generate_with_features(drawn.as_bytes(), &gated).unwrap();
        let (gated_names, problems) = declared_names(&gated_files);
        prop_assert!(problems.is_empty(), "{:?}", problems);
        prop_assert!(gated_names == names, "gating changed the names of\n{}", drawn);
        let root = &gated_files["src/lib.rs"];
        for feature in &features {
            let declaration = format!("#[cfg(feature = \"{feature}\")]\npub mod {feature};");
            prop_assert!(root.contains(&declaration), "no module for feature {}:\n{}", feature, root);
        }
        prop_assert_eq!(features.iter().collect::<BTreeSet<_>>().len(), features.len());
    }
}

// Regressions: the minimal documents of the failures the property found, each of which made
// `generate` fail with "… both become the Rust name …" before names were made unique per scope.

/// A keyed entity type `NS.E` (key `id`) for entity sets to use.
const KEYED: &str = r#"<EntityType Name="E"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32" Nullable="false"/></EntityType>"#;

#[test]
fn namespaces_that_become_one_module_get_a_module_each() {
    let schema = |namespace: &str| {
        format!(
            r#"<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="{namespace}"><ComplexType Name="C"/></Schema>"#
        )
    };
    let xml = format!(
        "{}<edmx:DataServices>{}{}</edmx:DataServices></edmx:Edmx>",
        support::EDMX_OPEN,
        schema("Microsoft.Graph"),
        schema("microsoft_graph")
    );
    check(&xml);
    let files = generate(&xml);
    assert!(files["src/types/microsoft_graph.rs"].contains("`microsoft_graph` namespace"));
    assert!(files["src/types/microsoft_graph_2.rs"].contains("`Microsoft.Graph` namespace"));
}

#[test]
fn types_whose_names_differ_in_case_or_underscores_only_are_numbered() {
    let xml = support::schema_doc(&[r#"<ComplexType Name="DeviceName"/>"#, r#"<ComplexType Name="DEVICE_NAME"/>"#]);
    check(&xml);
    let types = &generate(&xml)["src/types.rs"];
    assert!(types.contains("pub struct DeviceName {") && types.contains("pub struct DeviceName2 {"), "{types}");
}

#[test]
fn a_field_spelled_like_the_converted_name_of_another_keeps_it() {
    let xml = support::schema_doc(&[
        r#"<ComplexType Name="C">"#,
        r#"<Property Name="deviceName" Type="Edm.String"/><Property Name="device_name" Type="Edm.String"/>"#,
        r#"<Property Name="self" Type="Edm.String"/><Property Name="self_" Type="Edm.String"/>"#,
        "</ComplexType>",
    ]);
    check(&xml);
    let types = &generate(&xml)["src/types.rs"];
    for field in ["pub deviceName:", "pub device_name:", "pub self_:", "pub self_2:"] {
        assert!(types.contains(field), "{field} in {types}");
    }
}

#[test]
fn entity_sets_named_like_each_other_or_the_generated_items_get_modules_of_their_own() {
    let sets = ["None", "None_", "new", "types", "visit_entity_set"]
        .map(|name| format!(r#"<EntitySet Name="{name}" EntityType="NS.E"/>"#))
        .join("");
    let container = format!(r#"<EntityContainer Name="C">{sets}</EntityContainer>"#);
    let xml = support::schema_doc(&[KEYED, &container]);
    check(&xml);
    let files = generate(&xml);
    for module in ["none", "none_2", "new_2", "types_2", "visit_entity_set_2"] {
        assert!(files.contains_key(&format!("src/{module}.rs")), "{module}: {:?}", files.keys());
    }
}

#[test]
fn enum_members_self_and_self_underscore_get_distinct_variants() {
    let xml = support::schema_doc(&[r#"<EnumType Name="Kind"><Member Name="Self"/><Member Name="Self_"/></EnumType>"#]);
    check(&xml);
    let types = &generate(&xml)["src/types.rs"];
    assert!(types.contains("(Self::Self_, \"Self_\", 1)") && types.contains("(Self::Self2, \"Self\", 0)"), "{types}");
}
