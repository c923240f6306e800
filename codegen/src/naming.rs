//! Every Rust name the generator emits comes from here: CSDL names → valid, idiomatic, non-shadowing
//! Rust identifiers, and the scopes that detect two CSDL names landing on one Rust name.
//!
//! Rules, in order: characters that cannot be in an identifier become word breaks; the case is
//! converted with heck; a leading digit gets a `_` prefix; Rust keywords and the names of std
//! prelude types get a `_` suffix (`type` → `type_`, `String` → `String_`), so a generated name
//! never needs `r#` and never shadows `Option` or `Result` in code that glob-imports a module.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Keywords of every edition, including reserved ones and the `Self`/`self` family that cannot be
/// raw identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names of the std prelude's types and of its variants `Some`, `None`, `Ok`, `Err` (and `Self`):
/// a generated type with one of these names would shadow them in its module, where the generated
/// code writes `Option`, `Some(…)` and `None` bare.
const PRELUDE_TYPES: &[&str] = &[
    "Box",
    "Clone",
    "Copy",
    "Default",
    "Drop",
    "Eq",
    "Err",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Into",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "Unpin",
    "Vec",
];

/// `deviceKey` → `device_key`: fields, modules, functions.
pub fn snake_case(name: &str) -> String {
    let converted = words(name).to_snake_case();
    let reserved = KEYWORDS.contains(&converted.as_str());
    finish(name, converted, reserved)
}

/// `device` → `Device`: types and enum variants.
pub fn upper_camel_case(name: &str) -> String {
    let converted = words(name).to_upper_camel_case();
    let reserved = KEYWORDS.contains(&converted.as_str()) || PRELUDE_TYPES.contains(&converted.as_str());
    finish(name, converted, reserved)
}

/// The name of a type's companion (`Device` + `Field` → `DeviceField`). The `_` that keeps a
/// type name off a prelude item (`Copy_`) is dropped first: the companion does not need it, and
/// `Copy_Field` would not be upper camel case.
pub fn companion(type_name: &str, suffix: &str) -> String {
    format!("{}{suffix}", type_name.trim_end_matches('_'))
}

/// `red` → `Red`: enum variants. Unlike type names, variants may be `None` or `String`: they are
/// always written qualified (`Color::None`), so they shadow nothing.
pub fn variant_name(name: &str) -> String {
    let converted = words(name).to_upper_camel_case();
    let reserved = KEYWORDS.contains(&converted.as_str());
    finish(name, converted, reserved)
}

/// `v1.0` → `v1_0`: a module name for an API version (dots and dashes become `_`, the case is kept
/// lowercase, digits stay attached to their word).
pub fn version_module(version: &str) -> String {
    let mut name: String =
        version.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'v');
    }
    let reserved = KEYWORDS.contains(&name.as_str());
    finish(version, name, reserved)
}

/// Replaces everything that cannot be part of an ASCII identifier by a word break, keeping
/// non-ASCII letters visible as their code points so `Größe` and `Grösse` stay apart.
fn words(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_alphanumeric() {
            out.push_str(&format!(" u{:04x} ", u32::from(c)));
        } else {
            out.push(' ');
        }
    }
    out
}

fn finish(original: &str, mut name: String, reserved: bool) -> String {
    // `_` alone is not an identifier, and `__` is no name either.
    if name.chars().all(|c| c == '_') {
        // A name of symbols only (e.g. `$`): spell out its code points.
        let points: Vec<String> = original.chars().map(|c| format!("{:x}", u32::from(c))).collect();
        return if points.is_empty() { "_empty".to_owned() } else { format!("_{}", points.join("_")) };
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if reserved {
        name.push('_');
    }
    name
}

/// How [`assign`] names the members of one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Fields: `snake_case`, verbatim fallback keeps the wire spelling (`#[allow(non_snake_case)]`).
    Field,
    /// Enum variants: `UpperCamelCase`, verbatim fallback (`#[allow(non_camel_case_types)]`).
    Variant,
}

