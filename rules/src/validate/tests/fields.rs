//! Field rules: required fields, types, enum values, URLs, workflow identifiers, unknown
//! fields and deprecated aliases.

use serde_json::json;

use super::*;
use crate::catalogue::enum_values;

fn values(name: &str) -> &'static [&'static str] {
    enum_values(name)
}

#[test]
fn every_documented_enum_value_is_accepted() {
    for size in values("TextSize") {
        assert_eq!(check_one(json!({ "componentText": { "text": "x", "textSize": size } })), vec![]);
        assert_eq!(check_one(json!({ "componentPlainText": { "plainText": "x", "plainTextSize": size } })), vec![]);
    }
    for color in values("TextColor") {
        assert_eq!(check_one(json!({ "componentText": { "text": "x", "textColor": color } })), vec![]);
        assert_eq!(check_one(json!({ "componentPlainText": { "plainText": "x", "plainTextColor": color } })), vec![]);
    }
    for color in values("BadgeColor") {
        assert_eq!(check_one(json!({ "componentBadge": { "badgeLabel": "x", "badgeColor": color } })), vec![]);
    }
    for size in values("SpacingSize") {
        assert_eq!(check_one(json!({ "componentDivider": { "dividerSpacingSize": size } })), vec![]);
        assert_eq!(check_one(json!({ "componentSpacer": { "spacerSize": size } })), vec![]);
    }
}

#[test]
fn enum_lists_match_plain_docs() {
    assert_eq!(values("TextSize"), ["S", "M", "L"]);
    assert_eq!(values("TextColor"), ["NORMAL", "MUTED", "SUCCESS", "WARNING", "ERROR"]);
    assert_eq!(values("BadgeColor"), ["GREY", "GREEN", "YELLOW", "RED", "BLUE"]);
    assert_eq!(values("SpacingSize"), ["XS", "S", "M", "L", "XL"]);
}

#[test]
fn text_size_xl_is_rejected_with_the_allowed_list() {
    assert_single(
        &check_one(json!({ "componentText": { "text": "x", "textSize": "XL" } })),
        "components[0].componentText.textSize",
        "must be one of S, M, L; got \"XL\"",
    );
}

#[test]
fn other_bad_enum_values_are_rejected() {
    let cases = [
        (
            json!({ "componentText": { "text": "x", "textColor": "RED" } }),
            "componentText.textColor",
            "must be one of NORMAL, MUTED, SUCCESS, WARNING, ERROR; got \"RED\"",
        ),
        (
            json!({ "componentPlainText": { "plainText": "x", "plainTextSize": "XS" } }),
            "componentPlainText.plainTextSize",
            "must be one of S, M, L; got \"XS\"",
        ),
        (
            json!({ "componentBadge": { "badgeLabel": "x", "badgeColor": "GRAY" } }),
            "componentBadge.badgeColor",
            "must be one of GREY, GREEN, YELLOW, RED, BLUE; got \"GRAY\"",
        ),
        (
            json!({ "componentDivider": { "dividerSpacingSize": "XXL" } }),
            "componentDivider.dividerSpacingSize",
            "must be one of XS, S, M, L, XL; got \"XXL\"",
        ),
        (
            json!({ "componentSpacer": { "spacerSize": 2 } }),
            "componentSpacer.spacerSize",
            "must be one of XS, S, M, L, XL; got 2",
        ),
        (
            json!({ "componentSpacer": { "spacerSize": "SPACING_SIZE_M" } }),
            "componentSpacer.spacerSize",
            "must be one of XS, S, M, L, XL; got \"SPACING_SIZE_M\"",
        ),
    ];
    for (component, path, message) in cases {
        assert_single(&check_one(component), &format!("components[0].{path}"), message);
    }
}

#[test]
fn lower_case_enum_value_gets_a_case_hint() {
    assert_single(
        &check_one(json!({ "componentBadge": { "badgeLabel": "x", "badgeColor": "green" } })),
        "components[0].componentBadge.badgeColor",
        "must be one of GREY, GREEN, YELLOW, RED, BLUE (values are upper case); got \"green\"",
    );
}

#[test]
fn missing_spacer_size_is_rejected() {
    let expected = "is required; use one of XS, S, M, L, XL";
    assert_single(&check_one(json!({ "componentSpacer": {} })), "components[0].componentSpacer.spacerSize", expected);
    assert_single(
        &check_one(json!({ "componentSpacer": { "spacerSize": null } })),
        "components[0].componentSpacer.spacerSize",
        expected,
    );
}

