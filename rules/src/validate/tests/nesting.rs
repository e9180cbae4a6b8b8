//! The one-wrapper-key rule and the nesting rules.

use serde_json::{json, Map, Value};

use super::*;

const ROW_IN_ROW: &str = "Row is not allowed inside a row; use a Container to stack rows";
const CONTAINER_IN_ROW: &str = "Container is not allowed inside a row; put the Row inside the Container instead";

#[test]
fn all_twelve_components_at_top_level_are_valid() {
    let mut all = leaves();
    all.push(simple_row());
    all.push(container(vec![text("inside")]));
    assert_eq!(all.len(), 12);
    assert_eq!(check(Value::Array(all)), vec![]);
}

#[test]
fn null_components_mean_no_data_and_are_valid() {
    assert_eq!(check(Value::Null), vec![]);
}

#[test]
fn empty_components_array_is_valid() {
    assert_eq!(check(json!([])), vec![]);
}

#[test]
fn components_must_be_an_array() {
    assert_single(
        &check(json!({ "componentText": { "text": "x" } })),
        "components",
        "must be an array of components, or null for no data; got an object",
    );
}

#[test]
fn every_leaf_is_valid_in_row_main_and_aside() {
    assert_eq!(check_one(row(leaves(), leaves())), vec![]);
}

#[test]
fn every_leaf_and_a_row_are_valid_in_a_container() {
    let mut content = leaves();
    content.push(simple_row());
    assert_eq!(check_one(container(content)), vec![]);
}

#[test]
fn row_in_row_is_rejected_without_walking_it() {
    // The inner row is itself broken; only the nesting is reported, not its content.
    let inner = json!({ "componentRow": { "rowMainContent": [], "bogus": 1 } });
    assert_single(
        &check_one(row(vec![inner], vec![text("x")])),
        "components[0].componentRow.rowMainContent[0].componentRow",
        ROW_IN_ROW,
    );
}

#[test]
fn row_in_row_aside_is_rejected() {
    assert_single(
        &check_one(row(vec![text("x")], vec![text("y"), simple_row()])),
        "components[0].componentRow.rowAsideContent[1].componentRow",
        ROW_IN_ROW,
    );
}

#[test]
fn container_in_row_is_rejected() {
    assert_single(
        &check_one(row(vec![container(vec![text("x")])], vec![text("y")])),
        "components[0].componentRow.rowMainContent[0].componentContainer",
        CONTAINER_IN_ROW,
    );
}

#[test]
fn container_in_container_is_rejected() {
    let violations = check_one(container(vec![text("a"), container(vec![text("b")])]));
    assert_single_containing(
        &violations,
        "components[0].componentContainer.containerContent[1].componentContainer",
        "Container is not allowed inside a container",
    );
}

#[test]
fn row_inside_container_is_checked_for_row_rules() {
    let violations = check_one(container(vec![row(vec![simple_row()], vec![text("x")])]));
    assert_single(
        &violations,
        "components[0].componentContainer.containerContent[0].componentRow.rowMainContent[0].componentRow",
        ROW_IN_ROW,
    );
}

#[test]
fn empty_row_main_content_is_rejected() {
    assert_single(
        &check_one(row(vec![], vec![text("x")])),
        "components[0].componentRow.rowMainContent",
        "must have at least 1 component; got an empty array",
    );
}

/// The schema requires `rowAsideContent` but says "at least one" only of `rowMainContent`.
#[test]
fn empty_row_aside_content_is_valid() {
    assert_eq!(check_one(row(vec![text("x")], vec![])), vec![]);
}

#[test]
fn missing_row_aside_content_is_rejected() {
    assert_single(
        &check_one(json!({ "componentRow": { "rowMainContent": [text("x")] } })),
        "components[0].componentRow.rowAsideContent",
        "is required: an array of components",
    );
}

#[test]
fn empty_container_is_rejected() {
    assert_single(
        &check_one(container(vec![])),
        "components[0].componentContainer.containerContent",
        "must have at least 1 component; got an empty array",
    );
}

#[test]
fn missing_or_non_array_container_content_is_rejected() {
    assert_single(
        &check_one(json!({ "componentContainer": {} })),
        "components[0].componentContainer.containerContent",
        "is required: an array of at least 1 component",
    );
    assert_single(
        &check_one(json!({ "componentContainer": { "containerContent": "x" } })),
        "components[0].componentContainer.containerContent",
        "must be an array of at least 1 component; got a string",
    );
}

