//! Validator tests, split by concern. Shared builders of valid components live here.

mod aliases;
mod fields;
mod identifiers;
mod limits;
mod nesting;
mod response;

use serde_json::{json, Value};

use super::{validate_components, Violation};

/// Validates `components` under the root path `components`.
fn check(components: Value) -> Vec<Violation> {
    validate_components(&components, "components")
}

/// Validates a single top-level component as `components[0]`.
fn check_one(component: Value) -> Vec<Violation> {
    check(json!([component]))
}

/// Asserts exactly one violation, at `path`, with exactly `message`.
#[track_caller]
fn assert_single(violations: &[Violation], path: &str, message: &str) {
    let got: Vec<(&str, &str)> = violations.iter().map(|v| (v.path.as_str(), v.message.as_str())).collect();
    assert_eq!(got, [(path, message)], "violations: {violations:#?}");
}

/// Asserts exactly one violation, at `path`, of `rule`.
#[track_caller]
fn assert_rule(violations: &[Violation], path: &str, rule: crate::Rule) {
    let got: Vec<(&str, crate::Rule)> = violations.iter().map(|v| (v.path.as_str(), v.rule)).collect();
    assert_eq!(got, [(path, rule)], "violations: {violations:#?}");
}

/// Asserts exactly one violation, at `path`, whose message contains `needle`.
#[track_caller]
fn assert_single_containing(violations: &[Violation], path: &str, needle: &str) {
    assert_eq!(violations.len(), 1, "violations: {violations:#?}");
    assert_eq!(violations[0].path, path, "violations: {violations:#?}");
    assert!(violations[0].message.contains(needle), "message {:?} does not contain {needle:?}", violations[0].message);
}

fn text(s: &str) -> Value {
    json!({ "componentText": { "text": s } })
}

/// One valid example of each of the ten leaf components, with every field set.
fn leaves() -> Vec<Value> {
    vec![
        json!({ "componentText": { "text": "**Plan**: Pro", "textSize": "M", "textColor": "MUTED" } }),
        json!({ "componentPlainText": { "plainText": "cus_123", "plainTextSize": "S", "plainTextColor": "NORMAL" } }),
        json!({ "componentBadge": { "badgeLabel": "Active", "badgeColor": "GREEN" } }),
        json!({ "componentLinkButton": { "linkButtonLabel": "Open", "linkButtonUrl": "https://example.com/x?y=1" } }),
        json!({ "componentCopyButton": { "copyButtonValue": "cus_123", "copyButtonTooltipLabel": "Copy id" } }),
        json!({ "componentDivider": { "dividerSpacingSize": "M" } }),
        json!({ "componentSpacer": { "spacerSize": "XS" } }),
        json!({ "componentWorkflowButton": { "workflowButtonLabel": "Refund", "workflowButtonWorkflowIdentifier": { "workflowKey": "refund" } } }),
        json!({ "componentDateTime": { "dateTimeIso8601": "2026-03-01T09:30:00Z" } }),
        json!({ "componentUser": { "userIdentifier": { "emailAddress": "owner@example.com" } } }),
    ]
}

/// `{ key: value }`, moving `value` (the `json!` macro would clone it recursively).
fn object(key: &str, value: Value) -> Value {
    let mut map = serde_json::Map::new();
    map.insert(key.to_owned(), value);
    Value::Object(map)
}

fn row(main: Vec<Value>, aside: Vec<Value>) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("rowMainContent".to_owned(), Value::Array(main));
    body.insert("rowAsideContent".to_owned(), Value::Array(aside));
    object("componentRow", Value::Object(body))
}

fn simple_row() -> Value {
    row(vec![text("left")], vec![text("right")])
}

fn container(content: Vec<Value>) -> Value {
    object("componentContainer", object("containerContent", Value::Array(content)))
}
