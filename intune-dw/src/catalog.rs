//! The client's collections, chosen by name at run time: their keys from the generated row types,
//! their kinds as the client's service profile decided them (`ApiVersion::kind_of`).

use intune_dw_client::query::{EntitySet, EntitySetVisitor};

use crate::schema::{ApiVersion, Kind};

/// What the client says about one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entity-set name.
    pub name: &'static str,
    /// The key properties' wire names.
    pub key: &'static [&'static str],
    /// Its kind.
    pub kind: Kind,
}

struct Key;

impl EntitySetVisitor for Key {
    type Output = (&'static str, &'static [&'static str]);

    fn visit<E: EntitySet>(self) -> Self::Output {
        (E::NAME, E::KEY)
    }
}

/// Every collection of `version`, in schema order.
pub fn entries(version: ApiVersion) -> Vec<Entry> {
    version.entity_sets().iter().filter_map(|name| entry(version, name)).collect()
}

/// The collection `name` of `version`.
pub fn entry(version: ApiVersion, name: &str) -> Option<Entry> {
    let (name, key) = version.visit_entity_set(name, Key)?;
    Some(Entry { name, key, kind: version.kind_of(name)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::VersionSchema;

    #[test]
    fn the_client_and_the_embedded_metadata_agree_on_keys_and_kinds() {
        for version in ApiVersion::ALL {
            let entries = entries(version);
            assert_eq!(entries.len(), version.entity_sets().len());
            for entry in entries {
                let collection = version.schema().collection(entry.name).unwrap();
                assert_eq!(collection.key, entry.key, "{version} {}", entry.name);
                assert_eq!(collection.kind, entry.kind, "{version} {}", entry.name);
            }
        }
        assert_eq!(entry(ApiVersion::V1_0, "dates").map(|e| e.kind), Some(Kind::Fact));
        assert_eq!(entry(ApiVersion::V1_0, "devices").map(|e| e.kind), Some(Kind::Dimension));
        assert_eq!(entry(ApiVersion::V1_0, "deviceTypes").map(|e| e.kind), Some(Kind::Lookup));
        assert!(entry(ApiVersion::V1_0, "nope").is_none());
    }
}
