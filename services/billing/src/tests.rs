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

fn components(card: &Card) -> &[Component] {
    match card {
        Card::Components { components, .. } => components,
        other => panic!("expected components, got {other:?}"),
    }
}

#[test]
fn embedded_fixture_is_valid() {
    let cards = BillingCards::from_fixture_json(EMBEDDED).expect("embedded fixture parses");
    assert!(cards.data().len() >= 2);
}

#[test]
fn describes_two_customer_cards() {
    let specs = BillingCards::embedded().cards();
    let keys: Vec<(&str, u64)> = specs.iter().map(|s| (s.key.as_str(), s.default_ttl.as_secs())).collect();
    assert_eq!(keys, [(SUBSCRIPTION_STATUS, 300), (LATEST_INVOICE, 600)]);
    assert!(specs.iter().all(|s| s.scope == cardmesh_kit::Scope::Customer));
}

#[tokio::test]
async fn known_customer_gets_both_cards() {
    let cards = BillingCards::embedded();
    let ada = ctx(Some("cus_demo_1"), "ada@example.com");

    let subscription = cards.card(SUBSCRIPTION_STATUS, &ada).await;
    let expected: Vec<Component> = vec![container([
        ContainerContent::from(row(
            [plain_text("Pro (annual)").size(TextSize::L)],
            [badge("Active").color(BadgeColor::Green)],
        )),
        row([text("Renews on").color(TextColor::Muted)], [plain_text("2026-09-01")]).into(),
        link_button("Open billing portal", "https://billing.example.com/portal/cus_demo_1").into(),
    ])
    .into()];
    assert_eq!(subscription, Card::Components { components: expected, ttl: None });

    let invoice = cards.card(LATEST_INVOICE, &ada).await;
    let drawn = components(&invoice);
    assert_eq!(problems(drawn), Vec::<String>::new());
    let shown = format!("{drawn:?}");
    for expected in ["$1,188.00", "Paid", "INV-2026-0042", "Copy invoice number", "2026-04-01"] {
        assert!(shown.contains(expected), "{expected:?} missing from {shown}");
    }
}

#[tokio::test]
async fn found_by_email_when_external_id_is_absent_or_unknown() {
    let cards = BillingCards::embedded();
    let by_id = cards.card(SUBSCRIPTION_STATUS, &ctx(Some("cus_demo_1"), "")).await;
    for ctx in [ctx(None, "ADA@Example.com"), ctx(Some("cus_not_here"), "ada@example.com")] {
        assert_eq!(cards.card(SUBSCRIPTION_STATUS, &ctx).await, by_id);
    }
    let linus = cards.card(LATEST_INVOICE, &ctx(None, "linus@example.com")).await;
    let shown = format!("{:?}", components(&linus));
    assert!(shown.contains("€49.00") && shown.contains("Overdue"), "{shown}");
}

#[tokio::test]
async fn partial_data_gives_no_data_for_the_missing_card() {
    let cards = BillingCards::embedded();
    let grace = ctx(Some("cus_demo_2"), "grace@example.com");
    let subscription = cards.card(SUBSCRIPTION_STATUS, &grace).await;
    assert!(format!("{subscription:?}").contains("Past due"));
    assert_eq!(cards.card(LATEST_INVOICE, &grace).await, Card::NoData);
}

#[tokio::test]
async fn unknown_customer_and_unknown_key_give_no_data() {
    let cards = BillingCards::embedded();
    let nobody = ctx(Some("cus_nobody"), "nobody@example.com");
    let keys = [SUBSCRIPTION_STATUS.to_string(), LATEST_INVOICE.to_string()];
    for (_, card) in cards.get_cards(&keys, &nobody).await {
        assert_eq!(card, Card::NoData);
    }
    let ada = ctx(Some("cus_demo_1"), "ada@example.com");
    let answers = cards.get_cards(&["usage".to_string()], &ada).await;
    assert_eq!(answers, vec![("usage".to_string(), Card::NoData)]);
}

fn error_of(json: &str) -> String {
    format!("{:#}", BillingCards::from_fixture_json(json).expect_err("fixture should be rejected"))
}

const SUBSCRIPTION: &str = r#""subscription": {"plan": "Pro", "status": "active", "renewsOn": "2026-01-01", "portalUrl": "https://example.com/p"}"#;

