//! Deprecated aliases (warnings, values still checked), names that never existed (unknown
//! fields), alias conflicts and explicit nulls.

use serde_json::json;

use super::*;

/// The deprecated aliases Plain's schema (`@team-plain/graphql@1.3.0`) still accepts.
#[test]
fn deprecated_aliases_are_warnings_and_their_values_are_checked() {
    let cases = [
        (json!({ "componentText": { "text": "x", "size": "M" } }), "componentText.size", "textSize"),
        (json!({ "componentText": { "text": "x", "color": "MUTED" } }), "componentText.color", "textColor"),
        (json!({ "componentDivider": { "spacingSize": "M" } }), "componentDivider.spacingSize", "dividerSpacingSize"),
        (json!({ "componentSpacer": { "size": "M" } }), "componentSpacer.size", "spacerSize"),
        (
            json!({ "componentLinkButton": { "label": "Open", "linkButtonUrl": "https://x.io" } }),
            "componentLinkButton.label",
            "linkButtonLabel",
        ),
        (
            json!({ "componentLinkButton": { "linkButtonLabel": "Open", "url": "https://x.io" } }),
            "componentLinkButton.url",
            "linkButtonUrl",
        ),
    ];
    for (component, path, current) in cases {
        let alias = path.rsplit('.').next().unwrap_or_default();
        let report = crate::check_components(&json!([component.clone()]), "components");
        assert_eq!(report.violations, vec![], "{component}");
        let warnings: Vec<(String, crate::Rule, String)> =
            report.warnings.into_iter().map(|w| (w.path, w.rule, w.message)).collect();
        assert_eq!(
            warnings,
            vec![(
                format!("components[0].{path}"),
                crate::Rule::Deprecated,
                format!("deprecated field name \"{alias}\"; Plain still accepts it, but use \"{current}\" instead"),
            )]
        );
        // The alias's value is judged like the current field's.
        let mut broken = component.clone();
        let body = broken.as_object_mut().and_then(|m| m.values_mut().next()).expect("body");
        body[alias] = json!("");
        let violations = check_one(broken);
        assert_eq!(violations.len(), 1, "{violations:#?}");
        assert_eq!(violations[0].path, format!("components[0].{path}"));
        assert!(matches!(violations[0].rule, crate::Rule::Enum | crate::Rule::MinChars | crate::Rule::Url));
    }
}

#[test]
fn names_plain_never_had_are_unknown_fields_not_deprecated() {
    for (component, path) in [
        (json!({ "componentPlainText": { "plainText": "x", "size": "S" } }), "componentPlainText.size"),
        (json!({ "componentBadge": { "badgeLabel": "x", "color": "RED" } }), "componentBadge.color"),
        (json!({ "componentSpacer": { "spacerSize": "M", "spacingSize": "M" } }), "componentSpacer.spacingSize"),
        (json!({ "componentCopyButton": { "copyButtonValue": "x", "label": "Copy" } }), "componentCopyButton.label"),
    ] {
        assert_rule(&check_one(component), &format!("components[0].{path}"), crate::Rule::UnknownField);
    }
}

#[test]
fn an_alias_next_to_its_current_name_is_a_conflict() {
    let report =
        crate::check_components(&json!([{ "componentSpacer": { "spacerSize": "M", "size": "S" } }]), "components");
    assert_rule(&report.violations, "components[0].componentSpacer.size", crate::Rule::AliasConflict);
    assert_eq!(report.warnings.len(), 1);
}

#[test]
fn deprecated_label_and_url_stand_in_for_the_current_fields() {
    let report = crate::check_components(
        &json!([{ "componentLinkButton": { "label": "Open", "url": "https://x.io" } }]),
        "components",
    );
    assert_eq!(report.violations, vec![]);
    let got: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        vec![
            "components[0].componentLinkButton.label: deprecated field name \"label\"; Plain still accepts it, but use \"linkButtonLabel\" instead",
            "components[0].componentLinkButton.url: deprecated field name \"url\"; Plain still accepts it, but use \"linkButtonUrl\" instead",
        ]
    );
}

#[test]
fn explicit_nulls_are_accepted_for_every_optional_field() {
    let nulls = json!([
        { "componentText": { "text": "x", "textSize": null, "textColor": null, "size": null, "color": null } },
        { "componentPlainText": { "plainText": "x", "plainTextSize": null, "plainTextColor": null } },
        { "componentBadge": { "badgeLabel": "x", "badgeColor": null } },
        { "componentCopyButton": { "copyButtonValue": "x", "copyButtonTooltipLabel": null } },
        { "componentDivider": { "dividerSpacingSize": null, "spacingSize": null } },
        { "componentSpacer": { "spacerSize": "M", "size": null } },
        { "componentLinkButton": { "linkButtonLabel": "x", "linkButtonUrl": "https://x.io", "label": null, "url": null } },
        { "componentWorkflowButton": { "workflowButtonLabel": "x", "workflowButtonWorkflowIdentifier": { "workflowId": "wf", "workflowKey": null } } },
        { "componentUser": { "userIdentifier": { "userId": null, "emailAddress": "a@b.c", "machineUserId": null } } },
        { "componentText": { "text": "x" }, "componentBadge": null },
    ]);
    assert_eq!(crate::check_components(&nulls, "components"), crate::Report::default());
}