#[test]
fn optional_fields_may_be_null_or_absent() {
    let components = json!([
        { "componentText": { "text": "x", "textSize": null, "textColor": null } },
        { "componentPlainText": { "plainText": "x", "plainTextSize": null } },
        { "componentBadge": { "badgeLabel": "x", "badgeColor": null } },
        { "componentCopyButton": { "copyButtonValue": "x", "copyButtonTooltipLabel": null } },
        { "componentCopyButton": { "copyButtonValue": "x" } },
        { "componentDivider": { "dividerSpacingSize": null } },
        { "componentDivider": {} },
    ]);
    assert_eq!(check(components), vec![]);
}

#[test]
fn required_fields_must_be_present_and_strings() {
    assert_single(
        &check_one(json!({ "componentText": {} })),
        "components[0].componentText.text",
        "is required: a string of 1 to 10000 characters",
    );
    assert_single(
        &check_one(json!({ "componentBadge": { "badgeLabel": null } })),
        "components[0].componentBadge.badgeLabel",
        "is required: a string of 1 to 500 characters",
    );
    assert_single(
        &check_one(json!({ "componentCopyButton": { "copyButtonValue": 42 } })),
        "components[0].componentCopyButton.copyButtonValue",
        "must be a string of 1 to 1000 characters; got a number",
    );
}

fn link(url: serde_json::Value) -> serde_json::Value {
    json!({ "componentLinkButton": { "linkButtonLabel": "Open", "linkButtonUrl": url } })
}

const URL_PATH: &str = "components[0].componentLinkButton.linkButtonUrl";

#[test]
fn absolute_http_and_https_urls_are_accepted() {
    for url in [
        "https://example.com",
        "http://stripe.com/",
        "https://example.com:8443/a/b?c=d#e",
        "https://xn--e1afmkfd.xn--p1ai/",
        "https://пример.рф/путь",
        "http://127.0.0.1/",
    ] {
        assert_eq!(check_one(link(json!(url))), vec![], "{url}");
    }
}

#[test]
fn relative_urls_are_rejected() {
    for url in ["/usage", "example.com/usage", "//example.com/x"] {
        assert_single_containing(&check_one(link(json!(url))), URL_PATH, "must be an absolute URL");
    }
}

#[test]
fn non_http_schemes_are_rejected() {
    assert_single(
        &check_one(link(json!("ftp://example.com/file"))),
        URL_PATH,
        "must use the http or https scheme; got \"ftp:\" in \"ftp://example.com/file\"",
    );
    for url in ["javascript:alert(1)", "JavaScript:alert(1)", "mailto:a@b.c", "data:text/html,x", "file:///etc/passwd"]
    {
        assert_single_containing(&check_one(link(json!(url))), URL_PATH, "must use the http or https scheme");
    }
}

#[test]
fn malformed_empty_or_missing_urls_are_rejected() {
    assert_single_containing(&check_one(link(json!("https://"))), URL_PATH, "is not a valid URL");
    assert_single_containing(&check_one(link(json!("http://exa mple.com"))), URL_PATH, "is not a valid URL");
    assert_single(&check_one(link(json!(""))), URL_PATH, "must not be empty; use an absolute http or https URL");
    assert_single(&check_one(link(json!(null))), URL_PATH, "is required: an absolute http or https URL");
    assert_single_containing(&check_one(link(json!(7))), URL_PATH, "got a number");
}

#[test]
fn unknown_fields_inside_a_component_are_rejected() {
    assert_single(
        &check_one(json!({ "componentBadge": { "badgeLabel": "x", "icon": "star" } })),
        "components[0].componentBadge.icon",
        "unknown field \"icon\"; componentBadge allows only badgeLabel, badgeColor",
    );
    assert_single_containing(
        &check_one(row(vec![text("x")], vec![text("y")]).pipe_insert("rowGap", json!(1))),
        "components[0].componentRow.rowGap",
        "componentRow allows only rowMainContent, rowAsideContent",
    );
}

/// Adds a field to the body of a single-wrapper component.
trait PipeInsert {
    fn pipe_insert(self, key: &str, value: serde_json::Value) -> serde_json::Value;
}

impl PipeInsert for serde_json::Value {
    fn pipe_insert(mut self, key: &str, value: serde_json::Value) -> serde_json::Value {
        if let Some(body) = self.as_object_mut().and_then(|m| m.values_mut().next()) {
            body[key] = value;
        }
        self
    }
}

#[test]
fn violation_displays_as_path_colon_message() {
    let v = Violation::new("components[0].componentText.text", crate::Rule::MinChars, "must not be empty");
    assert_eq!(v.to_string(), "components[0].componentText.text: must not be empty");
}
