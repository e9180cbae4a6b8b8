use cardmesh_kit::build::*;
use cardmesh_kit::{Card, CardContext, CardProvider, Customer};

use super::*;

fn ctx(external_id: Option<&str>, email: &str) -> CardContext {
    CardContext {
        workspace_id: "w_1".into(),
        customer: Customer { id: "c_1".into(), email: Some(email.into()), external_id: external_id.map(Into::into) },
        thread: None,
        tenant: None,
    }
}

#[test]
fn embedded_fixture_is_valid() {
    let cards = UsageCards::from_fixture_json(EMBEDDED).expect("embedded fixture parses");
    assert!(cards.customers.len() >= 2);
}

#[test]
fn describes_the_usage_card() {
    let specs = UsageCards::embedded().cards();
    assert_eq!(specs.len(), 1);
    assert_eq!(specs[0].key, USAGE);
    assert_eq!(specs[0].default_ttl, DEFAULT_TTL);
}

#[tokio::test]
async fn known_customer_gets_the_usage_container() {
    let card = UsageCards::embedded().card(USAGE, &ctx(Some("cus_demo_1"), "ada@example.com")).await;
    let expected: Vec<Component> = vec![container([
        ContainerContent::from(plain_text("Current period: 1-30 June 2026").size(TextSize::S).color(TextColor::Muted)),
        row([plain_text("Events sent")], [badge("593 of 1000").color(BadgeColor::Green)]).into(),
        row([plain_text("Seats")], [badge("4 of 10").color(BadgeColor::Green)]).into(),
        row([plain_text("API calls")], [badge("12840 (no limit)").color(BadgeColor::Grey)]).into(),
        divider().spacing(SpacingSize::M).into(),
        link_button("View usage report", "https://app.example.com/usage/cus_demo_1").into(),
    ])
    .into()];
    assert_eq!(problems(&expected), Vec::<String>::new());
    assert_eq!(card, Card::Components { components: expected, ttl: None });
}

#[tokio::test]
async fn near_limit_answer_sets_a_short_ttl() {
    let card = UsageCards::embedded().card(USAGE, &ctx(None, "Grace@Example.com")).await;
    let Card::Components { components, ttl } = card else {
        panic!("grace has usage data");
    };
    assert_eq!(ttl, Some(NEAR_LIMIT_TTL));
    let shown = format!("{components:?}");
    assert!(shown.contains("962 of 1000") && shown.contains("Red"), "{shown}");
}

#[tokio::test]
async fn found_by_email_when_external_id_is_unknown() {
    let cards = UsageCards::embedded();
    let by_id = cards.card(USAGE, &ctx(Some("cus_demo_1"), "")).await;
    let by_email = cards.card(USAGE, &ctx(Some("cus_elsewhere"), "ADA@example.com")).await;
    assert_eq!(by_email, by_id);
}

#[tokio::test]
async fn no_usage_or_unknown_customer_gives_no_data() {
    let cards = UsageCards::embedded();
    assert_eq!(cards.card(USAGE, &ctx(None, "linus@example.com")).await, Card::NoData);
    assert_eq!(cards.card(USAGE, &ctx(Some("cus_nobody"), "nobody@example.com")).await, Card::NoData);
    let answers = cards.get_cards(&["latest-invoice".to_string()], &ctx(Some("cus_demo_1"), "")).await;
    assert_eq!(answers, vec![("latest-invoice".to_string(), Card::NoData)]);
}

fn error_of(usage: &str) -> String {
    let json = format!(r#"{{"customers": [{{"externalId": "a", "usage": {usage}}}]}}"#);
    format!("{:#}", UsageCards::from_fixture_json(&json).expect_err("fixture should be rejected"))
}

#[test]
fn bad_fixtures_are_rejected_with_the_reason() {
    let url = r#""reportUrl": "https://example.com/u""#;
    let error = error_of(&format!(r#"{{{url}, "metrics": []}}"#));
    assert!(error.contains("customers[0]") && error.contains("at least one metric"), "{error}");

    let error = error_of(&format!(r#"{{{url}, "metrics": [{{"label": "Seats", "used": 1, "limit": 0}}]}}"#));
    assert!(error.contains("metrics[0].limit must be at least 1"), "{error}");

    let error = error_of(&format!(r#"{{{url}, "metrics": [{{"label": "Seats", "used": -1, "limit": 3}}]}}"#));
    assert!(error.contains("invalid value: integer `-1`"), "{error}");

    let error = error_of(&format!(r#"{{{url}, "metrics": [{{"label": "", "used": 1, "limit": 3}}]}}"#));
    assert!(error.contains("metrics[0].label must not be empty"), "{error}");

    let error =
        error_of(r#"{"reportUrl": "ftp://example.com", "metrics": [{"label": "x", "used": 1, "limit": null}]}"#);
    assert!(error.contains("reportUrl must be an https:// URL"), "{error}");

    let error = error_of(&format!(r#"{{{url}, "metrics": [], "colour": "red"}}"#));
    assert!(error.contains("unknown field `colour`"), "{error}");

    let error = format!("{:#}", UsageCards::from_fixture_json("[]").expect_err("not an object"));
    assert!(error.contains("usage fixture does not match the expected shape"), "{error}");
}
