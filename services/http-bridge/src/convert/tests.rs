use std::time::Duration;

use cardmesh_kit::build::{
    badge, container, copy_button, date_time_iso8601, divider, link_button, machine_user, plain_text, row, spacer,
    text, user_by_email, user_by_id, workflow_button_id, BadgeColor, Component, ContainerContent, SpacingSize,
    TextColor, TextSize,
};
use cardmesh_kit::Card;
use serde_json::json;

use super::card_from_json;

#[test]
fn all_twelve_component_kinds_become_their_proto_messages() {
    let card = json!({
        "key": "all",
        "timeToLiveSeconds": 90,
        "components": [
            { "componentText": { "text": "**Hi**", "textSize": "L", "textColor": "SUCCESS" } },
            { "componentPlainText": { "plainText": "plain", "plainTextSize": "S", "plainTextColor": "MUTED" } },
            { "componentBadge": { "badgeLabel": "Paid", "badgeColor": "GREEN" } },
            { "componentLinkButton": { "linkButtonLabel": "Open", "linkButtonUrl": "https://example.com/x" } },
            { "componentCopyButton": { "copyButtonValue": "INV-1", "copyButtonTooltipLabel": "Copy" } },
            { "componentDivider": { "dividerSpacingSize": "XL" } },
            { "componentSpacer": { "spacerSize": "XS" } },
            { "componentWorkflowButton": { "workflowButtonLabel": "Run", "workflowButtonWorkflowIdentifier": { "workflowId": "wf_1" } } },
            { "componentDateTime": { "dateTimeIso8601": "2026-03-01T09:30:00Z" } },
            { "componentUser": { "userIdentifier": { "userId": "u_1", "emailAddress": null } } },
            { "componentRow": {
                "rowMainContent": [ { "componentText": { "text": "Plan" } } ],
                "rowAsideContent": [ { "componentBadge": { "badgeLabel": "Pro", "badgeColor": "BLUE" } } ] } },
            { "componentContainer": { "containerContent": [
                { "componentText": { "text": "Inside" } },
                { "componentRow": {
                    "rowMainContent": [ { "componentPlainText": { "plainText": "a" } } ],
                    "rowAsideContent": [ { "componentCopyButton": { "copyButtonValue": "b" } } ] } },
                { "componentUser": { "userIdentifier": { "emailAddress": "agent@example.com" } } }
            ] } },
            { "componentRow": {
                "rowMainContent": [ { "componentDateTime": { "dateTimeIso8601": "2026-03-01T10:00:00+02:00" } } ],
                "rowAsideContent": [ { "componentUser": { "userIdentifier": { "machineUserId": "mu_1" } } } ] } }
        ]
    });
    let expected = Card::new([
        Component::from(text("**Hi**").size(TextSize::L).color(TextColor::Success)),
        plain_text("plain").size(TextSize::S).color(TextColor::Muted).into(),
        badge("Paid").color(BadgeColor::Green).into(),
        link_button("Open", "https://example.com/x").into(),
        copy_button("INV-1").tooltip("Copy").into(),
        divider().spacing(SpacingSize::Xl).into(),
        spacer(SpacingSize::Xs).into(),
        workflow_button_id("Run", "wf_1").into(),
        date_time_iso8601("2026-03-01T09:30:00Z").into(),
        user_by_id("u_1").into(),
        row([text("Plan")], [badge("Pro").color(BadgeColor::Blue)]).into(),
        container([
            ContainerContent::from(text("Inside")),
            row([plain_text("a")], [copy_button("b")]).into(),
            user_by_email("agent@example.com").into(),
        ])
        .into(),
        row([date_time_iso8601("2026-03-01T10:00:00+02:00")], [machine_user("mu_1")]).into(),
    ])
    .with_ttl(Duration::from_secs(90));
    assert_eq!(card_from_json(&card, "cards[0]"), expected);
}

#[test]
fn nulls_for_optionals_are_absent() {
    let card = json!({ "key": "k", "timeToLiveSeconds": null, "components": [
        { "componentText": { "text": "x", "textSize": null, "textColor": null } },
        { "componentCopyButton": { "copyButtonValue": "v", "copyButtonTooltipLabel": null } },
        { "componentDivider": { "dividerSpacingSize": null } }
    ] });
    assert_eq!(
        card_from_json(&card, "cards[0]"),
        Card::new([Component::from(text("x")), copy_button("v").into(), divider().into()])
    );
}

#[test]
fn null_components_is_no_data() {
    assert_eq!(card_from_json(&json!({ "key": "k", "components": null }), "cards[0]"), Card::NoData);
}

#[test]
fn a_broken_card_is_an_error_naming_path_and_rule_without_the_value() {
    let card = json!({ "key": "k", "components": [
        { "componentText": { "text": "fine" } },
        { "componentBadge": { "badgeLabel": "secret-customer-value", "badgeColor": "PINK-secret" } }
    ] });
    let Card::Error(reason) = card_from_json(&card, "cards[3]") else { panic!("an error") };
    assert!(reason.contains("cards[3].components[1].componentBadge.badgeColor"), "{reason}");
    assert!(!reason.contains("PINK-secret") && !reason.contains("secret-customer-value"), "{reason}");
}

#[test]
fn deprecated_aliases_become_the_current_names() {
    let card = json!({ "key": "k", "components": [
        { "componentText": { "text": "x", "size": "S", "color": "ERROR" } },
        { "componentContainer": { "containerContent": [ { "componentDivider": { "spacingSize": "XS" } } ] } },
        { "componentLinkButton": { "label": "Go", "url": "https://example.com" } }
    ] });
    assert_eq!(
        card_from_json(&card, "cards[0]"),
        Card::new([
            Component::from(text("x").size(TextSize::S).color(TextColor::Error)),
            container([divider().spacing(SpacingSize::Xs)]).into(),
            link_button("Go", "https://example.com").into(),
        ])
    );
}
