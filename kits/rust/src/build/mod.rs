//! Typed builders for Plain UI components.
//!
//! Every builder returns a small wrapper around the generated message, with chainable
//! setters for the optional fields. The conversions encode Plain's nesting rules, so an
//! invalid tree does not compile:
//!
//! | value | into [`RowContent`] | into [`ContainerContent`] | into [`Component`] |
//! | --- | --- | --- | --- |
//! | leaves ([`text`], [`plain_text`], [`badge`], [`link_button`], [`copy_button`], [`divider`], [`spacer`], [`workflow_button_id`], [`workflow_button_key`], [`date_time`], [`date_time_iso8601`], [`user_by_email`], [`user_by_id`], [`machine_user`]) | yes | yes | yes |
//! | [`row`] | no | yes | yes |
//! | [`container`] | no | no | yes |
//!
//! ```
//! use cardmesh_kit::build::*;
//! use cardmesh_kit::Card;
//!
//! let card = Card::new([container([
//!     ContainerContent::from(row(
//!         [text("Events sent").size(TextSize::M)],
//!         [badge("593 of 1000").color(BadgeColor::Green)],
//!     )),
//!     divider().spacing(SpacingSize::M).into(),
//!     link_button("View usage report", "https://example.com/usage").into(),
//! ])]);
//! # let _ = card;
//! ```
//!
//! A row inside a row, or a container inside a container, is a compile error:
//!
//! ```compile_fail
//! use cardmesh_kit::build::*;
//! let _ = row([row([text("a")], [text("b")])], [text("c")]);
//! ```
//!
//! ```compile_fail
//! use cardmesh_kit::build::*;
//! let _ = container([container([text("a")])]);
//! ```
//!
//! To mix kinds in one list, name the list's type on its first entry
//! (`ContainerContent::from(..)`, `RowContent::from(..)`, `Component::from(..)`) and
//! write `.into()` for the rest.
//!
//! A date-time takes a real time type ([`time::OffsetDateTime`], re-exported as
//! `cardmesh_kit::time`); a User takes exactly one identifier by construction. [`inline`]
//! makes the markers that put a User or a DateTime inside a [`text`].
//!
//! The builders do not check lengths or URLs; the gateway replaces a card that breaks
//! Plain's limits with a fallback card. Use [`problems`] in tests to catch that early: it
//! applies the same rules (from `cardmesh-rules`) and reports the same JSON paths.

mod check;
pub mod inline;
mod layout;
mod leaf;
mod moment;
mod user;

pub use crate::proto::{BadgeColor, Component, ContainerContent, RowContent, SpacingSize, TextColor, TextSize};
pub use check::{findings, problems};
pub use layout::{container, row, Container, Row};
pub use leaf::{
    badge, copy_button, divider, link_button, plain_text, spacer, text, workflow_button_id, workflow_button_key, Badge,
    CopyButton, Divider, LinkButton, PlainText, Spacer, Text, WorkflowButton,
};
pub use moment::{date_time, date_time_iso8601, DateTime};
pub use user::{machine_user, user_by_email, user_by_id, User};

/// Plain's limits, in characters (minimum 1 each), from the rules catalogue
/// (`cardmesh-rules`).
pub mod limits {
    /// Maximum length of a Text or PlainText: 10 000.
    pub const TEXT_MAX: usize = cardmesh_rules::catalogue::limits::TEXT_MAX_CHARS;
    /// Maximum length of a badge, button or tooltip label: 500.
    pub const LABEL_MAX: usize = cardmesh_rules::catalogue::limits::LABEL_MAX_CHARS;
    /// Maximum length of a copy button's value: 1 000.
    pub const COPY_VALUE_MAX: usize = cardmesh_rules::catalogue::limits::COPY_VALUE_MAX_CHARS;
}