/// A member's Rust name; `verbatim` when it keeps the wire spelling and so needs the case lint
/// allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    /// The Rust identifier: the case-converted name, or the wire spelling made an identifier.
    pub name: String,
    /// Whether `name` keeps the wire spelling (a collision fallback), so the case lint must be allowed.
    pub verbatim: bool,
}

/// Names every member of one scope (`(wire name, description of the CSDL element)`), resolving
/// names that collide after case conversion deterministically, whatever the members' order:
/// within a colliding group, the one member whose wire name has no separators (the spelling the
/// conversion is meant for) keeps the converted name, and every other member keeps its wire
/// spelling (`remote_Control_Software` beside `remoteControlSoftware`, as Microsoft Graph has).
/// Only when those spellings collide too is it an error naming both elements.
pub fn assign(
    members: &[(&str, String)],
    style: Style,
    reserved: &[&str],
    scope: &str,
) -> Result<Vec<Assigned>, NameClash> {
    let convert = |wire: &str| match style {
        Style::Field => snake_case(wire),
        Style::Variant => variant_name(wire),
    };
    let converted: Vec<String> = members.iter().map(|(wire, _)| convert(wire)).collect();
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, name) in converted.iter().enumerate() {
        groups.entry(name).or_default().push(i);
    }
    let mut assigned: Vec<Assigned> =
        converted.iter().map(|name| Assigned { name: name.clone(), verbatim: false }).collect();
    for (name, group) in groups {
        if group.len() == 1 && !reserved.contains(&name) {
            continue;
        }
        let clean: Vec<usize> = group.iter().copied().filter(|&i| is_plain(members[i].0)).collect();
        let keeper = (clean.len() == 1 && !reserved.contains(&name)).then(|| clean[0]);
        for i in group.into_iter().filter(|&i| Some(i) != keeper) {
            assigned[i] = Assigned { name: verbatim(members[i].0, reserved), verbatim: true };
        }
    }
    let mut claims = Scope::with_reserved(reserved);
    for (a, (_, source)) in assigned.iter().zip(members) {
        claims.claim(&a.name, source, scope)?;
    }
    Ok(assigned)
}

/// Letters and digits only, not starting with a digit: a name case conversion was made for.
fn is_plain(wire: &str) -> bool {
    !wire.is_empty()
        && wire.chars().all(|c| c.is_ascii_alphanumeric())
        && !wire.starts_with(|c: char| c.is_ascii_digit())
}

/// The wire spelling as an identifier: other characters become `_`, the usual prefix and suffix
/// rules apply, and the generator's own names count as keywords.
fn verbatim(wire: &str, generated: &[&str]) -> String {
    let name: String = wire.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    let reserved = KEYWORDS.contains(&name.as_str()) || generated.contains(&name.as_str());
    finish(wire, name, reserved)
}

/// One Rust namespace (the fields of a struct, the variants of an enum, the items of a module):
/// records which CSDL element claimed each Rust name and reports a clash naming both.
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeMap<String, String>,
}

/// Two CSDL elements whose Rust names are the same.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{first}` and `{second}` both become the Rust name `{rust}` in {scope}")]
pub struct NameClash {
    /// The Rust name both elements would get.
    pub rust: String,
    /// The element that claimed the name first, described like `property deviceKey` (or a generated item).
    pub first: String,
    /// The element whose claim clashed, described like `first`.
    pub second: String,
    /// The Rust namespace where they clash, described like `struct Person`, `enum Color` or `module foo::bar`.
    pub scope: String,
}

