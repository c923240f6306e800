//! How generated structured types (entity and complex types) are read and written.
//!
//! `#[derive(Record)]` (from `odata-runtime-derive`) writes, per struct, one slot per field and
//! a `match` from field index to slot; everything else (finding a field by name, skipping
//! unknown names, refusing repeated ones, what an absent field means, `serde_with` adapters) is
//! the generic code here, type-checked once instead of once per struct. A crate of a big
//! service has thousands of structs, and serde's own derive made them most of its compile time.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeStruct};
use serde_with::de::DeserializeAsWrap;
use serde_with::ser::SerializeAsWrap;
use serde_with::{DeserializeAs, SerializeAs};

pub use odata_runtime_derive::Record;
/// The adapters of `#[odata(with = …)]` and `serde(with = …)` in generated code, so that it
/// needs no dependency on `serde_with` of its own.
pub use serde_with::{As, Same};

/// A structured type read from a JSON object field by field (implemented by
/// `#[derive(Record)]`).
pub trait Record: Sized {
    /// The type's Rust name, for errors.
    const NAME: &'static str;

    /// The index of the field with this wire name, in declaration order (`None`: not a field).
    fn field_index(name: &str) -> Option<usize>;

    /// Reads the fields of one object.
    fn read_fields<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// `Deserialize::deserialize` of a [`Record`]: an object of its fields.
pub fn deserialize<'de, T: Record, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    struct ObjectVisitor<T>(PhantomData<T>);

    impl<'de, T: Record> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "struct {}", T::NAME)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::read_fields(map)
        }
    }

    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

/// The index of the next known name of the object being read (its value is read next),
/// skipping the values of names `T` does not have; `None` at the end of the object.
pub fn next_field<'de, T: Record, A: MapAccess<'de>>(map: &mut A) -> Result<Option<usize>, A::Error> {
    loop {
        match map.next_key_seed(FieldIndex::<T>(PhantomData))? {
            None => return Ok(None),
            Some(Some(index)) => return Ok(Some(index)),
            Some(None) => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
}

/// Reads a property name as a field index of `T` (`None`: not a field), without allocating.
struct FieldIndex<T>(PhantomData<T>);

impl<'de, T: Record> DeserializeSeed<'de> for FieldIndex<T> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<T: Record> Visitor<'_> for FieldIndex<T> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Option<usize>, E> {
        Ok(T::field_index(name))
    }
}

/// One field's value while its object is read, read as `U` (a `serde_with` adapter mirroring
/// `T`; [`Same`]: `T`'s own serde impl).
#[derive(Debug)]
pub struct Slot<T, U = Same> {
    value: Option<T>,
    adapter: PhantomData<U>,
}

impl<T> Slot<T> {
    /// An empty slot read by `T`'s own `Deserialize`.
    pub fn new() -> Self {
        Slot { value: None, adapter: PhantomData }
    }

    /// Reads the value of the field `name`, which must not have been read before.
    pub fn read<'de, A: MapAccess<'de>>(&mut self, map: &mut A, name: &'static str) -> Result<(), A::Error>
    where
        T: Deserialize<'de>,
    {
        if self.value.is_some() {
            return Err(de::Error::duplicate_field(name));
        }
        self.value = Some(map.next_value()?);
        Ok(())
    }
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, U> Slot<T, U> {
    /// An empty slot read through the adapter `U`.
    pub fn new_as() -> Self {
        Slot { value: None, adapter: PhantomData }
    }

    /// Reads the value of the field `name` through the adapter, like [`read`](Slot::read).
    pub fn read_as<'de, A: MapAccess<'de>>(&mut self, map: &mut A, name: &'static str) -> Result<(), A::Error>
    where
        U: DeserializeAs<'de, T>,
    {
        if self.value.is_some() {
            return Err(de::Error::duplicate_field(name));
        }
        self.value = Some(map.next_value::<DeserializeAsWrap<T, U>>()?.into_inner());
        Ok(())
    }

    /// After the object's last name: keeps in `error` that the required field `name` is absent,
    /// unless an earlier field's error is there already.
    pub fn require<E: de::Error>(&self, name: &'static str, error: &mut Option<E>) {
        if self.value.is_none() && error.is_none() {
            *error = Some(E::missing_field(name));
        }
    }

    /// The value of a required field, which [`require`](Slot::require) found.
    pub fn take(self) -> T {
        // The derive returns `require`'s error before it takes any value.
        self.value.expect("a required field checked by `require`")
    }

    /// The value of an optional field (an `Option` or a collection): absent is `None` or empty.
    pub fn take_or_default(self) -> T
    where
        T: Default,
    {
        self.value.unwrap_or_default()
    }
}

/// Writes a struct's fields, keeping the first error: the derive calls [`field`](Writer::field)
/// once per field and asks for the result once, at [`end`](Writer::end).
#[derive(Debug)]
pub struct Writer<S: SerializeStruct> {
    state: Result<S, S::Error>,
}

impl<S: SerializeStruct> Writer<S> {
    /// Writes into `state` (the result of `Serializer::serialize_struct`).
    pub fn new(state: Result<S, S::Error>) -> Self {
        Writer { state }
    }

    /// Writes the field `name`, unless an earlier write failed.
    pub fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        if let Ok(state) = &mut self.state
            && let Err(error) = state.serialize_field(name, value)
        {
            self.state = Err(error);
        }
    }

    /// Ends the struct, or reports the first error.
    pub fn end(self) -> Result<S::Ok, S::Error> {
        self.state?.end()
    }
}

/// `value` written through the adapter `U` (for `#[derive(Record)]`).
pub fn adapted<T, U: SerializeAs<T>>(value: &T) -> SerializeAsWrap<'_, T, U> {
    SerializeAsWrap::new(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edm;

    #[derive(Debug, Clone, PartialEq, Record)]
    #[odata(rename_all = "camelCase", crate = "crate")]
    struct Row {
        row_key: i32,
        #[odata(rename = "displayNAME")]
        display_name: Option<String>,
        #[odata(with = "Option<edm::Int64>")]
        size_in_bytes: Option<i64>,
        #[odata(with = "Vec<edm::Int64>")]
        sizes: Vec<i64>,
        tags: Vec<String>,
        parent: Option<Box<Row>>,
    }

    fn decode(json: &str) -> Result<Row, String> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(|e| e.to_string())
    }

    fn row(key: i32) -> Row {
        Row { row_key: key, display_name: None, size_in_bytes: None, sizes: vec![], tags: vec![], parent: None }
    }

    #[test]
    fn fields_are_found_by_wire_name_in_any_order() {
        let read = decode(
            r#"{"sizes": ["7", 8], "displayNAME": "a", "sizeInBytes": "9007199254740993", "rowKey": 1,
            "tags": ["x"], "parent": {"rowKey": 2}}"#,
        )
        .unwrap();
        let expected = Row {
            display_name: Some("a".into()),
            size_in_bytes: Some(9_007_199_254_740_993),
            sizes: vec![7, 8],
            tags: vec!["x".into()],
            parent: Some(Box::new(row(2))),
            ..row(1)
        };
        assert_eq!(read, expected);
    }

