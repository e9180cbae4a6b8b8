//! The draw marks of shared flight (README, Caching: one draw per card across replicas)
//! under attack: a mark someone with write access to Redis sets by hand and never removes.
//!
//! A mark is trusted only for its presence, so the worst a forged or stuck mark can do is
//! delay a card's draw: never past the request's budget, after which the card is answered as
//! a timeout would be (its stale copy, else the fallback card), and never with the service
//! called for it meanwhile.

#[cfg(feature = "redis")]
use {
    cardmesh_gateway::config::Secret,
    cardmesh_tests::providers::DatedCards,
    cardmesh_tests::redis::RedisServer,
    cardmesh_tests::telemetry::Metrics,
    cardmesh_tests::*,
    std::time::{Duration, Instant},
};

/// Plain's timeout of one request: a stuck mark must never hold an answer that long.
#[cfg(feature = "redis")]
const PLAIN_TIMEOUT: Duration = Duration::from_secs(15);

/// One gateway over a real Redis, with a request budget of 2 s.
#[cfg(feature = "redis")]
async fn gateway(redis: &RedisServer, cards: &DatedCards) -> (RunningService, RunningGateway) {
    let service = RunningService::start(cards.clone()).await;
    let mut config = gateway_config(&[service.endpoint()]);
    config.cache.redis_url = Some(Secret::new(redis.url()));
    config.cache.near_ttl = Duration::ZERO;
    config.fanout.service_deadline = Duration::from_millis(1_500);
    config.fanout.overall_budget = Duration::from_secs(2);
    let gateway = RunningGateway::start_ready(config).await;
    (service, gateway)
}

/// The draw mark of the customer-scoped card `card_key` of the request `body`, in `w_test`.
#[cfg(feature = "redis")]
fn drawing_key(body: &str, card_key: &str) -> String {
    let request: cardmesh_gateway::plain::CardRequest = serde_json::from_str(body).unwrap();
    let scope = cardmesh_gateway::discovery::Scope::Customer;
    cardmesh_gateway::cache::card_cache_keys("w_test", card_key, scope, &request).drawing()
}

#[cfg(feature = "redis")]
async fn forge_mark(redis: &RedisServer, mark: &str) {
    let mut conn = redis.client().await;
    // A day long, and without the time a gateway's mark carries.
    let _: () = ::redis::cmd("SET").arg(mark).arg("forged").arg("EX").arg(86_400).query_async(&mut conn).await.unwrap();
}

#[cfg(feature = "redis")]
async fn unjoined_by_deadline(gateway: &RunningGateway) -> f64 {
    let text = gateway.client().get(gateway.admin_url("/metrics")).send().await.unwrap().text().await.unwrap();
    Metrics::parse(&text).value("cardmesh_shared_draw_waits_unjoined_total", &[("reason", "deadline")])
}

/// The first text of `card` (a dated card's says its version and when it was drawn).
#[cfg(feature = "redis")]
fn text_of(card: &serde_json::Value) -> &str {
    card["components"][0]["componentText"]["text"].as_str().unwrap_or_default()
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn a_stuck_draw_mark_holds_no_request_past_its_budget_and_the_fallback_card_is_served() {
    let redis = RedisServer::start().await;
    let cards = DatedCards::new(Duration::from_secs(60));
    let (_service, gateway) = gateway(&redis, &cards).await;
    let body = PlainBody::new(&["profile"]).customer("c_stuck", "c_stuck@example.com", None).build();
    forge_mark(&redis, &drawing_key(&body, "profile")).await;

    let sent = Instant::now();
    let answer = gateway.post_signed(&body).await;
    let took = sent.elapsed();
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.cache, "hits=0, misses=1, stale=0");
    assert_eq!(DatedCards::drawn(text_of(answer.card("profile"))), None, "the fallback card: {}", answer.json);
    assert!(took < PLAIN_TIMEOUT, "answered after {took:?}: Plain would have given up");
    assert_eq!(cards.calls("profile"), 0, "the service waits for the mark's holder, as for a draw in progress");
    assert_eq!(unjoined_by_deadline(&gateway).await, 1.0);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn a_stuck_draw_mark_over_an_expired_card_gets_its_stale_copy_served() {
    let redis = RedisServer::start().await;
    // Cards live 1 s: a fresh copy is never served (less than a second left), its stale copy
    // stays for the stale window.
    let cards = DatedCards::new(Duration::from_secs(1));
    let (_service, gateway) = gateway(&redis, &cards).await;
    let body = PlainBody::new(&["profile"]).customer("c_stale", "c_stale@example.com", None).build();
    let first = gateway.post_signed(&body).await;
    assert_eq!(DatedCards::drawn(text_of(first.card("profile"))).map(|(v, _)| v), Some(1));
    gateway.flush_cache().await;
    forge_mark(&redis, &drawing_key(&body, "profile")).await;

    let sent = Instant::now();
    let answer = gateway.post_signed(&body).await;
    let took = sent.elapsed();
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.cache, "hits=0, misses=1, stale=1", "{}", answer.json);
    assert_eq!(DatedCards::drawn(text_of(answer.card("profile"))).map(|(v, _)| v), Some(1), "the stale copy");
    assert!(took < PLAIN_TIMEOUT, "answered after {took:?}: Plain would have given up");
    assert_eq!(cards.calls("profile"), 1, "not drawn again while the mark stands");
    assert_eq!(unjoined_by_deadline(&gateway).await, 1.0);
}
