//! How OData JSON values of the `Edm` primitive types map to Rust values.
//!
//! The generated row types use plain Rust types (`i64`, `time::OffsetDateTime`, `uuid::Uuid`,
//! `bigdecimal::BigDecimal`, `Vec<u8>`, ...). Where the OData JSON form differs from serde's
//! default for that type, a field carries `#[odata(with = "...")]` (see [`crate::record`]) naming
//! one of the adapters below:
//!
//! | Edm type | Rust type | adapter | accepts |
//! |---|---|---|---|
//! | `Int64` | `i64` | [`Int64`] | numbers and strings (`IEEE754Compatible=true`) |
//! | `Single`, `Double` | `f32`, `f64` | [`Float`] | numbers, `"NaN"`, `"INF"`, `"-INF"`, numeric strings |
//! | `Decimal` | `BigDecimal` | [`Decimal`] | numbers (without going through `f64`) and strings |
//! | `DateTimeOffset` | `OffsetDateTime` | [`DateTimeOffset`] | RFC 3339 with any number of fractional digits (some services send 7) |
//! | `Date` | `time::Date` | [`Date`] | `2024-11-22` |
//! | `TimeOfDay` | `time::Time` | [`TimeOfDay`] | `13:45`, `13:45:30`, `13:45:30.1234567` |
//! | `Duration` | `time::Duration` | [`Duration`] | ISO 8601 `-P1DT2H3M4.5S` |
//! | `Binary` | `Vec<u8>` | [`Binary`] | base64url, with or without padding (also standard base64) |
//!
//! Enum types are generated Rust enums implementing [`EnumMember`]; `IsFlags` enum types are
//! [`Flags`] of their members.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use bigdecimal::BigDecimal;
use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_with::{DeserializeAs, SerializeAs};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// An `Edm.Int64` value: a JSON number, or a string when the service writes `IEEE754Compatible`
/// numbers.
#[derive(Debug)]
pub struct Int64;

impl SerializeAs<i64> for Int64 {
    fn serialize_as<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(*value)
    }
}

impl<'de> DeserializeAs<'de, i64> for Int64 {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = i64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an Edm.Int64 as a number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
                i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
                v.trim().parse().map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// An `Edm.Single` or `Edm.Double` value: a JSON number, or one of the strings OData uses for
/// values JSON cannot express (`NaN`, `INF`, `-INF`).
#[derive(Debug)]
pub struct Float;

fn parse_float(text: &str) -> Option<f64> {
    match text.trim() {
        "NaN" => Some(f64::NAN),
        "INF" | "Infinity" => Some(f64::INFINITY),
        "-INF" | "-Infinity" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

fn serialize_float<S: Serializer>(value: f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_nan() {
        serializer.serialize_str("NaN")
    } else if value.is_infinite() {
        serializer.serialize_str(if value > 0.0 { "INF" } else { "-INF" })
    } else {
        serializer.serialize_f64(value)
    }
}

fn deserialize_float<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    struct Visitor;
    impl de::Visitor<'_> for Visitor {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a floating-point number, `NaN`, `INF` or `-INF`")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        #[allow(clippy::cast_precision_loss)] // JSON integers in a floating-point field
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        #[allow(clippy::cast_precision_loss)]
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
            parse_float(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
    deserializer.deserialize_any(Visitor)
}

impl SerializeAs<f64> for Float {
    fn serialize_as<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_float(*value, serializer)
    }
}

impl<'de> DeserializeAs<'de, f64> for Float {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        deserialize_float(deserializer)
    }
}

impl SerializeAs<f32> for Float {
    fn serialize_as<S: Serializer>(value: &f32, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_float(f64::from(*value), serializer)
    }
}

impl<'de> DeserializeAs<'de, f32> for Float {
    #[allow(clippy::cast_possible_truncation)] // Edm.Single is single precision by definition
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<f32, D::Error> {
        deserialize_float(deserializer).map(|v| v as f32)
    }
}

/// An `Edm.Decimal` value, read from the JSON text itself so no digit is lost to `f64`.
///
/// Numbers are written back as JSON numbers with every digit.
#[derive(Debug)]
pub struct Decimal;

impl SerializeAs<BigDecimal> for Decimal {
    fn serialize_as<S: Serializer>(value: &BigDecimal, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(value.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> DeserializeAs<'de, BigDecimal> for Decimal {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<BigDecimal, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let number = match text.strip_prefix('"') {
            Some(_) => serde_json::from_str::<String>(text).map_err(de::Error::custom)?,
            None => text.to_owned(),
        };
        BigDecimal::from_str(number.trim())
            .map_err(|_| de::Error::invalid_value(de::Unexpected::Str(text), &"an Edm.Decimal"))
    }
}

/// Declares an adapter that goes through a text form: `parse` reads it, `format` writes it.
macro_rules! text_adapter {
    ($(#[$doc:meta])* $name:ident, $target:ty, $expected:literal, $parse:expr, $format:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl SerializeAs<$target> for $name {
            fn serialize_as<S: Serializer>(value: &$target, serializer: S) -> Result<S::Ok, S::Error> {
                let format: fn(&$target) -> Result<String, String> = $format;
                serializer.serialize_str(&format(value).map_err(serde::ser::Error::custom)?)
            }
        }

        impl<'de> DeserializeAs<'de, $target> for $name {
            fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<$target, D::Error> {
                let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
                let parse: fn(&str) -> Option<$target> = $parse;
                parse(&text).ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&text), &$expected))
            }
        }
    };
}

