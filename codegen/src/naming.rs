//! Every Rust name the generator emits comes from here: CSDL names → valid, idiomatic, non-shadowing
//! Rust identifiers, made distinct within each Rust scope by [`assign`] (so that no valid document
//! fails to generate because two CSDL names land on one Rust name).
//!
//! Rules, in order: characters that cannot be in an identifier become word breaks; the case is
//! converted with heck; a leading digit gets a `_` prefix; Rust keywords and the names of std
//! prelude types get a `_` suffix (`type` → `type_`, `String` → `String_`), so a generated name
//! never needs `r#` and never shadows `Option` or `Result` in code that glob-imports a module.

use std::collections::{BTreeMap, BTreeSet};

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
    /// Types of one module: `UpperCamelCase`, numbered fallback (`DeviceName2`).
    Type,
    /// Modules (and the accessors named like them): `snake_case`, numbered fallback
    /// (`devices_2`), so that file names stay lowercase and distinct on any file system.
    Module,
}

impl Style {
    fn convert(self, wire: &str) -> String {
        match self {
            Style::Field | Style::Module => snake_case(wire),
            Style::Variant => variant_name(wire),
            Style::Type => upper_camel_case(wire),
        }
    }

    /// Whether a colliding member keeps its wire spelling before it is numbered.
    fn keeps_wire_spelling(self) -> bool {
        matches!(self, Style::Field | Style::Variant)
    }

    /// The `n`th numbered form of a converted name, in the style's case.
    fn numbered(self, converted: &str, n: usize) -> String {
        let base = converted.trim_end_matches('_');
        match self {
            Style::Field | Style::Module => format!("{base}_{n}"),
            Style::Variant | Style::Type => format!("{base}{n}"),
        }
    }
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

/// Names every member of one scope by its wire name (unique within the scope, as CSDL requires),
/// giving distinct Rust names that depend on the set of members, not on their order.
///
/// Members whose converted names collide form a group. One member keeps the converted name: the
/// one whose wire name already *is* that name (`device_name` beside `deviceName`), else the one
/// whose wire name has no separators (the spelling the conversion is meant for:
/// `remoteControlSoftware` beside `remote_Control_Software`, as Microsoft Graph has), else, for
/// types and modules only, the first by wire name. Nobody keeps a name in `reserved` (the
/// generator's own items). The others, taken in wire-name order, keep their wire spelling as an
/// identifier (fields and variants only, when it is still free), or else get the converted name
/// numbered from 2 (`device_name_2`, `DeviceName2`).
pub fn assign(wires: &[&str], style: Style, reserved: &[&str]) -> Vec<Assigned> {
    let converted: Vec<String> = wires.iter().map(|wire| style.convert(wire)).collect();
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, name) in converted.iter().enumerate() {
        groups.entry(name).or_default().push(i);
    }
    let mut taken: BTreeSet<String> = reserved.iter().map(|name| (*name).to_owned()).collect();
    let mut assigned: Vec<Option<Assigned>> = vec![None; wires.len()];
    let mut rest = Vec::new();
    for (name, group) in groups {
        let keeper = if reserved.contains(&name) {
            None
        } else if let Some(&exact) = group.iter().find(|&&i| wires[i] == name) {
            Some(exact)
        } else {
            let plain: Vec<usize> = group.iter().copied().filter(|&i| is_plain(wires[i])).collect();
            match plain[..] {
                [one] => Some(one),
                _ if group.len() == 1 || !style.keeps_wire_spelling() => {
                    group.iter().copied().min_by_key(|&i| wires[i])
                }
                _ => None,
            }
        };
        if let Some(keeper) = keeper {
            taken.insert(name.to_owned());
            assigned[keeper] = Some(Assigned { name: name.to_owned(), verbatim: false });
        }
        rest.extend(group.into_iter().filter(|&i| Some(i) != keeper));
    }
    rest.sort_by_key(|&i| wires[i]);
    if style.keeps_wire_spelling() {
        for &i in &rest {
            let name = verbatim(wires[i], reserved);
            if taken.insert(name.clone()) {
                assigned[i] = Some(Assigned { name, verbatim: true });
            }
        }
    }
    for &i in &rest {
        if assigned[i].is_none() {
            let name = (2..).map(|n| style.numbered(&converted[i], n)).find(|name| !taken.contains(name));
            let name = name.expect("some number is free");
            taken.insert(name.clone());
            assigned[i] = Some(Assigned { name, verbatim: false });
        }
    }
    assigned.into_iter().map(|a| a.expect("every member is named")).collect()
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

