//! Attacks on the gateway's connection to Redis (feature `redis`: real `redis-server`
//! processes on 127.0.0.1, the gateway in this process on real sockets):
//!
//! - a Redis that cannot prove itself: a server whose certificate chains to another CA, or a
//!   gateway without the client certificate mutual TLS requires, is never talked to, and with
//!   `cache.required_to_start` the gateway refuses to start, naming Redis and the problem;
//! - a wrong ACL password is refused by Redis, and never appears in the error;
//! - gateways of two environments sharing one Redis (`cache.namespace`) never read each
//!   other's cards, and every key the gateway touches is inside its namespace: a Redis user
//!   allowed only `~staging:*` serves the staging gateway without one refused command.

use std::time::Duration;

use cardmesh_gateway::config::{Config, Secret};
use cardmesh_gateway::Gateway;
use cardmesh_tests::pki::{PemDir, TestCa};
use cardmesh_tests::providers::ScopedCards;
use cardmesh_tests::redis::{RedisServer, RedisTlsFiles};
use cardmesh_tests::*;
use serde_json::json;

const ADMIN_TOKEN: &str = "service-token-for-the-redis-security-tests";
const USER: &str = "cardmesh-gateway";
const PASSWORD: &str = "the-acl-password-of-the-gateway";

fn body() -> String {
    PlainBody::new(&["account"]).customer("c_redis_1", "redis@example.com", None).build()
}

/// A config for `url` that must reach Redis at start (briefly: these Redis answer at once or
/// never).
fn config(service: &RunningService, url: String) -> Config {
    let mut config = gateway_config(&[service.endpoint()]);
    config.cache.redis_url = Some(Secret::new(url));
    config.cache.required_to_start = true;
    config.cache.start_timeout = Duration::from_secs(2);
    config
}

/// The TLS settings of `tls`: its CA, and its client certificate.
fn with_tls(mut config: Config, tls: &RedisTlsFiles) -> Config {
    config.cache.redis_tls.ca_file = Some(tls.ca_file.clone());
    config.cache.redis_tls.cert_file = Some(tls.client_cert_file.clone());
    config.cache.redis_tls.key_file = Some(tls.client_key_file.clone());
    config
}

/// Starts a gateway in process the way `main` does: the error of `connect_cache`, if any.
async fn start_error(config: Config) -> Option<String> {
    config.validate().expect("a valid config");
    let gateway = Gateway::new(config).expect("gateway");
    gateway.connect_cache().await.err().map(|e| e.to_string())
}

#[tokio::test]
async fn a_redis_that_cannot_prove_itself_or_a_gateway_without_its_client_certificate_gets_no_connection() {
    let tls = RedisTlsFiles::new();
    let redis = RedisServer::builder().tls(&tls).acl_user(USER, PASSWORD).start().await;
    let service = RunningService::start(ScopedCards::default()).await;

    // The right CA and client certificate: start-up passes and the cards are cached.
    let good = with_tls(config(&service, redis.url()), &tls);
    assert_eq!(start_error(good.clone()).await, None, "the gateway reaches its TLS Redis");
    let gw = RunningGateway::start_ready(good).await;
    gw.post_signed(&body()).await;
    gw.flush_cache().await;
    assert_eq!(gw.post_signed(&body()).await.cache_count("hits"), 1, "cached in the TLS Redis");

    // A Redis whose certificate chains to another CA (an impostor, as far as the gateway
    // can tell): refused.
    let other_ca = TestCa::new("another CA");
    let dir = PemDir::new();
    let mut impostor = with_tls(config(&service, redis.url()), &tls);
    impostor.cache.redis_tls.ca_file = Some(dir.write("other-ca.pem", &other_ca.cert_pem()));
    let error = start_error(impostor).await.expect("the server's certificate is refused");
    assert!(error.contains("cache.required_to_start") && error.contains("127.0.0.1"), "{error}");
    assert!(!error.contains(PASSWORD), "the password never appears: {error}");

    // No client certificate: Redis (tls-auth-clients yes) refuses the handshake.
    let mut anonymous = with_tls(config(&service, redis.url()), &tls);
    anonymous.cache.redis_tls.cert_file = None;
    anonymous.cache.redis_tls.key_file = None;
    assert!(start_error(anonymous).await.is_some(), "Redis requires the client certificate");

    // Cleartext to the TLS port: nothing.
    let cleartext = config(&service, redis.url().replacen("rediss://", "redis://", 1));
    assert!(start_error(cleartext).await.is_some(), "no cleartext connection to a TLS Redis");
}