    #[test]
    fn absent_fields_are_none_or_empty_and_a_required_one_is_an_error() {
        assert_eq!(decode(r#"{"rowKey": 5}"#).unwrap(), row(5));
        assert_eq!(decode(r#"{"rowKey": 5, "displayNAME": null, "sizeInBytes": null}"#).unwrap(), row(5));
        let missing = decode(r#"{"displayNAME": "a"}"#).unwrap_err();
        assert!(missing.contains("missing field `rowKey`"), "{missing}");
        let nested = decode(r#"{"rowKey": 1, "parent": {"tags": []}}"#).unwrap_err();
        assert!(nested.starts_with("parent: missing field `rowKey`"), "{nested}");
    }

    #[test]
    fn unknown_names_are_skipped_and_repeated_ones_refused() {
        let read = decode(r#"{"@odata.etag": "W/1", "rowKey": 3, "later": {"deep": [[{}]]}, "ROWKEY": 4}"#).unwrap();
        assert_eq!(read, row(3));
        let repeated = decode(r#"{"rowKey": 3, "rowKey": 4}"#).unwrap_err();
        assert!(repeated.contains("duplicate field `rowKey`"), "{repeated}");
    }

    #[test]
    fn errors_name_the_field_and_escaped_names_still_match() {
        let wrong = decode(r#"{"rowKey": 1, "sizes": [1, "x"]}"#).unwrap_err();
        assert!(wrong.starts_with("sizes[1]:"), "{wrong}");
        let not_an_object = decode("[1]").unwrap_err();
        assert!(not_an_object.contains("expected struct Row"), "{not_an_object}");
        // An escape in a name makes serde_json hand it over as a transient string.
        assert_eq!(decode(r#"{"row\u004bey": 6}"#).unwrap(), row(6));
    }

    #[test]
    fn rows_write_their_wire_names_and_read_back() {
        let full = Row {
            display_name: Some("a".into()),
            size_in_bytes: Some(i64::MAX),
            sizes: vec![1],
            parent: Some(Box::new(row(2))),
            ..row(1)
        };
        let json = serde_json::to_string(&full).unwrap();
        assert!(
            json.starts_with(r#"{"rowKey":1,"displayNAME":"a","sizeInBytes":9223372036854775807,"sizes":[1]"#),
            "{json}"
        );
        assert_eq!(decode(&json).unwrap(), full);
        let indexes: Vec<_> =
            ["rowKey", "displayNAME", "parent", "display_name", "rowkey"].map(Row::field_index).into();
        assert_eq!(indexes, [Some(0), Some(1), Some(5), None, None]);
    }

    #[test]
    fn the_first_write_error_is_the_one_reported() {
        use serde::Serializer as _;
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("first"))
            }
        }
        let mut writer = Writer::new(serde_json::value::Serializer.serialize_struct("Row", 2));
        writer.field("a", &Fails);
        writer.field("b", &1);
        assert_eq!(writer.end().unwrap_err().to_string(), "first");
    }
}
