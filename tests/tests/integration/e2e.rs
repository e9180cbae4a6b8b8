//! End to end, with the project's own images (`scripts/build-images.sh`): Redis, the three
//! example Rust card services, the Python one (`feedback`) and the gateway, each in its own container on one Docker network,
//! wired like docker-compose.yml. Requests go through the gateway's mapped port, signed.
//!
//! One scenario, in order: fresh cards; a card service stops (stale copies from Redis, fallback
//! for what was never cached); it comes back; the same for the TypeScript service (`orders`)
//! and the Python service (`feedback`); Redis stops (real cards still); Redis comes back and
//! the cache warms; the gateway restarts and answers its first request from Redis.

use std::time::{Duration, Instant};

use cardmesh_tests::containers::{plain_body, GatewayEnv, Node, Stack, GATEWAY_PORT, SERVICE_PORT};
use cardmesh_tests::{is_fallback, Answer, PlainBody};

const KEYS: [&str; 4] = ["subscription-status", "latest-invoice", "usage", "customer-details"];
const BILLING_KEYS: [&str; 2] = ["subscription-status", "latest-invoice"];
const OTHER_KEYS: [&str; 2] = ["usage", "customer-details"];
/// Fresh copies live at most this long, so a stopped service's cards turn stale quickly.
const MAX_TTL: Duration = Duration::from_secs(3);
/// `timeToLiveSeconds` of fallback cards and stale copies (the gateway's default).
const FALLBACK_TTL: u64 = 30;

/// The README's demo request: `cus_demo_1` / `ada@example.com`, all four cards.
fn ada() -> String {
    plain_body(&KEYS, "c_demo", "cus_demo_1", "ada@example.com")
}

/// `cus_demo_2` / `grace@example.com`, never requested before the billing outage.
fn grace() -> String {
    plain_body(&["subscription-status", "usage", "customer-details"], "c_demo_2", "cus_demo_2", "grace@example.com")
}

/// The Python service's card, for `cus_demo_1`.
fn ada_csat() -> String {
    plain_body(&["csat-score"], "c_demo", "cus_demo_1", "ada@example.com")
}

/// The Python service's card for a customer never asked for before its outage, with a Rust
/// service's card (a request whose every card is unreachable is answered 503 instead).
fn grace_csat() -> String {
    plain_body(&["csat-score", "usage"], "c_demo_2", "cus_demo_2", "grace@example.com")
}

fn assert_real(answer: &Answer, key: &str) {
    let card = answer.card(key);
    assert!(!is_fallback(card), "{key}: fallback card instead of real data: {card}");
    assert!(card["components"].is_array(), "{key}: no components: {card}");
}

fn counts(answer: &Answer) -> (usize, usize, usize) {
    (answer.cache_count("hits"), answer.cache_count("misses"), answer.cache_count("stale"))
}

#[tokio::test]
async fn containers_survive_outages_of_a_service_redis_and_the_gateway() {
    let started = Instant::now();
    // The restart below must fit in a fresh copy's MAX_TTL, so the gateway stops without the
    // drain a rolling update needs (that drain is tested in `shutdown::`).
    let env = GatewayEnv::for_tests()
        .set("CARDMESH_CACHE_MAX_TTL", &format!("{}s", MAX_TTL.as_secs()))
        .set("CARDMESH_SHUTDOWN_DRAIN", "0s");
    let stack = Stack::start(env).await;
    eprintln!("e2e: stack up in {:?}", started.elapsed());
    stack.run(scenario(&stack)).await;
    eprintln!("e2e: done in {:?}", started.elapsed());
}

