use super::*;
use crate::build::*;

#[test]
fn valid_tree_has_no_problems() {
    let components = vec![
        Component::from(text("hi")),
        date_time_iso8601("2026-03-01T09:30:00Z").into(),
        user_by_email("owner@example.com").into(),
        container([
            ContainerContent::from(row([plain_text("a")], [copy_button("v").tooltip("Copy")])),
            row([user_by_id("u_1")], Vec::<RowContent>::new()).into(),
            spacer(SpacingSize::M).into(),
            workflow_button_key("Run", "refund").into(),
            link_button("Open", "https://example.com/x?y=1").into(),
            machine_user("mu_1").into(),
        ])
        .into(),
    ];
    assert_eq!(problems(&components), Vec::<String>::new());
}

#[test]
fn reports_each_problem_with_its_json_path_and_rule() {
    let long = "x".repeat(501);
    let components = vec![
        Component::from(text("")),
        container(Vec::<ContainerContent>::new()).into(),
        container([
            ContainerContent::from(row([badge(long.as_str())], Vec::<RowContent>::new())),
            link_button("Open", "/relative").into(),
            spacer(SpacingSize::Unspecified).into(),
            date_time_iso8601("2026-03-01").into(),
        ])
        .into(),
        Component::default(),
        row(Vec::<RowContent>::new(), [user_by_id("")]).into(),
    ];
    let found: Vec<(String, &str)> = findings(&components).into_iter().map(|v| (v.path, v.rule.code())).collect();
    let expected = [
        ("components[0].componentText.text", "minChars"),
        ("components[1].componentContainer.containerContent", "minItems"),
        (
            "components[2].componentContainer.containerContent[0].componentRow.rowMainContent[0].componentBadge.badgeLabel",
            "maxChars",
        ),
        (
            "components[2].componentContainer.containerContent[1].componentLinkButton.linkButtonUrl",
            "url",
        ),
        (
            "components[2].componentContainer.containerContent[2].componentSpacer.spacerSize",
            "required",
        ),
        (
            "components[2].componentContainer.containerContent[3].componentDateTime.dateTimeIso8601",
            "dateTime",
        ),
        ("components[3]", "oneOf"),
        ("components[4].componentRow.rowMainContent", "minItems"),
        (
            "components[4].componentRow.rowAsideContent[0].componentUser.userIdentifier.userId",
            "minChars",
        ),
    ];
    let expected: Vec<(String, &str)> = expected.iter().map(|(p, r)| (p.to_string(), *r)).collect();
    assert_eq!(found, expected);
    assert_eq!(
        problems(&components[..1]),
        ["components[0].componentText.text: must not be empty; use 1 to 10000 characters"]
    );
}

#[test]
fn an_empty_aside_is_valid() {
    let components = [Component::from(row([text("a")], Vec::<RowContent>::new()))];
    assert_eq!(problems(&components), Vec::<String>::new());
}
