//! Renderer tests: every component's JSON, enum omission and errors, unset oneofs, and the
//! validated path the gateway uses.

use cardmesh_proto::{
    component, container_content, row_content, user, workflow_button, Badge, BadgeColor, Component, Container,
    ContainerContent, CopyButton, DateTime, Divider, LinkButton, PlainText, Row, RowContent, Spacer, SpacingSize, Text,
    TextColor, TextSize, User, WorkflowButton,
};
use serde_json::json;

use super::enums::{EnumKind, EnumValue, BADGE_COLOR, SPACING_SIZE, TEXT_COLOR, TEXT_SIZE};
use super::{render_checked, render_components, RenderError};
use cardmesh_rules::{Rule, Violation};
use cardmesh_rules::catalogue::enum_values;

fn top(c: component::Component) -> Component {
    Component { component: Some(c) }
}

fn text(s: &str) -> Text {
    Text { text: s.into(), text_size: 0, text_color: 0 }
}

fn row_text(s: &str) -> RowContent {
    RowContent { content: Some(row_content::Content::Text(text(s))) }
}

fn render_one(c: component::Component) -> serde_json::Value {
    match render_components(&[top(c)]) {
        Ok(mut v) => v[0].take(),
        Err(e) => panic!("render failed: {e}"),
    }
}

fn workflow(label: &str, id: Option<workflow_button::WorkflowIdentifier>) -> WorkflowButton {
    WorkflowButton { workflow_button_label: label.into(), workflow_identifier: id }
}

fn date_time(s: &str) -> DateTime {
    DateTime { date_time_iso8601: s.into() }
}

fn user_by(identifier: user::UserIdentifier) -> User {
    User { user_identifier: Some(identifier) }
}

/// One card using all twelve components, every optional field set somewhere, DateTime and
/// User at every level.
pub(super) fn rich_card() -> Vec<Component> {
    use component::Component as C;
    use container_content::Content as CC;
    use row_content::Content as RC;
    vec![
        top(C::Text(Text {
            text: "**Pro plan**, renews [soon](https://example.com)".into(),
            text_size: TextSize::L as i32,
            text_color: TextColor::Success as i32,
        })),
        top(C::PlainText(PlainText {
            plain_text: "cus_123 <no *markdown*>".into(),
            plain_text_size: TextSize::S as i32,
            plain_text_color: TextColor::Muted as i32,
        })),
        top(C::Badge(Badge { badge_label: "Active".into(), badge_color: BadgeColor::Green as i32 })),
        top(C::LinkButton(LinkButton {
            link_button_label: "Open in Stripe".into(),
            link_button_url: "https://dashboard.stripe.com/customers/cus_123".into(),
        })),
        top(C::CopyButton(CopyButton {
            copy_button_value: "cus_123".into(),
            copy_button_tooltip_label: Some("Copy customer id".into()),
        })),
        top(C::Divider(Divider { divider_spacing_size: SpacingSize::M as i32 })),
        top(C::Spacer(Spacer { spacer_size: SpacingSize::Xl as i32 })),
        top(C::WorkflowButton(workflow(
            "Issue refund",
            Some(workflow_button::WorkflowIdentifier::WorkflowKey("refund".into())),
        ))),
        top(C::DateTime(date_time("2026-03-01T09:30:00Z"))),
        top(C::User(user_by(user::UserIdentifier::EmailAddress("owner@example.com".into())))),
        top(C::Row(Row {
            row_main_content: vec![
                row_text("Seats"),
                RowContent { content: Some(RC::DateTime(date_time("2026-03-01T10:30:00+01:00"))) },
            ],
            row_aside_content: vec![
                RowContent { content: Some(RC::Badge(Badge { badge_label: "12 of 20".into(), badge_color: 0 })) },
                RowContent { content: Some(RC::User(user_by(user::UserIdentifier::UserId("u_1".into())))) },
            ],
        })),
        top(C::Container(Container {
            container_content: vec![
                ContainerContent {
                    content: Some(CC::Row(Row {
                        row_main_content: vec![RowContent {
                            content: Some(RC::PlainText(PlainText {
                                plain_text: "Invoices".into(),
                                plain_text_size: 0,
                                plain_text_color: 0,
                            })),
                        }],
                        row_aside_content: vec![RowContent {
                            content: Some(RC::CopyButton(CopyButton {
                                copy_button_value: "in_42".into(),
                                copy_button_tooltip_label: None,
                            })),
                        }],
                    })),
                },
                ContainerContent { content: Some(CC::Divider(Divider { divider_spacing_size: 0 })) },
                ContainerContent { content: Some(CC::DateTime(date_time("2025-05-23T13:09:39.820Z"))) },
                ContainerContent {
                    content: Some(CC::User(user_by(user::UserIdentifier::MachineUserId("mu_1".into())))),
                },
                ContainerContent {
                    content: Some(CC::WorkflowButton(workflow(
                        "Retry payment",
                        Some(workflow_button::WorkflowIdentifier::WorkflowId("wf_01H".into())),
                    ))),
                },
            ],
        })),
    ]
}

