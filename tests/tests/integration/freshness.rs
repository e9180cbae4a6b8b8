//! Fresh cards: an invalidation makes Plain reload the cards (against a GraphQL server on a
//! real socket), and a card service reports its own changes through the kit.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cardmesh_gateway::config::{Config, PlainApiSettings, Secret};
use cardmesh_kit::{CustomerRef, InvalidateError, Invalidator};
use cardmesh_tests::plain_graphql::*;
use cardmesh_tests::*;
use serde_json::{json, Value};

/// The card services' token of the test gateways (invalidation only).
const ADMIN_TOKEN: &str = "service-token-for-freshness-tests-0123";
const CONFIGS: &[(&str, &str)] =
    &[("usage", "ccc_usage"), ("subscription-status", "ccc_sub"), ("latest-invoice", "ccc_inv")];

fn with_plain_api(mut config: Config, server: &PlainGraphQl) -> Config {
    config.admin.service_token = Some(Secret::new(ADMIN_TOKEN));
    config.plain_api = PlainApiSettings {
        api_key: Some(Secret::new(PLAIN_API_KEY)),
        api_url: server.url(),
        timeout: Duration::from_millis(500),
        ..Default::default()
    };
    config
}

/// The base URL of the gateway's invalidation endpoint: the admin listener.
fn admin_base(gw: &RunningGateway) -> String {
    gw.admin_url("")
}

async fn invalidate(gw: &RunningGateway, body: Value) -> Answer {
    let response = gw
        .client()
        .post(format!("{}/admin/invalidate", admin_base(gw)))
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .expect("answered");
    Answer::from(response).await
}

#[tokio::test]
async fn an_invalidation_reloads_the_cards_in_plain_and_reports_each_reload() {
    let server = PlainGraphQl::start(CONFIGS).await;
    server.add_customer("cus_demo_1", "c_test_1");
    let services = ExampleServices::start().await;
    let gw = RunningGateway::start_ready(with_plain_api(gateway_config(&services.endpoints()), &server)).await;

    let answer = invalidate(&gw, json!({ "customerId": "c_test_1", "cardKeys": ["usage"], "threadId": "th_1" })).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(
        answer.json["reloads"],
        json!([{ "cardKey": "usage", "threadId": "th_1", "outcome": "reloaded", "coalesced": false, "customerCardConfigId": "ccc_usage" }])
    );
    let reload = server.reloads().pop().expect("Plain was asked to reload");
    assert_eq!(
        reload.variables(),
        &json!({ "input": { "customerId": "c_test_1", "customerCardConfigId": "ccc_usage", "threadId": "th_1" } })
    );
    assert_eq!(reload.authorization.as_deref(), Some(&*format!("Bearer {PLAIN_API_KEY}")));

    // Plain's refusals and failures never fail the invalidation; each is reported.
    for (customer, outcome) in
        [(MUTATION_ERROR_CUSTOMER, "mutation_error"), (HTTP_500_CUSTOMER, "http_error"), (TIMEOUT_CUSTOMER, "timeout")]
    {
        let answer = invalidate(&gw, json!({ "customerId": customer, "cardKeys": ["usage"] })).await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        assert_eq!(answer.json["invalidated"]["customerId"], customer);
        assert_eq!(answer.json["reloads"][0]["outcome"], outcome, "{}", answer.json);
    }

    // A card service knows its own ids: the customer is found by external id.
    let answer = invalidate(&gw, json!({ "externalId": "cus_demo_1", "cardKeys": ["subscription-status"] })).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["invalidated"]["customerId"], "c_test_1");
    assert_eq!(answer.json["reloads"][0]["customerCardConfigId"], "ccc_sub");
    // The customer found is remembered: a second change costs no second lookup.
    let answer = invalidate(&gw, json!({ "externalId": "cus_demo_1", "cardKeys": ["latest-invoice"] })).await;
    assert_eq!(answer.json["invalidated"]["customerId"], "c_test_1", "{}", answer.json);
    assert_eq!(server.requests().iter().filter(|r| r.operation() == "CustomerByExternalId").count(), 1);
    let answer = invalidate(&gw, json!({ "externalId": "cus_nobody" })).await;
    assert_eq!((answer.status, answer.error_code()), (404, "unknown_customer"));
    for bad in
        [json!({}), json!({ "customerId": "c_1", "externalId": "x" }), json!({ "customerId": "c_1", "threadId": "" })]
    {
        let answer = invalidate(&gw, bad.clone()).await;
        assert_eq!((answer.status, answer.error_code()), (400, "invalid_body"), "{bad}");
    }

    let metrics =
        gw.client().get(format!("http://{}/metrics", gw.admin_addr)).send().await.unwrap().text().await.unwrap();
    for line in
        ["cardmesh_plain_reloads_total{outcome=\"reloaded\"} 3", "cardmesh_plain_reloads_total{outcome=\"timeout\"} 1"]
    {
        assert!(metrics.lines().any(|l| l == line), "{line} missing from:\n{metrics}");
    }
    gw.stop().await;
}

