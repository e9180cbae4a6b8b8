//! The bridge's only door to Plain's rules: `cardmesh-rules` (card keys, limits, enums,
//! nesting, deprecated aliases). The rules live there once for the whole project; this module
//! only adapts its answers to what the bridge needs.

use cardmesh_rules::{ComponentKind, FieldType};
use serde_json::{Map, Value};

/// One broken rule of a card: where (a JSON path with Plain's names, e.g.
/// `cards[0].components[1].componentBadge.badgeColor`) and which rule (its stable code, e.g.
/// `enum`). Never the offending value, which may be customer data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub rule: &'static str,
}

/// Whether `key` is a valid Plain card key (`[a-zA-Z0-9_-]+`).
pub fn is_valid_card_key(key: &str) -> bool {
    cardmesh_rules::is_valid_card_key(key)
}

/// The rules `card` (one card object of an answer, found at `path`) breaks; empty when
/// Plain accepts it. Warnings (deprecated aliases) are not problems.
pub fn check_card(card: &Value, path: &str) -> Vec<Problem> {
    cardmesh_rules::check_card(card, path)
        .violations
        .into_iter()
        .map(|violation| Problem { path: violation.path, rule: violation.rule.code() })
        .collect()
}

/// Renames the deprecated field names of every component of `card` (which passed
/// [`check_card`]) to their current names, as the catalogue lists them. An alias whose
/// current name is also set (to `null`: both set is a violation) gives way to it.
pub fn normalise_aliases(card: &mut Value) {
    if let Some(components) = card.get_mut("components") {
        normalise_list(components, 0);
    }
}

/// Plain's deepest legal nesting: top level → Container → Row → leaf.
const MAX_DEPTH: usize = 3;

fn normalise_list(list: &mut Value, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Value::Array(items) = list {
        for item in items {
            if let Value::Object(component) = item {
                normalise_component(component, depth);
            }
        }
    }
}

fn normalise_component(component: &mut Map<String, Value>, depth: usize) {
    for (wrapper, body) in component.iter_mut() {
        let (Some(kind), Value::Object(body)) = (ComponentKind::from_key(wrapper), body) else {
            continue;
        };
        let spec = kind.spec();
        for (alias, current) in spec.aliases {
            if let Some(value) = body.remove(*alias) {
                if body.get(*current).is_none_or(Value::is_null) {
                    body.insert((*current).to_owned(), value);
                }
            }
        }
        for field in spec.fields {
            if matches!(field.ty, FieldType::List { .. }) {
                if let Some(list) = body.get_mut(field.name) {
                    normalise_list(list, depth + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn aliases_are_renamed_at_every_level() {
        let mut card = json!({ "key": "k", "components": [
            { "componentText": { "text": "a", "size": "S", "color": "MUTED" } },
            { "componentContainer": { "containerContent": [
                { "componentDivider": { "spacingSize": "M" } },
                { "componentRow": {
                    "rowMainContent": [ { "componentLinkButton": { "label": "Open", "url": "https://x.example" } } ],
                    "rowAsideContent": [ { "componentText": { "text": "b", "textSize": null, "size": "L" } } ] } }
            ] } }
        ] });
        assert!(check_card(&card, "cards[0]").is_empty(), "{:?}", check_card(&card, "cards[0]"));
        normalise_aliases(&mut card);
        assert_eq!(
            card["components"],
            json!([
                { "componentText": { "text": "a", "textSize": "S", "textColor": "MUTED" } },
                { "componentContainer": { "containerContent": [
                    { "componentDivider": { "dividerSpacingSize": "M" } },
                    { "componentRow": {
                        "rowMainContent": [ { "componentLinkButton": { "linkButtonLabel": "Open", "linkButtonUrl": "https://x.example" } } ],
                        "rowAsideContent": [ { "componentText": { "text": "b", "textSize": "L" } } ] } }
                ] } }
            ])
        );
    }

    #[test]
    fn problems_carry_the_rule_code() {
        let card =
            json!({ "key": "k", "components": [{ "componentBadge": { "badgeLabel": "x", "badgeColor": "PINK" } }] });
        assert_eq!(
            check_card(&card, "cards[0]"),
            [Problem { path: "cards[0].components[0].componentBadge.badgeColor".into(), rule: "enum" }]
        );
    }
}
