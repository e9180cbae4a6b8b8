//! Proto enum numbers → Plain's enum names.
//!
//! cardmesh's proto enums (`TextSize`, `TextColor`, `BadgeColor`, `SpacingSize` in
//! `components.proto`) number their values `1..=n` in the catalogue's order, and use `0` for
//! `*_UNSPECIFIED` ("leave the field out"). The gateway's renderer and the kit's `problems`
//! both map through [`from_proto`]; their tests hold the proto's value names equal to the
//! catalogue's.

use crate::catalogue::enum_values;

/// What a proto enum number becomes in Plain JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumValue {
    /// `*_UNSPECIFIED` (0): omit the field.
    Unspecified,
    /// Plain's name for the value, e.g. `"XL"`.
    Name(&'static str),
    /// Not a value of this enum as compiled here (e.g. from a newer proto).
    Unknown,
}

/// The Plain value of number `value` of the catalogue enumeration `enum_name`
/// (e.g. `from_proto("SpacingSize", 5) == EnumValue::Name("XL")`).
pub fn from_proto(enum_name: &str, value: i32) -> EnumValue {
    if value == 0 {
        return EnumValue::Unspecified;
    }
    usize::try_from(value)
        .ok()
        .and_then(|n| enum_values(enum_name).get(n - 1))
        .map_or(EnumValue::Unknown, |name| EnumValue::Name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_map_in_catalogue_order() {
        assert_eq!(from_proto("SpacingSize", 0), EnumValue::Unspecified);
        assert_eq!(from_proto("SpacingSize", 1), EnumValue::Name("XS"));
        assert_eq!(from_proto("SpacingSize", 5), EnumValue::Name("XL"));
        assert_eq!(from_proto("SpacingSize", 6), EnumValue::Unknown);
        assert_eq!(from_proto("SpacingSize", -1), EnumValue::Unknown);
        assert_eq!(from_proto("TextSize", 3), EnumValue::Name("L"));
        assert_eq!(from_proto("NoSuchEnum", 1), EnumValue::Unknown);
    }
}
