//! Scale-out (feature `redis`): three gateway replicas, each with its own Redis connection
//! and near cache, in front of a real Redis Cluster of three primaries with one replica each
//! (`redis-server` processes on 127.0.0.1, see `cardmesh_tests::redis_cluster`), once in
//! cleartext and once over mutual TLS with an ACL user (the `default` user off):
//! - a card drawn through one replica is a hit on the others, and an invalidation through
//!   one replica is seen by all once their near copies expire;
//! - a primary killed under steady load costs no answer and no card, and hits come back
//!   after the cluster has failed it over;
//! - the same with Redis Sentinel (cleartext): two replicas follow the sentinel's failover.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cardmesh_gateway::cache::card_cache_keys;
use cardmesh_gateway::config::{Config, Secret};
use cardmesh_gateway::discovery::Scope;
use cardmesh_gateway::plain::parse_request;
use cardmesh_tests::pki::PemDir;
use cardmesh_tests::providers::ScopedCards;
use cardmesh_tests::redis::{RedisServer, RedisTlsFiles};
use cardmesh_tests::redis_cluster::RedisCluster;
use cardmesh_tests::*;
use serde_json::json;

const ADMIN_TOKEN: &str = "service-token-for-scale-out-tests-0123";
const KEYS: [&str; 2] = ["account", "thread-notes"];
const REDIS_USER: &str = "cardmesh-gateway";
const REDIS_PASSWORD: &str = "scale-out-redis-password";

/// The cluster and how the replicas reach it.
struct Cluster {
    redis: RedisCluster,
    /// The TLS files and the password file, for the TLS and ACL variant.
    secure: Option<(Arc<RedisTlsFiles>, PemDir)>,
}

impl Cluster {
    async fn cleartext() -> Self {
        Self { redis: RedisCluster::start(RedisServer::builder()).await, secure: None }
    }

    /// Mutual TLS, an ACL user, and the `default` user off.
    async fn tls_with_acl_user() -> Self {
        let tls = RedisTlsFiles::new();
        let redis = RedisCluster::start(RedisServer::builder().tls(&tls).acl_user(REDIS_USER, REDIS_PASSWORD)).await;
        let secrets = PemDir::new();
        secrets.write("redis-password", &format!("{REDIS_PASSWORD}\n"));
        Self { redis, secure: Some((tls, secrets)) }
    }

    /// A replica's config: over TLS, the URL carries no credential; the user comes from
    /// `cache.redis_username` and the password from a file, as from a mounted secret.
    fn config(&self, service: &RunningService, near_ttl: Duration) -> Config {
        let mut config = gateway_config(&[service.endpoint()]);
        config.admin.service_token = Some(Secret::new(ADMIN_TOKEN));
        config.cache.entry_key = Some(Secret::new("the-entry-key-every-replica-shares-0123456789"));
        config.cache.near_ttl = near_ttl;
        config.cache.cooldown = Duration::from_millis(300);
        // Busy machine: a slow answer is a miss (the service is called), which would hide
        // whether the cluster answered at all.
        config.cache.read_timeout = Duration::from_secs(2);
        config.cache.write_timeout = Duration::from_secs(2);
        config.cache.required_to_start = true;
        match &self.secure {
            None => config.cache.redis_url = Some(Secret::new(self.redis.url())),
            Some((tls, secrets)) => {
                config.cache.redis_url = Some(Secret::new(self.redis.url_without_credentials()));
                config.cache.redis_username = Some(REDIS_USER.into());
                config.cache.redis_password_file = Some(secrets.path().join("redis-password"));
                config.cache.redis_tls.ca_file = Some(tls.ca_file.clone());
                config.cache.redis_tls.cert_file = Some(tls.client_cert_file.clone());
                config.cache.redis_tls.key_file = Some(tls.client_key_file.clone());
            }
        }
        config
    }

    async fn replicas(&self, service: &RunningService, near_ttl: Duration) -> Vec<Arc<RunningGateway>> {
        let mut replicas = Vec::new();
        for _ in 0..3 {
            replicas.push(Arc::new(RunningGateway::start_ready(self.config(service, near_ttl)).await));
        }
        replicas
    }
}

fn customer(i: usize) -> String {
    format!("c_scale_{i}")
}

fn body(customer: &str) -> String {
    PlainBody::new(&KEYS)
        .customer(customer, &format!("{customer}@example.com"), None)
        .thread(Some("th_1"))
        .tenant(Some("te_1"))
        .build()
}

