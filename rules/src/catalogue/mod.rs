//! Plain's catalogue as Rust data: the twelve components, where each may nest, every field's
//! type, limits, enum values and required flag, the deprecated aliases Plain's schema still
//! accepts, the card-key rule, the per-request key limit and the TTL bounds.
//!
//! [`CATALOGUE`] is the single source of truth. Everything that knows a Plain rule (the
//! validator in [`crate::validate`], the kit's `problems`, the gateway's renderer, the CLI's
//! key checks) reads it from here; [`to_json`] exports it as `rules/catalogue.json` for the
//! TypeScript and Python kits.

mod data;
mod json;
pub mod reference;

pub use data::CATALOGUE;

/// The catalogue's string limits as constants, for code that needs them at compile time
/// (the same numbers the catalogue's fields carry).
pub mod limits {
    pub use super::data::{COPY_VALUE_MAX_CHARS, LABEL_MAX_CHARS, TEXT_MAX_CHARS};
}
pub use json::{to_json, to_json_text};

/// The whole catalogue. See `rules/README.md` for where each number comes from.
#[derive(Debug)]
pub struct Catalogue {
    /// Format version of the exported JSON (`catalogue.json`'s `version`).
    pub version: u32,
    /// What a card key may look like and how many one request may carry.
    pub card_key: CardKeyRule,
    /// Bounds of a card's time to live, in seconds (Plain's card settings).
    pub time_to_live_seconds: Bounds,
    /// The enumerations fields refer to by name.
    pub enums: &'static [EnumSpec],
    /// The components, in the order of [`ComponentKind::ALL`].
    pub components: &'static [ComponentSpec],
}

/// The card-key rule: `^[a-zA-Z0-9_-]+$`, at most `max_keys_per_request` keys in one request
/// (Plain allows at most 25 card configs per workspace).
#[derive(Debug)]
pub struct CardKeyRule {
    /// The pattern as a regular expression (anchored), for other languages.
    pub pattern: &'static str,
    /// Largest number of distinct keys Plain sends in one request.
    pub max_keys_per_request: usize,
}

/// An inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub min: u64,
    pub max: u64,
}

impl Bounds {
    /// Whether `value` lies within the bounds.
    pub fn contains(self, value: u64) -> bool {
        (self.min..=self.max).contains(&value)
    }
}

/// A named enumeration, values in Plain's order.
#[derive(Debug)]
pub struct EnumSpec {
    /// Name, e.g. `TextSize`.
    pub name: &'static str,
    /// Plain's values, e.g. `["S", "M", "L"]`.
    pub values: &'static [&'static str],
}

/// Where a component sits; it decides which components are allowed there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// An entry of a card's `components` (Plain's `ComponentInput`): all twelve.
    Component,
    /// An entry of `containerContent` (`ComponentContainerContentInput`): the ten leaves
    /// plus Row.
    ContainerContent,
    /// An entry of `rowMainContent` / `rowAsideContent` (`ComponentRowContentInput`): the
    /// ten leaves.
    RowContent,
}

impl Level {
    /// The three levels, outermost first.
    pub const ALL: [Level; 3] = [Level::Component, Level::ContainerContent, Level::RowContent];

    /// The level's name in `catalogue.json`'s `levels`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Component => "component",
            Level::ContainerContent => "containerContent",
            Level::RowContent => "rowContent",
        }
    }

    /// What an entry of this level is called in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Level::Component => "a top-level component",
            Level::ContainerContent => "container content",
            Level::RowContent => "row content",
        }
    }

    /// The components allowed at this level, in catalogue order.
    pub fn allowed(self) -> impl Iterator<Item = ComponentKind> {
        ComponentKind::ALL.into_iter().filter(move |kind| kind.allowed_in(self))
    }

    /// The wrapper keys allowed at this level, joined with `", "` (for messages).
    pub fn allowed_keys(self) -> String {
        self.allowed().map(ComponentKind::key).collect::<Vec<_>>().join(", ")
    }
}

/// The twelve components. Discriminants index [`Catalogue::components`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    Text,
    PlainText,
    Badge,
    LinkButton,
    CopyButton,
    Divider,
    Spacer,
    WorkflowButton,
    DateTime,
    User,
    Row,
    Container,
}

