//! The response cache, with the in-process store and with a real `redis-server` (feature
//! `redis`): hits, TTLs, scopes, stale-if-error, invalidation, coalescing, and Redis outages.

use std::time::Duration;

use cardmesh_gateway::config::{Config, Secret};
use cardmesh_tests::providers::ScopedCards;
use cardmesh_tests::store::Store;
use cardmesh_tests::*;
use serde_json::json;
// What only the Redis scenarios use.
#[cfg(feature = "redis")]
use {
    cardmesh_gateway::cache::card_cache_keys, cardmesh_gateway::discovery::Scope,
    cardmesh_gateway::plain::parse_request, cardmesh_tests::telemetry::Metrics,
};

/// The card services' token of the test gateways (invalidation only).
const ADMIN_TOKEN: &str = "service-token-for-cache-tests-0123456789";
const CUSTOMER: &str = "c_cache_1";

fn body(keys: &[&str], thread: &str) -> String {
    PlainBody::new(keys)
        .customer(CUSTOMER, "cache@example.com", Some("cus_cache_1"))
        .thread(Some(thread))
        .tenant(Some("te_1"))
        .build()
}

fn config(store: &Store, service: &RunningService) -> Config {
    let mut config = gateway_config(&[service.endpoint()]);
    config.admin.service_token = Some(Secret::new(ADMIN_TOKEN));
    config.cache.cooldown = Duration::from_millis(300);
    if let Some(url) = store.redis_url() {
        config.cache.redis_url = Some(Secret::new(url));
    }
    config
}

async fn stack(store: &Store, cards: ScopedCards) -> (RunningService, RunningGateway) {
    let service = RunningService::start(cards).await;
    let gateway = RunningGateway::start_ready(config(store, &service)).await;
    (service, gateway)
}

both_stores!(second_request_is_served_from_the_cache: hit_memory, hit_redis);
both_stores!(thread_scope_is_per_thread_customer_scope_is_shared: scope_memory, scope_redis);
both_stores!(stale_copy_is_served_when_the_service_is_down: stale_memory, stale_redis);
both_stores!(invalidation_makes_the_next_request_call_the_service: invalidate_memory, invalidate_redis);
both_stores!(concurrent_identical_misses_make_one_call: coalesce_memory, coalesce_redis);

async fn second_request_is_served_from_the_cache(store: Store) {
    let cards = ScopedCards::default();
    let (_service, gw) = stack(&store, cards.clone()).await;
    let body = body(&["account", "thread-notes"], "th_1");

    let first = gw.post_signed(&body).await;
    assert_eq!(first.status, 200, "{}", first.json);
    assert_eq!((first.cache_count("hits"), first.cache_count("misses")), (0, 2));
    gw.flush_cache().await;

    let second = gw.post_signed(&body).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.cache_count("hits"), 2);
    second.assert_same_cards_from_the_cache(&first);
    assert_eq!((cards.calls("account"), cards.calls("thread-notes")), (1, 1));
}

async fn thread_scope_is_per_thread_customer_scope_is_shared(store: Store) {
    let cards = ScopedCards::default();
    let (_service, gw) = stack(&store, cards.clone()).await;
    let keys = ["account", "thread-notes"];

    assert_eq!(gw.post_signed(&body(&keys, "th_a")).await.status, 200);
    gw.flush_cache().await;
    let other_thread = gw.post_signed(&body(&keys, "th_b")).await;
    assert!(other_thread.card("thread-notes")["components"][0]["componentText"]["text"]
        .as_str()
        .unwrap()
        .ends_with("in th_b"));
    gw.flush_cache().await;
    let again = gw.post_signed(&body(&keys, "th_a")).await;
    assert_eq!(again.cache_count("hits"), 2);

    assert_eq!(cards.calls("account"), 1, "customer scope is shared across threads");
    assert_eq!(cards.calls("thread-notes"), 2, "thread scope is drawn once per thread");
}

