//! Card actions end to end, in containers (the project's images, `scripts/build-images.sh`):
//! the gateway, billing (and the other example services) and Redis as docker-compose.yml wires
//! them, and the test's stand-in for Plain's GraphQL API on the host. A signed POST like
//! Plain's workflow step, with the guide's workflow body (`docs/src/guides/card-actions.md`),
//! runs billing's `extend-trial` once, however often it is delivered; Plain's stand-in is asked
//! to reload the subscription card in the thread; the next card answer shows the new trial end
//! and no button. A forged or unsigned POST, an unknown action, an unknown customer and a second
//! extension get their documented answers without running anything twice; with billing
//! stopped, the action is a 503 Plain retries, and nothing ran.

use std::time::Duration;

use cardmesh_tests::action_service::{post_action, workflow_body, ActionAnswer};
use cardmesh_tests::containers::{GatewayEnv, Stack, BILLING_METRICS_PORT, E2E_SECRET};
use cardmesh_tests::plain_graphql::{PlainGraphQl, PLAIN_API_KEY};
use cardmesh_tests::{wait_until, Answer, PlainBody};

const CARD: &str = "subscription-status";
const CONFIGS: &[(&str, &str)] = &[(CARD, "ccc_sub"), ("latest-invoice", "ccc_inv")];
/// Billing's trialing demo customer (`services/billing/fixtures/billing.json`): the trial ends
/// on 2026-06-01; the guide's body asks for 14 more days.
const CUSTOMER: &str = "c_margaret";
const EMAIL: &str = "margaret@example.com";
const EXTERNAL_ID: &str = "cus_demo_3";
const THREAD: &str = "th_margaret";
/// Long enough for a busy machine; the waits end as soon as their condition holds.
const DEADLINE: Duration = Duration::from_secs(20);

/// Billing's own count of `extend-trial` runs with `outcome`, from its metrics port.
async fn billing_runs(client: &reqwest::Client, stack: &Stack, outcome: &str) -> u64 {
    let url = format!("http://127.0.0.1:{}/metrics", stack.billing.host_port(BILLING_METRICS_PORT).await);
    let text = client.get(&url).send().await.and_then(|r| r.error_for_status()).expect("billing's metrics");
    let text = text.text().await.expect("metrics text");
    let series = format!("cardmesh_kit_actions_total{{action=\"extend-trial\",outcome=\"{outcome}\"}} ");
    text.lines().find_map(|line| line.strip_prefix(series.as_str())).map_or(0, |n| n.trim().parse().expect("a count"))
}

/// The subscription card as Plain asks for it when it reloads: one key, the same thread.
fn reload_request() -> String {
    PlainBody::new(&[CARD]).customer(CUSTOMER, EMAIL, Some(EXTERNAL_ID)).thread(Some(THREAD)).build()
}

