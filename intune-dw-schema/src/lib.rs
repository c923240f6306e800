//! The collections as the metadata the client was generated from describes them: key, kind and
//! one typed column per property. Everything else (the SQLite tables and export columns of
//! `intune-dw`, the rows of the mock Warehouse in `intune-dw-mock`) is derived from here, never
//! written per collection. A crate of its own so that both can share it: the sync tool re-exports
//! it as `intune_dw::schema`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

pub use intune_dw_client::warehouse::{ApiVersion, Kind};
use odata_csdl::{self as csdl, EdmType, Model, QualifiedName, TypeDecl, TypeTarget};

/// The schema of each API version, from the metadata the client embeds (both versions are
/// compiled into this crate).
pub trait VersionSchema: Copy {
    /// The `$metadata` document the client's version module was generated from.
    fn embedded_metadata(self) -> &'static str;

    /// The collections of the embedded metadata (parsed once).
    fn schema(self) -> &'static Schema {
        &self.parsed().1
    }

    /// The resolved model of the embedded metadata (parsed once).
    fn model(self) -> &'static Model {
        &self.parsed().0
    }

    /// The embedded metadata's model and collections.
    fn parsed(self) -> &'static (Model, Schema);
}

impl VersionSchema for ApiVersion {
    fn embedded_metadata(self) -> &'static str {
        // This crate enables every version of the client.
        self.metadata().expect("every API version is compiled into intune-dw-schema")
    }

    fn parsed(self) -> &'static (Model, Schema) {
        static PARSED: [OnceLock<(Model, Schema)>; ApiVersion::ALL.len()] =
            [const { OnceLock::new() }; ApiVersion::ALL.len()];
        PARSED[self as usize].get_or_init(|| {
            // The embedded documents are checked by the generator's own tests; failing here is a
            // build defect, not bad input.
            let model = parse_metadata(self.embedded_metadata()).expect("the embedded metadata parses and resolves");
            let schema = Schema::from_model(&model, self);
            (model, schema)
        })
    }
}

/// Parses and resolves a CSDL document. A tolerant read: the reader's warnings (defects it
/// worked around) do not concern a sync, which compares models, so only errors are reported.
pub fn parse_metadata(text: &str) -> Result<Model, csdl::Errors> {
    csdl::parse(text).map(|parsed| parsed.model)
}

/// How a property is stored and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// Whole numbers (`Edm.Byte` … `Edm.Int64`).
    Integer,
    /// `Edm.Boolean`, stored as 0 / 1.
    Boolean,
    /// `Edm.Single`, `Edm.Double`.
    Real,
    /// Strings, and values whose JSON form is a string (dates, times, GUIDs, decimals, enums).
    Text,
    /// Anything structured (collections, complex types, geography), kept as JSON text.
    Json,
}

impl ColumnType {
    /// The declared SQLite type.
    pub fn sql(self) -> &'static str {
        match self {
            ColumnType::Integer => "INTEGER",
            ColumnType::Boolean => "BOOLEAN",
            ColumnType::Real => "REAL",
            ColumnType::Text => "TEXT",
            ColumnType::Json => "JSON",
        }
    }
}

/// One property of a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The wire name.
    pub name: String,
    /// The CSDL type as written (`Edm.Int32`, `Collection(…)`).
    pub edm: String,
    /// The storage type.
    pub ty: ColumnType,
    /// Whether the metadata allows null.
    pub nullable: bool,
}

/// One entity set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// The entity-set name.
    pub name: String,
    /// The qualified name of its entity type.
    pub entity_type: String,
    /// The key properties, in key order.
    pub key: Vec<String>,
    /// Every structural property, in metadata order (inherited first).
    pub columns: Vec<Column>,
    /// How it is synced.
    pub kind: Kind,
}

