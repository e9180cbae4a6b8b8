//! One-of identifiers: the workflow button's and the User's.

use serde_json::json;

use super::*;

fn workflow(identifier: serde_json::Value) -> serde_json::Value {
    json!({ "componentWorkflowButton": {
        "workflowButtonLabel": "Run",
        "workflowButtonWorkflowIdentifier": identifier,
    } })
}

const WF_PATH: &str = "components[0].componentWorkflowButton.workflowButtonWorkflowIdentifier";

#[test]
fn workflow_identifier_with_exactly_one_is_accepted() {
    assert_eq!(check_one(workflow(json!({ "workflowId": "wf_01H" }))), vec![]);
    assert_eq!(check_one(workflow(json!({ "workflowKey": "refund" }))), vec![]);
    assert_eq!(check_one(workflow(json!({ "workflowKey": "refund", "workflowId": null }))), vec![]);
}

#[test]
fn workflow_identifier_with_neither_is_rejected() {
    assert_single(
        &check_one(workflow(json!({}))),
        WF_PATH,
        "must set exactly one of workflowId or workflowKey; got none",
    );
}

#[test]
fn workflow_identifier_with_both_is_rejected() {
    assert_single(
        &check_one(workflow(json!({ "workflowId": "wf_1", "workflowKey": "refund" }))),
        WF_PATH,
        "must set exactly one of workflowId or workflowKey; got 2, keep only one",
    );
}

#[test]
fn workflow_identifier_values_must_be_non_empty_strings() {
    assert_single(
        &check_one(workflow(json!({ "workflowId": "" }))),
        &format!("{WF_PATH}.workflowId"),
        "must not be empty; use at least 1 character",
    );
    assert_single(
        &check_one(workflow(json!({ "workflowKey": 3 }))),
        &format!("{WF_PATH}.workflowKey"),
        "must be a string of at least 1 character; got a number",
    );
}

#[test]
fn workflow_identifier_missing_wrong_type_or_unknown_field_is_rejected() {
    assert_single(
        &check_one(json!({ "componentWorkflowButton": { "workflowButtonLabel": "Run" } })),
        WF_PATH,
        "is required: an object with exactly one of workflowId or workflowKey",
    );
    assert_single_containing(&check_one(workflow(json!("wf_1"))), WF_PATH, "got a string");
    assert_single_containing(
        &check_one(workflow(json!({ "workflowId": "wf_1", "workflowName": "x" }))),
        &format!("{WF_PATH}.workflowName"),
        "unknown field \"workflowName\"",
    );
}

const USER_PATH: &str = "components[0].componentUser.userIdentifier";

fn user(identifier: serde_json::Value) -> serde_json::Value {
    json!({ "componentUser": { "userIdentifier": identifier } })
}

#[test]
fn user_identifier_needs_exactly_one_of_three() {
    for name in ["userId", "emailAddress", "machineUserId"] {
        assert_eq!(check_one(user(json!({ name: "x" }))), vec![], "{name}");
    }
    assert_single(
        &check_one(user(json!({}))),
        USER_PATH,
        "must set exactly one of userId, emailAddress or machineUserId; got none",
    );
    assert_rule(&check_one(user(json!({ "userId": "u", "machineUserId": "m" }))), USER_PATH, crate::Rule::OneOf);
    assert_rule(
        &check_one(user(json!({ "userId": "u", "email": "a@b.c" }))),
        &format!("{USER_PATH}.email"),
        crate::Rule::UnknownField,
    );
    assert_rule(&check_one(json!({ "componentUser": {} })), USER_PATH, crate::Rule::Required);
}

#[test]
fn date_times_are_rfc3339_with_a_zone() {
    let path = "components[0].componentDateTime.dateTimeIso8601";
    let at = |v: serde_json::Value| json!({ "componentDateTime": { "dateTimeIso8601": v } });
    assert_eq!(check_one(at(json!("2026-03-01T09:30:00Z"))), vec![]);
    assert_rule(&check_one(at(json!("2026-03-01"))), path, crate::Rule::DateTime);
    assert_rule(&check_one(at(json!(1_772_357_400))), path, crate::Rule::Type);
    assert_rule(&check_one(at(json!(null))), path, crate::Rule::Required);
}
