use cardmesh_proto::{
    component::Component as C, container_content::Content as CC, row_content::Content as RC, Badge, Component,
    Container, ContainerContent, Row, RowContent, Spacer, Text, User, WorkflowButton,
};

use super::*;

fn text(s: &str) -> Text {
    Text { text: s.into(), text_size: 0, text_color: 0 }
}

fn found(components: &[Component]) -> Vec<(String, Rule)> {
    findings(components).into_iter().map(|v| (v.path, v.rule)).collect()
}

#[test]
fn a_valid_tree_has_no_findings() {
    let row =
        Row { row_main_content: vec![RowContent { content: Some(RC::Text(text("main"))) }], row_aside_content: vec![] };
    let container = Container {
        container_content: vec![
            ContainerContent { content: Some(CC::Row(row.clone())) },
            ContainerContent { content: Some(CC::Spacer(Spacer { spacer_size: 2 })) },
        ],
    };
    let tree = [
        Component { component: Some(C::Text(text("hi"))) },
        Component { component: Some(C::Row(row)) },
        Component { component: Some(C::Container(container)) },
    ];
    assert_eq!(found(&tree), vec![]);
    assert!(is_valid(&tree));
    assert!(is_valid(&[]));
}

#[test]
fn unset_oneofs_are_reported_at_every_level() {
    let row = Row {
        row_main_content: vec![RowContent { content: None }],
        row_aside_content: vec![RowContent { content: Some(RC::Text(text("ok"))) }],
    };
    let container = Container {
        container_content: vec![ContainerContent { content: None }, ContainerContent { content: Some(CC::Row(row)) }],
    };
    let tree = [Component { component: None }, Component { component: Some(C::Container(container)) }];
    assert_eq!(
        found(&tree),
        vec![
            ("components[0]".to_owned(), Rule::OneOf),
            ("components[1].componentContainer.containerContent[0]".to_owned(), Rule::OneOf),
            (
                "components[1].componentContainer.containerContent[1].componentRow.rowMainContent[0]".to_owned(),
                Rule::OneOf
            ),
        ]
    );
    assert!(!is_valid(&tree));
}

#[test]
fn unknown_enum_numbers_unset_identifiers_and_limits_are_reported() {
    let tree = [
        Component { component: Some(C::User(User::default())) },
        Component {
            component: Some(C::WorkflowButton(WorkflowButton {
                workflow_button_label: "Run".into(),
                workflow_identifier: None,
            })),
        },
        Component { component: Some(C::Badge(Badge { badge_label: "x".into(), badge_color: 99 })) },
        Component { component: Some(C::Spacer(Spacer { spacer_size: 0 })) },
        Component { component: Some(C::Text(text(""))) },
        Component { component: Some(C::Container(Container { container_content: vec![] })) },
    ];
    assert_eq!(
        found(&tree),
        vec![
            ("components[0].componentUser.userIdentifier".to_owned(), Rule::OneOf),
            ("components[1].componentWorkflowButton.workflowButtonWorkflowIdentifier".to_owned(), Rule::OneOf),
            ("components[2].componentBadge.badgeColor".to_owned(), Rule::Enum),
            ("components[3].componentSpacer.spacerSize".to_owned(), Rule::Required),
            ("components[4].componentText.text".to_owned(), Rule::MinChars),
            ("components[5].componentContainer.containerContent".to_owned(), Rule::MinItems),
        ]
    );
}
