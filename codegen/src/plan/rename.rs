//! The wire-name rule of each struct: `rename_all = "camelCase"` or a rename per field,
//! whichever leaves fewer renames.

use super::FieldPlan;

/// Decides whether a struct takes `rename_all = "camelCase"` (when that leaves fewer fields with a
/// rename of their own, as for the camelCase wire names of most services) and marks the fields
/// that still need one.
pub(super) fn choose_rename_rule(fields: &mut [FieldPlan]) -> bool {
    let plain = fields.iter().filter(|f| f.name != f.wire_name).count();
    // serde's rule slices the first byte, so only ASCII names may go through it.
    let camel = fields
        .iter()
        .all(|f| f.name.is_ascii())
        .then(|| fields.iter().filter(|f| serde_camel_case(&f.name) != f.wire_name).count());
    let camel_case = camel.is_some_and(|camel| camel < plain);
    for field in fields {
        field.renamed =
            if camel_case { serde_camel_case(&field.name) != field.wire_name } else { field.name != field.wire_name };
    }
    camel_case
}

/// What serde's `rename_all = "camelCase"` makes of an ASCII field name (serde's own rule: the
/// PascalCase of the name, `_` dropped and the letter after each upper-cased, then the first
/// letter lower-cased).
fn serde_camel_case(field: &str) -> String {
    let mut pascal = String::with_capacity(field.len());
    let mut capitalize = true;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(ch);
        }
    }
    match pascal.get(..1) {
        Some(first) => first.to_ascii_lowercase() + &pascal[1..],
        None => pascal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_camel_case_matches_serdes_rule() {
        for (field, wire) in
            [("device_key", "deviceKey"), ("type_", "type"), ("_1st", "1st"), ("x", "x"), ("a__b", "aB")]
        {
            assert_eq!(serde_camel_case(field), wire);
        }
        // `azureADDeviceId` is not what camelCase makes of `azure_ad_device_id`: it keeps a rename.
        assert_eq!(serde_camel_case("azure_ad_device_id"), "azureAdDeviceId");
    }
}
