//! The gateway's Prometheus metrics over real sockets: `/metrics` on the admin listener
//! moves as requests, a timeout, an invalid card, an open circuit and cache hits happen.

use std::time::Duration;

use cardmesh_gateway::config::PolicyOverride;
use cardmesh_tests::providers::{CountingCards, InvalidCards, SlowCards};
use cardmesh_tests::*;

#[tokio::test]
async fn metrics_follow_requests_timeouts_invalid_cards_and_cache_hits() {
    let counting = CountingCards::new("counting", &["fast"]);
    let fast = RunningService::start(counting.clone()).await;
    // Far beyond the test gateways' 800 ms deadline.
    let slow = RunningService::start(SlowCards { key: "slow", delay: Duration::from_secs(5) }).await;
    let invalid = RunningService::start(InvalidCards).await;
    let mut config = gateway_config(&[fast.endpoint(), slow.endpoint(), invalid.endpoint()]);
    // One failure opens the slow service's circuit.
    config.card_services.insert(slow.endpoint(), PolicyOverride { breaker_failures: Some(1), ..Default::default() });
    let gw = RunningGateway::start_ready(config).await;

    let before = gw.metrics().await;
    assert_eq!(before.value("cardmesh_request_duration_seconds_count", &[]), 0.0, "{}", before.text);
    assert_eq!(before.value("cardmesh_cache_hits_total", &[]), 0.0, "{}", before.text);

    // 1. Every card missed: fast answers, slow times out, bad-url breaks Plain's rules.
    let first = gw.post_signed(&demo_body(&["fast", "slow", "bad-url"])).await;
    assert_eq!(first.status, 200, "{}", first.json);
    assert!(!is_fallback(first.card("fast")) && is_fallback(first.card("slow")) && is_fallback(first.card("bad-url")));
    gw.flush_cache().await;
    // 2. From the cache.
    let second = gw.post_signed(&demo_body(&["fast"])).await;
    assert_eq!(second.cache_count("hits"), 1);
    // 3. The slow service's circuit is open now: not called.
    let third = gw.post_signed(&demo_body(&["fast", "slow"])).await;
    assert_eq!(third.status, 200, "{}", third.json);
    assert!(is_fallback(third.card("slow")));
    // 4. Refused.
    assert_eq!(gw.post(&demo_body(&["fast"]), Some("not-the-secret")).await.status, 401);
    assert_eq!(counting.calls(), 1);

    let m = gw.metrics().await;
    let v = |name: &str, labels: &[(&str, &str)]| m.value(name, labels);
    // Services are labelled by their configured endpoints, not by the names they give.
    let names = [&fast, &slow, &invalid].map(|service| gw.service_name(&service.endpoint()));
    let [counting_name, slow_name, invalid_name] = names.each_ref().map(String::as_str);
    let text = &m.text;
    assert_eq!(v("cardmesh_requests_total", &[("status", "200")]), 3.0, "{text}");
    assert_eq!(v("cardmesh_requests_total", &[("status", "401")]), 1.0, "{text}");
    assert_eq!(v("cardmesh_request_duration_seconds_count", &[]), 4.0, "{text}");

    assert_eq!(v("cardmesh_service_calls_total", &[("service", counting_name), ("outcome", "ok")]), 1.0, "{text}");
    assert_eq!(v("cardmesh_service_calls_total", &[("service", slow_name), ("outcome", "timeout")]), 1.0, "{text}");
    assert_eq!(
        v("cardmesh_service_calls_total", &[("service", slow_name), ("outcome", "circuit_open")]),
        1.0,
        "{text}"
    );
    assert_eq!(v("cardmesh_service_calls_total", &[("service", invalid_name), ("outcome", "ok")]), 1.0, "{text}");
    // The timed-out call took at least its deadline (800 ms), and fell in a bucket above it.
    assert_eq!(v("cardmesh_service_call_duration_seconds_count", &[("service", slow_name)]), 2.0, "{text}");
    assert!(v("cardmesh_service_call_duration_seconds_sum", &[("service", slow_name)]) >= 0.8, "{text}");
    assert_eq!(
        v("cardmesh_service_call_duration_seconds_bucket", &[("service", slow_name), ("le", "0.5")]),
        1.0,
        "{text}"
    );
    assert_eq!(
        v("cardmesh_service_call_duration_seconds_bucket", &[("service", slow_name), ("le", "1")]),
        2.0,
        "{text}"
    );

    assert_eq!(v("cardmesh_service_cards_total", &[("service", counting_name), ("outcome", "ok")]), 1.0, "{text}");
    assert_eq!(
        v("cardmesh_service_cards_total", &[("service", invalid_name), ("outcome", "invalid_card")]),
        1.0,
        "{text}"
    );

    assert_eq!(v("cardmesh_fallback_cards_total", &[("reason", "timeout")]), 1.0, "{text}");
    assert_eq!(v("cardmesh_fallback_cards_total", &[("reason", "invalid_card")]), 1.0, "{text}");
    assert_eq!(v("cardmesh_fallback_cards_total", &[("reason", "circuit_open")]), 1.0, "{text}");

    // fast twice from the cache; fast, slow, bad-url, then slow again missed.
    assert_eq!(v("cardmesh_cache_hits_total", &[]), 2.0, "{text}");
    assert_eq!(v("cardmesh_cache_misses_total", &[]), 4.0, "{text}");
    assert_eq!(v("cardmesh_cache_stale_total", &[]), 0.0, "{text}");
    assert!(m.has("cardmesh_cache_errors_total"), "{text}");
}

#[tokio::test]
async fn metrics_are_only_on_the_admin_listener() {
    let services = ExampleServices::start().await;
    let gw = RunningGateway::start_ready(gateway_config(&services.endpoints())).await;
    let on_plain = gw.client().get(gw.url("/metrics")).send().await.expect("answer");
    assert_eq!(on_plain.status(), 404);
    assert_ne!(gw.addr, gw.admin_addr);
    assert!(gw.metrics().await.text.contains("# TYPE cardmesh_requests_total counter"));
}