#[test]
fn rich_card_renders_all_twelve_components() {
    let rendered = render_components(&rich_card()).expect("renders");
    insta::with_settings!({ sort_maps => true }, {
        insta::assert_json_snapshot!(rendered);
    });
}

#[test]
fn rich_card_passes_validation() {
    let checked = render_checked(&rich_card()).expect("valid");
    assert_eq!(Ok(checked), render_components(&rich_card()));
}

#[test]
fn text_and_plain_text_render_size_and_color() {
    use component::Component as C;
    let t = Text { text: "hi".into(), text_size: TextSize::S as i32, text_color: TextColor::Error as i32 };
    assert_eq!(
        render_one(C::Text(t)),
        json!({ "componentText": { "text": "hi", "textSize": "S", "textColor": "ERROR" } })
    );
    let p = PlainText {
        plain_text: "hi".into(),
        plain_text_size: TextSize::M as i32,
        plain_text_color: TextColor::Warning as i32,
    };
    assert_eq!(
        render_one(C::PlainText(p)),
        json!({ "componentPlainText": { "plainText": "hi", "plainTextSize": "M", "plainTextColor": "WARNING" } })
    );
}

#[test]
fn badge_link_and_copy_buttons_render() {
    use component::Component as C;
    assert_eq!(
        render_one(C::Badge(Badge { badge_label: "Late".into(), badge_color: BadgeColor::Red as i32 })),
        json!({ "componentBadge": { "badgeLabel": "Late", "badgeColor": "RED" } })
    );
    assert_eq!(
        render_one(C::LinkButton(LinkButton {
            link_button_label: "Go".into(),
            link_button_url: "https://x.io/".into()
        })),
        json!({ "componentLinkButton": { "linkButtonLabel": "Go", "linkButtonUrl": "https://x.io/" } })
    );
    assert_eq!(
        render_one(C::CopyButton(CopyButton {
            copy_button_value: "v".into(),
            copy_button_tooltip_label: Some("t".into())
        })),
        json!({ "componentCopyButton": { "copyButtonValue": "v", "copyButtonTooltipLabel": "t" } })
    );
    assert_eq!(
        render_one(C::CopyButton(CopyButton { copy_button_value: "v".into(), copy_button_tooltip_label: None })),
        json!({ "componentCopyButton": { "copyButtonValue": "v" } })
    );
}

#[test]
fn divider_spacer_and_workflow_buttons_render() {
    use component::Component as C;
    use workflow_button::WorkflowIdentifier as W;
    assert_eq!(
        render_one(C::Divider(Divider { divider_spacing_size: SpacingSize::Xs as i32 })),
        json!({ "componentDivider": { "dividerSpacingSize": "XS" } })
    );
    assert_eq!(
        render_one(C::Spacer(Spacer { spacer_size: SpacingSize::L as i32 })),
        json!({ "componentSpacer": { "spacerSize": "L" } })
    );
    assert_eq!(
        render_one(C::WorkflowButton(workflow("Run", Some(W::WorkflowId("wf_1".into()))))),
        json!({ "componentWorkflowButton": { "workflowButtonLabel": "Run", "workflowButtonWorkflowIdentifier": { "workflowId": "wf_1" } } })
    );
    assert_eq!(
        render_one(C::WorkflowButton(workflow("Run", Some(W::WorkflowKey("refund".into()))))),
        json!({ "componentWorkflowButton": { "workflowButtonLabel": "Run", "workflowButtonWorkflowIdentifier": { "workflowKey": "refund" } } })
    );
    assert_eq!(
        render_one(C::WorkflowButton(workflow("Run", None))),
        json!({ "componentWorkflowButton": { "workflowButtonLabel": "Run", "workflowButtonWorkflowIdentifier": {} } })
    );
}