async fn stale_copy_is_served_when_the_service_is_down(store: Store) {
    let cards = ScopedCards::default();
    let (mut service, gw) = stack(&store, cards.clone()).await;
    let keys = ["short-lived", "account", "tenant-plan"];
    let fresh = gw.post_signed(&body(&keys[..2], "th_1")).await;
    gw.flush_cache().await;
    service.stop().await;

    // `short-lived` expires after 1 s; from then on its last good copy is served.
    let stale_answer = Wait::new("the short-lived card served stale", Duration::from_secs(10))
        .every(Duration::from_millis(50))
        .until(|| async {
            let answer = gw.post_signed(&body(&keys, "th_1")).await;
            if answer.cache_count("stale") == 1 {
                Ok(answer)
            } else {
                Err(answer.json.to_string())
            }
        })
        .await;
    assert_eq!(stale_answer.status, 200);
    let stale_card = stale_answer.card("short-lived");
    assert!(!is_fallback(stale_card), "{stale_card}");
    assert_eq!(stale_card["components"], fresh.card("short-lived")["components"]);
    assert_eq!(stale_card["timeToLiveSeconds"], 30, "a stale copy gets the short fallback TTL");
    let (account, fresh_account) = (stale_answer.card("account"), fresh.card("account"));
    assert_eq!(account["components"], fresh_account["components"], "still fresh in the cache");
    assert!(account["timeToLiveSeconds"].as_u64() <= fresh_account["timeToLiveSeconds"].as_u64());
    assert!(is_fallback(stale_answer.card("tenant-plan")), "never cached: fallback");
    assert_eq!(cards.calls("short-lived"), 1);
}

async fn invalidation_makes_the_next_request_call_the_service(store: Store) {
    let cards = ScopedCards::default();
    let (_service, gw) = stack(&store, cards.clone()).await;
    let body = body(&["account", "thread-notes"], "th_1");
    gw.post_signed(&body).await;
    gw.flush_cache().await;

    // Plain's port faces the internet: invalidation is on the admin listener only.
    let on_plain_port = gw.url("/admin/invalidate");
    assert_eq!(gw.invalidate_at(&on_plain_port, ADMIN_TOKEN, json!({ "customerId": CUSTOMER })).await, 404);
    assert_eq!(gw.post_signed(&body).await.cache_count("hits"), 2, "the Plain port invalidated nothing");
    assert_eq!(gw.invalidate("wrong-token", json!({ "customerId": CUSTOMER })).await, 401);
    assert_eq!(gw.invalidate(ADMIN_TOKEN, json!({ "customerId": "" })).await, 400);

    // One card.
    assert_eq!(gw.invalidate(ADMIN_TOKEN, json!({ "customerId": CUSTOMER, "cardKeys": ["account"] })).await, 200);
    let after_one = gw.post_signed(&body).await;
    assert_eq!(after_one.cache_count("hits"), 1);
    assert_eq!((cards.calls("account"), cards.calls("thread-notes")), (2, 1));
    gw.flush_cache().await;

    // All of the customer's cards.
    assert_eq!(gw.invalidate(ADMIN_TOKEN, json!({ "customerId": CUSTOMER })).await, 200);
    let after_all = gw.post_signed(&body).await;
    assert_eq!(after_all.cache_count("hits"), 0);
    assert_eq!((cards.calls("account"), cards.calls("thread-notes")), (3, 2));
    gw.flush_cache().await;
    assert_eq!(gw.post_signed(&body).await.cache_count("hits"), 2, "cached again after invalidation");
}

async fn concurrent_identical_misses_make_one_call(store: Store) {
    let cards = ScopedCards::with_delay(Duration::from_millis(500));
    let (_service, gw) = stack(&store, cards.clone()).await;
    let body = body(&["account"], "th_1");
    let answers = futures::future::join_all((0..50).map(|_| gw.post_signed(&body))).await;
    for answer in &answers {
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json, answers[0].json);
        assert!(!is_fallback(answer.card("account")));
    }
    assert_eq!(cards.calls("account"), 1, "50 concurrent misses share one service call");
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn ttl_in_redis_is_the_cards_ttl() {
    let store = Store::redis().await;
    let Store::Redis(redis) = &store else { unreachable!() };
    let (_service, gw) = stack(&store, ScopedCards::default()).await;
    let keys = ["account", "thread-notes", "answer-ttl"];
    let body = body(&keys, "th_1");
    assert_eq!(gw.post_signed(&body).await.status, 200);
    gw.flush_cache().await;

    let request = parse_request(body.as_bytes(), 25).unwrap().0;
    let mut conn = redis.client().await;
    for (key, scope, ttl) in
        [("account", Scope::Customer, 120), ("thread-notes", Scope::Thread, 60), ("answer-ttl", Scope::Customer, 45)]
    {
        let k = card_cache_keys("w_test", key, scope, &request);
        let fresh: i64 = ::redis::cmd("PTTL").arg(&k.fresh).query_async(&mut conn).await.unwrap();
        assert!((ttl * 1000 - 5000..=ttl * 1000).contains(&fresh), "{key}: PTTL {fresh} ms, want ~{ttl} s");
        let stale: i64 = ::redis::cmd("PTTL").arg(k.stale()).query_async(&mut conn).await.unwrap();
        let want = (ttl + 24 * 3600) * 1000;
        assert!((want - 5000..=want).contains(&stale), "{key}: stale PTTL {stale} ms");
        let value: String = ::redis::cmd("GET").arg(&k.fresh).query_async(&mut conn).await.unwrap();
        assert!(!value.contains("cache@example.com"), "no email in the stored value");
    }
}