#[tokio::test]
async fn without_an_api_key_nothing_is_sent_to_plain() {
    let server = PlainGraphQl::start(CONFIGS).await;
    let mut config = gateway_config(&[]);
    config.admin.service_token = Some(Secret::new(ADMIN_TOKEN));
    let gw = RunningGateway::start(config).await;
    let answer = invalidate(&gw, json!({ "customerId": "c_1", "cardKeys": ["usage"] })).await;
    assert_eq!((answer.status, &answer.json["reloads"]), (200, &json!([])));
    let answer = invalidate(&gw, json!({ "externalId": "cus_demo_1" })).await;
    assert_eq!((answer.status, answer.error_code()), (400, "external_id_needs_plain_api"));
    assert!(server.requests().is_empty());
    gw.stop().await;
}

#[tokio::test]
async fn billing_reports_a_fixture_change_and_the_next_answer_is_fresh() {
    let server = PlainGraphQl::start(CONFIGS).await;
    server.add_customer("cus_demo_1", "c_test_1");
    let fixture = std::env::temp_dir().join(format!("cardmesh-billing-{}.json", std::process::id()));
    let original = include_str!("../../../services/billing/fixtures/billing.json");
    std::fs::write(&fixture, original).unwrap();
    let cards = billing_service::BillingCards::from_fixture_json(original).unwrap();
    let billing = RunningService::start(cards.clone()).await;
    let gw = RunningGateway::start_ready(with_plain_api(gateway_config(&[billing.endpoint()]), &server)).await;
    let invalidator = Invalidator::new(&admin_base(&gw), ADMIN_TOKEN).expect("a loopback URL");
    let watch = tokio::spawn(billing_service::watch_fixture(
        cards,
        fixture.clone(),
        Duration::from_millis(50),
        Some(invalidator),
    ));

    let body = demo_body(&["subscription-status", "latest-invoice"]);
    let before = gw.post_signed(&body).await;
    assert!(before.card("subscription-status").to_string().contains("Pro (annual)"), "{}", before.json);
    gw.flush_cache().await;
    assert_eq!(gw.post_signed(&body).await.cache_count("hits"), 2, "cached");

    // The plan of cus_demo_1 changes in billing's data.
    std::fs::write(&fixture, original.replacen("Pro (annual)", "Enterprise (annual)", 1)).unwrap();
    wait_until("Plain was asked to reload the subscription card", Duration::from_secs(10), || async {
        server.reloads().iter().any(|r| r.variables()["input"]["customerCardConfigId"] == "ccc_sub")
    })
    .await;
    let reload =
        server.reloads().into_iter().find(|r| r.variables()["input"]["customerCardConfigId"] == "ccc_sub").unwrap();
    assert_eq!(reload.variables()["input"]["customerId"], "c_test_1");
    // Only the card whose data changed is reloaded.
    assert!(!server.reloads().iter().any(|r| r.variables()["input"]["customerCardConfigId"] == "ccc_inv"));

    let after = gw.post_signed(&body).await;
    assert!(after.card("subscription-status").to_string().contains("Enterprise (annual)"), "{}", after.json);
    assert_eq!(after.cache_count("misses"), 1, "only the changed card is drawn again: {}", after.cache);

    watch.abort();
    std::fs::remove_file(&fixture).ok();
    gw.stop().await;
}

#[tokio::test]
async fn the_kit_retries_gateway_errors_and_never_panics() {
    // A gateway that answers 503 twice, then 200.
    let attempts = Arc::new(AtomicU32::new(0));
    let counter = attempts.clone();
    let app = axum::Router::new().route(
        "/admin/invalidate",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                    (
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        axum::Json(json!({ "error": { "code": "cache_unavailable" } })),
                    )
                } else {
                    (axum::http::StatusCode::OK, axum::Json(json!({ "invalidated": {} })))
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let flaky = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let invalidator = Invalidator::new(&flaky, "t").expect("loopback").with_retries(3, Duration::from_millis(10));
    assert_eq!(invalidator.invalidate(&CustomerRef::Id("c_1".into()), None).await, Ok(json!({ "invalidated": {} })));
    assert_eq!(attempts.load(Ordering::SeqCst), 3);

    // Nothing listening: an error after every attempt, no panic.
    let closed = format!("127.0.0.1:{}", closed_port());
    let invalidator = Invalidator::new(&format!("http://{closed}"), "t")
        .expect("loopback")
        .with_retries(2, Duration::from_millis(10));
    let error = invalidator.invalidate(&CustomerRef::ExternalId("cus_1".into()), Some(&["usage"])).await.unwrap_err();
    assert!(matches!(error, InvalidateError::Unreachable { attempts: 2, .. }), "{error:?}");

    // A refusal (wrong token) is not retried.
    let mut config = gateway_config(&[]);
    config.admin.service_token = Some(Secret::new(ADMIN_TOKEN));
    let gw = RunningGateway::start(config).await;
    let wrong = Invalidator::new(&admin_base(&gw), "wrong").expect("loopback");
    let error = wrong.invalidate(&CustomerRef::Id("c_1".into()), None).await.unwrap_err();
    assert_eq!(error, InvalidateError::Refused { status: 401, code: "invalid_admin_token".into() });
    gw.stop().await;
}
