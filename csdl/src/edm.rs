//! The built-in types of the `Edm` namespace.

/// A type of the `Edm` namespace: the primitive types, the abstract types and the path types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdmType {
    /// `Edm.Binary`: a sequence of bytes (base64url in JSON).
    Binary,
    /// `Edm.Boolean`: `true` or `false`.
    Boolean,
    /// `Edm.Byte`: an unsigned 8-bit integer.
    Byte,
    /// `Edm.Date`: a calendar date without a time zone (`YYYY-MM-DD`).
    Date,
    /// `Edm.DateTimeOffset`: a point in time with a time-zone offset.
    DateTimeOffset,
    /// `Edm.Decimal`: an exact decimal number, limited by the `Precision` and `Scale` facets.
    Decimal,
    /// `Edm.Double`: an IEEE 754 64-bit floating-point number.
    Double,
    /// `Edm.Duration`: a signed length of time in days, hours, minutes and seconds.
    Duration,
    /// `Edm.Guid`: a 128-bit globally unique identifier.
    Guid,
    /// `Edm.Int16`: a signed 16-bit integer.
    Int16,
    /// `Edm.Int32`: a signed 32-bit integer.
    Int32,
    /// `Edm.Int64`: a signed 64-bit integer.
    Int64,
    /// `Edm.SByte`: a signed 8-bit integer.
    SByte,
    /// `Edm.Single`: an IEEE 754 32-bit floating-point number.
    Single,
    /// `Edm.Stream`: binary data of a media type, read and written separately from its entity.
    Stream,
    /// `Edm.String`: a sequence of characters, limited by the `MaxLength` and `Unicode` facets.
    String,
    /// `Edm.TimeOfDay`: a clock time without a date or time zone (`hh:mm:ss.s`).
    TimeOfDay,
    /// `Edm.Geography` or `Edm.GeographyPoint`, ...: a shape on a round-earth coordinate system.
    Geography(Geo),
    /// `Edm.Geometry` or `Edm.GeometryPoint`, ...: a shape on a flat-earth coordinate system.
    Geometry(Geo),
    /// `Edm.Untyped` (4.01).
    Untyped,
    /// The abstract `Edm.PrimitiveType`.
    PrimitiveType,
    /// The abstract `Edm.ComplexType`.
    ComplexType,
    /// The abstract `Edm.EntityType`.
    EntityType,
    /// `Edm.AnnotationPath`: a path to an annotation (vocabulary terms only).
    AnnotationPath,
    /// `Edm.PropertyPath`: a path to a structural property (vocabulary terms only).
    PropertyPath,
    /// `Edm.NavigationPropertyPath`: a path to a navigation property (vocabulary terms only).
    NavigationPropertyPath,
    /// `Edm.AnyPropertyPath`: a path to a structural or navigation property (vocabulary terms only).
    AnyPropertyPath,
    /// `Edm.ModelElementPath`: a path to any model element (vocabulary terms only).
    ModelElementPath,
}

/// The shape of a geography or geometry type; `Any` is the abstract `Edm.Geography`/`Edm.Geometry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Geo {
    /// No shape suffix: any shape (the abstract `Edm.Geography`/`Edm.Geometry`).
    Any,
    /// `...Point`: a single position.
    Point,
    /// `...LineString`: a path of two or more positions.
    LineString,
    /// `...Polygon`: an area bounded by closed rings.
    Polygon,
    /// `...MultiPoint`: a set of points.
    MultiPoint,
    /// `...MultiLineString`: a set of line strings.
    MultiLineString,
    /// `...MultiPolygon`: a set of polygons.
    MultiPolygon,
    /// `...Collection`: a set of shapes of any kind.
    Collection,
}

const GEO_SHAPES: [(&str, Geo); 8] = [
    ("", Geo::Any),
    ("Point", Geo::Point),
    ("LineString", Geo::LineString),
    ("Polygon", Geo::Polygon),
    ("MultiPoint", Geo::MultiPoint),
    ("MultiLineString", Geo::MultiLineString),
    ("MultiPolygon", Geo::MultiPolygon),
    ("Collection", Geo::Collection),
];