/// The `componentWorkflowButton`s anywhere in the card's components.
fn workflow_buttons(answer: &Answer) -> Vec<serde_json::Value> {
    fn walk(value: &serde_json::Value, found: &mut Vec<serde_json::Value>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    if key == "componentWorkflowButton" {
                        found.push(inner.clone());
                    }
                    walk(inner, found);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(&answer.card(CARD)["components"], &mut found);
    found
}

#[tokio::test]
async fn a_workflow_post_runs_billings_action_once_plain_reloads_the_card_and_a_stopped_billing_is_a_retried_503() {
    let plain = PlainGraphQl::start_for_containers(CONFIGS).await;
    plain.add_customer_record(CUSTOMER, Some(EMAIL), Some(EXTERNAL_ID));
    plain.add_thread(THREAD, None, CUSTOMER);
    let env = GatewayEnv::for_tests()
        .set("CARDMESH_PLAIN_API_KEY", PLAIN_API_KEY)
        .set("CARDMESH_PLAIN_API_URL", &plain.url_for_containers())
        // The stand-in for Plain is plain HTTP on the host, outside the gateway's container.
        .set("CARDMESH_PLAIN_API_ALLOW_HTTP", "true")
        .set("CARDMESH_ACTION_DEADLINE", "5s");
    let stack = Stack::start(env).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("HTTP client");

    stack
        .run(async {
            // The card offers the button while the customer is trialing.
            let before = stack.post_signed(&reload_request()).await;
            assert_eq!(before.status, 200, "{}", before.json);
            assert_eq!(
                workflow_buttons(&before),
                [serde_json::json!({
                    "workflowButtonLabel": "Extend trial",
                    "workflowButtonWorkflowIdentifier": { "workflowKey": "extend-trial" }
                })],
                "{}",
                before.json
            );
            assert!(before.card(CARD).to_string().contains("2026-06-01"), "{}", before.json);

            // Plain's workflow step: the guide's body, signed, to /actions/extend-trial.
            let url = stack.url("/actions/extend-trial").await;
            let body = workflow_body(THREAD, EMAIL);
            let first = post_action(&client, &url, &body, Some(E2E_SECRET)).await;
            assert_eq!(first.status, 200, "{}", first.json);
            assert_eq!(first.json["outcome"], "succeeded", "{}", first.json);
            assert_eq!(first.json["message"], "Trial extended to 2026-06-15", "{}", first.json);
            assert!(!first.replayed);

            // Plain delivers the same request again: the first outcome, replayed; billing ran once.
            let again = post_action(&client, &url, &body, Some(E2E_SECRET)).await;
            assert_eq!(again.status, 200, "{}", again.json);
            assert!(again.replayed, "{:?}", again);
            assert_eq!(again.json["message"], first.json["message"]);
            assert_eq!(billing_runs(&client, &stack, "succeeded").await, 1);
            assert_eq!(billing_runs(&client, &stack, "refused").await, 0);

            // Plain's stand-in is asked to reload the declared card, in the thread.
            wait_until("Plain asked to reload the subscription card", DEADLINE, || async {
                !plain.reloads().is_empty()
            })
            .await;
            let reloads: Vec<_> = plain.reloads().iter().map(|r| r.variables().clone()).collect();
            assert_eq!(
                reloads,
                [serde_json::json!({
                    "input": { "customerId": CUSTOMER, "customerCardConfigId": "ccc_sub", "threadId": THREAD }
                })]
            );

            // Plain's reload: the new trial end, and no button any more (the gateway's near
            // cache may answer the dropped copy for up to `cache.near_ttl`, 1 s).
            let after = stack
                .post_until("the reloaded card shows the extension", &reload_request(), DEADLINE, |a| {
                    a.status == 200 && a.card(CARD).to_string().contains("Trial extended to")
                })
                .await;
            let card = after.card(CARD).to_string();
            assert!(card.contains("Trial extended to 2026-06-15"), "{}", after.json);
            assert!(!card.contains("2026-06-01"), "{}", after.json);
            assert_eq!(workflow_buttons(&after), Vec::<serde_json::Value>::new(), "{}", after.json);

            // The documented refusals, each before anything runs, and billing's own refusal.
            let forged = post_action(&client, &url, &body, Some("not-the-secret")).await;
            assert_eq!((forged.status, forged.code()), (401, "invalid_signature"), "{}", forged.json);
            let unsigned = post_action(&client, &url, &body, None).await;
            assert_eq!((unsigned.status, unsigned.code()), (401, "missing_signature"), "{}", unsigned.json);
            let unknown_url = stack.url("/actions/no-such-action").await;
            let unknown = post_action(&client, &unknown_url, &body, Some(E2E_SECRET)).await;
            assert_eq!((unknown.status, unknown.code()), (404, "unknown_action"), "{}", unknown.json);
            let nobody =
                post_action(&client, &url, &workflow_body("th_nobody", "nobody@example.com"), Some(E2E_SECRET)).await;
            assert_eq!((nobody.status, nobody.code()), (404, "customer_not_found"), "{}", nobody.json);
            let twice = body.replace("\"days\": 14", "\"days\": 7");
            assert_ne!(twice, body, "the guide's body sends days");
            let refused = post_action(&client, &url, &twice, Some(E2E_SECRET)).await;
            assert_eq!((refused.status, refused.code()), (422, "action_refused"), "{}", refused.json);
            assert_eq!(
                refused.json["error"]["reason"], "The trial was already extended once, to 2026-06-15",
                "{}",
                refused.json
            );
            assert_eq!(billing_runs(&client, &stack, "succeeded").await, 1, "nothing ran twice");
            assert_eq!(billing_runs(&client, &stack, "refused").await, 1);
            // A refusal reloads the card too (the card shows why, at its next draw).
            wait_until("Plain asked to reload after the refusal", DEADLINE, || async { plain.reloads().len() >= 2 })
                .await;

            // Billing stops: another click (another body) is a 503 Plain retries, and nothing ran.
            stack.billing.stop().await;
            let down_body = body.replace("\"days\": 14", "\"days\": 5");
            assert_ne!(down_body, body, "the guide's body sends days");
            let down: ActionAnswer = post_action(&client, &url, &down_body, Some(E2E_SECRET)).await;
            assert_eq!((down.status, down.code()), (503, "action_service_unavailable"), "{}", down.json);
            assert!(!down.replayed);
            assert_eq!(plain.reloads().len(), 2, "no reload after an action that did not run");
            let cached = stack.post_signed(&reload_request()).await;
            assert!(cached.card(CARD).to_string().contains("Trial extended to 2026-06-15"), "{}", cached.json);
        })
        .await;
}