text_adapter!(
    /// An `Edm.DateTimeOffset` value: RFC 3339, with any number of fractional-second digits.
    DateTimeOffset,
    time::OffsetDateTime,
    "an RFC 3339 date-time with offset",
    |text| time::OffsetDateTime::parse(text, &Rfc3339).ok(),
    |value| value.format(&Rfc3339).map_err(|e| e.to_string())
);

text_adapter!(
    /// An `Edm.Date` value: `YYYY-MM-DD`.
    Date,
    time::Date,
    "a date as YYYY-MM-DD",
    |text| time::Date::parse(text, format_description!("[year]-[month]-[day]")).ok(),
    |value| value.format(format_description!("[year]-[month]-[day]")).map_err(|e| e.to_string())
);

text_adapter!(
    /// An `Edm.TimeOfDay` value: `hh:mm`, `hh:mm:ss` or `hh:mm:ss.fffffff`.
    TimeOfDay,
    time::Time,
    "a time of day as hh:mm[:ss[.fffffff]]",
    parse_time_of_day,
    |value| value.format(format_description!("[hour]:[minute]:[second].[subsecond]")).map_err(|e| e.to_string())
);

text_adapter!(
    /// An `Edm.Duration` value: ISO 8601 `[-]P[nD][T[nH][nM][n[.f]S]]`.
    Duration,
    time::Duration,
    "an ISO 8601 duration such as P1DT2H3M4.5S",
    parse_duration,
    |value| Ok(format_duration(*value))
);

text_adapter!(
    /// An `Edm.Binary` value: base64url (OData's JSON form), padded or not; standard base64 is
    /// accepted too.
    Binary,
    Vec<u8>,
    "base64url-encoded bytes",
    |text| {
        let trimmed = text.trim_end_matches('=');
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(trimmed)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
            .ok()
    },
    |value| Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value))
);

fn parse_time_of_day(text: &str) -> Option<time::Time> {
    let (hms, fraction) = match text.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (text, None),
    };
    let mut parts = hms.split(':');
    let hour: u8 = parts.next()?.parse().ok()?;
    let minute: u8 = parts.next()?.parse().ok()?;
    let second: u8 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    if parts.next().is_some() || (fraction.is_some() && hms.matches(':').count() != 2) {
        return None;
    }
    let nanos = match fraction {
        Some(fraction) => fraction_nanos(fraction)?,
        None => 0,
    };
    time::Time::from_hms_nano(hour, minute, second, nanos).ok()
}

/// `"0897410"` → 89_741_000 nanoseconds; digits beyond nanoseconds are dropped.
fn fraction_nanos(fraction: &str) -> Option<u32> {
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: String = fraction.chars().chain(std::iter::repeat('0')).take(9).collect();
    digits.parse().ok()
}

