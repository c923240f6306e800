//! Schemas and the elements they declare: structured, enum and type-definition types with their
//! members, terms, actions and functions, entity containers with their sets and bindings.

use roxmltree::Node;

use super::*;
use crate::annotations::Annotations;
use crate::edm::EdmType;

impl<'t> Parser<'t> {
    pub(super) fn schema(&mut self, node: Node) -> Option<(Schema, Vec<ExternalAnnotations>)> {
        let namespace = self.within("Schema", None, |p| p.required(node, "Namespace"))?;
        self.within("Schema", Some(namespace), |p| {
            p.known_attributes(node, &["Namespace", "Alias"]);
            let mut schema = Schema {
                namespace: namespace.to_owned(),
                alias: node.attribute("Alias").map(str::to_owned),
                entity_types: Vec::new(),
                complex_types: Vec::new(),
                enum_types: Vec::new(),
                type_definitions: Vec::new(),
                terms: Vec::new(),
                actions: Vec::new(),
                functions: Vec::new(),
                entity_containers: Vec::new(),
                annotations: Annotations::default(),
                external_annotations: Vec::new(),
                location: p.location(node),
            };
            let mut external = Vec::new();
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "EntityType" => schema.entity_types.extend(p.structured_type(child, StructuredKind::Entity)),
                    "ComplexType" => schema.complex_types.extend(p.structured_type(child, StructuredKind::Complex)),
                    "EnumType" => schema.enum_types.extend(p.enum_type(child)),
                    "TypeDefinition" => schema.type_definitions.extend(p.type_definition(child)),
                    "Term" => schema.terms.extend(p.term(child)),
                    "Action" => schema.actions.extend(p.operation(child, OperationKind::Action)),
                    "Function" => schema.functions.extend(p.operation(child, OperationKind::Function)),
                    "EntityContainer" => schema.entity_containers.extend(p.entity_container(child)),
                    "Annotations" => external.extend(p.external_annotations(child)),
                    "Annotation" => p.annotation_into(child, &mut schema.annotations),
                    "Association" | "Using" | "ValueTerm" => p.report(
                        child,
                        DiagnosticKind::UnsupportedODataVersion {
                            detail: format!("<{}> element", child.tag_name().name()),
                        },
                    ),
                    _ => p.unexpected(child),
                }
            }
            Some((schema, external))
        })
    }

    pub(super) fn structured_type(&mut self, node: Node, kind: StructuredKind) -> Option<StructuredType> {
        let element = node.tag_name().name();
        let name = self.within(element, None, |p| p.required(node, "Name"))?;
        self.within(element, Some(name), |p| {
            p.known_attributes(node, &["Name", "BaseType", "Abstract", "OpenType", "HasStream"]);
            let base_type = node.attribute("BaseType").and_then(|t| p.qualified(node, "BaseType", t));
            let mut ty = StructuredType {
                name: name.to_owned(),
                kind,
                base_type,
                is_abstract: p.boolean(node, "Abstract", false),
                open_type: p.boolean(node, "OpenType", false),
                has_stream: p.boolean(node, "HasStream", false),
                key: Vec::new(),
                properties: Vec::new(),
                navigation_properties: Vec::new(),
                annotations: Annotations::default(),
                location: p.location(node),
            };
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "Key" if kind == StructuredKind::Entity => p.key(child, &mut ty.key),
                    "Property" => ty.properties.extend(p.property(child)),
                    "NavigationProperty" => ty.navigation_properties.extend(p.navigation_property(child)),
                    "Annotation" => p.annotation_into(child, &mut ty.annotations),
                    _ => p.unexpected(child),
                }
            }
            Some(ty)
        })
    }

    pub(super) fn key(&mut self, node: Node, key: &mut Vec<PropertyRef>) {
        self.within("Key", None, |p| {
            for child in node.children().filter(Node::is_element) {
                if !is_edm(child, "PropertyRef") {
                    p.unexpected(child);
                    continue;
                }
                if let Some(name) = p.within("PropertyRef", None, |p| p.required(child, "Name")) {
                    key.push(PropertyRef { name: name.to_owned(), alias: child.attribute("Alias").map(str::to_owned) });
                }
            }
        });
    }

    pub(super) fn property(&mut self, node: Node) -> Option<Property> {
        let name = self.within("Property", None, |p| p.required(node, "Name"))?;
        self.within("Property", Some(name), |p| {
            p.known_attributes(
                node,
                &["Name", "Type", "Nullable", "DefaultValue", "MaxLength", "Precision", "Scale", "SRID", "Unicode"],
            );
            let ty = p.type_ref(node, "Type");
            let nullable = p.boolean(node, "Nullable", true);
            let facets = p.facets(node);
            let annotations = p.annotations_of(node);
            Some(Property {
                name: name.to_owned(),
                ty: ty?,
                nullable,
                facets,
                default_value: node.attribute("DefaultValue").map(str::to_owned),
                annotations,
                location: p.location(node),
            })
        })
    }

    pub(super) fn navigation_property(&mut self, node: Node) -> Option<NavigationProperty> {
        let name = self.within("NavigationProperty", None, |p| p.required(node, "Name"))?;
        self.within("NavigationProperty", Some(name), |p| {
            if node.has_attribute("Relationship") {
                let detail = "NavigationProperty with Relationship/FromRole/ToRole".to_owned();
                p.report(node, DiagnosticKind::UnsupportedODataVersion { detail });
                return None;
            }
            p.known_attributes(node, &["Name", "Type", "Nullable", "Partner", "ContainsTarget"]);
            if !node.has_attribute("Type") {
                p.report(node, DiagnosticKind::UntypedNavigationProperty);
                p.skipped.navigation_properties += 1;
                return None;
            }
            let ty = p.type_ref(node, "Type");
            let nullable = p.boolean(node, "Nullable", true);
            let mut nav = NavigationProperty {
                name: name.to_owned(),
                ty: ty?,
                nullable,
                partner: node.attribute("Partner").map(str::to_owned),
                contains_target: p.boolean(node, "ContainsTarget", false),
                on_delete: None,
                referential_constraints: Vec::new(),
                annotations: Annotations::default(),
                location: p.location(node),
            };
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "ReferentialConstraint" => {
                        let (property, referenced) = p.within("ReferentialConstraint", None, |p| {
                            (p.required(child, "Property"), p.required(child, "ReferencedProperty"))
                        });
                        if let (Some(property), Some(referenced)) = (property, referenced) {
                            nav.referential_constraints.push(ReferentialConstraint {
                                property: property.to_owned(),
                                referenced_property: referenced.to_owned(),
                            });
                        }
                    }
                    "OnDelete" => {
                        nav.on_delete = p.within("OnDelete", None, |p| match p.required(child, "Action")? {
                            "Cascade" => Some(OnDeleteAction::Cascade),
                            "None" => Some(OnDeleteAction::None),
                            "SetNull" => Some(OnDeleteAction::SetNull),
                            "SetDefault" => Some(OnDeleteAction::SetDefault),
                            other => {
                                let expected = "Cascade, None, SetNull or SetDefault";
                                p.ignored(child, "Action", other, expected, "the element is ignored");
                                None
                            }
                        });
                    }
                    "Annotation" => p.annotation_into(child, &mut nav.annotations),
                    _ => p.unexpected(child),
                }
            }
            Some(nav)
        })
    }

    pub(super) fn enum_type(&mut self, node: Node) -> Option<EnumType> {
        let name = self.within("EnumType", None, |p| p.required(node, "Name"))?;
        self.within("EnumType", Some(name), |p| {
            p.known_attributes(node, &["Name", "UnderlyingType", "IsFlags"]);
            let underlying_type = match node.attribute("UnderlyingType") {
                None => EdmType::Int32,
                Some(text) => match text.strip_prefix("Edm.").and_then(EdmType::from_name) {
                    Some(edm) if edm.is_enum_underlying() => edm,
                    _ => {
                        let expected = "Edm.Byte, Edm.SByte, Edm.Int16, Edm.Int32 or Edm.Int64";
                        p.ignored(node, "UnderlyingType", text, expected, "read as Edm.Int32");
                        EdmType::Int32
                    }
                },
            };
            let is_flags = p.boolean(node, "IsFlags", false);
            let (min, max) = underlying_type.integer_range().unwrap_or((i64::MIN, i64::MAX));
            let mut members: Vec<EnumMember> = Vec::new();
            let mut annotations = Annotations::default();
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "Member" => {
                        let Some(member_name) = p.within("Member", None, |p| p.required(child, "Name")) else {
                            continue;
                        };
                        p.within("Member", Some(member_name), |p| {
                            p.known_attributes(child, &["Name", "Value"]);
                            let value = match child.attribute("Value") {
                                Some(_) => p.number::<i64>(child, "Value", "an integer")?,
                                None if is_flags => {
                                    p.report(child, DiagnosticKind::MissingAttribute { attribute: "Value" });
                                    return None;
                                }
                                None => members.last().map_or(0, |m| m.value.saturating_add(1)),
                            };
                            if value < min || value > max {
                                p.report(
                                    child,
                                    DiagnosticKind::EnumValueOutOfRange { value, underlying: underlying_type.name() },
                                );
                            }
                            let annotations = p.annotations_of(child);
                            members.push(EnumMember {
                                name: member_name.to_owned(),
                                value,
                                annotations,
                                location: p.location(child),
                            });
                            Some(())
                        });
                    }
                    "Annotation" => p.annotation_into(child, &mut annotations),
                    _ => p.unexpected(child),
                }
            }
            Some(EnumType {
                name: name.to_owned(),
                underlying_type,
                is_flags,
                members,
                annotations,
                location: p.location(node),
            })
        })
    }

    pub(super) fn type_definition(&mut self, node: Node) -> Option<TypeDefinition> {
        let name = self.within("TypeDefinition", None, |p| p.required(node, "Name"))?;
        self.within("TypeDefinition", Some(name), |p| {
            p.known_attributes(node, &["Name", "UnderlyingType", "MaxLength", "Precision", "Scale", "SRID", "Unicode"]);
            let text = p.required(node, "UnderlyingType")?;
            let Some(underlying_type) = text.strip_prefix("Edm.").and_then(EdmType::from_name) else {
                p.report(node, invalid("UnderlyingType", text, "a primitive Edm type"));
                return None;
            };
            let facets = p.facets(node);
            let annotations = p.annotations_of(node);
            Some(TypeDefinition {
                name: name.to_owned(),
                underlying_type,
                facets,
                annotations,
                location: p.location(node),
            })
        })
    }

    pub(super) fn term(&mut self, node: Node) -> Option<Term> {
        let name = self.within("Term", None, |p| p.required(node, "Name"))?;
        self.within("Term", Some(name), |p| {
            p.known_attributes(
                node,
                &[
                    "Name",
                    "Type",
                    "BaseTerm",
                    "Nullable",
                    "DefaultValue",
                    "AppliesTo",
                    "MaxLength",
                    "Precision",
                    "Scale",
                    "SRID",
                    "Unicode",
                ],
            );
            let ty = p.type_ref(node, "Type");
            let base_term = node.attribute("BaseTerm").and_then(|t| p.qualified(node, "BaseTerm", t));
            let nullable = p.boolean(node, "Nullable", true);
            let facets = p.facets(node);
            let annotations = p.annotations_of(node);
            Some(Term {
                name: name.to_owned(),
                ty: ty?,
                base_term,
                nullable,
                default_value: node.attribute("DefaultValue").map(str::to_owned),
                applies_to: node
                    .attribute("AppliesTo")
                    .map(|a| a.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
                facets,
                annotations,
                location: p.location(node),
            })
        })
    }

    pub(super) fn operation(&mut self, node: Node, kind: OperationKind) -> Option<Operation> {
        let element = node.tag_name().name();
        let name = self.within(element, None, |p| p.required(node, "Name"))?;
        self.within(element, Some(name), |p| {
            p.known_attributes(node, &["Name", "IsBound", "IsComposable", "EntitySetPath"]);
            let mut operation = Operation {
                name: name.to_owned(),
                kind,
                is_bound: p.boolean(node, "IsBound", false),
                is_composable: p.boolean(node, "IsComposable", false),
                entity_set_path: node.attribute("EntitySetPath").map(str::to_owned),
                parameters: Vec::new(),
                return_type: None,
                annotations: Annotations::default(),
                location: p.location(node),
            };
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                match child.tag_name().name() {
                    "Parameter" => {
                        let Some(param_name) = p.within("Parameter", None, |p| p.required(child, "Name")) else {
                            continue;
                        };
                        let parameter = p.within("Parameter", Some(param_name), |p| {
                            p.known_attributes(
                                child,
                                &["Name", "Type", "Nullable", "MaxLength", "Precision", "Scale", "SRID", "Unicode"],
                            );
                            let ty = p.type_ref(child, "Type");
                            let nullable = p.boolean(child, "Nullable", true);
                            let facets = p.facets(child);
                            let annotations = p.annotations_of(child);
                            Some(Parameter {
                                name: param_name.to_owned(),
                                ty: ty?,
                                nullable,
                                facets,
                                annotations,
                                location: p.location(child),
                            })
                        });
                        operation.parameters.extend(parameter);
                    }
                    "ReturnType" => {
                        operation.return_type = p.within("ReturnType", None, |p| {
                            p.known_attributes(
                                child,
                                &["Type", "Nullable", "MaxLength", "Precision", "Scale", "SRID", "Unicode"],
                            );
                            let ty = p.type_ref(child, "Type");
                            let nullable = p.boolean(child, "Nullable", true);
                            let facets = p.facets(child);
                            Some(ReturnType { ty: ty?, nullable, facets })
                        });
                    }
                    "Annotation" => p.annotation_into(child, &mut operation.annotations),
                    _ => p.unexpected(child),
                }
            }
            if kind == OperationKind::Function && operation.return_type.is_none() {
                p.report(node, DiagnosticKind::MissingElement { element: "ReturnType" });
            }
            Some(operation)
        })
    }

    pub(super) fn entity_container(&mut self, node: Node) -> Option<EntityContainer> {
        let name = self.within("EntityContainer", None, |p| p.required(node, "Name"))?;
        self.within("EntityContainer", Some(name), |p| {
            p.known_attributes(node, &["Name", "Extends"]);
            let extends = node.attribute("Extends").and_then(|t| p.qualified(node, "Extends", t));
            let mut container = EntityContainer {
                name: name.to_owned(),
                extends,
                entity_sets: Vec::new(),
                singletons: Vec::new(),
                action_imports: Vec::new(),
                function_imports: Vec::new(),
                annotations: Annotations::default(),
                location: p.location(node),
            };
            for child in node.children().filter(Node::is_element) {
                if child.tag_name().namespace() != Some(EDM_NS) {
                    continue;
                }
                let element = child.tag_name().name();
                if element == "Annotation" {
                    p.annotation_into(child, &mut container.annotations);
                    continue;
                }
                if element == "AssociationSet" {
                    let detail = "<AssociationSet> element".to_owned();
                    p.report(child, DiagnosticKind::UnsupportedODataVersion { detail });
                    continue;
                }
                if !matches!(element, "EntitySet" | "Singleton" | "ActionImport" | "FunctionImport") {
                    p.unexpected(child);
                    continue;
                }
                let Some(child_name) = p.within(element, None, |p| p.required(child, "Name")) else { continue };
                p.within(element, Some(child_name), |p| {
                    p.known_attributes(child, container_child_attributes(element));
                    let name = child_name.to_owned();
                    let location = p.location(child);
                    match element {
                        "EntitySet" => {
                            let entity_type = p.required_qualified(child, "EntityType");
                            let include_in_service_document = p.boolean(child, "IncludeInServiceDocument", true);
                            let navigation_property_bindings = p.bindings(child);
                            let annotations = p.annotations_of(child);
                            if let Some(entity_type) = entity_type {
                                container.entity_sets.push(EntitySet {
                                    name,
                                    entity_type,
                                    include_in_service_document,
                                    navigation_property_bindings,
                                    annotations,
                                    location,
                                });
                            }
                        }
                        "Singleton" => {
                            let entity_type = p.required_qualified(child, "Type");
                            let navigation_property_bindings = p.bindings(child);
                            let annotations = p.annotations_of(child);
                            if let Some(entity_type) = entity_type {
                                container.singletons.push(Singleton {
                                    name,
                                    entity_type,
                                    navigation_property_bindings,
                                    annotations,
                                    location,
                                });
                            }
                        }
                        "ActionImport" => {
                            let action = p.required_qualified(child, "Action");
                            let annotations = p.annotations_of(child);
                            if let Some(action) = action {
                                let entity_set = child.attribute("EntitySet").map(|target| p.canonical_target(target));
                                container.action_imports.push(ActionImport {
                                    name,
                                    action,
                                    entity_set,
                                    annotations,
                                    location,
                                });
                            }
                        }
                        "FunctionImport" => {
                            let function = p.required_qualified(child, "Function");
                            let include_in_service_document = p.boolean(child, "IncludeInServiceDocument", false);
                            let annotations = p.annotations_of(child);
                            if let Some(function) = function {
                                let entity_set = child.attribute("EntitySet").map(|target| p.canonical_target(target));
                                container.function_imports.push(FunctionImport {
                                    name,
                                    function,
                                    entity_set,
                                    include_in_service_document,
                                    annotations,
                                    location,
                                });
                            }
                        }
                        _ => {} // other elements were reported above
                    }
                });
            }
            Some(container)
        })
    }

    pub(super) fn bindings(&mut self, node: Node) -> Vec<NavigationPropertyBinding> {
        let mut bindings = Vec::new();
        for child in node.children().filter(Node::is_element) {
            if child.tag_name().namespace() != Some(EDM_NS) {
                continue;
            }
            match child.tag_name().name() {
                "NavigationPropertyBinding" => {
                    let (path, target) = self.within("NavigationPropertyBinding", None, |p| {
                        (p.required(child, "Path"), p.required(child, "Target"))
                    });
                    if let (Some(path), Some(target)) = (path, target) {
                        bindings.push(NavigationPropertyBinding {
                            path: path.to_owned(),
                            target: self.canonical_target(target),
                        });
                    }
                }
                "Annotation" => {}
                _ => self.unexpected(child),
            }
        }
        bindings
    }
}