#[test]
fn bad_fixtures_are_rejected_with_the_reason() {
    assert!(error_of("{").contains("EOF"), "{}", error_of("{"));
    assert!(error_of(r#"{"customer": []}"#).contains("unknown field `customer`"));

    let bad_status = SUBSCRIPTION.replace("active", "actve");
    let error = error_of(&format!(r#"{{"customers": [{{"externalId": "a", {bad_status}}}]}}"#));
    assert!(error.contains("unknown variant `actve`"), "{error}");

    let error = error_of(r#"{"customers": [{"externalId": "a", "subscription": {"plan": "Pro"}}]}"#);
    assert!(error.contains("missing field `status`"), "{error}");

    let http = SUBSCRIPTION.replace("https://", "http://");
    let error = error_of(&format!(r#"{{"customers": [{{"externalId": "a", {http}}}]}}"#));
    assert!(error.contains("customers[0]") && error.contains("portalUrl"), "{error}");

    let empty_plan = SUBSCRIPTION.replace(r#""Pro""#, r#""  ""#);
    let error = error_of(&format!(r#"{{"customers": [{{"externalId": "a", {empty_plan}}}]}}"#));
    assert!(error.contains("subscription.plan must not be empty"), "{error}");

    let long_plan = SUBSCRIPTION.replace(r#""Pro""#, &format!("{:?}", "x".repeat(10_001)));
    let error = error_of(&format!(r#"{{"customers": [{{"externalId": "a", {long_plan}}}]}}"#));
    assert!(error.contains("must be at most 10000 characters"), "{error}");

    let error = error_of(r#"{"customers": [{"externalId": "a"}, {"externalId": "a"}]}"#);
    assert!(error.contains("customers[1]") && error.contains("\"a\""), "{error}");

    let error = error_of(r#"{"customers": [{"subscription": null}]}"#);
    assert!(error.contains("external id or an email"), "{error}");
}

#[test]
fn from_env_reads_the_named_file() {
    // The only test that touches CARDMESH_FIXTURES.
    let path = std::env::temp_dir().join(format!("billing-fixture-{}.json", std::process::id()));
    std::fs::write(&path, format!(r#"{{"customers": [{{"externalId": "only", {SUBSCRIPTION}}}]}}"#))
        .expect("write fixture");
    std::env::set_var(FIXTURES_ENV, &path);
    let from_file = BillingCards::from_env();
    std::env::set_var(FIXTURES_ENV, path.with_extension("missing"));
    let missing = BillingCards::from_env();
    std::env::remove_var(FIXTURES_ENV);
    let embedded = BillingCards::from_env();
    let _ = std::fs::remove_file(&path);

    assert_eq!(from_file.expect("fixture file").data().len(), 1);
    let error = format!("{:#}", missing.expect_err("missing file"));
    assert!(error.contains(FIXTURES_ENV) && error.contains(".missing"), "{error}");
    assert!(embedded.expect("embedded").data().len() >= 2);
}

#[test]
fn a_fixture_change_names_the_customers_and_cards_that_changed() {
    let original = include_str!("../fixtures/billing.json");
    assert!(crate::changed_cards_between(original, original).unwrap().is_empty());
    let upgraded = original.replacen("Pro (annual)", "Enterprise (annual)", 1);
    assert_eq!(
        crate::changed_cards_between(original, &upgraded).unwrap(),
        [("cus_demo_1".to_owned(), vec![crate::SUBSCRIPTION_STATUS])]
    );
    let paid = original.replacen("\"past_due\"", "\"active\"", 1).replacen("INV-2026-0042\",", "INV-2026-0043\",", 1);
    let changes = crate::changed_cards_between(original, &paid).unwrap();
    assert_eq!(
        changes,
        [
            ("cus_demo_1".to_owned(), vec![crate::LATEST_INVOICE]),
            ("cus_demo_2".to_owned(), vec![crate::SUBSCRIPTION_STATUS]),
        ]
    );
}

#[tokio::test]
async fn every_card_of_every_fixture_customer_passes_plains_rules() {
    use cardmesh_kit::testing::{assert_no_problems, customer, ProviderCall};
    let call = ProviderCall::new(BillingCards::embedded());
    for (external_id, email) in [
        (Some("cus_demo_1"), "ada@example.com"),
        (Some("cus_demo_2"), "grace@example.com"),
        (Some("cus_demo_3"), "margaret@example.com"),
        (None, "nobody@example.com"),
    ] {
        assert_no_problems(&call.all_cards(customer("c_1", email, external_id)).await);
    }
}

mod extend_trial {
    use cardmesh_kit::proto;
    use cardmesh_kit::testing::{assert_no_problems, customer, ProviderCall};
    use cardmesh_kit::ActionOutcome;
    use serde_json::json;

    use super::super::*;

    /// The fixture's trialing customer: trial ends on 2026-06-01.
    fn margaret() -> proto::Customer {
        customer("c_3", "margaret@example.com", Some("cus_demo_3"))
    }

    /// The subscription card's components as JSON text, checked against Plain's rules.
    async fn subscription_card(call: &ProviderCall<BillingCards>, who: proto::Customer) -> String {
        let results = call.get_cards(&[SUBSCRIPTION_STATUS], who).await.expect("GetCards");
        assert_no_problems(&results);
        format!("{:?}", results[0])
    }

    fn request(key: &str, body: serde_json::Value, preview: bool) -> proto::RunActionRequest {
        proto::RunActionRequest {
            action: EXTEND_TRIAL.into(),
            workspace_id: "w_test".into(),
            customer: Some(margaret()),
            thread: Some(proto::Thread { id: "th_1".into(), external_id: None }),
            body_json: body.to_string(),
            idempotency_key: key.into(),
            preview,
        }
    }

    #[tokio::test]
    async fn describes_the_action_and_the_card_it_changes() {
        let described = ProviderCall::new(BillingCards::embedded()).describe().await;
        assert_eq!(described.actions.len(), 1);
        assert_eq!(described.actions[0].name, "extend-trial");
        assert_eq!(described.actions[0].changes_cards, [SUBSCRIPTION_STATUS]);
        assert!(!described.actions[0].description.is_empty());
    }

    #[tokio::test]
    async fn extends_a_trial_once_and_the_card_shows_it() {
        let call = ProviderCall::new(BillingCards::embedded().with_workflow_key("wf-extend"));
        let before = subscription_card(&call, margaret()).await;
        for shown in ["Trial ends on", "2026-06-01", "Extend trial", "WorkflowKey(\"wf-extend\")"] {
            assert!(before.contains(shown), "{shown:?} missing from {before}");
        }

        let outcome = call.run_action(EXTEND_TRIAL, margaret(), json!({"days": 14})).await.expect("RunAction");
        assert_eq!(outcome, ActionOutcome::succeeded("Trial extended to 2026-06-15"));
        let after = subscription_card(&call, margaret()).await;
        assert!(after.contains("2026-06-15") && after.contains("Trial extended to 2026-06-15"), "{after}");
        assert!(!after.contains("Extend trial") && !after.contains("2026-06-01"), "{after}");

        // A second click (another delivery, another key) is refused, and says why.
        let again = call.run_action(EXTEND_TRIAL, margaret(), json!({})).await.expect("RunAction");
        assert_eq!(again, ActionOutcome::refused("The trial was already extended once, to 2026-06-15"));
        assert_eq!(subscription_card(&call, margaret()).await, after);
    }

    #[tokio::test]
    async fn a_repeated_idempotency_key_gets_the_first_outcome_and_extends_once() {
        let call = ProviderCall::new(BillingCards::embedded());
        let first = call.run_action_request(request("idem-1", json!({"days": 30}), false)).await.expect("first");
        let retry = call.run_action_request(request("idem-1", json!({"days": 30}), false)).await.expect("retry");
        assert_eq!(first, ActionOutcome::succeeded("Trial extended to 2026-07-01"));
        assert_eq!(retry, first);
        assert!(subscription_card(&call, margaret()).await.contains("Trial extended to 2026-07-01"));
    }

    #[tokio::test]
    async fn the_default_is_fourteen_days() {
        let call = ProviderCall::new(BillingCards::embedded());
        let outcome = call.run_action(EXTEND_TRIAL, margaret(), serde_json::Value::Null).await.expect("RunAction");
        assert_eq!(outcome, ActionOutcome::succeeded("Trial extended to 2026-06-15"));
    }

    #[tokio::test]
    async fn a_preview_run_changes_nothing() {
        let call = ProviderCall::new(BillingCards::embedded());
        let before = subscription_card(&call, margaret()).await;
        let preview = call.run_action_request(request("idem-p", json!({"days": 7}), true)).await.expect("preview");
        assert_eq!(preview, ActionOutcome::succeeded("Preview: would extend the trial to 2026-06-08"));
        assert_eq!(subscription_card(&call, margaret()).await, before);
        // The same key for real afterwards runs: a preview leaves no record.
        let real = call.run_action_request(request("idem-p", json!({"days": 7}), false)).await.expect("real");
        assert_eq!(real, ActionOutcome::succeeded("Trial extended to 2026-06-08"));
    }

    #[tokio::test]
    async fn refusals_name_the_reason_and_change_nothing() {
        let call = ProviderCall::new(BillingCards::embedded());
        let ada = customer("c_1", "ada@example.com", Some("cus_demo_1"));
        let nobody = customer("c_9", "nobody@example.com", None);
        let cases = [
            (margaret(), json!({"days": 0}), "days must be a whole number from 1 to 30 (got 0)"),
            (margaret(), json!({"days": 31}), "days must be a whole number from 1 to 30 (got 31)"),
            (margaret(), json!({"days": "14"}), "days must be a whole number from 1 to 30"),
            (ada.clone(), json!({}), "The subscription is not in trial (it is active)"),
            (nobody, json!({}), "Billing has no record for this customer"),
        ];
        for (who, body, reason) in cases {
            let outcome = call.run_action(EXTEND_TRIAL, who, body).await.expect("RunAction");
            assert_eq!(outcome, ActionOutcome::refused(reason));
        }
        let card = subscription_card(&call, margaret()).await;
        assert!(card.contains("2026-06-01") && card.contains("Extend trial"), "{card}");
        assert!(!subscription_card(&call, ada).await.contains("Extend trial"));
        let metrics = call.metrics().render();
        assert!(
            metrics.contains(r#"cardmesh_kit_actions_total{action="extend-trial",outcome="refused"} 5"#),
            "{metrics}"
        );
    }

    #[test]
    fn a_trialing_subscription_needs_a_date() {
        let fixture = r#"{"customers": [{"externalId": "a", "subscription": {"plan": "Pro", "status": "trialing", "renewsOn": "soon", "portalUrl": "https://example.com/p"}}]}"#;
        let error = format!("{:#}", BillingCards::from_fixture_json(fixture).expect_err("rejected"));
        assert!(error.contains("renewsOn") && error.contains("2026-06-01"), "{error}");
    }
}
