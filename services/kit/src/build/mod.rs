//! Typed builders for Plain UI components.
//!
//! Every builder returns a small wrapper around the generated message, with chainable
//! setters for the optional fields. The conversions encode Plain's nesting rules, so an
//! invalid tree does not compile:
//!
//! | value | into [`RowContent`] | into [`ContainerContent`] | into [`Component`] |
//! | --- | --- | --- | --- |
//! | leaves ([`text`], [`plain_text`], [`badge`], [`link_button`], [`copy_button`], [`divider`], [`spacer`], [`workflow_button_id`], [`workflow_button_key`]) | yes | yes | yes |
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
//! The builders do not check lengths or URLs; the gateway replaces a card that breaks
//! Plain's limits with a fallback card. Use [`problems`] in tests to catch that early.

mod check;
mod layout;
mod leaf;

pub use crate::proto::{
    BadgeColor, Component, ContainerContent, RowContent, SpacingSize, TextColor, TextSize,
};
pub use check::problems;
pub use layout::{container, row, Container, Row};
pub use leaf::{
    badge, copy_button, divider, link_button, plain_text, spacer, text, workflow_button_id,
    workflow_button_key, Badge, CopyButton, Divider, LinkButton, PlainText, Spacer, Text,
    WorkflowButton,
};

/// Plain's limits, in characters.
pub mod limits {
    /// Maximum length of a Text or PlainText (minimum 1).
    pub const TEXT_MAX: usize = 10_000;
    /// Maximum length of a badge, button or tooltip label (minimum 1).
    pub const LABEL_MAX: usize = 500;
    /// Maximum length of a copy button's value (minimum 1).
    pub const COPY_VALUE_MAX: usize = 1_000;
}