fn parse_duration(text: &str) -> Option<time::Duration> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let rest = rest.strip_prefix('P')?;
    let (days_part, time_part) = match rest.split_once('T') {
        Some((days, time)) => (days, Some(time)),
        None => (rest, None),
    };
    let mut total = time::Duration::ZERO;
    let mut any = false;
    if !days_part.is_empty() {
        let days: i64 = days_part.strip_suffix('D')?.parse().ok()?;
        total = total.checked_add(time::Duration::days(days))?;
        any = true;
    }
    if let Some(mut time_part) = time_part {
        if time_part.is_empty() {
            return None;
        }
        for (unit, seconds) in [('H', 3600), ('M', 60)] {
            if let Some((number, tail)) = time_part.split_once(unit) {
                let n: i64 = number.parse().ok()?;
                total = total.checked_add(time::Duration::seconds(n.checked_mul(seconds)?))?;
                time_part = tail;
                any = true;
            }
        }
        if !time_part.is_empty() {
            let number = time_part.strip_suffix('S')?;
            let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
            let seconds: i64 = whole.parse().ok()?;
            let nanos = if fraction.is_empty() { 0 } else { fraction_nanos(fraction)? };
            total = total.checked_add(time::Duration::new(seconds, i32::try_from(nanos).ok()?))?;
            any = true;
        }
    }
    if !any {
        return None;
    }
    Some(if negative { -total } else { total })
}

pub(crate) fn format_duration(value: time::Duration) -> String {
    let sign = if value.is_negative() { "-" } else { "" };
    let value = value.abs();
    let days = value.whole_days();
    let hours = value.whole_hours() % 24;
    let minutes = value.whole_minutes() % 60;
    let seconds = value.whole_seconds() % 60;
    let nanos = value.subsec_nanoseconds();
    let mut out = format!("{sign}P{days}DT{hours}H{minutes}M{seconds}");
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('S');
    out
}

/// `#[serde(with = …)]` modules of the adapters, so generated fields name one short path and no
/// attribute macro runs per struct: `with::DateTimeOffset` for a value, `with::option::…` for an
/// `Option`, `with::vec::…` for a `Vec` (any other shape: `serde_with::As::<…>` of the adapter).
pub mod with {
    macro_rules! shapes {
        ($($adapter:ident),*) => {
            $(
                #[doc = concat!("`serde(with)` of [`", stringify!($adapter), "`](super::", stringify!($adapter), ").")]
                pub type $adapter = serde_with::As<super::$adapter>;
            )*

            /// The adapters for `Option` values (`null` and absent are `None`).
            pub mod option {
                $(
                    #[doc = concat!("`serde(with)` of an `Option` of [`", stringify!($adapter), "`](super::super::", stringify!($adapter), ").")]
                    pub type $adapter = serde_with::As<Option<super::super::$adapter>>;
                )*
            }

            /// The adapters for collections.
            pub mod vec {
                $(
                    #[doc = concat!("`serde(with)` of a `Vec` of [`", stringify!($adapter), "`](super::super::", stringify!($adapter), ").")]
                    pub type $adapter = serde_with::As<Vec<super::super::$adapter>>;
                )*
            }
        };
    }

    shapes!(Int64, Float, Decimal, Date, DateTimeOffset, TimeOfDay, Duration, Binary);
}

/// A generated enum type: its members are a table, read by the default methods, so each
/// member is written once in generated code (the catch-all variant keeps names this version of
/// the client does not know).
pub trait EnumMember: Unrecognized + Clone + PartialEq + 'static {
    /// Every known member with its wire name and integer value, in schema order.
    const MEMBERS: &'static [(Self, &'static str, i64)];

    /// The enum type's qualified name (`Namespace.Color`), which prefixes its literals in URLs
    /// (`Namespace.Color'Red'`); empty writes the 4.01 form `'Red'`.
    const TYPE_NAME: &'static str = "";

    /// The member with this wire name, or the catch-all variant holding the name.
    fn from_name(name: &str) -> Self {
        Self::MEMBERS
            .iter()
            .find(|(_, wire, _)| *wire == name)
            .map_or_else(|| Self::unrecognized(name), |(member, _, _)| member.clone())
    }

    /// The wire name.
    fn name(&self) -> &str {
        match self.unrecognized_name() {
            Some(name) => name,
            None => self.known().map_or("", |(_, wire, _)| wire),
        }
    }

    /// The member's integer value, `None` for a name the client does not know.
    fn value(&self) -> Option<i64> {
        self.known().map(|(_, _, value)| *value)
    }

    /// The member's row of [`MEMBERS`](EnumMember::MEMBERS).
    #[doc(hidden)]
    fn known(&self) -> Option<&'static (Self, &'static str, i64)> {
        if self.unrecognized_name().is_some() {
            return None;
        }
        Self::MEMBERS.iter().find(|(member, _, _)| member == self)
    }
}