macro_rules! both_clusters {
    ($scenario:ident: $cleartext:ident, $tls:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $cleartext() {
            $scenario(Cluster::cleartext().await).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $tls() {
            $scenario(Cluster::tls_with_acl_user().await).await;
        }
    };
}

both_clusters!(
    replicas_share_cards_and_invalidations: replicas_share_cards_and_invalidations_over_redis_cluster,
    replicas_share_cards_and_invalidations_over_tls_redis_cluster_with_an_acl_user
);
both_clusters!(
    a_primary_killed_under_load_costs_no_answer: a_primary_killed_under_load_costs_no_answer_in_redis_cluster,
    a_primary_killed_under_load_costs_no_answer_in_tls_redis_cluster_with_an_acl_user
);

async fn replicas_share_cards_and_invalidations(cluster: Cluster) {
    let cards = ScopedCards::default();
    let service = RunningService::start(cards.clone()).await;
    let replicas = cluster.replicas(&service, Duration::from_millis(300)).await;
    let body = body(&customer(0));

    let first = replicas[0].post_signed(&body).await;
    assert_eq!((first.status, first.cache_count("misses")), (200, 2), "{}", first.json);
    replicas[0].flush_cache().await;
    for (i, replica) in replicas.iter().enumerate().skip(1) {
        let answer = replica.post_signed(&body).await;
        assert_eq!((answer.status, answer.cache_count("hits")), (200, 2), "replica {i} hits what replica 0 drew");
    }
    assert_eq!((cards.calls("account"), cards.calls("thread-notes")), (1, 1));

    // An invalidation through replica 2 is seen by replica 2 at once, and by the others
    // once their near copies expire (near_ttl): they then serve the new copy from Redis.
    cards.set_edition(2);
    assert_eq!(replicas[2].invalidate(ADMIN_TOKEN, json!({ "customerId": customer(0) })).await, 200);
    let fresh = replicas[2].post_signed(&body).await;
    assert_eq!(fresh.cache_count("misses"), 2, "the invalidating replica sees it at once");
    assert!(fresh.card("account").to_string().contains("edition 2"));
    replicas[2].flush_cache().await;
    for (i, replica) in replicas.iter().enumerate().take(2) {
        wait_until(&format!("replica {i} serves the new copy"), Duration::from_secs(20), || async {
            let answer = replica.post_signed(&body).await;
            answer.cache_count("hits") == 2 && answer.card("account").to_string().contains("edition 2")
        })
        .await;
    }
    assert_eq!(cards.calls("account"), 2, "the other replicas read replica 2's copy, drawing none of their own");
}

/// What one request under load saw.
#[derive(Debug)]
struct Seen {
    replica: usize,
    customer: usize,
    status: u16,
    keys: Vec<String>,
}

/// Steady load: one task per replica, going round the customers, recording every answer.
struct Load {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    replicas: usize,
}

impl Load {
    async fn start(replicas: &[Arc<RunningGateway>]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
        let tasks = replicas
            .iter()
            .enumerate()
            .map(|(replica, gateway)| {
                let (gateway, stop, seen) = (gateway.clone(), stop.clone(), seen.clone());
                tokio::spawn(async move {
                    let mut customer_index = replica;
                    while !stop.load(Ordering::Relaxed) {
                        let c = customer_index % CUSTOMERS;
                        let answer = gateway.post_signed(&body(&customer(c))).await;
                        let keys = if answer.status == 200 { answer.keys() } else { Vec::new() };
                        seen.lock().unwrap().push(Seen { replica, customer: c, status: answer.status, keys });
                        customer_index += 1;
                    }
                })
            })
            .collect();
        let load = Self { stop, seen, tasks, replicas: replicas.len() };
        load.wait_for_more(30, "the load is running").await;
        load
    }

    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Waits until `more` requests more have been answered.
    async fn wait_for_more(&self, more: usize, what: &str) {
        let target = self.count() + more;
        wait_until(what, Duration::from_secs(30), || async { self.count() >= target }).await;
    }

    /// Stops the load and asserts that every answer was a 200 with every card, and that every
    /// replica answered every customer.
    async fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("load task");
        }
        let seen = self.seen.lock().unwrap();
        let wrong: Vec<&Seen> = seen.iter().filter(|s| s.status != 200 || s.keys != KEYS).collect();
        assert!(wrong.is_empty(), "{} of {} answers failed or lacked a card: {wrong:?}", wrong.len(), seen.len());
        for replica in 0..self.replicas {
            for c in 0..CUSTOMERS {
                assert!(
                    seen.iter().any(|s| s.replica == replica && s.customer == c),
                    "replica {replica} answered customer {c}"
                );
            }
        }
    }
}

