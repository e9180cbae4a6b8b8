//! Length limits, counted in characters (not bytes), at their exact boundaries.

use serde_json::{json, Value};

use super::*;

/// A component whose field `name` under `wrapper` is `value`, other required fields valid.
fn with_field(wrapper: &str, name: &str, value: &str) -> Value {
    let mut body = match wrapper {
        "componentText" => json!({ "text": "x" }),
        "componentPlainText" => json!({ "plainText": "x" }),
        "componentBadge" => json!({ "badgeLabel": "x" }),
        "componentLinkButton" => json!({ "linkButtonLabel": "x", "linkButtonUrl": "https://x.io" }),
        "componentCopyButton" => json!({ "copyButtonValue": "x" }),
        "componentWorkflowButton" => json!({
            "workflowButtonLabel": "x",
            "workflowButtonWorkflowIdentifier": { "workflowId": "wf_1" },
        }),
        other => panic!("no template for {other}"),
    };
    body[name] = Value::from(value);
    json!({ wrapper: body })
}

/// (wrapper, field, max characters) for every length-limited string field.
const LIMITED: &[(&str, &str, usize)] = &[
    ("componentText", "text", 10_000),
    ("componentPlainText", "plainText", 10_000),
    ("componentBadge", "badgeLabel", 500),
    ("componentLinkButton", "linkButtonLabel", 500),
    ("componentCopyButton", "copyButtonValue", 1_000),
    ("componentCopyButton", "copyButtonTooltipLabel", 500),
    ("componentWorkflowButton", "workflowButtonLabel", 500),
];

#[test]
fn every_limit_accepts_max_and_rejects_max_plus_one() {
    for &(wrapper, name, max) in LIMITED {
        let at_max = "a".repeat(max);
        assert_eq!(check_one(with_field(wrapper, name, &at_max)), vec![], "{wrapper}.{name} at {max}");

        let over = "a".repeat(max + 1);
        assert_single(
            &check_one(with_field(wrapper, name, &over)),
            &format!("components[0].{wrapper}.{name}"),
            &format!("must be at most {max} characters; got {}", max + 1),
        );
    }
}

#[test]
fn limits_count_characters_not_bytes() {
    // 'é' is 2 bytes, '日' 3 bytes, '😀' 4 bytes: `max` of them is within the limit.
    for ch in ["é", "日", "😀"] {
        for &(wrapper, name, max) in LIMITED {
            let at_max = ch.repeat(max);
            assert!(at_max.len() > max);
            assert_eq!(check_one(with_field(wrapper, name, &at_max)), vec![], "{wrapper}.{name} {ch}");

            let over = ch.repeat(max + 1);
            assert_single(
                &check_one(with_field(wrapper, name, &over)),
                &format!("components[0].{wrapper}.{name}"),
                &format!("must be at most {max} characters; got {}", max + 1),
            );
        }
    }
}

#[test]
fn exact_text_boundary_10000_vs_10001() {
    assert_eq!(check_one(text(&"x".repeat(10_000))), vec![]);
    assert_single(
        &check_one(text(&"x".repeat(10_001))),
        "components[0].componentText.text",
        "must be at most 10000 characters; got 10001",
    );
}

#[test]
fn empty_strings_are_rejected_for_every_limited_field() {
    for &(wrapper, name, max) in LIMITED {
        assert_single(
            &check_one(with_field(wrapper, name, "")),
            &format!("components[0].{wrapper}.{name}"),
            &format!("must not be empty; use 1 to {max} characters"),
        );
    }
}

#[test]
fn one_character_is_enough() {
    for &(wrapper, name, _) in LIMITED {
        assert_eq!(check_one(with_field(wrapper, name, "1")), vec![], "{wrapper}.{name}");
    }
}

#[test]
fn long_values_are_cut_in_messages() {
    let url = format!("/{}", "a".repeat(5_000));
    let violations = check_one(json!({
        "componentLinkButton": { "linkButtonLabel": "x", "linkButtonUrl": url }
    }));
    assert_eq!(violations.len(), 1);
    assert!(violations[0].message.len() < 200, "{}", violations[0].message);
    assert!(violations[0].message.ends_with('…'), "{}", violations[0].message);
}

#[test]
fn card_key_syntax() {
    use crate::key::is_valid_card_key;
    for ok in ["usage", "a", "A-b_9", "subscription-status"] {
        assert!(is_valid_card_key(ok), "{ok}");
    }
    for bad in ["", "a b", "a.b", "ü", "a/b", "key\n"] {
        assert!(!is_valid_card_key(bad), "{bad:?}");
    }
}