/// The catch-all variant of a generated enum type, which keeps member names this version of the
/// client does not know ([`enum_impls!`](crate::enum_impls) implements it).
pub trait Unrecognized: Sized {
    /// The catch-all variant holding `name`.
    fn unrecognized(name: &str) -> Self;

    /// The name held by the catch-all variant; `None` for a known member.
    fn unrecognized_name(&self) -> Option<&str>;
}

/// Serializes a member as its wire name (for [`enum_impls!`](crate::enum_impls)).
#[doc(hidden)]
pub fn serialize_member<E: EnumMember, S: Serializer>(member: &E, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(member.name())
}

/// Deserializes a member from its wire name (for [`enum_impls!`](crate::enum_impls)).
#[doc(hidden)]
pub fn deserialize_member<'de, E: EnumMember, D: Deserializer<'de>>(deserializer: D) -> Result<E, D::Error> {
    let name = std::borrow::Cow::<str>::deserialize(deserializer)?;
    Ok(E::from_name(&name))
}

/// The catch-all, serde, `Display` and `as_str` impls of a generated enum type, from its
/// [`EnumMember`] table: `odata_runtime::enum_impls!(Color, UnrecognizedValue);` names the type
/// and its catch-all variant. Attributes before the name go on every impl
/// (`enum_impls!(#[allow(deprecated)] Legacy, UnrecognizedValue)` for a deprecated type).
#[macro_export]
macro_rules! enum_impls {
    ($(#[$attr:meta])* $enum:ident, $catch_all:ident) => {
        $(#[$attr])*
        impl $crate::edm::Unrecognized for $enum {
            fn unrecognized(name: &str) -> Self {
                $enum::$catch_all(name.to_owned())
            }

            fn unrecognized_name(&self) -> Option<&str> {
                #[allow(unreachable_patterns, irrefutable_let_patterns)]
                if let $enum::$catch_all(name) = self { Some(name) } else { None }
            }
        }

        $(#[$attr])*
        impl $enum {
            /// The member's name on the wire.
            pub fn as_str(&self) -> &str {
                $crate::edm::EnumMember::name(self)
            }
        }

        $(#[$attr])*
        impl $crate::__private::serde::Serialize for $enum {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $crate::edm::serialize_member(self, serializer)
            }
        }

        $(#[$attr])*
        impl<'de> $crate::__private::serde::Deserialize<'de> for $enum {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::edm::deserialize_member(deserializer)
            }
        }

        $(#[$attr])*
        impl ::std::fmt::Display for $enum {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::edm::EnumMember::name(self))
            }
        }
    };
}

/// The value of an `IsFlags` enum type: a set of members, written by OData as
/// `"Member1,Member2"`.
///
/// Members keep the order in which the service sent them, and unknown member names are kept, so
/// a value reads back exactly as it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flags<E>(Vec<E>);

impl<E> Default for Flags<E> {
    fn default() -> Self {
        Flags(Vec::new())
    }
}

impl<E: EnumMember> Flags<E> {
    /// The members, in wire order.
    pub fn members(&self) -> &[E] {
        &self.0
    }

    /// Whether `member` is set.
    pub fn contains(&self, member: &E) -> bool
    where
        E: PartialEq,
    {
        self.0.contains(member)
    }

    /// Whether no member is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The combined integer value; `None` when a member is unknown to this client.
    pub fn bits(&self) -> Option<i64> {
        self.0.iter().try_fold(0i64, |bits, member| Some(bits | member.value()?))
    }
}

impl<E> FromIterator<E> for Flags<E> {
    fn from_iter<I: IntoIterator<Item = E>>(members: I) -> Self {
        Flags(members.into_iter().collect())
    }
}

impl<E: EnumMember> FromStr for Flags<E> {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(text.split(',').map(str::trim).filter(|name| !name.is_empty()).map(E::from_name).collect())
    }
}

impl<E: EnumMember> fmt::Display for Flags<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, member) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(member.name())?;
        }
        Ok(())
    }
}