async fn scenario(stack: &Stack) {
    // The images: unprivileged, and the health probe compose runs works both ways, quickly.
    let (code, out) = stack.gateway.exec(&["id", "-u"]).await;
    assert_eq!((code, out.trim()), (0, "10001"), "the gateway runs as the cardmesh user");
    let (code, out) = stack.billing.exec(&["cardmesh-healthcheck", "grpc", &format!("127.0.0.1:{SERVICE_PORT}")]).await;
    assert_eq!(code, 0, "grpc probe of a serving service: {out}");
    let (code, out) = stack
        .gateway
        .exec(&["cardmesh-healthcheck", "http", &format!("http://127.0.0.1:{GATEWAY_PORT}/healthz")])
        .await;
    assert_eq!(code, 0, "http probe of the gateway: {out}");
    let (code, out) = stack.gateway.exec(&["cardmesh-healthcheck", "http", "http://127.0.0.1:1/healthz"]).await;
    assert_eq!(code, 1, "http probe of a closed port: {out}");

    // (a) Everything up: four fresh cards, all drawn by the services.
    let fresh = stack.post_signed(&ada()).await;
    assert_eq!(fresh.status, 200, "{}", fresh.json);
    assert_eq!(fresh.keys(), KEYS, "one card per key, in request order");
    for key in KEYS {
        assert_real(&fresh, key);
    }
    assert_eq!(counts(&fresh), (0, 4, 0), "first request: all misses");
    let cached = stack
        .post_until("the demo cards are cached", &ada(), Duration::from_secs(5), |a| a.cache_count("hits") == 4)
        .await;
    // A cached card is the card the service drew, with the lifetime it has left.
    cached.assert_same_cards_from_the_cache(&fresh);

    // (b) Billing stops. Once the fresh copies expired (MAX_TTL), its cards come from the stale
    // copies in Redis, with the short fallback TTL; the other services' cards stay real.
    stack.billing.stop().await;
    let (code, out) =
        stack.gateway.exec(&["cardmesh-healthcheck", "grpc", &format!("{}:{SERVICE_PORT}", stack.billing.name)]).await;
    assert_eq!(code, 1, "grpc probe of a stopped service: {out}");
    // The probe gave up by itself (its 3 s deadline covers connecting too) with its verdict.
    assert!(out.starts_with("unhealthy: "), "the probe's own verdict: {out}");

    let stale = stack
        .post_until("billing cards served stale", &ada(), MAX_TTL + Duration::from_secs(10), |a| {
            a.status == 200 && a.cache_count("stale") == 2
        })
        .await;
    for key in BILLING_KEYS {
        let card = stale.card(key);
        assert!(!is_fallback(card), "{key}: stale copy expected, got a fallback: {card}");
        assert_eq!(card["components"], fresh.card(key)["components"], "{key}: the last good copy");
        assert_eq!(card["timeToLiveSeconds"], FALLBACK_TTL, "{key}: a stale copy gets the fallback TTL");
    }
    for key in OTHER_KEYS {
        assert_real(&stale, key);
        let still = stale.card(key)["components"].clone();
        assert_eq!(still, fresh.card(key)["components"], "{key}: still served by its service or the cache");
    }

    // A billing card nobody asked for before the outage has no stale copy: fallback card.
    let never_cached = stack.post_signed(&grace()).await;
    assert_eq!(never_cached.status, 200, "{}", never_cached.json);
    let card = never_cached.card("subscription-status");
    assert!(is_fallback(card), "never cached, service down: fallback card expected: {card}");
    assert_eq!(card["timeToLiveSeconds"], FALLBACK_TTL);
    for key in OTHER_KEYS {
        assert_real(&never_cached, key);
    }
    assert_eq!(never_cached.cache_count("stale"), 0);

    // (c) Billing comes back: its cards are drawn fresh again.
    stack.billing.start().await;
    let back = stack
        .post_until("billing cards fresh again", &ada(), Duration::from_secs(20), |a| {
            a.status == 200 && a.cache_count("stale") == 0 && BILLING_KEYS.iter().all(|k| !is_fallback(a.card(k)))
        })
        .await;
    for key in KEYS {
        assert_real(&back, key);
        assert_eq!(back.card(key)["components"], fresh.card(key)["components"], "{key}");
    }
    let grace_back = stack.post_signed(&grace()).await;
    assert_real(&grace_back, "subscription-status");

    // (c3) The TypeScript service: the same outage, the same stale copies and fallback cards.
    typescript_service_outage(stack, &stack.orders).await;
    // (c4) The Python service answers through the gateway; stopped, its card is the stale
    // copy or, never cached, a fallback card, as for the Rust services.
    let csat = stack.post_signed(&ada_csat()).await;
    assert_eq!(csat.status, 200, "{}", csat.json);
    assert_real(&csat, "csat-score");
    let badge = &csat.card("csat-score")["components"][0]["componentContainer"]["containerContent"][0]["componentRow"]
        ["rowAsideContent"][0]["componentBadge"];
    assert_eq!(badge["badgeLabel"], "4.6 / 5", "the fixture's score: {}", csat.json);
    let (code, out) = stack.feedback.exec(&["id", "-u"]).await;
    assert_eq!((code, out.trim()), (0, "10001"), "the Python service runs as the cardmesh user");
    stack.feedback.stop().await;
    let stale = stack
        .post_until("the csat card served stale", &ada_csat(), MAX_TTL + Duration::from_secs(10), |a| {
            a.status == 200 && a.cache_count("stale") == 1
        })
        .await;
    let card = stale.card("csat-score");
    assert_eq!(card["components"], csat.card("csat-score")["components"], "the last good copy");
    assert_eq!(card["timeToLiveSeconds"], FALLBACK_TTL);
    let never_cached = stack.post_signed(&grace_csat()).await;
    assert_eq!(never_cached.status, 200, "{}", never_cached.json);
    assert!(is_fallback(never_cached.card("csat-score")), "{}", never_cached.json);
    assert_real(&never_cached, "usage");
    stack.feedback.start().await;
    stack
        .post_until("the csat card fresh again", &grace_csat(), Duration::from_secs(20), |a| {
            a.status == 200 && !is_fallback(a.card("csat-score"))
        })
        .await;

    // (d) Redis stops: the gateway still answers with the services' real cards. Its near
    // cache may answer a hot customer for up to `cache.near_ttl` (1 s); after that, every card
    // is drawn again.
    stack.redis.stop().await;
    stack
        .post_until("the near cache has let go", &ada(), Duration::from_secs(10), |a| {
            a.status == 200 && a.cache_count("hits") == 0
        })
        .await;
    for _ in 0..3 {
        let answer = stack.post_signed(&ada()).await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        for key in KEYS {
            assert_real(&answer, key);
            assert_eq!(answer.card(key)["components"], fresh.card(key)["components"], "{key}");
        }
        assert_eq!(answer.cache_count("hits"), 0, "nothing can come from a stopped Redis");
    }

    // (e) Redis comes back (empty): the cache fills again.
    stack.redis.start().await;
    stack
        .post_until("the cache is warm again", &ada(), Duration::from_secs(30), |a| {
            a.status == 200 && a.cache_count("hits") == 4
        })
        .await;
    // Fresh copies live MAX_TTL: wait for them to be rewritten (misses), then stored (hits),
    // so the restart below has nearly all of MAX_TTL.
    stack
        .post_until("fresh copies expired and drawn again", &ada(), MAX_TTL + Duration::from_secs(5), |a| {
            a.cache_count("misses") > 0
        })
        .await;
    stack.post_until("fresh copies stored again", &ada(), Duration::from_secs(5), |a| a.cache_count("hits") == 4).await;

    // The gateway restarts (new host port); its first answer comes from Redis.
    let t = Instant::now();
    stack.gateway.stop().await;
    stack.gateway.start().await;
    stack.wait_ready().await;
    let restart = t.elapsed();
    eprintln!("e2e: gateway restarted and ready in {restart:?}");
    // Asked in a thread Plain holds nothing for (the same context again, seconds after the
    // last answer, would be a reload, drawn from the services): the demo cards are customer
    // cards, so the cached copies serve it.
    let first = stack
        .post_signed(
            &PlainBody::new(&KEYS)
                .customer("c_demo", "ada@example.com", Some("cus_demo_1"))
                .thread(Some("th_restart"))
                .build(),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.json);
    assert_eq!(
        counts(&first),
        (4, 0, 0),
        "the restarted gateway's first answer comes from Redis (restart took {restart:?}, fresh copies live {MAX_TTL:?})"
    );
    first.assert_same_cards_from_the_cache(&fresh);
}

