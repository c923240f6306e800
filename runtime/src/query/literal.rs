//! OData literals: how a Rust value is written in a URL, in a `$filter` (`'O''Brien'`,
//! `2025-03-01`, `NS.Color'Red'`) and in a key predicate (`('O''Brien')`,
//! `(id=1,name='x')`). Percent-encoding is left to the URL builder, so a literal here is the
//! text OData reads after decoding.

use std::fmt::Write as _;

use base64::Engine as _;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time, UtcOffset};

use crate::edm::{EnumMember, Flags};
use crate::error::Error;

/// A value that has an OData literal form.
pub trait Literal {
    /// Appends the literal to `out`; an error for a value OData cannot write (a date outside the
    /// years 1 to 9999, a float that is not finite where the service needs a number).
    fn write_literal(&self, out: &mut String) -> Result<(), Error>;

    /// The literal as a string.
    fn literal(&self) -> Result<String, Error> {
        let mut out = String::new();
        self.write_literal(&mut out)?;
        Ok(out)
    }
}

/// A quoted string literal: `'` around, every `'` inside doubled.
fn quoted(text: &str, out: &mut String) {
    out.reserve(text.len() + 2);
    out.push('\'');
    for part in text.split_inclusive('\'') {
        out.push_str(part);
        if part.ends_with('\'') {
            out.push('\'');
        }
    }
    out.push('\'');
}

impl Literal for str {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        quoted(self, out);
        Ok(())
    }
}

impl Literal for String {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        quoted(self, out);
        Ok(())
    }
}

macro_rules! display_literals {
    ($($ty:ty),*) => {$(
        impl Literal for $ty {
            fn write_literal(&self, out: &mut String) -> Result<(), Error> {
                // Writing to a String cannot fail.
                let _ = write!(out, "{self}");
                Ok(())
            }
        }
    )*};
}

display_literals!(bool, u8, i8, i16, i32, i64, uuid::Uuid, bigdecimal::BigDecimal);

macro_rules! float_literals {
    ($($ty:ty),*) => {$(
        impl Literal for $ty {
            fn write_literal(&self, out: &mut String) -> Result<(), Error> {
                if self.is_nan() {
                    out.push_str("NaN");
                } else if self.is_infinite() {
                    out.push_str(if *self > 0.0 { "INF" } else { "-INF" });
                } else {
                    // Rust writes finite floats without an exponent, which every server reads.
                    let _ = write!(out, "{self}");
                }
                Ok(())
            }
        }
    )*};
}

float_literals!(f32, f64);

fn out_of_range(what: impl std::fmt::Display) -> Error {
    Error::InvalidQuery(format!("{what} is outside the years 1 to 9999, which OData can write"))
}

impl Literal for Date {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        if !(1..=9999).contains(&self.year()) {
            return Err(out_of_range(self));
        }
        let _ = write!(out, "{:04}-{:02}-{:02}", self.year(), u8::from(self.month()), self.day());
        Ok(())
    }
}

impl Literal for OffsetDateTime {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        let utc = self.checked_to_offset(UtcOffset::UTC).filter(|t| (1..=9999).contains(&t.year()));
        let text = utc.and_then(|t| t.format(&Rfc3339).ok()).ok_or_else(|| out_of_range(self))?;
        out.push_str(&text);
        Ok(())
    }
}

impl Literal for Time {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        let _ = write!(out, "{:02}:{:02}:{:02}", self.hour(), self.minute(), self.second());
        if self.nanosecond() != 0 {
            let fraction = format!("{:09}", self.nanosecond());
            let _ = write!(out, ".{}", fraction.trim_end_matches('0'));
        }
        Ok(())
    }
}

impl Literal for time::Duration {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        out.push_str("duration");
        quoted(&crate::edm::format_duration(*self), out);
        Ok(())
    }
}

impl Literal for [u8] {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        out.push_str("binary'");
        out.push_str(&base64::engine::general_purpose::URL_SAFE.encode(self));
        out.push('\'');
        Ok(())
    }
}

impl Literal for Vec<u8> {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        self.as_slice().write_literal(out)
    }
}

/// `Namespace.Type'Member'`, or `'Member'` (OData 4.01) for an enum without its type's name.
fn enum_literal(type_name: &str, members: &str, out: &mut String) {
    out.push_str(type_name);
    quoted(members, out);
}

impl<E: EnumMember> Literal for E {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        enum_literal(E::TYPE_NAME, self.name(), out);
        Ok(())
    }
}

impl<E: EnumMember> Literal for Flags<E> {
    fn write_literal(&self, out: &mut String) -> Result<(), Error> {
        enum_literal(E::TYPE_NAME, &self.to_string(), out);
        Ok(())
    }
}