impl ComponentKind {
    /// Every component: the ten leaves, then Row, then Container.
    pub const ALL: [ComponentKind; 12] = [
        ComponentKind::Text,
        ComponentKind::PlainText,
        ComponentKind::Badge,
        ComponentKind::LinkButton,
        ComponentKind::CopyButton,
        ComponentKind::Divider,
        ComponentKind::Spacer,
        ComponentKind::WorkflowButton,
        ComponentKind::DateTime,
        ComponentKind::User,
        ComponentKind::Row,
        ComponentKind::Container,
    ];

    /// This component's entry in the catalogue.
    pub fn spec(self) -> &'static ComponentSpec {
        &CATALOGUE.components[self as usize]
    }

    /// The wrapper key, e.g. `componentText`.
    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// The component a wrapper key names, if any.
    pub fn from_key(key: &str) -> Option<ComponentKind> {
        ComponentKind::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// Whether this component may appear at `level`.
    pub fn allowed_in(self, level: Level) -> bool {
        self.spec().levels.contains(&level)
    }
}

/// One component: its wrapper key, the levels it may appear at, its fields and aliases.
#[derive(Debug)]
pub struct ComponentSpec {
    /// Wrapper key, e.g. `componentText`.
    pub key: &'static str,
    /// The levels where it may appear.
    pub levels: &'static [Level],
    /// Its current fields, in Plain's order.
    pub fields: &'static [FieldSpec],
    /// Deprecated field names Plain's schema still accepts: `(alias, current name)`.
    pub aliases: &'static [(&'static str, &'static str)],
}

impl ComponentSpec {
    /// The field called `name` (current names only).
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The current name an alias stands for.
    pub fn alias_of(&self, alias: &str) -> Option<&'static str> {
        self.aliases.iter().find(|(a, _)| *a == alias).map(|(_, current)| *current)
    }

    /// The alias of the current field `name`, if it has one.
    pub fn alias_for(&self, name: &str) -> Option<&'static str> {
        self.aliases.iter().find(|(_, current)| *current == name).map(|(alias, _)| *alias)
    }
}

/// One field of a component body (or of a `oneOf` object).
#[derive(Debug)]
pub struct FieldSpec {
    /// Plain's JSON name, e.g. `textSize`.
    pub name: &'static str,
    /// What the value must be.
    pub ty: FieldType,
    /// Whether the field must be set (after aliases are applied). `null` counts as unset.
    pub required: bool,
}

/// What a field's value must be.
#[derive(Debug)]
pub enum FieldType {
    /// A string of `min_chars..=max_chars` Unicode scalar values (`max_chars: None`: no
    /// documented maximum). `markdown`: Plain renders it as markdown (Text).
    String { min_chars: usize, max_chars: Option<usize>, markdown: bool },
    /// One of the values of the named [`EnumSpec`], exactly (case-sensitive).
    Enum(&'static str),
    /// An absolute URL with one of `schemes` and a host.
    Url { schemes: &'static [&'static str] },
    /// An RFC 3339 date-time with a zone (ISO-8601 profile), e.g. `2026-03-01T09:30:00Z`.
    DateTime,
    /// An object with exactly one of these fields set (the others absent or null).
    OneOf(&'static [FieldSpec]),
    /// An array of at least `min_items` components of `level`.
    List { level: Level, min_items: usize },
}

/// The values of the enumeration called `name`; empty for an unknown name.
pub fn enum_values(name: &str) -> &'static [&'static str] {
    CATALOGUE.enums.iter().find(|e| e.name == name).map_or(&[], |e| e.values)
}

/// The spec of field `field` of component `kind` (current names only).
///
/// # Panics
/// When the catalogue has no such field: callers name fields of the catalogue itself, and
/// the crate's tests cover every such call.
pub fn field(kind: ComponentKind, field: &str) -> &'static FieldSpec {
    kind.spec().field(field).unwrap_or_else(|| panic!("{} has no field {field} in the catalogue", kind.key()))
}

/// The `(min, max)` characters of a string field of `kind` (max `usize::MAX` when
/// unbounded); `(0, usize::MAX)` for a field that is not a string.
pub fn char_limits(kind: ComponentKind, name: &str) -> (usize, usize) {
    match field(kind, name).ty {
        FieldType::String { min_chars, max_chars, .. } => (min_chars, max_chars.unwrap_or(usize::MAX)),
        _ => (0, usize::MAX),
    }
}

#[cfg(test)]
mod tests;
