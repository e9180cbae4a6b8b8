//! The gateway end to end over real sockets: the example services and misbehaving ones on
//! 127.0.0.1, a gateway in front of them, signed Plain requests.

use std::time::Duration;

use cardmesh_tests::providers::{InvalidCards, SlowCards};
use cardmesh_tests::*;

const ALL_KEYS: [&str; 4] = ["usage", "subscription-status", "customer-details", "latest-invoice"];

async fn stack() -> (ExampleServices, RunningGateway) {
    let services = ExampleServices::start().await;
    let gateway = RunningGateway::start_ready(gateway_config(&services.endpoints())).await;
    (services, gateway)
}

#[tokio::test]
async fn all_keys_answered_in_request_order_across_services() {
    let (_services, gw) = stack().await;
    let answer = gw.post_signed(&demo_body(&ALL_KEYS)).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.keys(), ALL_KEYS);
    for card in answer.cards() {
        let components = card["components"].as_array().unwrap_or_else(|| panic!("data for {card}"));
        assert!(!components.is_empty());
        assert!(!is_fallback(card), "{card}");
    }
    // The response follows every Plain rule.
    let violations = cardmesh_rules::validate_response_for(&answer.json, &ALL_KEYS);
    assert!(violations.is_empty(), "{violations:?}");
}

#[tokio::test]
async fn duplicate_keys_are_answered_once() {
    let (_services, gw) = stack().await;
    let answer = gw.post_signed(&demo_body(&["usage", "latest-invoice", "usage", "latest-invoice"])).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.keys(), ["usage", "latest-invoice"]);
}