impl<E: EnumMember> Serialize for Flags<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, E: EnumMember> Deserialize<'de> for Flags<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(text.parse().unwrap_or_else(|never: std::convert::Infallible| match never {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_with::serde_as;

    #[serde_as]
    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct Row {
        #[serde_as(as = "Option<Int64>")]
        #[serde(default)]
        big: Option<i64>,
        #[serde_as(as = "Option<Float>")]
        #[serde(default)]
        ratio: Option<f64>,
        #[serde_as(as = "Option<Decimal>")]
        #[serde(default)]
        amount: Option<BigDecimal>,
        #[serde_as(as = "Option<DateTimeOffset>")]
        #[serde(default)]
        at: Option<time::OffsetDateTime>,
        #[serde_as(as = "Option<Date>")]
        #[serde(default)]
        day: Option<time::Date>,
        #[serde_as(as = "Option<TimeOfDay>")]
        #[serde(default)]
        clock: Option<time::Time>,
        #[serde_as(as = "Option<Duration>")]
        #[serde(default)]
        span: Option<time::Duration>,
        #[serde_as(as = "Option<Binary>")]
        #[serde(default)]
        bytes: Option<Vec<u8>>,
        #[serde_as(as = "Vec<Int64>")]
        #[serde(default)]
        many: Vec<i64>,
    }

    fn decode(json: &str) -> Row {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).unwrap()
    }

    fn round_trip(json: &str) -> Row {
        let row = decode(json);
        let again = decode(&serde_json::to_string(&row).unwrap());
        assert_eq!(row, again, "round trip of {json}");
        row
    }

    #[test]
    fn int64_accepts_numbers_and_strings() {
        assert_eq!(round_trip(r#"{"big": 9007199254740993}"#).big, Some(9_007_199_254_740_993));
        assert_eq!(round_trip(r#"{"big": "-9223372036854775808"}"#).big, Some(i64::MIN));
        assert_eq!(round_trip(r#"{"many": [1, "2", 3]}"#).many, vec![1, 2, 3]);
        assert_eq!(round_trip(r#"{"big": null}"#).big, None);
    }

    #[test]
    fn floats_accept_the_odata_special_values() {
        let nan = decode(r#"{"ratio": "NaN"}"#);
        assert!(nan.ratio.unwrap().is_nan());
        assert!(serde_json::to_string(&nan).unwrap().contains(r#""ratio":"NaN""#));
        assert_eq!(round_trip(r#"{"ratio": "-INF"}"#).ratio, Some(f64::NEG_INFINITY));
        assert_eq!(round_trip(r#"{"ratio": 0.25}"#).ratio, Some(0.25));
        assert_eq!(round_trip(r#"{"ratio": 3}"#).ratio, Some(3.0));
    }

    #[test]
    fn decimals_keep_every_digit() {
        let text = "12345678901234567890.123456789012345678901";
        let row = round_trip(&format!(r#"{{"amount": {text}}}"#));
        assert_eq!(row.amount.as_ref().unwrap().to_string(), text);
        let json = serde_json::to_string(&row).unwrap();
        assert!(json.contains(text), "{json}");
        let row = round_trip(&format!(r#"{{"amount": "{text}"}}"#));
        assert_eq!(row.amount.unwrap().to_string(), text);
    }

    #[test]
    fn date_time_offsets_with_seven_fractional_digits() {
        let row = round_trip(r#"{"at": "2018-02-21T23:18:51.3277273Z"}"#);
        let at = row.at.unwrap();
        assert_eq!(at.nanosecond(), 327_727_300);
        assert_eq!((at.year(), at.hour(), at.second()), (2018, 23, 51));
        assert_eq!(round_trip(r#"{"at": "2024-11-22T00:11:51+02:00"}"#).at.unwrap().offset().whole_hours(), 2);
    }

    #[test]
    fn dates_times_and_durations() {
        let row = round_trip(r#"{"day": "2025-03-10", "clock": "13:45:30.1234567", "span": "-P1DT2H3M4.5S"}"#);
        assert_eq!(row.day, Some(time::macros::date!(2025 - 03 - 10)));
        assert_eq!(row.clock.unwrap().nanosecond(), 123_456_700);
        assert_eq!(
            row.span,
            Some(
                -(time::Duration::days(1)
                    + time::Duration::seconds(2 * 3600 + 3 * 60 + 4)
                    + time::Duration::milliseconds(500))
            )
        );
        assert_eq!(round_trip(r#"{"clock": "07:05"}"#).clock, Some(time::macros::time!(7:05)));
        assert_eq!(round_trip(r#"{"span": "PT0S"}"#).span, Some(time::Duration::ZERO));
        assert_eq!(round_trip(r#"{"span": "P2D"}"#).span, Some(time::Duration::days(2)));
    }

    #[test]
    fn binary_is_base64url() {
        assert_eq!(round_trip(r#"{"bytes": "-_8"}"#).bytes, Some(vec![0xfb, 0xff]));
        assert_eq!(round_trip(r#"{"bytes": "+/8="}"#).bytes, Some(vec![0xfb, 0xff]));
    }

    #[test]
    fn invalid_values_name_the_field() {
        for (json, field) in [
            (r#"{"at": "yesterday"}"#, "at"),
            (r#"{"big": "12x"}"#, "big"),
            (r#"{"span": "P"}"#, "span"),
            (r#"{"span": "PT"}"#, "span"),
            (r#"{"clock": "25:00"}"#, "clock"),
            (r#"{"day": "2025-13-01"}"#, "day"),
            (r#"{"amount": "ten"}"#, "amount"),
            (r#"{"many": [1, "x"]}"#, "many[1]"),
        ] {
            let de = &mut serde_json::Deserializer::from_str(json);
            let error = serde_path_to_error::deserialize::<_, Row>(de).unwrap_err();
            assert_eq!(error.path().to_string(), field, "{json}: {error}");
        }
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Access {
        Read,
        Write,
        Unknown(String),
    }

    impl EnumMember for Access {
        const MEMBERS: &'static [(Self, &'static str, i64)] = &[(Access::Read, "Read", 1), (Access::Write, "Write", 2)];
    }

    crate::enum_impls!(Access, Unknown);

    /// An enum the schema gives no member: only the catch-all.
    #[derive(Debug, Clone, PartialEq)]
    enum Empty {
        Other(String),
    }

    impl EnumMember for Empty {
        const MEMBERS: &'static [(Self, &'static str, i64)] = &[];
    }

    crate::enum_impls!(Empty, Other);

    #[test]
    fn enum_members_come_from_the_table() {
        assert_eq!(Access::from_name("Write"), Access::Write);
        assert_eq!(Access::from_name("Execute"), Access::Unknown("Execute".into()));
        assert_eq!((Access::Write.as_str(), Access::Write.value()), ("Write", Some(2)));
        assert_eq!((Access::Unknown("X".into()).as_str(), Access::Unknown("X".into()).value()), ("X", None));
        assert_eq!(serde_json::to_string(&Access::Read).unwrap(), r#""Read""#);
        let unknown: Access = serde_json::from_str(r#""Delete""#).unwrap();
        assert_eq!(unknown.to_string(), "Delete");
        assert!(serde_json::from_str::<Access>("1").is_err());
        assert_eq!(Empty::from_name("x"), Empty::Other("x".into()));
        assert_eq!((Empty::Other("x".into()).value(), Empty::Other("y".into()).as_str()), (None, "y"));
    }

    #[test]
    fn flags_round_trip_the_comma_separated_form() {
        let flags: Flags<Access> = serde_json::from_str(r#""Read, Write""#).unwrap();
        assert_eq!(flags.members(), [Access::Read, Access::Write]);
        assert_eq!(flags.bits(), Some(3));
        assert_eq!(serde_json::to_string(&flags).unwrap(), r#""Read,Write""#);
        let flags: Flags<Access> = serde_json::from_str(r#""Write,Execute""#).unwrap();
        assert!(flags.contains(&Access::Unknown("Execute".into())));
        assert_eq!(flags.bits(), None);
        assert_eq!(flags.to_string(), "Write,Execute");
        let empty: Flags<Access> = serde_json::from_str(r#""""#).unwrap();
        assert!(empty.is_empty());
    }
}