#[test]
fn two_wrapper_keys_in_one_object_are_rejected() {
    let both = json!({
        "componentText": { "text": "a" },
        "componentBadge": { "badgeLabel": "b" },
    });
    let violations = check_one(both);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].path, "components[0]");
    assert!(violations[0].message.starts_with("has 2 component keys ("));
    assert!(violations[0].message.contains("componentText"));
    assert!(violations[0].message.contains("componentBadge"));
    assert!(violations[0].message.contains("must have exactly one"));
}

#[test]
fn two_wrapper_keys_still_get_their_bodies_checked() {
    let both = json!({ "componentText": { "text": "" }, "componentSpacer": {} });
    let paths: Vec<String> = check_one(both).into_iter().map(|v| v.path).collect();
    assert!(paths.contains(&"components[0]".to_owned()));
    assert!(paths.contains(&"components[0].componentText.text".to_owned()));
    assert!(paths.contains(&"components[0].componentSpacer.spacerSize".to_owned()));
}

#[test]
fn unknown_wrapper_key_is_rejected() {
    assert_single_containing(
        &check_one(json!({ "componentImage": { "url": "https://x" } })),
        "components[0].componentImage",
        "unknown component key \"componentImage\"",
    );
}

#[test]
fn unknown_wrapper_key_lists_what_is_allowed_at_that_level() {
    let violations = check_one(row(vec![json!({ "componentFoo": {} })], vec![text("x")]));
    assert_eq!(violations.len(), 1);
    let message = &violations[0].message;
    assert!(message.contains("componentWorkflowButton"), "{message}");
    assert!(!message.contains("componentRow"), "{message}");
}

#[test]
fn empty_component_object_is_rejected() {
    assert_single_containing(&check_one(json!({})), "components[0]", "empty component object");
}

#[test]
fn non_object_component_and_body_are_rejected() {
    assert_single_containing(&check_one(json!("text")), "components[0]", "got a string");
    // A wrapper key set to null counts as absent (as for every field).
    assert_rule(&check_one(json!({ "componentText": null })), "components[0]", crate::Rule::OneOf);
    assert_single(
        &check_one(json!({ "componentDivider": [] })),
        "components[0].componentDivider",
        "must be an object; got an array",
    );
}

#[test]
fn all_violations_are_reported_not_just_the_first() {
    let violations = check(json!([
        { "componentText": { "text": "" } },
        container(vec![
            json!({ "componentBadge": { "badgeLabel": "ok", "badgeColor": "PINK" } }),
            row(vec![], vec![json!({ "componentSpacer": {} })]),
        ]),
        { "componentLinkButton": { "linkButtonLabel": "x", "linkButtonUrl": "/relative" } },
    ]));
    let paths: Vec<&str> = violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "components[0].componentText.text",
            "components[1].componentContainer.containerContent[0].componentBadge.badgeColor",
            "components[1].componentContainer.containerContent[1].componentRow.rowMainContent",
            "components[1].componentContainer.containerContent[1].componentRow.rowAsideContent[0].componentSpacer.spacerSize",
            "components[2].componentLinkButton.linkButtonUrl",
        ]
    );
}

/// Builds `depth` containers, each the only entry of the one above, around a text.
fn deep_containers(depth: usize) -> Value {
    let mut value = text("bottom");
    for _ in 0..depth {
        value = container(vec![value]);
    }
    value
}

/// Drops a deeply nested value without recursion (serde_json's drop recurses).
fn dismantle(mut value: Value) {
    let mut stack = vec![];
    loop {
        match &mut value {
            Value::Array(items) => stack.append(items),
            Value::Object(map) => stack.extend(std::mem::take(map).into_iter().map(|(_, v)| v)),
            _ => {}
        }
        match stack.pop() {
            Some(next) => value = next,
            None => return,
        }
    }
}

#[test]
fn hostile_deep_nesting_is_reported_without_recursing() {
    let deep = deep_containers(200_000);
    let components = Value::Array(vec![deep]);
    let violations = validate_components(&components, "components");
    assert_single(
        &violations,
        "components[0].componentContainer.containerContent[0].componentContainer",
        "Container is not allowed inside a container; containers do not nest, put the inner \
         content directly in the outer Container",
    );
    dismantle(components);
}

#[test]
fn hostile_deep_rows_in_rows_are_reported_without_recursing() {
    let mut value = text("bottom");
    for _ in 0..200_000 {
        value = row(vec![value], vec![text("x")]);
    }
    let components = Value::Array(vec![value]);
    let violations = validate_components(&components, "components");
    assert_single(&violations, "components[0].componentRow.rowMainContent[0].componentRow", ROW_IN_ROW);
    dismantle(components);
}

#[test]
fn each_unknown_wrapper_key_is_reported() {
    let mut map = Map::new();
    for i in 0..3 {
        map.insert(format!("x{i}"), Value::Null);
    }
    assert_eq!(check_one(Value::Object(map)).len(), 3);
}