#[test]
fn row_and_container_render() {
    use component::Component as C;
    let row = Row { row_main_content: vec![row_text("a")], row_aside_content: vec![row_text("b"), row_text("c")] };
    let expected_row = json!({ "componentRow": {
        "rowMainContent": [ { "componentText": { "text": "a" } } ],
        "rowAsideContent": [ { "componentText": { "text": "b" } }, { "componentText": { "text": "c" } } ],
    } });
    assert_eq!(render_one(C::Row(row.clone())), expected_row);

    let container = Container {
        container_content: vec![
            ContainerContent { content: Some(container_content::Content::Row(row)) },
            ContainerContent { content: Some(container_content::Content::Text(text("d"))) },
        ],
    };
    assert_eq!(
        render_one(C::Container(container)),
        json!({ "componentContainer": { "containerContent": [ expected_row, { "componentText": { "text": "d" } } ] } })
    );
}

#[test]
fn unspecified_enums_are_omitted() {
    use component::Component as C;
    assert_eq!(render_one(C::Text(text("x"))), json!({ "componentText": { "text": "x" } }));
    let p = PlainText { plain_text: "x".into(), plain_text_size: 0, plain_text_color: 0 };
    assert_eq!(render_one(C::PlainText(p)), json!({ "componentPlainText": { "plainText": "x" } }));
    assert_eq!(
        render_one(C::Badge(Badge { badge_label: "x".into(), badge_color: 0 })),
        json!({ "componentBadge": { "badgeLabel": "x" } })
    );
    assert_eq!(render_one(C::Divider(Divider { divider_spacing_size: 0 })), json!({ "componentDivider": {} }));
    assert_eq!(render_one(C::Spacer(Spacer { spacer_size: 0 })), json!({ "componentSpacer": {} }));
}

#[test]
fn unknown_enum_integer_is_a_render_error_naming_the_field() {
    use component::Component as C;
    let t = Text { text: "x".into(), text_size: 99, text_color: 0 };
    let err = render_components(&[top(C::Text(t))]).expect_err("99 is unknown");
    let RenderError::Invalid { path, rule, message } = err;
    assert_eq!(rule, Rule::Enum);
    assert_eq!(path, "components[0].componentText.textSize");
    assert_eq!(
        message,
        "unknown TextSize value 99 (is the card service built from a newer proto?); use one of \
         the TEXT_SIZE_* values"
    );
}

#[test]
fn unknown_enum_deep_inside_a_container_row_has_the_full_path() {
    use component::Component as C;
    let row = Row {
        row_main_content: vec![row_text("a")],
        row_aside_content: vec![RowContent {
            content: Some(row_content::Content::Divider(Divider { divider_spacing_size: -1 })),
        }],
    };
    let container = Container {
        container_content: vec![
            ContainerContent { content: Some(container_content::Content::Text(text("t"))) },
            ContainerContent { content: Some(container_content::Content::Row(row)) },
        ],
    };
    let err =
        render_components(&[top(C::Text(text("first"))), top(C::Container(container))]).expect_err("-1 is unknown");
    assert_eq!(
        err.to_string(),
        "components[1].componentContainer.containerContent[1].componentRow.rowAsideContent[0]\
         .componentDivider.dividerSpacingSize: unknown SpacingSize value -1 (is the card service \
         built from a newer proto?); use one of the SPACING_SIZE_* values"
    );
}

#[test]
fn unset_oneofs_are_render_errors() {
    use component::Component as C;
    let mut components: Vec<Component> = (0..3).map(|i| top(C::Text(text(&i.to_string())))).collect();
    components.push(Component { component: None });
    assert_eq!(
        render_components(&components),
        Err(RenderError::Invalid {
            path: "components[3]".into(),
            rule: Rule::OneOf,
            message: "component at components[3] has no variant set; set exactly one component in it".into(),
        })
    );

    let row = Row { row_main_content: vec![RowContent { content: None }], row_aside_content: vec![row_text("x")] };
    let container = Container { container_content: vec![ContainerContent { content: None }] };
    let errors = render_checked(&[top(C::Row(row)), top(C::Container(container))]).expect_err("unset");
    assert_eq!(
        errors,
        vec![
            Violation::new(
                "components[0].componentRow.rowMainContent[0]",
                Rule::OneOf,
                "row content at components[0].componentRow.rowMainContent[0] has no variant set; \
                 set exactly one component in it"
            ),
            Violation::new(
                "components[1].componentContainer.containerContent[0]",
                Rule::OneOf,
                "container content at components[1].componentContainer.containerContent[0] has no \
                 variant set; set exactly one component in it"
            ),
        ]
    );
}

