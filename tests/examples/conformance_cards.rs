//! Prints, as JSON, the conformance cards built with the Rust kit and rendered by the
//! gateway's renderer: `{ "everyLeaf": [...], "everyNesting": [...] }`. The conformance suite
//! (`tests/conformance/`) builds the same cards with Plain's `@team-plain/ui-components`
//! and compares the two after null normalisation.
//!
//! Every enum value comes from the rules catalogue, in its order, as in the suite.
//!
//! `cargo run -p cardmesh-tests --example conformance_cards`

use cardmesh_gateway::render::render_components;
use cardmesh_kit::build::*;
use cardmesh_kit::time::OffsetDateTime;
use cardmesh_rules::catalogue::enum_values;

/// Proto enum of catalogue value `name` of enumeration `prefix` (e.g. `TEXT_SIZE_` + `M`).
fn proto<E>(prefix: &str, name: &str, from: fn(&str) -> Option<E>) -> E {
    from(&format!("{prefix}{name}")).unwrap_or_else(|| panic!("no proto value {prefix}{name}"))
}

/// Every leaf builder with every enum value and every optional set and unset.
fn every_leaf() -> Vec<Component> {
    let mut out: Vec<Component> = Vec::new();
    out.push(text("**Plan**: Pro").into());
    for size in enum_values("TextSize") {
        out.push(text("sized").size(proto("TEXT_SIZE_", size, TextSize::from_str_name)).into());
        out.push(plain_text("sized").size(proto("TEXT_SIZE_", size, TextSize::from_str_name)).into());
    }
    for color in enum_values("TextColor") {
        out.push(text("colored").color(proto("TEXT_COLOR_", color, TextColor::from_str_name)).into());
        out.push(plain_text("colored").color(proto("TEXT_COLOR_", color, TextColor::from_str_name)).into());
    }
    out.push(plain_text("cus_123 <no *markdown*>").into());
    out.push(badge("plain").into());
    for color in enum_values("BadgeColor") {
        out.push(badge(*color).color(proto("BADGE_COLOR_", color, BadgeColor::from_str_name)).into());
    }
    out.push(link_button("Open in Stripe", "https://dashboard.stripe.com/customers/cus_123").into());
    out.push(copy_button("cus_123").into());
    out.push(copy_button("cus_123").tooltip("Copy customer id").into());
    out.push(divider().into());
    for size in enum_values("SpacingSize") {
        out.push(divider().spacing(proto("SPACING_SIZE_", size, SpacingSize::from_str_name)).into());
        out.push(spacer(proto("SPACING_SIZE_", size, SpacingSize::from_str_name)).into());
    }
    out.push(workflow_button_id("Issue refund", "wf_01H").into());
    let at = OffsetDateTime::from_unix_timestamp(1_772_357_400).expect("2026-03-01T09:30:00Z");
    out.push(date_time(at).into());
    out.push(user_by_email("owner@example.com").into());
    out.push(user_by_id("u_01H").into());
    out.push(text(format!("Owner {} since {}", inline::user_id("u_01H"), inline::date_time(at))).into());
    out
}

/// The leaves again, as row or container entries.
fn leaves<T>() -> Vec<T>
where
    T: From<Text>
        + From<PlainText>
        + From<Badge>
        + From<LinkButton>
        + From<CopyButton>
        + From<Divider>
        + From<Spacer>
        + From<WorkflowButton>
        + From<DateTime>
        + From<User>,
{
    let at = OffsetDateTime::from_unix_timestamp(1_772_357_400).expect("in range");
    vec![
        text("t").into(),
        plain_text("p").into(),
        badge("b").into(),
        link_button("l", "https://example.com").into(),
        copy_button("c").into(),
        divider().into(),
        spacer(SpacingSize::S).into(),
        workflow_button_id("w", "wf_1").into(),
        date_time(at).into(),
        user_by_email("owner@example.com").into(),
    ]
}

/// Every allowed nesting: every leaf in both row columns, in a container, a row in a
/// container, an empty aside.
fn every_nesting() -> Vec<Component> {
    vec![
        row(leaves::<RowContent>(), leaves::<RowContent>()).into(),
        row([text("main only")], Vec::<RowContent>::new()).into(),
        container({
            let mut content = leaves::<ContainerContent>();
            content.push(row(leaves::<RowContent>(), [badge("aside")]).into());
            content
        })
        .into(),
    ]
}

fn main() {
    let render = |components: Vec<Component>| {
        assert_eq!(problems(&components), Vec::<String>::new());
        render_components(&components).expect("renders")
    };
    let doc = serde_json::json!({
        "everyLeaf": render(every_leaf()),
        "everyNesting": render(every_nesting()),
    });
    println!("{doc}");
}