const CUSTOMERS: usize = 6;

/// Draws every customer's cards through the first replica; checks they are hits on the second.
async fn warm(replicas: &[Arc<RunningGateway>]) {
    for c in 0..CUSTOMERS {
        assert_eq!(replicas[0].post_signed(&body(&customer(c))).await.status, 200);
    }
    replicas[0].flush_cache().await;
    for c in 0..CUSTOMERS {
        assert_eq!(replicas[1].post_probe(&body(&customer(c))).await.cache_count("hits"), 2, "customer {c} warm");
    }
}

/// Waits until every replica hits customer 0 again. It asks as `validate --url` does: the
/// load asks Plain's way in the same context, and an ask there more than
/// `cache.duplicate_window` after the last one is a reload, which is drawn; on a slow machine
/// every poll could come that late.
async fn wait_for_hits(replicas: &[Arc<RunningGateway>]) {
    for (i, replica) in replicas.iter().enumerate() {
        wait_until(&format!("replica {i} hits customer 0 again"), Duration::from_secs(30), || async {
            let answer = replica.post_probe(&body(&customer(0))).await;
            replica.flush_cache().await;
            answer.status == 200 && answer.cache_count("hits") == 2
        })
        .await;
    }
}

async fn a_primary_killed_under_load_costs_no_answer(cluster: Cluster) {
    let cards = ScopedCards::default();
    let service = RunningService::start(cards.clone()).await;
    // No near cache: every lookup goes to Redis, so the failover is seen by every request.
    let replicas = cluster.replicas(&service, Duration::ZERO).await;
    warm(&replicas).await;
    let load = Load::start(&replicas).await;

    let request = parse_request(body(&customer(0)).as_bytes(), 25).expect("a Plain request").0;
    let victim_key = card_cache_keys("w_test", "account", Scope::Customer, &request).fresh;
    let victim = cluster.redis.kill_primary_of(&victim_key).await;
    load.wait_for_more(10, "answers while the primary is down").await;
    cluster.redis.wait_failover().await;
    let promoted = cluster.redis.primary_of(&victim_key).await;
    assert_ne!(promoted, victim, "a replica took over customer 0's slot");

    wait_for_hits(&replicas).await;
    load.wait_for_more(30, "the load ran on after the failover").await;
    load.finish().await;
}

/// Redis Sentinel: a primary, its replica and a sentinel; two gateway replicas find the
/// primary through the sentinel, and find the new one after the sentinel has failed the old
/// one over, without a failed answer meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sentinel_failover_under_load_costs_no_answer_and_hits_return() {
    let primary = RedisServer::start().await;
    let replica = RedisServer::builder().args(["--replicaof", "127.0.0.1", &primary.port.to_string()]).start().await;
    let sentinel = RedisServer::builder().sentinel("cache", primary.port).start().await;
    wait_until("the replica is in sync and known to the sentinel", Duration::from_secs(30), || async {
        replica.cli(&["INFO", "replication"]).await.contains("master_link_status:up")
            && sentinel.cli(&["SENTINEL", "REPLICAS", "cache"]).await.contains(&replica.port.to_string())
    })
    .await;

    let cards = ScopedCards::default();
    let service = RunningService::start(cards.clone()).await;
    let url = format!("redis-sentinel://{}/0?sentinelServiceName=cache", sentinel.address());
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let mut config = gateway_config(&[service.endpoint()]);
        config.cache.redis_url = Some(Secret::new(url.clone()));
        config.cache.near_ttl = Duration::ZERO;
        config.cache.cooldown = Duration::from_millis(300);
        config.cache.read_timeout = Duration::from_secs(2);
        config.cache.write_timeout = Duration::from_secs(2);
        config.cache.required_to_start = true;
        replicas.push(Arc::new(RunningGateway::start_ready(config).await));
    }
    warm(&replicas).await;
    let load = Load::start(&replicas).await;

    primary.stop().await;
    load.wait_for_more(10, "answers while the primary is down").await;
    wait_until("the sentinel names the replica as the primary", Duration::from_secs(60), || async {
        let address = sentinel.cli(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "cache"]).await;
        address.lines().nth(1).map(str::trim) == Some(&replica.port.to_string())
    })
    .await;

    wait_for_hits(&replicas).await;
    load.wait_for_more(30, "the load ran on after the failover").await;
    load.finish().await;
}