#[test]
fn render_checked_rejects_a_too_long_label() {
    use component::Component as C;
    let ok = Badge { badge_label: "b".repeat(500), badge_color: 0 };
    assert!(render_checked(&[top(C::Badge(ok))]).is_ok());
    let long = Badge { badge_label: "b".repeat(501), badge_color: 0 };
    assert_eq!(
        render_checked(&[top(C::Badge(long))]),
        Err(vec![Violation::new(
            "components[0].componentBadge.badgeLabel",
            Rule::MaxChars,
            "must be at most 500 characters; got 501"
        )])
    );
}

#[test]
fn render_checked_reports_missing_spacer_size_and_workflow_identifier() {
    use component::Component as C;
    let errors = render_checked(&[
        top(C::Spacer(Spacer { spacer_size: 0 })),
        top(C::WorkflowButton(workflow("Run", None))),
        top(C::Row(Row { row_main_content: vec![], row_aside_content: vec![row_text("x")] })),
    ])
    .expect_err("invalid");
    let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        vec![
            "components[0].componentSpacer.spacerSize: is required; use one of XS, S, M, L, XL",
            "components[1].componentWorkflowButton.workflowButtonWorkflowIdentifier: must set \
             exactly one of workflowId or workflowKey; got none",
            "components[2].componentRow.rowMainContent: must have at least 1 component; got an \
             empty array",
        ]
    );
}

#[test]
fn date_time_and_user_render_with_plains_names() {
    use component::Component as C;
    assert_eq!(
        render_one(C::DateTime(date_time("2026-03-01T09:30:00Z"))),
        json!({ "componentDateTime": { "dateTimeIso8601": "2026-03-01T09:30:00Z" } })
    );
    for (identifier, name) in [
        (user::UserIdentifier::UserId("u_1".into()), "userId"),
        (user::UserIdentifier::EmailAddress("u_1".into()), "emailAddress"),
        (user::UserIdentifier::MachineUserId("u_1".into()), "machineUserId"),
    ] {
        assert_eq!(
            render_one(C::User(user_by(identifier))),
            json!({ "componentUser": { "userIdentifier": { name: "u_1" } } })
        );
    }
    // Unset identifier and a bad date-time render as given; the validator reports them.
    let errors = render_checked(&[top(C::User(User::default())), top(C::DateTime(date_time("2026-03-01")))])
        .expect_err("invalid");
    let got: Vec<(&str, Rule)> = errors.iter().map(|v| (v.path.as_str(), v.rule)).collect();
    assert_eq!(
        got,
        [
            ("components[0].componentUser.userIdentifier", Rule::OneOf),
            ("components[1].componentDateTime.dateTimeIso8601", Rule::DateTime),
        ]
    );
}

#[test]
fn empty_component_list_renders_an_empty_array() {
    assert_eq!(render_checked(&[]), Ok(json!([])));
}

/// The renderer's enum names are exactly the validator's lists, in proto order.
#[test]
fn enum_names_match_the_validator() {
    fn names(kind: EnumKind) -> Vec<&'static str> {
        assert_eq!(kind.map(0), EnumValue::Unspecified);
        let mut out = vec![];
        for v in 1..=16 {
            match kind.map(v) {
                EnumValue::Name(n) => out.push(n),
                EnumValue::Unknown => {}
                EnumValue::Unspecified => panic!("{} {v} unspecified", kind.name),
            }
        }
        assert_eq!(kind.map(i32::MAX), EnumValue::Unknown);
        assert_eq!(kind.map(i32::MIN), EnumValue::Unknown);
        out
    }
    assert_eq!(names(TEXT_SIZE), enum_values("TextSize"));
    assert_eq!(names(TEXT_COLOR), enum_values("TextColor"));
    assert_eq!(names(BADGE_COLOR), enum_values("BadgeColor"));
    assert_eq!(names(SPACING_SIZE), enum_values("SpacingSize"));
}
