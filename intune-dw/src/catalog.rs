//! The collections the client knows, chosen by name at run time through the generated
//! `visit_entity_set` functions.

use intune_dw_client::query::{CollectionKind, EntitySet, EntitySetVisitor};

use crate::schema::{ApiVersion, Kind};

/// Runs `visitor` on the row type of collection `name` of `version`; `None` for an unknown name.
pub fn visit<V: EntitySetVisitor>(version: ApiVersion, name: &str, visitor: V) -> Option<V::Output> {
    match version {
        ApiVersion::V1_0 => intune_dw_client::v1_0::visit_entity_set(name, visitor),
        ApiVersion::Beta => intune_dw_client::beta::visit_entity_set(name, visitor),
    }
}

/// The entity-set names of `version`, in schema order.
pub fn entity_sets(version: ApiVersion) -> &'static [&'static str] {
    match version {
        ApiVersion::V1_0 => intune_dw_client::v1_0::ENTITY_SETS,
        ApiVersion::Beta => intune_dw_client::beta::ENTITY_SETS,
    }
}

/// What the client says about one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entity-set name.
    pub name: &'static str,
    /// The key properties' wire names.
    pub key: &'static [&'static str],
    /// Its kind, from the row type's `dateKey` / `rowLastModifiedDateTimeUTC`.
    pub kind: Kind,
}

struct Describe;

impl EntitySetVisitor for Describe {
    type Output = Entry;

    fn visit<E: EntitySet>(self) -> Entry {
        Entry { name: E::NAME, key: E::KEY, kind: Kind::of(E::KEY, E::has_row_last_modified()) }
    }
}

/// Every collection of `version`.
pub fn entries(version: ApiVersion) -> Vec<Entry> {
    entity_sets(version).iter().filter_map(|name| visit(version, name, Describe)).collect()
}

/// The collection `name` of `version`.
pub fn entry(version: ApiVersion, name: &str) -> Option<Entry> {
    visit(version, name, Describe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_and_the_embedded_metadata_agree_on_keys_and_kinds() {
        for version in ApiVersion::ALL {
            let entries = entries(version);
            assert_eq!(entries.len(), entity_sets(version).len());
            for entry in entries {
                let collection = version.schema().collection(entry.name).unwrap();
                assert_eq!(collection.key, entry.key, "{version} {}", entry.name);
                assert_eq!(collection.kind, entry.kind, "{version} {}", entry.name);
            }
        }
        assert_eq!(entry(ApiVersion::V1_0, "dates").map(|e| e.kind), Some(Kind::Fact));
        assert!(entry(ApiVersion::V1_0, "nope").is_none());
    }
}
