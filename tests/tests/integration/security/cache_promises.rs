//! The served ledger (README, Caching: Plain's promises) under attack: forged ledger entries
//! in Redis, and the probe header that keeps `validate --url` out of the ledger.
//!
//! - A ledger entry is not sealed; what a Redis writer can do with one is bounded: garbage is
//!   ignored and counted, a forged "Plain holds it" makes a card drawn once more, and no
//!   forged entry ever puts a card older than its TTL into an answer.
//! - `Cardmesh-Probe` gives nothing to a request without a valid signature.

use std::time::Duration;

use cardmesh_tests::providers::DatedCards;
use cardmesh_tests::*;
#[cfg(feature = "redis")]
use {
    cardmesh_gateway::config::Secret, cardmesh_tests::providers::unix_ms, cardmesh_tests::redis::RedisServer,
    cardmesh_tests::telemetry::Metrics,
};

#[cfg(feature = "redis")]
#[tokio::test]
async fn forged_ledger_entries_are_ignored_or_cost_one_draw_and_never_stretch_a_ttl() {
    let redis = RedisServer::start().await;
    let cards = DatedCards::new(Duration::from_secs(60));
    let service = RunningService::start(cards.clone()).await;
    let mut config = gateway_config(&[service.endpoint()]);
    config.cache.redis_url = Some(Secret::new(redis.url()));
    config.cache.near_ttl = Duration::ZERO;
    let gateway = RunningGateway::start_ready(config).await;
    let body =
        PlainBody::new(&["profile"]).customer("c_forge", "c_forge@example.com", None).thread(Some("th_1")).build();

    assert_eq!(gateway.post_signed(&body).await.cache, "hits=0, misses=1, stale=0");
    gateway.flush_cache().await;
    let mut conn = redis.client().await;
    let ledger: Vec<String> = ::redis::cmd("KEYS").arg("cardmesh:v3:*:served:*").query_async(&mut conn).await.unwrap();
    assert_eq!(ledger.len(), 1, "one ledger entry for the context answered: {ledger:?}");

    // Garbage: ignored (no reload), counted as a malformed value.
    let _: () = ::redis::cmd("SET").arg(&ledger[0]).arg("<script>").query_async(&mut conn).await.unwrap();
    let answer = gateway.post_signed(&body).await;
    assert_eq!(answer.cache, "hits=1, misses=0, stale=0", "garbage is no ledger entry");
    let metrics = Metrics::parse(
        &gateway.client().get(gateway.admin_url("/metrics")).send().await.unwrap().text().await.unwrap(),
    );
    assert!(metrics.value("cardmesh_cache_rejected_total", &[("reason", "malformed")]) >= 1.0);

    // A well-formed forgery claiming Plain holds an answer from long ago for a year: the card
    // is drawn once more (a reload), and the answer still carries no more than its TTL.
    let now = unix_ms();
    let forged = format!("profile={}:{}", now - 30_000, now + 31_536_000_000);
    let _: () = ::redis::cmd("SET").arg(&ledger[0]).arg(forged).query_async(&mut conn).await.unwrap();
    let answer = gateway.post_signed(&body).await;
    assert_eq!(answer.cache, "hits=0, misses=1, stale=0", "treated as a reload: one more draw");
    assert_eq!(cards.calls("profile"), 2);
    assert!(answer.card("profile")["timeToLiveSeconds"].as_u64().unwrap() <= 60);
    gateway.flush_cache().await;
    // The gateway's own answer replaced the forgery, which kept nothing of its year.
    let stored: String = ::redis::cmd("GET").arg(&ledger[0]).query_async(&mut conn).await.unwrap();
    let (card, served) = stored.split_once('=').unwrap();
    assert_eq!(card, "profile", "{stored}");
    let expires: u64 = served.split(':').nth(1).unwrap().parse().unwrap();
    assert!(expires <= unix_ms() + 60_000, "the ledger entry is the gateway's again: {stored}");
}

#[tokio::test]
async fn the_probe_header_gives_nothing_to_an_unsigned_or_badly_signed_request() {
    let service = RunningService::start(DatedCards::new(Duration::from_secs(60))).await;
    let gateway = RunningGateway::start_ready(gateway_config(&[service.endpoint()])).await;
    let body = PlainBody::new(&["profile"]).build();
    for secret in [None, Some("not-the-secret")] {
        let request = signed_post(gateway.client(), &gateway.url("/"), &body, secret, Some("w_test"))
            .header(cardmesh_gateway::http::PROBE_HEADER, "validate");
        let answer = Answer::from(request.send().await.unwrap()).await;
        assert_eq!(answer.status, 401, "{secret:?}: {}", answer.json);
    }
}