    fn names(assigned: &[Assigned]) -> Vec<(&str, bool)> {
        assigned.iter().map(|a| (a.name.as_str(), a.verbatim)).collect()
    }

    #[test]
    fn collisions_keep_the_plain_spelling_converted_and_the_others_verbatim() {
        // Microsoft Graph's windowsMalwareCategory, in either order.
        for wires in
            [["remoteControlSoftware", "remote_Control_Software"], ["remote_Control_Software", "remoteControlSoftware"]]
        {
            let assigned = assign(&wires, Style::Variant, &[]);
            let mut got = names(&assigned);
            got.sort();
            assert_eq!(got, [("RemoteControlSoftware", false), ("remote_Control_Software", true)]);
        }
        let assigned = assign(&["deviceKey", "DeviceKey", "name"], Style::Field, &[]);
        assert_eq!(names(&assigned), [("deviceKey", true), ("DeviceKey", true), ("name", false)]);
        // A name the generator reserves is never taken by a member.
        let assigned = assign(&["unrecognizedValue"], Style::Variant, &["UnrecognizedValue"]);
        assert_eq!(names(&assigned), [("unrecognizedValue", true)]);
    }

    #[test]
    fn the_spelling_that_already_is_the_converted_name_keeps_it() {
        let assigned = assign(&["deviceName", "device_name"], Style::Field, &[]);
        assert_eq!(names(&assigned), [("deviceName", true), ("device_name", false)]);
        let assigned = assign(&["red", "Red"], Style::Variant, &[]);
        assert_eq!(names(&assigned), [("red", true), ("Red", false)]);
    }

    #[test]
    fn taken_verbatim_spellings_are_numbered() {
        let assigned = assign(&["a-b", "a.b"], Style::Field, &[]);
        assert_eq!(names(&assigned), [("a_b", true), ("a_b_2", false)]);
        // `type` keeps its spelling as `type_`, which the member spelled `type_` has.
        let assigned = assign(&["type", "type_"], Style::Field, &[]);
        assert_eq!(names(&assigned), [("type_2", false), ("type_", false)]);
    }

    #[test]
    fn types_and_modules_are_numbered() {
        let assigned = assign(&["deviceName", "DeviceName", "Device_Name"], Style::Type, &[]);
        assert_eq!(names(&assigned), [("DeviceName3", false), ("DeviceName", false), ("DeviceName2", false)]);
        // `Option` and `Option_` both become `Option_`; the number replaces the `_`.
        let assigned = assign(&["Option", "Option_"], Style::Type, &[]);
        assert_eq!(names(&assigned), [("Option2", false), ("Option_", false)]);
        let assigned = assign(&["Devices", "devices", "new", "types"], Style::Module, &["new", "types"]);
        assert_eq!(names(&assigned), [("devices_2", false), ("devices", false), ("new_2", false), ("types_2", false)]);
    }

    #[test]
    fn names_do_not_depend_on_the_order_of_the_members() {
        let wires = ["deviceName", "DeviceName", "device_name", "DEVICE_NAME", "type", "type_", "Type", "Äpfel"];
        for style in [Style::Field, Style::Variant, Style::Type, Style::Module] {
            let expected: BTreeMap<&str, Assigned> = wires.iter().copied().zip(assign(&wires, style, &[])).collect();
            let mut reversed = wires;
            reversed.reverse();
            let mut rotated = wires;
            rotated.rotate_left(3);
            for order in [reversed, rotated] {
                let got: BTreeMap<&str, Assigned> = order.iter().copied().zip(assign(&order, style, &[])).collect();
                assert_eq!(got, expected, "{style:?}");
            }
            let distinct: BTreeSet<&String> = expected.values().map(|a| &a.name).collect();
            assert_eq!(distinct.len(), wires.len(), "{style:?}: {expected:?}");
        }
    }

    #[test]
    fn verbatim_spellings_are_identifiers_too() {
        for wires in [["_", "_5f"], ["__", "_5f_5f"], ["self", "Self"], ["1a", "_1a"]] {
            for style in [Style::Field, Style::Variant, Style::Type, Style::Module] {
                for a in assign(&wires, style, &[]) {
                    assert!(is_ident(&a.name), "{wires:?} {style:?}: {:?}", a.name);
                }
            }
        }
    }
}