/// The attributes CSDL 4.01 defines for an element of an `EntityContainer`.
pub(super) fn container_child_attributes(element: &str) -> &'static [&'static str] {
    match element {
        "EntitySet" => &["Name", "EntityType", "IncludeInServiceDocument"],
        "Singleton" => &["Name", "Type", "Nullable"],
        "ActionImport" => &["Name", "Action", "EntitySet"],
        _ => &["Name", "Function", "EntitySet", "IncludeInServiceDocument"],
    }
}

/// Turns references into namespaces that are only included (not declared) into
/// [`TypeTarget::External`].
pub(super) fn mark_external_types(schema: &mut Schema, included: &BTreeSet<String>) {
    let mark = |ty: &mut TypeRef| {
        if let TypeTarget::Named(name) = &ty.target
            && included.contains(&name.namespace)
        {
            ty.target = TypeTarget::External(name.clone());
        }
    };
    for ty in schema.entity_types.iter_mut().chain(&mut schema.complex_types) {
        ty.properties.iter_mut().for_each(|p| mark(&mut p.ty));
        ty.navigation_properties.iter_mut().for_each(|p| mark(&mut p.ty));
    }
    for term in &mut schema.terms {
        mark(&mut term.ty);
    }
    for op in schema.actions.iter_mut().chain(&mut schema.functions) {
        op.parameters.iter_mut().for_each(|p| mark(&mut p.ty));
        if let Some(ret) = &mut op.return_type {
            mark(&mut ret.ty);
        }
    }
}
