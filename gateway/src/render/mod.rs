//! Renders a card service's proto component tree (`cardmesh_proto::Component`) to Plain JSON.
//!
//! Contract:
//! - output uses only Plain's current camelCase names (never the deprecated aliases);
//! - all twelve components render, DateTime and User included; an unset User identifier
//!   renders as `"userIdentifier": {}`;
//! - optional enum fields left `*_UNSPECIFIED` (0) are omitted, so Plain applies its default;
//!   `copy_button_tooltip_label: None` is omitted too;
//! - render errors are only what JSON cannot express: a oneof with no variant set and an enum
//!   integer this build does not know (e.g. 99 from a newer proto), each naming its path in
//!   Plain's JSON names (`components[0].componentContainer.containerContent[1]...`);
//! - everything else is rendered as given and judged by the rules crate, the one place that
//!   knows Plain's rules (its JSON validator, `cardmesh_rules`, and its proto-tree one):
//!   a Spacer with an UNSPECIFIED size renders without `spacerSize`, a WorkflowButton without
//!   identifier renders `"workflowButtonWorkflowIdentifier": {}`;
//! - nothing here panics.
//!
//! The gateway calls [`render_card`]: it judges the proto tree with
//! `cardmesh_rules::proto_tree` and writes a valid tree straight to the card's JSON text
//! ([`write`]), with no JSON value in between and no serialiser. Only a tree that breaks a
//! rule takes the longer way, [`render_checked`]: rendered to a JSON value and judged by the
//! JSON validator, so its errors read exactly as the `validate` subcommand's would.

mod enums;
#[cfg(test)]
mod tests;
mod tree;
mod write;
#[cfg(test)]
mod write_tests;

use cardmesh_proto::Component;
use serde_json::Value;

use crate::plain::CardJson;
use cardmesh_rules::{validate_components, Rule, Violation};

/// Root path of rendered components; violations read `components[0].componentText.text`.
pub const COMPONENTS_PATH: &str = "components";

/// Why a proto tree could not be rendered to JSON at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The first render error found (path in Plain's JSON names; rule `oneOf` for an unset
    /// oneof, `enum` for an unknown enum integer).
    #[error("{path}: {message}")]
    Invalid { path: String, rule: Rule, message: String },
}

impl From<Violation> for RenderError {
    fn from(v: Violation) -> Self {
        RenderError::Invalid { path: v.path, rule: v.rule, message: v.message }
    }
}

impl From<RenderError> for Violation {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::Invalid { path, rule, message } => Violation::new(path, rule, message),
        }
    }
}

/// Renders `components` to a JSON array of Plain component objects, without validating it.
/// Fails with the first render error (unset oneof, unknown enum integer).
#[cfg(any(test, feature = "test-util"))]
pub fn render_components(components: &[Component]) -> Result<Value, RenderError> {
    let (value, errors) = tree::render_all(components, COMPONENTS_PATH);
    match errors.into_iter().next() {
        Some(first) => Err(first.into()),
        None => Ok(value),
    }
}

/// Renders `components`, then validates the result with [`validate_components`]. Returns
/// the JSON array only when it is valid Plain; otherwise every render error or, when
/// rendering succeeded, every violation. This is what the gateway calls.
pub fn render_checked(components: &[Component]) -> Result<Value, Vec<Violation>> {
    let (value, errors) = tree::render_all(components, COMPONENTS_PATH);
    if !errors.is_empty() {
        return Err(errors);
    }
    let violations = validate_components(&value, COMPONENTS_PATH);
    if violations.is_empty() {
        Ok(value)
    } else {
        Err(violations)
    }
}

/// The card `{"key":…,"timeToLiveSeconds":…,"components":[…]}` of a valid `components`
/// tree; otherwise the errors of [`render_checked`]. The text is byte for byte what
/// `CardJson::new(key, ttl_seconds, Some(&render_checked(components)?))` writes.
pub fn render_card(key: &str, ttl_seconds: Option<u32>, components: &[Component]) -> Result<CardJson, Vec<Violation>> {
    if cardmesh_rules::proto_tree::is_valid(components) {
        if let Some(text) = write::card(key, ttl_seconds, components) {
            return Ok(CardJson::from_trusted(&text));
        }
    }
    let value = render_checked(components)?;
    Ok(CardJson::new(key, ttl_seconds, Some(&value)))
}