/// An unquoted `DateTimeOffset` literal in UTC with 7 fractional digits (.NET's precision), e.g.
/// `2018-02-21T23:18:51.3277273Z`; truncated, so `ge` comparisons miss nothing.
pub fn date_time_offset_literal(at: OffsetDateTime) -> Result<String, Error> {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z");
    let utc = at.checked_to_offset(UtcOffset::UTC).filter(|t| (1..=9999).contains(&t.year()));
    utc.and_then(|t| t.format(format).ok()).ok_or_else(|| out_of_range(at))
}

/// An entity's key, written as a key predicate: one value in key order (a single key is written
/// alone, `('x')`; a composite key names its parts, `(a=1,b='x')`).
pub trait KeyValue {
    /// Appends the predicate, parentheses included, for a key of the properties `names`.
    fn write_key(&self, names: &[&str], out: &mut String) -> Result<(), Error>;
}

/// A single-property key.
impl<T: Literal> KeyValue for T {
    fn write_key(&self, _names: &[&str], out: &mut String) -> Result<(), Error> {
        out.push('(');
        self.write_literal(out)?;
        out.push(')');
        Ok(())
    }
}

macro_rules! tuple_keys {
    ($(($($part:ident $index:tt),+)),*) => {$(
        /// A composite key, in key order.
        impl<$($part: Literal),+> KeyValue for ($($part,)+) {
            fn write_key(&self, names: &[&str], out: &mut String) -> Result<(), Error> {
                let values: &[&dyn Literal] = &[$(&self.$index),+];
                write_composite(names, values, out)
            }
        }
    )*};
}

tuple_keys!(
    (A 0, B 1),
    (A 0, B 1, C 2),
    (A 0, B 1, C 2, D 3),
    (A 0, B 1, C 2, D 3, E 4),
    (A 0, B 1, C 2, D 3, E 4, F 5),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
);

fn write_composite(names: &[&str], values: &[&dyn Literal], out: &mut String) -> Result<(), Error> {
    if names.len() != values.len() {
        return Err(Error::InvalidQuery(format!("a key of {} values for the key properties {names:?}", values.len())));
    }
    out.push('(');
    for (index, (name, value)) in names.iter().zip(values).enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(name);
        out.push('=');
        value.write_literal(out)?;
    }
    out.push(')');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    fn lit<T: Literal + ?Sized>(value: &T) -> String {
        value.literal().unwrap()
    }

    #[test]
    fn strings_are_quoted_with_quotes_doubled() {
        assert_eq!(lit("O'Brien"), "'O''Brien'");
        assert_eq!(lit("''"), "''''''");
        assert_eq!(lit(&String::from("a/b?c#d%e é")), "'a/b?c#d%e é'");
    }

    #[test]
    fn primitives_have_their_odata_forms() {
        assert_eq!(lit(&42i32), "42");
        assert_eq!(lit(&-9_007_199_254_740_993i64), "-9007199254740993");
        assert_eq!(lit(&true), "true");
        assert_eq!(lit(&1.5f64), "1.5");
        assert_eq!(lit(&f64::NAN), "NaN");
        assert_eq!(lit(&f32::NEG_INFINITY), "-INF");
        assert_eq!(lit(&"12.340".parse::<bigdecimal::BigDecimal>().unwrap()), "12.340");
        let guid = uuid::Uuid::parse_str("4f2b5a8e-0c1d-4f6e-9a7b-3c2d1e0f9a8b").unwrap();
        assert_eq!(lit(&guid), "4f2b5a8e-0c1d-4f6e-9a7b-3c2d1e0f9a8b");
        assert_eq!(lit(&date!(2024 - 02 - 29)), "2024-02-29");
        assert_eq!(lit(&datetime!(2024-01-15 11:30:00.5 +01:00)), "2024-01-15T10:30:00.5Z");
        assert_eq!(lit(&time!(08:05:00)), "08:05:00");
        assert_eq!(lit(&time!(08:05:00.25)), "08:05:00.25");
        assert_eq!(lit(&time::Duration::days(1)), "duration'P1DT0H0M0S'");
        assert_eq!(lit(&vec![0xfbu8, 0xff]), "binary'-_8='");
        assert!(date!(-0001 - 01 - 01).literal().is_err());
        assert_eq!(
            date_time_offset_literal(datetime!(2018-02-22 01:00:00 +02:00)).unwrap(),
            "2018-02-21T23:00:00.0000000Z"
        );
        assert!(date_time_offset_literal(datetime!(9999-12-31 23:00 -05:00)).is_err());
    }

    #[test]
    fn keys_are_written_alone_or_by_name() {
        let key = |value: &dyn KeyValue, names: &[&str]| {
            let mut out = String::new();
            value.write_key(names, &mut out).map(|()| out)
        };
        assert_eq!(key(&"O'Brien".to_owned(), &["name"]).unwrap(), "('O''Brien')");
        assert_eq!(key(&(201, 2), &["book_ID", "number"]).unwrap(), "(book_ID=201,number=2)");
        assert_eq!(key(&("a/b".to_owned(), 1), &["name", "version"]).unwrap(), "(name='a/b',version=1)");
        assert!(key(&(1, 2), &["only"]).is_err());
    }
}
