//! Schema drift: the live `$metadata` compared with the one the client was generated from,
//! through the project's own schema diff (`odata_csdl::diff`), and each change mapped to the
//! collections it touches by its target (the entity set, or the type it is or belongs to).
//!
//! - a **breaking** change (a removed property, a changed type, nullability or key, ...) stops
//!   the collections it touches, with a message naming the change;
//! - an **additive** change (a new property, ...) is a note: the sync keeps the new values in
//!   the `_extra` column;
//! - documentation changes are ignored.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, anyhow};
use intune_dw_client::Client;
use odata_csdl::Model;
use odata_csdl::diff::{self, Change, Impact, Item, Target};

use crate::schema::{self, ApiVersion, Schema, VersionSchema};

/// What the drift means for the sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// Collections that must not be synced, with the breaking changes that touch them.
    pub stopped: BTreeMap<String, Vec<String>>,
    /// Additive changes, for the log.
    pub notes: Vec<String>,
}

/// Reads the live `$metadata` of `version` and compares it with the embedded one (whose model
/// the schema keeps, so it is parsed once per process).
pub async fn check(client: &Client, version: ApiVersion) -> Result<Drift> {
    let live = client.metadata(version.as_str()).await.context("cannot read the live $metadata")?;
    // The document the client was generated from: nothing drifted, nothing to parse.
    if live == version.embedded_metadata() {
        return Ok(Drift::default());
    }
    // One model at a time: tenants check side by side, and a parsed document is large.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    let live = schema::parse_metadata(&live).map_err(|e| anyhow!("the live $metadata is not usable: {e}"))?;
    Ok(compare(version.model(), &live, version.schema()))
}

/// The drift from `embedded` to `live` for the collections of `schema`.
pub fn compare(embedded: &Model, live: &Model, schema: &Schema) -> Drift {
    let mut drift = Drift::default();
    for change in diff::compare(embedded, live).changes {
        if change.impact == Impact::Docs {
            continue;
        }
        let text = describe(&change);
        let affected = affected(&change, embedded, live, schema);
        match change.impact {
            Impact::Breaking => {
                for collection in affected {
                    drift.stopped.entry(collection).or_default().push(text.clone());
                }
            }
            _ => {
                let on = affected.into_iter().collect::<Vec<_>>().join(", ");
                let kept = if matches!(change.item, Item::Property) { " (kept in _extra)" } else { "" };
                drift.notes.push(if on.is_empty() { text } else { format!("{on}: {text}{kept}") });
            }
        }
    }
    drift
}

fn describe(change: &Change) -> String {
    format!("{} {} `{}`: {}", change.kind.as_str(), change.item.as_str().replace('_', " "), change.path, change.reason)
}

/// The collections a change touches: the entity set itself, or the sets whose entity type is
/// (or whose properties use) the changed type or the type of the changed member.
fn affected(change: &Change, embedded: &Model, live: &Model, schema: &Schema) -> BTreeSet<String> {
    if let Target::ContainerMember { name, .. } = &change.target {
        return schema.collection(name).map(|c| c.name.clone()).into_iter().collect();
    }
    let Some(type_name) = change.target.type_name() else { return BTreeSet::new() };
    let mut out = schema.collections_using(embedded, type_name);
    out.extend(schema.collections_using(live, type_name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models(edit: impl Fn(&str) -> String) -> (Model, Model) {
        let text = ApiVersion::V1_0.embedded_metadata();
        (schema::parse_metadata(text).unwrap(), schema::parse_metadata(&edit(text)).unwrap())
    }

    #[test]
    fn a_removed_property_stops_its_collection_and_an_added_one_is_a_note() {
        let (embedded, live) = models(|text| {
            text.replacen(r#"<Property Name="userKey" Type="Edm.Int32" Nullable="false"/>"#, "", 1).replacen(
                r#"<Property Name="deviceKey" Type="Edm.Int32" Nullable="false">"#,
                r#"<Property Name="newThing" Type="Edm.String"/><Property Name="deviceKey" Type="Edm.Int32" Nullable="false">"#,
                1,
            )
        });
        let drift = compare(&embedded, &live, ApiVersion::V1_0.schema());
        assert_eq!(drift.stopped.len(), 1, "{drift:?}");
        let (collection, changes) = drift.stopped.iter().next().unwrap();
        assert_eq!(collection, "mamCheckins");
        assert!(changes[0].contains("removed property") && changes[0].contains("/userKey"), "{changes:?}");
        assert!(
            drift
                .notes
                .iter()
                .any(|n| n.starts_with("devicePropertyHistories: added property") && n.contains("newThing")),
            "{drift:?}"
        );
    }

    #[test]
    fn no_drift_without_changes() {
        let (embedded, live) = models(str::to_owned);
        assert_eq!(compare(&embedded, &live, ApiVersion::V1_0.schema()), Drift::default());
    }
}
