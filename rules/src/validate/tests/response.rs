//! Cards and whole responses: keys, TTLs, required `components`, duplicates, requested keys.

use serde_json::json;

use crate::validate::{validate_card, validate_response, validate_response_for, Violation};

/// The example of PROTOCOL.md section 6 plus a no-data card.
fn protocol_example() -> serde_json::Value {
    json!({ "cards": [
        {
            "key": "usage",
            "timeToLiveSeconds": 3600,
            "components": [
                { "componentContainer": { "containerContent": [
                    { "componentRow": {
                        "rowMainContent": [ { "componentText": { "text": "Events sent", "textSize": "M" } } ],
                        "rowAsideContent": [ { "componentBadge": { "badgeLabel": "593 of 1000", "badgeColor": "GREEN" } } ]
                    } },
                    { "componentDivider": { "dividerSpacingSize": "M" } },
                    { "componentLinkButton": { "linkButtonLabel": "View usage report", "linkButtonUrl": "https://example.com/usage" } }
                ] } }
            ]
        },
        { "key": "subscription-status", "components": null },
    ] })
}

fn strings(violations: &[Violation]) -> Vec<String> {
    violations.iter().map(ToString::to_string).collect()
}

#[test]
fn protocol_example_is_valid() {
    assert_eq!(validate_response(&protocol_example()), vec![]);
    assert_eq!(validate_response_for(&protocol_example(), &["usage", "subscription-status"]), vec![]);
}

#[test]
fn extra_cards_are_not_violations() {
    assert_eq!(validate_response_for(&protocol_example(), &["usage"]), vec![]);
}

#[test]
fn missing_requested_key_is_reported_once() {
    let violations = validate_response_for(&protocol_example(), &["usage", "billing", "billing"]);
    assert_eq!(
        strings(&violations),
        vec![
            "cards: requested key \"billing\" has no card; answer every requested key \
              (with \"components\": null when there is no data)"
        ]
    );
}

#[test]
fn nested_paths_start_at_the_card() {
    let doc = json!({ "cards": [ { "key": "a", "components": [
        { "componentText": { "text": "ok" } },
        { "componentText": { "text": "ok" } },
        { "componentRow": {
            "rowMainContent": [ { "componentText": { "text": "" } } ],
            "rowAsideContent": [ { "componentText": { "text": "ok" } } ],
        } },
    ] } ] });
    assert_eq!(
        strings(&validate_response(&doc)),
        vec![
            "cards[0].components[2].componentRow.rowMainContent[0].componentText.text: \
              must not be empty; use 1 to 10000 characters"
        ]
    );
}

#[test]
fn card_key_must_be_present_and_well_formed() {
    assert_eq!(
        strings(&validate_card(&json!({ "components": null }), "cards[0]")),
        vec!["cards[0].key: is required: the requested card key"]
    );
    for bad in ["", "a b", "usage.v2", "ключ"] {
        let violations = validate_card(&json!({ "key": bad, "components": null }), "cards[0]");
        assert_eq!(violations.len(), 1, "{bad:?}");
        assert_eq!(violations[0].path, "cards[0].key");
        assert!(violations[0].message.starts_with("must match [a-zA-Z0-9_-]+"));
    }
    assert_eq!(
        strings(&validate_card(&json!({ "key": 7, "components": null }), "cards[0]")),
        vec!["cards[0].key: must be a string; got a number"]
    );
}

#[test]
fn components_must_be_present_even_when_null() {
    assert_eq!(
        strings(&validate_card(&json!({ "key": "usage" }), "cards[1]")),
        vec!["cards[1].components: is required: an array of components, or null for no data"]
    );
}

#[test]
fn ttl_accepts_null_absent_and_non_negative_integers() {
    for ttl in [json!(null), json!(0), json!(15), json!(31_536_000), json!(60.0)] {
        let card = json!({ "key": "k", "timeToLiveSeconds": ttl, "components": null });
        assert_eq!(validate_card(&card, "cards[0]"), vec![], "{ttl}");
    }
}

#[test]
fn ttl_rejects_negative_fractional_and_non_numbers() {
    let cases = [
        (json!(-1), "must be >= 0; got -1"),
        (json!(-60.0), "must be >= 0; got -60.0"),
        (json!(1.5), "must be an integer number of seconds; got 1.5"),
        (json!("60"), "must be an integer >= 0 or null; got a string"),
        (json!(true), "must be an integer >= 0 or null; got a boolean"),
    ];
    for (ttl, message) in cases {
        let card = json!({ "key": "k", "timeToLiveSeconds": ttl, "components": null });
        assert_eq!(
            validate_card(&card, "cards[0]"),
            vec![Violation::new("cards[0].timeToLiveSeconds", crate::Rule::TimeToLive, message)]
        );
    }
}

#[test]
fn duplicate_keys_are_reported_on_the_later_card() {
    let doc = json!({ "cards": [
        { "key": "usage", "components": null },
        { "key": "billing", "components": null },
        { "key": "usage", "components": null },
    ] });
    assert_eq!(
        strings(&validate_response(&doc)),
        vec!["cards[2].key: duplicate key \"usage\" (first at cards[0]); send one card per key"]
    );
}

#[test]
fn response_shape_is_checked() {
    assert_eq!(
        strings(&validate_response(&json!([]))),
        vec!["$: must be an object { \"cards\": [ ... ] }; got an array"]
    );
    assert_eq!(strings(&validate_response(&json!({}))), vec!["cards: is required: an array of cards"]);
    assert_eq!(
        strings(&validate_response(&json!({ "cards": null }))),
        vec!["cards: must be an array of cards; got null"]
    );
    assert_eq!(
        strings(&validate_response(&json!({ "cards": ["usage"] }))),
        vec!["cards[0]: must be a card object { key, timeToLiveSeconds?, components }; got a string"]
    );
}

#[test]
fn requested_keys_are_missing_when_cards_is_malformed() {
    let violations = validate_response_for(&json!({ "cards": 1 }), &["usage"]);
    assert_eq!(violations.len(), 2, "{violations:#?}");
}

#[test]
fn empty_cards_is_valid_when_nothing_was_requested() {
    assert_eq!(validate_response_for(&json!({ "cards": [] }), &[]), vec![]);
}
