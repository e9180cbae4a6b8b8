//! The validator of Plain's customer-card JSON, driven by [`crate::catalogue`].
//!
//! It checks a serde_json value as Plain would receive it, so it serves the gateway (on
//! what its renderer produced from a card service's proto tree), the gateway's `validate`
//! subcommand (on the answer of an existing card API) and any other Rust service.
//!
//! Contract of every function here:
//! - it never panics, whatever the input, and never recurses deeper than the legal nesting
//!   (top level → Container → Row → leaf); anything nested deeper is reported, not walked;
//! - it reports every finding, not just the first, in the order of the fields in the
//!   catalogue and then of the keys in the document (serde_json's map order: sorted);
//! - each finding carries a JSON path made of Plain's JSON names
//!   (`cards[0].components[2].componentRow.rowMainContent[0].componentText.text`), a stable
//!   [`Rule`](crate::Rule) code and a message that names the problem and how to fix it;
//! - an explicit `null` is the same as an absent field, for every rule;
//! - deprecated aliases are warnings ([`Report::warnings`](crate::Report)), never violations;
//!   their values are checked like the current field's;
//! - no violation means Plain accepts the input.
//!
//! The `check_*` functions return a [`Report`](crate::Report) (violations and warnings);
//! the `validate_*` functions return the violations only.

pub mod checks;
mod component;
mod datetime;
mod fields;
pub mod path;
mod response;
#[cfg(test)]
mod tests;

use serde_json::Value;

pub use datetime::is_rfc3339_date_time;
pub use response::{check_card, check_components, check_response, ROOT};

use crate::finding::Violation;

/// The violations of a card's `components` (`null` or an array) at `path`.
pub fn validate_components(components: &Value, path: &str) -> Vec<Violation> {
    check_components(components, path).violations
}

/// The violations of one card at `path`; see [`check_card`].
pub fn validate_card(card: &Value, path: &str) -> Vec<Violation> {
    check_card(card, path).violations
}

/// The violations of a whole response; see [`check_response`].
pub fn validate_response(doc: &Value) -> Vec<Violation> {
    check_response(doc, None).violations
}

/// [`validate_response`] plus a [`Rule::MissingKey`](crate::Rule) violation (at path
/// `cards`, after the others) for every key of `requested` that has no card.
pub fn validate_response_for(doc: &Value, requested: &[&str]) -> Vec<Violation> {
    check_response(doc, Some(requested)).violations
}
