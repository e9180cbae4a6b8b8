//! Proto enum integers → Plain's enum names. `UNSPECIFIED` (0) means "leave the field out";
//! an integer this build does not know (a newer proto) is an error for the caller to report.

use cardmesh_proto::{BadgeColor, SpacingSize, TextColor, TextSize};

/// What a proto enum integer becomes in Plain JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EnumValue {
    /// `*_UNSPECIFIED`: omit the field.
    Unspecified,
    /// Plain's name for the value, e.g. `"XL"`.
    Name(&'static str),
    /// Not a value of this enum as compiled here.
    Unknown,
}

/// One proto enum: its name for messages and its mapping to Plain names.
#[derive(Clone, Copy)]
pub(super) struct EnumKind {
    /// Proto enum name, e.g. `TextSize`.
    pub name: &'static str,
    /// Prefix of its proto value names, e.g. `TEXT_SIZE_`.
    pub prefix: &'static str,
    pub map: fn(i32) -> EnumValue,
}

use EnumValue::{Name, Unknown, Unspecified};

pub(super) const TEXT_SIZE: EnumKind = EnumKind {
    name: "TextSize",
    prefix: "TEXT_SIZE_",
    map: |v| match TextSize::try_from(v) {
        Ok(TextSize::Unspecified) => Unspecified,
        Ok(TextSize::S) => Name("S"),
        Ok(TextSize::M) => Name("M"),
        Ok(TextSize::L) => Name("L"),
        Err(_) => Unknown,
    },
};

pub(super) const TEXT_COLOR: EnumKind = EnumKind {
    name: "TextColor",
    prefix: "TEXT_COLOR_",
    map: |v| match TextColor::try_from(v) {
        Ok(TextColor::Unspecified) => Unspecified,
        Ok(TextColor::Normal) => Name("NORMAL"),
        Ok(TextColor::Muted) => Name("MUTED"),
        Ok(TextColor::Success) => Name("SUCCESS"),
        Ok(TextColor::Warning) => Name("WARNING"),
        Ok(TextColor::Error) => Name("ERROR"),
        Err(_) => Unknown,
    },
};

pub(super) const BADGE_COLOR: EnumKind = EnumKind {
    name: "BadgeColor",
    prefix: "BADGE_COLOR_",
    map: |v| match BadgeColor::try_from(v) {
        Ok(BadgeColor::Unspecified) => Unspecified,
        Ok(BadgeColor::Grey) => Name("GREY"),
        Ok(BadgeColor::Green) => Name("GREEN"),
        Ok(BadgeColor::Yellow) => Name("YELLOW"),
        Ok(BadgeColor::Red) => Name("RED"),
        Ok(BadgeColor::Blue) => Name("BLUE"),
        Err(_) => Unknown,
    },
};

pub(super) const SPACING_SIZE: EnumKind = EnumKind {
    name: "SpacingSize",
    prefix: "SPACING_SIZE_",
    map: |v| match SpacingSize::try_from(v) {
        Ok(SpacingSize::Unspecified) => Unspecified,
        Ok(SpacingSize::Xs) => Name("XS"),
        Ok(SpacingSize::S) => Name("S"),
        Ok(SpacingSize::M) => Name("M"),
        Ok(SpacingSize::L) => Name("L"),
        Ok(SpacingSize::Xl) => Name("XL"),
        Err(_) => Unknown,
    },
};