/// A gateway on Redis without the near cache, because these scenarios are about Redis
/// itself: every read goes to Redis. The `account` card was drawn once and then hit.
#[cfg(feature = "redis")]
async fn warm_redis_gateway(store: &Store, cards: &ScopedCards) -> (RunningService, RunningGateway, String) {
    let service = RunningService::start(cards.clone()).await;
    let mut config = config(store, &service);
    config.cache.near_ttl = Duration::ZERO;
    let gw = RunningGateway::start_ready(config).await;
    let body = body(&["account"], "th_1");
    gw.post_signed(&body).await;
    gw.flush_cache().await;
    assert_eq!(gw.post_signed(&body).await.cache_count("hits"), 1);
    (service, gw, body)
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_outage_keeps_answers_fresh_and_caching_resumes() {
    let store = Store::redis().await;
    let Store::Redis(redis) = &store else { unreachable!() };
    let cards = ScopedCards::default();
    let (_service, gw, body) = warm_redis_gateway(&store, &cards).await;

    redis.stop().await;
    for i in 0..5 {
        let answer = gw.post_signed(&body).await;
        assert_eq!(answer.status, 200, "request {i} while Redis is down");
        assert!(!is_fallback(answer.card("account")), "fresh from the service");
    }
    assert_eq!(cards.calls("account"), 6);

    redis.restart().await;
    // After the cool-down the gateway probes Redis again and stores what it draws.
    wait_until("caching resumes after Redis is back", Duration::from_secs(20), || async {
        let answer = gw.post_signed(&body).await;
        gw.flush_cache().await;
        answer.status == 200 && answer.cache_count("hits") == 1
    })
    .await;
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn a_redis_restart_costs_no_failed_read_or_invalidation() {
    let store = Store::redis().await;
    let Store::Redis(redis) = &store else { unreachable!() };
    let cards = ScopedCards::default();
    let (_service, gw, body) = warm_redis_gateway(&store, &cards).await;

    // Nothing is sent while Redis restarts: the gateway's connection is closed under it,
    // and only the next command finds out.
    redis.stop().await;
    redis.restart().await;
    assert_eq!(
        gw.invalidate(ADMIN_TOKEN, json!({ "customerId": CUSTOMER })).await,
        200,
        "first command after the restart"
    );
    redis.stop().await;
    redis.restart().await;
    let answer = gw.post_signed(&body).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.cache_count("misses"), 1, "the invalidation moved the customer's generation");
    assert_eq!(gw.metrics().await.value("cardmesh_cache_errors_total", &[]), 0.0, "no read failed");
    assert_eq!(cards.calls("account"), 2);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn near_cache_answers_a_hot_customer_and_sees_other_replicas_invalidations_within_its_ttl() {
    let store = Store::redis().await;
    let Store::Redis(redis) = &store else { unreachable!() };
    let cards = ScopedCards::default();
    let service = RunningService::start(cards.clone()).await;
    let near_ttl = Duration::from_millis(400);
    let replica = || {
        let mut config = config(&store, &service);
        config.cache.near_ttl = near_ttl;
        // This is about what each replica sees, not about slow Redis: on a busy machine a
        // read past the usual 100ms counts as a miss (B would draw its own copy), and a
        // write past 500ms is dropped (A's copy would never reach B).
        config.cache.read_timeout = Duration::from_secs(5);
        config.cache.write_timeout = Duration::from_secs(5);
        RunningGateway::start_ready(config)
    };
    let (a, b) = (replica().await, replica().await);
    let body = body(&["account"], "th_1");

    a.post_signed(&body).await;
    a.flush_cache().await;
    assert_eq!(b.post_signed(&body).await.cache_count("hits"), 1, "a card drawn by A is a hit on B");
    assert_eq!(cards.calls("account"), 1);

    // A hot customer is answered from memory: even with Redis gone, B still hits.
    redis.stop().await;
    assert_eq!(b.post_signed(&body).await.cache_count("hits"), 1, "served by the near cache");
    redis.restart().await;
    wait_until("both replicas hit again after the restart", Duration::from_secs(20), || async {
        a.post_signed(&body).await.cache_count("hits") == 1 && b.post_signed(&body).await.cache_count("hits") == 1
    })
    .await;
    let before = cards.calls("account");

    // A's invalidation is seen by A at once, and by B within the near TTL, as A's new copy.
    cards.set_edition(2);
    assert_eq!(a.invalidate(ADMIN_TOKEN, json!({ "customerId": CUSTOMER })).await, 200);
    let fresh = a.post_signed(&body).await;
    assert_eq!(fresh.cache_count("misses"), 1, "A sees its own invalidation at once");
    assert!(fresh.card("account").to_string().contains("edition 2"));
    a.flush_cache().await;
    // B learns of A's invalidation only from Redis, once its near copy has expired: an entry
    // lives at most the near TTL (gateway/src/cache/near.rs,
    // `an_entry_never_outlives_the_near_ttl_or_its_own_ttl`). Here B gets A's new copy, and
    // draws none of its own (below).
    wait_until("B serves A's new copy", Duration::from_secs(20), || async {
        let answer = b.post_signed(&body).await;
        answer.cache_count("hits") == 1 && answer.card("account").to_string().contains("edition 2")
    })
    .await;
    let trouble = |m: Metrics| {
        let (errors, dropped) =
            (m.value("cardmesh_cache_errors_total", &[]), m.value("cardmesh_cache_dropped_writes_total", &[]));
        format!("{errors} read errors, {dropped} dropped writes")
    };
    let (trouble_a, trouble_b) = (trouble(a.metrics().await), trouble(b.metrics().await));
    assert_eq!(
        cards.calls("account"),
        before + 1,
        "B read A's copy instead of drawing its own (A: {trouble_a}; B: {trouble_b})"
    );
}

#[tokio::test]
async fn gateway_starts_and_serves_while_redis_is_unreachable() {
    let cards = ScopedCards::default();
    let service = RunningService::start(cards.clone()).await;
    let mut config = config(&Store::Memory, &service);
    config.cache.redis_url = Some(Secret::new(format!("redis://127.0.0.1:{}/0", closed_port())));
    let gw = RunningGateway::start_ready(config).await;
    for _ in 0..3 {
        let answer = gw.post_signed(&body(&["account"], "th_1")).await;
        assert_eq!(answer.status, 200);
        assert!(!is_fallback(answer.card("account")));
        gw.flush_cache().await;
    }
    assert_eq!(cards.calls("account"), 3, "every request drew the card: no cache, no failure");
}

#[tokio::test]
async fn admin_endpoint_is_off_without_a_token() {
    let service = RunningService::start(ScopedCards::default()).await;
    let mut config = config(&Store::Memory, &service);
    config.admin.service_token = None;
    let gw = RunningGateway::start_ready(config).await;
    assert_eq!(gw.invalidate("anything", json!({ "customerId": CUSTOMER })).await, 404);
}

#[tokio::test]
async fn disabled_cache_calls_the_service_every_time() {
    let cards = ScopedCards::default();
    let service = RunningService::start(cards.clone()).await;
    let mut config = config(&Store::Memory, &service);
    config.cache.enabled = false;
    let gw = RunningGateway::start_ready(config).await;
    for _ in 0..3 {
        assert_eq!(gw.post_signed(&body(&["account"], "th_1")).await.cache_count("hits"), 0);
    }
    assert_eq!(cards.calls("account"), 3);
}