/// `orders` (TypeScript, on kits/typescript) answers `last-order` through the gateway; stopped,
/// its card is the stale copy, or a fallback card for a customer never asked for; started
/// again, it is drawn fresh.
async fn typescript_service_outage(stack: &Stack, orders: &Node) {
    let ada = plain_body(&["last-order"], "c_demo", "cus_demo_1", "ada@example.com");
    // With a Rust service's card: a request whose every card is unreachable is answered 503.
    let grace = plain_body(&["last-order", "usage"], "c_demo_2", "cus_demo_2", "grace@example.com");
    let fresh = stack.post_signed(&ada).await;
    assert_eq!(fresh.status, 200, "{}", fresh.json);
    assert_real(&fresh, "last-order");
    assert!(fresh.card("last-order").to_string().contains("ORD-2026-1042"), "the fixture's order: {}", fresh.json);
    let (code, out) = orders.exec(&["id", "-u"]).await;
    assert_eq!((code, out.trim()), (0, "10001"), "the TypeScript service runs as the cardmesh user");
    let (code, out) = orders.exec(&["cardmesh-healthcheck", "grpc", &format!("127.0.0.1:{SERVICE_PORT}")]).await;
    assert_eq!(code, 0, "grpc probe of the TypeScript service: {out}");

    orders.stop().await;
    let stale = stack
        .post_until("last-order served stale", &ada, MAX_TTL + Duration::from_secs(10), |a| {
            a.status == 200 && a.cache_count("stale") == 1
        })
        .await;
    let card = stale.card("last-order");
    assert_eq!(card["components"], fresh.card("last-order")["components"], "the last good copy");
    assert_eq!(card["timeToLiveSeconds"], FALLBACK_TTL);
    let never_cached = stack.post_signed(&grace).await;
    assert_eq!(never_cached.status, 200, "{}", never_cached.json);
    assert!(is_fallback(never_cached.card("last-order")), "{}", never_cached.json);
    assert_real(&never_cached, "usage");

    orders.start().await;
    let back = stack
        .post_until("last-order fresh again", &grace, Duration::from_secs(20), |a| {
            a.status == 200 && !is_fallback(a.card("last-order"))
        })
        .await;
    assert!(back.card("last-order").to_string().contains("ORD-2026-0977"), "{}", back.json);
}
