//! The validator of Plain's customer-card JSON: the single source of truth for Plain's rules.
//!
//! It checks a serde_json value as Plain would receive it, so it serves both the gateway
//! (on what [`crate::render`] produced from a card service's proto tree) and the `validate`
//! CLI subcommand (on the response of an existing card API).
//!
//! Contract of every function here:
//! - it never panics, whatever the input, and never recurses deeper than the legal nesting
//!   (top level → Container → Row → leaf); anything nested deeper is reported, not walked;
//! - it reports every violation it finds, in document order, not just the first;
//! - each [`Violation`] carries a JSON path made of Plain's JSON names
//!   (`cards[0].components[2].componentRow.rowMainContent[0].componentText.text`) and a
//!   message that names the problem and how to fix it;
//! - an empty `Vec` means the input is valid.
//!
//! The rules themselves (limits, enum values, key syntax) live in [`limits`].

mod component;
mod fields;
pub mod limits;
pub(crate) mod path;
mod response;
#[cfg(test)]
mod tests;

use std::fmt;

pub use component::{validate_components, COMPONENT_KEYS};
pub use response::{validate_card, validate_response, validate_response_for};

/// One broken rule: where (`path`, a JSON path using Plain's field names) and what
/// (`message`, which also says how to fix it). Displays as `"{path}: {message}"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Violation {
    /// JSON path of the offending value, e.g. `cards[0].components[1].componentBadge.badgeLabel`.
    pub path: String,
    /// What is wrong and how to fix it, e.g. `must be one of S, M, L; got "XL"`.
    pub message: String,
}

impl Violation {
    /// Builds a violation from anything string-like.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for Violation {}