const SIMPLE: [(&str, EdmType); 26] = [
    ("Binary", EdmType::Binary),
    ("Boolean", EdmType::Boolean),
    ("Byte", EdmType::Byte),
    ("Date", EdmType::Date),
    ("DateTimeOffset", EdmType::DateTimeOffset),
    ("Decimal", EdmType::Decimal),
    ("Double", EdmType::Double),
    ("Duration", EdmType::Duration),
    ("Guid", EdmType::Guid),
    ("Int16", EdmType::Int16),
    ("Int32", EdmType::Int32),
    ("Int64", EdmType::Int64),
    ("SByte", EdmType::SByte),
    ("Single", EdmType::Single),
    ("Stream", EdmType::Stream),
    ("String", EdmType::String),
    ("TimeOfDay", EdmType::TimeOfDay),
    ("Untyped", EdmType::Untyped),
    ("PrimitiveType", EdmType::PrimitiveType),
    ("ComplexType", EdmType::ComplexType),
    ("EntityType", EdmType::EntityType),
    ("AnnotationPath", EdmType::AnnotationPath),
    ("PropertyPath", EdmType::PropertyPath),
    ("NavigationPropertyPath", EdmType::NavigationPropertyPath),
    ("AnyPropertyPath", EdmType::AnyPropertyPath),
    ("ModelElementPath", EdmType::ModelElementPath),
];

impl EdmType {
    /// Parses the name after `Edm.` (e.g. `Int32`, `GeographyPoint`).
    pub fn from_name(name: &str) -> Option<EdmType> {
        if let Some((_, ty)) = SIMPLE.iter().find(|(n, _)| *n == name) {
            return Some(*ty);
        }
        let (family, shape): (fn(Geo) -> EdmType, &str) = if let Some(shape) = name.strip_prefix("Geography") {
            (EdmType::Geography, shape)
        } else if let Some(shape) = name.strip_prefix("Geometry") {
            (EdmType::Geometry, shape)
        } else {
            return None;
        };
        GEO_SHAPES.iter().find(|(n, _)| *n == shape).map(|(_, geo)| family(*geo))
    }

    /// The name after `Edm.`.
    pub fn name(self) -> String {
        let geo_name = |family: &str, geo: Geo| {
            let shape = GEO_SHAPES.iter().find(|(_, g)| *g == geo).map_or("", |(n, _)| n);
            format!("{family}{shape}")
        };
        match self {
            EdmType::Geography(geo) => geo_name("Geography", geo),
            EdmType::Geometry(geo) => geo_name("Geometry", geo),
            other => SIMPLE.iter().find(|(_, ty)| *ty == other).map_or_else(String::new, |(n, _)| (*n).to_owned()),
        }
    }

    /// Whether the type may be the `UnderlyingType` of an enum.
    pub fn is_enum_underlying(self) -> bool {
        matches!(self, EdmType::Byte | EdmType::SByte | EdmType::Int16 | EdmType::Int32 | EdmType::Int64)
    }

    /// The inclusive value range of an integer type.
    pub fn integer_range(self) -> Option<(i64, i64)> {
        Some(match self {
            EdmType::Byte => (0, u8::MAX.into()),
            EdmType::SByte => (i8::MIN.into(), i8::MAX.into()),
            EdmType::Int16 => (i16::MIN.into(), i16::MAX.into()),
            EdmType::Int32 => (i32::MIN.into(), i32::MAX.into()),
            EdmType::Int64 => (i64::MIN, i64::MAX),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in ["Int32", "String", "GeographyPoint", "Geography", "GeometryCollection", "ModelElementPath"] {
            let ty = EdmType::from_name(name).unwrap();
            assert_eq!(ty.name(), name);
        }
    }

    #[test]
    fn unknown_names_are_rejected() {
        for name in ["", "DateTime", "GeographyCircle", "int32", "Geo"] {
            assert_eq!(EdmType::from_name(name), None, "{name}");
        }
    }
}