impl Collection {
    /// The column with this wire name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The properties of `row` that the metadata does not have (OData annotations aside), as
    /// JSON object text: what the `_extra` column keeps.
    pub fn extra_json(&self, row: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
        let extra: serde_json::Map<String, serde_json::Value> = row
            .iter()
            .filter(|(name, _)| is_extra(name, |n| self.column(n).is_some()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        (!extra.is_empty()).then(|| serde_json::Value::Object(extra).to_string())
    }

    /// The position of the column with this wire name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// Whether a row's property `name` belongs in `_extra`: not a known column (per `known`) and not
/// an OData annotation (`@odata.…`).
pub fn is_extra(name: &str, known: impl Fn(&str) -> bool) -> bool {
    !name.starts_with("@odata.") && !known(name)
}

/// The collections of one metadata document, in entity-set order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// The collections.
    pub collections: Vec<Collection>,
}

/// The metadata could not be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid $metadata document: {0}")]
pub struct SchemaError(#[from] pub csdl::Errors);

impl Schema {
    /// The collections of a CSDL document of `version`.
    pub fn from_metadata(text: &str, version: ApiVersion) -> Result<Schema, SchemaError> {
        Ok(Schema::from_model(&parse_metadata(text)?, version))
    }

    /// The collections of a resolved model of `version` (entity sets of every container), with
    /// the kinds the client gives them (a collection the client does not know is a lookup).
    pub fn from_model(model: &Model, version: ApiVersion) -> Schema {
        let mut collections = Vec::new();
        for (_, container) in model.entity_containers() {
            for set in &container.entity_sets {
                let Some(ty) = model.entity_type(&set.entity_type) else { continue };
                let key: Vec<String> = model.effective_key(ty).iter().map(|k| k.name.clone()).collect();
                let columns: Vec<Column> = model
                    .all_properties(ty)
                    .into_iter()
                    .map(|p| Column {
                        name: p.name.clone(),
                        edm: p.ty.to_string(),
                        ty: column_type(model, &p.ty),
                        nullable: p.nullable,
                    })
                    .collect();
                let kind = version.kind_of(&set.name).unwrap_or(Kind::Lookup);
                collections.push(Collection {
                    name: set.name.clone(),
                    entity_type: set.entity_type.to_string(),
                    key,
                    columns,
                    kind,
                });
            }
        }
        Schema { collections }
    }

    /// The collection named `name`.
    pub fn collection(&self, name: &str) -> Option<&Collection> {
        self.collections.iter().find(|c| c.name == name)
    }

    /// The names of the collections, in order.
    pub fn names(&self) -> Vec<&str> {
        self.collections.iter().map(|c| c.name.as_str()).collect()
    }

    /// The collections of `model` (that this schema also has) whose entity type is
    /// `type_name`, or whose properties use it (enum, complex or type-definition declarations).
    pub fn collections_using(&self, model: &Model, type_name: &QualifiedName) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (_, container) in model.entity_containers() {
            for set in &container.entity_sets {
                let Some(ty) = model.entity_type(&set.entity_type) else { continue };
                let direct = &set.entity_type == type_name;
                let uses = model.all_properties(ty).iter().any(|p| match &p.ty.target {
                    TypeTarget::Named(n) | TypeTarget::External(n) => n == type_name,
                    TypeTarget::Edm(_) => false,
                });
                if (direct || uses) && self.collection(&set.name).is_some() {
                    out.insert(set.name.clone());
                }
            }
        }
        out
    }
}

fn column_type(model: &Model, ty: &csdl::TypeRef) -> ColumnType {
    if ty.collection {
        return ColumnType::Json;
    }
    match &ty.target {
        TypeTarget::Edm(edm) => edm_column_type(*edm),
        TypeTarget::Named(name) => named_column_type(model, name),
        TypeTarget::External(_) => ColumnType::Json,
    }
}

fn named_column_type(model: &Model, name: &QualifiedName) -> ColumnType {
    match model.type_decl(name) {
        Some(TypeDecl::Enum(_)) => ColumnType::Text,
        Some(TypeDecl::TypeDefinition(def)) => edm_column_type(def.underlying_type),
        Some(TypeDecl::Entity(_) | TypeDecl::Complex(_)) | None => ColumnType::Json,
    }
}

fn edm_column_type(edm: EdmType) -> ColumnType {
    match edm {
        EdmType::Byte | EdmType::SByte | EdmType::Int16 | EdmType::Int32 | EdmType::Int64 => ColumnType::Integer,
        EdmType::Boolean => ColumnType::Boolean,
        EdmType::Single | EdmType::Double => ColumnType::Real,
        EdmType::String
        | EdmType::Guid
        | EdmType::Date
        | EdmType::DateTimeOffset
        | EdmType::TimeOfDay
        | EdmType::Duration
        | EdmType::Decimal
        | EdmType::Binary => ColumnType::Text,
        _ => ColumnType::Json,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schemas_have_every_collection_with_typed_columns() {
        for version in ApiVersion::ALL {
            let schema = version.schema();
            let names = schema.names();
            let expected = version.entity_sets();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            let mut expected = expected.to_vec();
            expected.sort_unstable();
            assert_eq!(sorted, expected, "{version}");
        }
        let devices = ApiVersion::V1_0.schema().collection("devices").unwrap();
        assert_eq!(devices.key, ["deviceKey"]);
        assert_eq!(devices.kind, Kind::Dimension);
        let key = devices.column("deviceKey").unwrap();
        assert_eq!((key.ty, key.nullable, key.edm.as_str()), (ColumnType::Integer, false, "Edm.Int32"));
        assert_eq!(devices.column("deviceName").unwrap().ty, ColumnType::Text);
        assert_eq!(devices.column("azureADRegistered").unwrap().ty, ColumnType::Boolean);
        let checkins = ApiVersion::V1_0.schema().collection("mamCheckins").unwrap();
        assert_eq!(checkins.kind, Kind::Fact);
    }
}