#[tokio::test]
async fn bad_or_missing_signature_is_401() {
    let (_services, gw) = stack().await;
    let body = demo_body(&["usage"]);
    let missing = gw.post(&body, None).await;
    assert_eq!((missing.status, missing.error_code()), (401, "missing_signature"));
    let wrong = gw.post(&body, Some("not-the-secret")).await;
    assert_eq!((wrong.status, wrong.error_code()), (401, "invalid_signature"));
    // A signature over other bytes (re-serialised JSON) does not verify.
    let sig = cardmesh_gateway::verify::sign(SECRET, format!("{body} ").as_bytes());
    let resp = gw
        .client()
        .post(gw.url("/cards"))
        .header("content-type", "application/json")
        .header("plain-request-signature", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn second_secret_is_accepted() {
    let (_services, gw) = stack().await;
    let answer = gw.post(&demo_body(&["usage"]), Some(SECOND_SECRET)).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.keys(), ["usage"]);
}

#[tokio::test]
async fn malformed_json_and_wrong_types_are_400_naming_the_field() {
    let (_services, gw) = stack().await;
    let syntax = gw.post_signed("{\"cardKeys\": [").await;
    assert_eq!((syntax.status, syntax.error_code()), (400, "invalid_json"));

    let wrong_type = gw.post_signed(r#"{"cardKeys":["usage",7],"customer":{"id":"c"}}"#).await;
    assert_eq!(wrong_type.status, 400);
    assert_eq!(wrong_type.json["error"]["field"], "cardKeys[1]");

    let missing = gw.post_signed(r#"{"cardKeys":["usage"]}"#).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json["error"]["field"], "customer");

    let nested = gw.post_signed(r#"{"cardKeys":[],"customer":{"id":"c","externalId":12}}"#).await;
    assert_eq!(nested.json["error"]["field"], "customer.externalId");

    let bad_key = gw.post_signed(&demo_body(&["usage", "no/slash"])).await;
    assert_eq!(bad_key.status, 400);
    assert_eq!(bad_key.json["error"]["field"], "cardKeys[1]");
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let (_services, gw) = stack().await;
    let body = demo_body(&["usage"]);
    let resp = gw
        .client()
        .post(gw.url("/"))
        .header("content-type", "text/plain")
        .header("plain-request-signature", cardmesh_gateway::verify::sign(SECRET, body.as_bytes()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let (_services, gw) = stack().await;
    let filler = "x".repeat(70 * 1024);
    let body = format!(r#"{{"cardKeys":["usage"],"customer":{{"id":"c","email":"{filler}"}}}}"#);
    let answer = gw.post_signed(&body).await;
    assert_eq!((answer.status, answer.error_code()), (413, "payload_too_large"));
}

#[tokio::test]
async fn unknown_key_gets_null_components() {
    let (_services, gw) = stack().await;
    let answer = gw.post_signed(&demo_body(&["usage", "no-such-card"])).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.keys(), ["usage", "no-such-card"]);
    assert!(answer.card("no-such-card")["components"].is_null());
    assert!(answer.card("usage")["components"].is_array());
}

#[tokio::test]
async fn unknown_customer_gets_null_components() {
    let (_services, gw) = stack().await;
    let answer = gw.post_signed(&body_for(&ALL_KEYS, Some("cus_nobody"), "nobody@example.com")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.keys(), ALL_KEYS);
    for card in answer.cards() {
        assert!(card["components"].is_null(), "{card}");
    }
}

#[tokio::test]
async fn customer_found_by_email_when_external_id_is_absent() {
    let (_services, gw) = stack().await;
    let answer = gw.post_signed(&body_for(&["customer-details"], None, "ada@example.com")).await;
    assert!(answer.card("customer-details")["components"].is_array(), "{}", answer.json);
}

#[tokio::test]
async fn stopped_service_gets_fallback_cards_and_the_others_are_real() {
    let (mut services, gw) = stack().await;
    services.billing.stop().await;
    let answer = gw.post_signed(&demo_body(&ALL_KEYS)).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.keys(), ALL_KEYS);
    for key in ["subscription-status", "latest-invoice"] {
        let card = answer.card(key);
        assert!(is_fallback(card), "{card}");
        assert_eq!(card["timeToLiveSeconds"], 30);
    }
    for key in ["usage", "customer-details"] {
        assert!(!is_fallback(answer.card(key)));
        assert!(answer.card(key)["components"].is_array());
    }
}

#[tokio::test]
async fn slow_service_is_cut_at_its_deadline() {
    let services = ExampleServices::start().await;
    let slow = RunningService::start(SlowCards { key: "slow-card", delay: Duration::from_secs(30) }).await;
    let endpoints = services.endpoints_with(&slow);
    let mut config = gateway_config(&endpoints);
    config.fanout.service_deadline = Duration::from_millis(500);
    let gw = RunningGateway::start_ready(config).await;

    let answer = gw.post_signed(&demo_body(&["usage", "slow-card"])).await;
    assert_eq!(answer.status, 200);
    assert!(is_fallback(answer.card("slow-card")));
    assert!(!is_fallback(answer.card("usage")));
    // The service answers after 30 s: the gateway cut the call at its deadline, and says so.
    let metrics = gw.metrics().await;
    let slow_name = gw.service_name(&slow.endpoint());
    let timeouts = metrics.value("cardmesh_service_calls_total", &[("service", &slow_name), ("outcome", "timeout")]);
    assert_eq!(timeouts, 1.0, "{}", metrics.text);
    assert_eq!(metrics.value("cardmesh_fallback_cards_total", &[("reason", "timeout")]), 1.0, "{}", metrics.text);
}

#[tokio::test]
async fn invalid_trees_and_reported_errors_get_fallback_cards() {
    let services = ExampleServices::start().await;
    let invalid = RunningService::start(InvalidCards).await;
    let endpoints = services.endpoints_with(&invalid);
    let gw = RunningGateway::start_ready(gateway_config(&endpoints)).await;

    let keys = ["label-too-long", "usage", "bad-url", "empty-text", "reported-error"];
    let answer = gw.post_signed(&demo_body(&keys)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.keys(), keys);
    for key in ["label-too-long", "bad-url", "empty-text", "reported-error"] {
        assert!(is_fallback(answer.card(key)), "{key}: {}", answer.card(key));
    }
    assert!(!is_fallback(answer.card("usage")));
}

#[tokio::test]
async fn every_service_down_is_503() {
    let (mut services, gw) = stack().await;
    services.billing.stop().await;
    services.usage.stop().await;
    services.accounts.stop().await;
    let answer = gw.post_signed(&demo_body(&ALL_KEYS)).await;
    assert_eq!((answer.status, answer.error_code()), (503, "services_unavailable"));
}

#[tokio::test]
async fn services_that_start_late_are_picked_up() {
    // Reserve a port, start the gateway in front of it while nothing listens there.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let gw = RunningGateway::start(gateway_config(&[endpoint])).await;

    let early = gw.post_signed(&demo_body(&["usage"])).await;
    assert_eq!(early.status, 503, "{}", early.json);
    let ready = gw.client().get(gw.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);

    let _usage = RunningService::start_on(usage_service::UsageCards::embedded(), listener);
    gw.wait_ready().await;
    let later = gw.post_signed(&demo_body(&["usage"])).await;
    assert_eq!(later.status, 200);
    assert!(later.card("usage")["components"].is_array());
}

#[tokio::test]
async fn healthz_answers() {
    let (_services, gw) = stack().await;
    let resp = gw.client().get(gw.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn example_cards_render_as_snapshotted() {
    let (_services, gw) = stack().await;
    let answer = gw.post_signed(&demo_body(&ALL_KEYS)).await;
    for key in ALL_KEYS {
        insta::assert_json_snapshot!(format!("example_card_{key}"), answer.card(key));
    }
}

#[tokio::test]
async fn oversized_cards_and_answers_get_fallback_cards() {
    let services = ExampleServices::start().await;
    let invalid = RunningService::start(InvalidCards).await;
    let endpoints = services.endpoints_with(&invalid);
    let gw = RunningGateway::start_ready(gateway_config(&endpoints)).await;
    let answer = gw.post_signed(&demo_body(&["too-big", "usage"])).await;
    assert_eq!(answer.status, 200);
    assert!(is_fallback(answer.card("too-big")), "a 50 KB card is over the 32 KiB limit");
    assert!(!is_fallback(answer.card("usage")));

    // The big card alone fits both limits below, but not together with the others: the
    // biggest card gives way until the answer fits.
    let mut config = gateway_config(&endpoints);
    config.limits.max_card_bytes = 51_900; // the big card is ~50.3 KB, the others ~0.9 KB each
    config.limits.max_response_bytes = 51_900;
    let small = RunningGateway::start_ready(config).await;
    let answer = small.post_signed(&demo_body(&["too-big", "usage", "customer-details"])).await;
    assert_eq!(answer.status, 200);
    assert!(is_fallback(answer.card("too-big")));
    assert!(!is_fallback(answer.card("usage")) && !is_fallback(answer.card("customer-details")));
    assert!(answer.json.to_string().len() <= 51_900);
    let alone = small.post_signed(&demo_body(&["too-big"])).await;
    assert!(!is_fallback(alone.card("too-big")), "alone it fits");
}
