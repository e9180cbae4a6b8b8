//! Proto enum integers → Plain's enum names, read from the rules catalogue
//! (`cardmesh_rules::proto_enum`). `UNSPECIFIED` (0) means "leave the field out"; an integer
//! this build does not know (a newer proto) is an error for the caller to report.

pub(super) use cardmesh_rules::proto_enum::EnumValue;

/// One proto enum: its name for messages and its catalogue enumeration.
#[derive(Clone, Copy)]
pub(super) struct EnumKind {
    /// Proto enum name, and the catalogue enumeration it maps to, e.g. `TextSize`.
    pub name: &'static str,
    /// Prefix of its proto value names, e.g. `TEXT_SIZE_`.
    pub prefix: &'static str,
}

impl EnumKind {
    /// What proto value `value` renders as.
    pub fn map(self, value: i32) -> EnumValue {
        cardmesh_rules::proto_enum::from_proto(self.name, value)
    }
}

pub(super) const TEXT_SIZE: EnumKind = EnumKind { name: "TextSize", prefix: "TEXT_SIZE_" };
pub(super) const TEXT_COLOR: EnumKind = EnumKind { name: "TextColor", prefix: "TEXT_COLOR_" };
pub(super) const BADGE_COLOR: EnumKind = EnumKind { name: "BadgeColor", prefix: "BADGE_COLOR_" };
pub(super) const SPACING_SIZE: EnumKind = EnumKind { name: "SpacingSize", prefix: "SPACING_SIZE_" };

#[cfg(test)]
mod tests {
    use cardmesh_proto::{BadgeColor, SpacingSize, TextColor, TextSize};

    use super::*;

    /// Every proto value's name (minus its prefix) is the catalogue name it renders as, so
    /// the proto numbering and the catalogue's order agree.
    fn check(kind: EnumKind, values: &[(i32, &str)]) {
        let catalogue = cardmesh_rules::catalogue::enum_values(kind.name);
        assert_eq!(values.len(), catalogue.len() + 1, "{}", kind.name);
        for &(number, proto_name) in values {
            let bare = proto_name.strip_prefix(kind.prefix).expect("prefix");
            match kind.map(number) {
                EnumValue::Unspecified => assert_eq!(bare, "UNSPECIFIED"),
                EnumValue::Name(plain) => assert_eq!(plain, bare),
                EnumValue::Unknown => panic!("{proto_name} unknown"),
            }
        }
        assert_eq!(kind.map(values.len() as i32), EnumValue::Unknown);
    }

    #[test]
    fn proto_enums_follow_the_catalogue() {
        let all = |names: Vec<(i32, &'static str)>| names;
        check(
            TEXT_SIZE,
            &all((0..4).filter_map(|v| TextSize::try_from(v).ok().map(|e| (v, e.as_str_name()))).collect()),
        );
        check(
            TEXT_COLOR,
            &all((0..6).filter_map(|v| TextColor::try_from(v).ok().map(|e| (v, e.as_str_name()))).collect()),
        );
        check(
            BADGE_COLOR,
            &all((0..6).filter_map(|v| BadgeColor::try_from(v).ok().map(|e| (v, e.as_str_name()))).collect()),
        );
        check(
            SPACING_SIZE,
            &all((0..6).filter_map(|v| SpacingSize::try_from(v).ok().map(|e| (v, e.as_str_name()))).collect()),
        );
    }
}