impl Scope {
    /// A scope in which some names are already used by the generator itself.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        let taken = reserved.iter().map(|name| ((*name).to_owned(), format!("the generated item `{name}`"))).collect();
        Scope { taken }
    }

    /// Claims `rust` for `source` (a description of the CSDL element, e.g. `property deviceKey`).
    pub fn claim(&mut self, rust: &str, source: &str, scope: &str) -> Result<(), NameClash> {
        match self.taken.get(rust) {
            Some(first) => Err(NameClash {
                rust: rust.to_owned(),
                first: first.clone(),
                second: source.to_owned(),
                scope: scope.to_owned(),
            }),
            None => {
                self.taken.insert(rust.to_owned(), source.to_owned());
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_ident(name: &str) -> bool {
        syn::parse_str::<syn::Ident>(name).is_ok()
    }

    #[test]
    fn camel_case_wire_names() {
        let cases = [
            ("deviceKey", "device_key"),
            ("azureADDeviceId", "azure_ad_device_id"),
            ("createdDateTimeUTC", "created_date_time_utc"),
            ("lastPolicyUpdateUtc", "last_policy_update_utc"),
            ("clientRegisterationStateKey", "client_registeration_state_key"),
            ("easID", "eas_id"),
            ("wiFiMacAddress", "wi_fi_mac_address"),
            ("mamCheckins", "mam_checkins"),
        ];
        for (csdl, rust) in cases {
            assert_eq!(snake_case(csdl), rust, "{csdl}");
        }
        assert_eq!(upper_camel_case("device"), "Device");
        assert_eq!(upper_camel_case("termsAndConditions"), "TermsAndConditions");
        assert_eq!(version_module("v1.0"), "v1_0");
        assert_eq!(version_module("beta"), "beta");
        assert_eq!(version_module("2.0-preview"), "v2_0_preview");
    }

    #[test]
    fn hostile_names_become_valid_identifiers() {
        let hostile = [
            "type",
            "self",
            "Self",
            "crate",
            "super",
            "fn",
            "async",
            "gen",
            "1stPlace",
            "404",
            "odata.nextLink",
            "@odata.type",
            "$filter",
            "a-b-c",
            "with space",
            "Größe",
            "日本",
            "$",
            "",
            "_",
            "__",
            "String",
            "Option",
            "Result",
            "Vec",
            "Box",
            "Self_",
            "r#type",
        ];
        for name in hostile {
            let snake = snake_case(name);
            let camel = upper_camel_case(name);
            let variant = variant_name(name);
            assert!(is_ident(&snake), "snake_case({name:?}) = {snake:?}");
            assert!(is_ident(&camel), "upper_camel_case({name:?}) = {camel:?}");
            assert!(is_ident(&variant), "variant_name({name:?}) = {variant:?}");
        }
    }

    #[test]
    fn every_short_name_becomes_an_identifier() {
        let chars: Vec<char> = (' '..='~').chain(['é', 'ß', '日', '\u{200b}']).collect();
        for &a in &chars {
            for &b in &chars {
                let name: String = [a, b].iter().collect();
                for converted in [snake_case(&name), upper_camel_case(&name), variant_name(&name), verbatim(&name, &[])]
                {
                    assert!(is_ident(&converted), "{name:?} → {converted:?}");
                }
            }
        }
    }

    #[test]
    fn companions_of_prelude_named_types_are_upper_camel_case() {
        assert_eq!(companion(&upper_camel_case("copy"), "Field"), "CopyField");
        assert_eq!(companion(&upper_camel_case("device"), "Row"), "DeviceRow");
    }

    #[test]
    fn keywords_and_prelude_names_get_a_suffix() {
        assert_eq!(snake_case("type"), "type_");
        assert_eq!(snake_case("self"), "self_");
        assert_eq!(snake_case("crate"), "crate_");
        assert_eq!(upper_camel_case("self"), "Self_");
        assert_eq!(upper_camel_case("String"), "String_");
        // Prelude variants too: generated code writes `Some(…)` and `None` bare.
        assert_eq!((upper_camel_case("none"), upper_camel_case("Some")), ("None_".to_owned(), "Some_".to_owned()));
        assert_eq!(variant_name("none"), "None");
        assert_eq!(upper_camel_case("option"), "Option_");
        assert_eq!(upper_camel_case("result"), "Result_");
        assert_eq!(upper_camel_case("vec"), "Vec_");
        assert_eq!(upper_camel_case("box"), "Box_");
        // Not reserved as a field or a variant.
        assert_eq!(snake_case("string"), "string");
        assert_eq!(variant_name("none"), "None");
        assert_eq!(variant_name("String"), "String");
        assert_eq!(variant_name("Self"), "Self_");
    }

    #[test]
    fn leading_digits_and_symbols() {
        assert_eq!(snake_case("1stPlace"), "_1st_place");
        assert_eq!(upper_camel_case("1stPlace"), "_1stPlace");
        assert_eq!(snake_case("odata.nextLink"), "odata_next_link");
        assert_eq!(upper_camel_case("@odata.type"), "OdataType");
        assert_eq!(snake_case("$"), "_24");
        assert_eq!(upper_camel_case("$"), "_24");
        assert_eq!(snake_case(""), "_empty");
    }

    #[test]
    fn non_ascii_letters_stay_distinct() {
        assert_ne!(snake_case("Größe"), snake_case("Grosse"));
        assert_ne!(snake_case("Größe"), snake_case("Grösse"));
    }

    fn members<'a>(wires: &[&'a str]) -> Vec<(&'a str, String)> {
        wires.iter().map(|w| (*w, format!("member {w}"))).collect()
    }

    fn names(assigned: &[Assigned]) -> Vec<(&str, bool)> {
        assigned.iter().map(|a| (a.name.as_str(), a.verbatim)).collect()
    }

    #[test]
    fn collisions_keep_the_plain_spelling_converted_and_the_others_verbatim() {
        // Microsoft Graph's windowsMalwareCategory, in either order.
        for wires in
            [["remoteControlSoftware", "remote_Control_Software"], ["remote_Control_Software", "remoteControlSoftware"]]
        {
            let assigned = assign(&members(&wires), Style::Variant, &[], "enum E").unwrap();
            let mut got = names(&assigned);
            got.sort();
            assert_eq!(got, [("RemoteControlSoftware", false), ("remote_Control_Software", true)]);
        }
        let assigned = assign(&members(&["deviceKey", "DeviceKey", "name"]), Style::Field, &[], "struct S").unwrap();
        assert_eq!(names(&assigned), [("deviceKey", true), ("DeviceKey", true), ("name", false)]);
        // A name the generator reserves is never taken by a member.
        let assigned =
            assign(&members(&["unrecognizedValue"]), Style::Variant, &["UnrecognizedValue"], "enum E").unwrap();
        assert_eq!(names(&assigned), [("unrecognizedValue", true)]);
    }

    #[test]
    fn verbatim_spellings_are_identifiers_too() {
        for wires in [["_", "_5f"], ["__", "_5f_5f"], ["self", "Self"], ["1a", "_1a"]] {
            for style in [Style::Field, Style::Variant] {
                if let Ok(assigned) = assign(&members(&wires), style, &[], "scope") {
                    for a in assigned {
                        assert!(is_ident(&a.name), "{wires:?} {style:?}: {:?}", a.name);
                    }
                }
            }
        }
    }

    #[test]
    fn collisions_of_verbatim_spellings_are_errors_naming_both() {
        let clash = assign(&members(&["a-b", "a.b"]), Style::Field, &[], "struct S").unwrap_err();
        assert_eq!(clash.to_string(), "`member a-b` and `member a.b` both become the Rust name `a_b` in struct S");
    }

    #[test]
    fn scopes_report_both_sources() {
        let mut scope = Scope::with_reserved(&["new"]);
        scope.claim(&snake_case("deviceKey"), "property deviceKey", "struct Device").unwrap();
        let clash = scope.claim(&snake_case("DeviceKey"), "property DeviceKey", "struct Device").unwrap_err();
        assert_eq!(
            clash.to_string(),
            "`property deviceKey` and `property DeviceKey` both become the Rust name `device_key` in struct Device"
        );
        let clash = scope.claim("new", "entity set new", "Collections").unwrap_err();
        assert_eq!(clash.first, "the generated item `new`");
    }
}