#[tokio::test]
async fn a_wrong_acl_password_is_refused_and_never_shown() {
    let redis = RedisServer::builder().acl_user(USER, PASSWORD).start().await;
    let service = RunningService::start(ScopedCards::default()).await;

    let mut wrong = config(&service, redis.url_without_password());
    wrong.cache.redis_username = Some(USER.into());
    wrong.cache.redis_password = Some(Secret::new("not-the-acl-password"));
    let error = start_error(wrong).await.expect("a wrong password is refused");
    assert!(error.contains("cache.required_to_start") && error.contains(&redis.address()), "{error}");
    assert!(!error.contains("not-the-acl-password") && !error.contains(PASSWORD), "{error}");

    // The `default` user is off: without a user, nothing either.
    let mut no_user = config(&service, redis.url_without_password());
    no_user.cache.redis_password = Some(Secret::new(PASSWORD));
    assert!(start_error(no_user).await.is_some(), "the default user is off");

    // The settings override the URL's user and password.
    let mut right = config(&service, format!("redis://someone:else@{}/0", redis.address()));
    right.cache.redis_username = Some(USER.into());
    right.cache.redis_password = Some(Secret::new(PASSWORD));
    assert_eq!(start_error(right).await, None);
}

#[tokio::test]
async fn an_unreachable_redis_stops_a_gateway_that_requires_it_with_an_error_naming_it() {
    let service = RunningService::start(ScopedCards::default()).await;
    let port = closed_port();
    let mut config = config(&service, format!("redis://:{PASSWORD}@127.0.0.1:{port}/0"));
    config.cache.start_timeout = Duration::from_millis(500);
    let error = start_error(config.clone()).await.expect("no Redis, no start");
    assert!(
        error.contains(&format!("Redis at 127.0.0.1:{port}")) && error.contains("CARDMESH_CACHE_REQUIRED_TO_START"),
        "{error}"
    );
    assert!(!error.contains(PASSWORD), "{error}");

    // Off (the default), the same gateway starts and answers without Redis.
    config.cache.required_to_start = false;
    assert_eq!(start_error(config.clone()).await, None);
    let gw = RunningGateway::start_ready(config).await;
    assert_eq!(gw.post_signed(&body()).await.status, 200);
}

#[tokio::test]
async fn environments_sharing_one_redis_never_see_each_others_cards_or_keys() {
    // The staging gateway's user may touch `staging:*` only; production's, everything.
    let redis = RedisServer::builder()
        .args(["--user", "staging", "on", ">staging-password", "~staging:*", "+@all"])
        .start()
        .await;
    let cards = ScopedCards::default();
    let service = RunningService::start(cards.clone()).await;
    let environment = |namespace: &str, url: String| {
        let mut config = config(&service, url);
        config.cache.namespace = Some(namespace.into());
        config.admin.service_token = Some(Secret::new(ADMIN_TOKEN));
        config.cache.near_ttl = Duration::ZERO;
        config.cache.read_timeout = Duration::from_secs(2);
        config.cache.write_timeout = Duration::from_secs(2);
        config
    };
    let staging_url = format!("redis://staging:staging-password@{}/0", redis.address());
    let staging = RunningGateway::start_ready(environment("staging", staging_url)).await;
    let production = RunningGateway::start_ready(environment("production", redis.url())).await;

    staging.post_signed(&body()).await;
    staging.flush_cache().await;
    assert_eq!(staging.post_signed(&body()).await.cache_count("hits"), 1, "staging caches under its user");
    let answer = production.post_signed(&body()).await;
    assert_eq!(answer.cache_count("misses"), 1, "production never reads staging's card");
    production.flush_cache().await;
    assert_eq!(cards.calls("account"), 2);
    // An invalidation moves staging's counters and list of workspaces, inside its namespace.
    assert_eq!(staging.invalidate(ADMIN_TOKEN, json!({ "customerId": "c_redis_1" })).await, 200);
    assert_eq!(staging.post_signed(&body()).await.cache_count("misses"), 1, "staging's invalidation took");
    assert_eq!(production.post_signed(&body()).await.cache_count("hits"), 1, "production's card is untouched");
    staging.flush_cache().await;

    let metrics = staging.metrics().await;
    assert_eq!(metrics.value("cardmesh_cache_errors_total", &[]), 0.0, "no staging read was refused");
    assert_eq!(metrics.value("cardmesh_cache_dropped_writes_total", &[]), 0.0, "no staging write was refused");
    let mut conn = redis.client().await;
    let keys: Vec<String> = ::redis::cmd("KEYS").arg("*").query_async(&mut conn).await.unwrap();
    assert!(!keys.is_empty());
    for key in &keys {
        assert!(key.starts_with("staging:") || key.starts_with("production:"), "a key outside the namespaces: {key}");
    }
    assert!(keys.iter().any(|k| k.starts_with("staging:")) && keys.iter().any(|k| k.starts_with("production:")));
}
