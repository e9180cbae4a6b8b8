//! [`problems`]: checks a proto card against Plain's rules, for service tests.
//!
//! The judgement is `cardmesh_rules::proto_tree`: it walks the generated messages directly
//! (no JSON), with every rule and message from the rules catalogue, so it reports exactly
//! the paths and rule codes the gateway's JSON validator reports for the rendered card
//! (`tests/tests/integration/properties.rs` holds the two equal). The gateway judges every card with it.

pub use cardmesh_rules::proto_tree::findings;

use crate::proto::Component;

/// Everything in `components` that Plain would reject, one line per problem:
/// `{path}: {message}`, with the path in Plain's JSON names
/// (`components[2].componentContainer.containerContent[0].componentBadge.badgeLabel: must
/// not be empty; use 1 to 500 characters`). Empty when the card is valid.
pub fn problems(components: &[Component]) -> Vec<String> {
    findings(components).iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests;
