//! Plain's promises behind the gateway's cache, driven by a simulated Plain
//! ([`cardmesh_tests::plain_sim`]) in front of two gateway replicas that share a real
//! `redis-server`, with a real card service: a reload reaches the service, a customer-scoped
//! card opened in a new thread comes from the cache, no agent is shown a card older than its
//! TTL (but for a stale copy during an outage, counted as such), and a retry after a timeout
//! does not draw the card twice, whichever replica it lands on.

use std::time::Duration;

use cardmesh_gateway::config::Secret;
use cardmesh_tests::plain_sim::{Context, PlainSim, Shown};
use cardmesh_tests::providers::{unix_ms, DatedCards};
use cardmesh_tests::redis::RedisServer;
use cardmesh_tests::telemetry::Metrics;
use cardmesh_tests::*;
use serde_json::json;
use tokio::net::TcpListener;

const ADMIN_TOKEN: &str = "service-token-for-plain-promises-0123456";
/// `timeToLiveSeconds` of stale copies.
const FALLBACK_TTL: u32 = 2;

/// Two gateway replicas over one Redis, one card service, and Plain in front.
struct Stack {
    redis: RedisServer,
    cards: DatedCards,
    service: RunningService,
    gateways: [RunningGateway; 2],
    plain: PlainSim,
}

impl Stack {
    async fn start(cards: DatedCards) -> Self {
        Self::start_with(cards, |_| {}).await
    }

    /// The stack with `adjust` applied to both replicas' config.
    async fn start_with(cards: DatedCards, adjust: impl Fn(&mut cardmesh_gateway::config::Config)) -> Self {
        let redis = RedisServer::start().await;
        let service = RunningService::start(cards.clone()).await;
        let config = || {
            let mut config = gateway_config(&[service.endpoint()]);
            adjust(&mut config);
            config.cache.redis_url = Some(Secret::new(redis.url()));
            config.admin.service_token = Some(Secret::new(ADMIN_TOKEN));
            config.fallback.ttl_seconds = FALLBACK_TTL;
            config.cache.cooldown = Duration::from_millis(300);
            config.fanout.service_deadline = Duration::from_secs(5);
            config.fanout.overall_budget = Duration::from_secs(6);
            config
        };
        let gateways = [RunningGateway::start_ready(config()).await, RunningGateway::start_ready(config()).await];
        let plain = PlainSim::new(gateways.iter().map(|g| g.url("/")).collect(), SECRET, "w_test");
        Self { redis, cards, service, gateways, plain }
    }

    /// Every replica's queued cache and ledger writes reached Redis.
    async fn flush(&self) {
        for gateway in &self.gateways {
            gateway.flush_cache().await;
        }
    }

    /// How many `command`s (lowercase) Redis has run so far.
    async fn redis_calls(&self, command: &str) -> u64 {
        let stats = self.redis.cli(&["INFO", "commandstats"]).await;
        let prefix = format!("cmdstat_{command}:calls=");
        stats
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').next())
            .map_or(0, |calls| calls.parse().unwrap())
    }

    /// The milliseconds `key` has left in Redis (`PTTL`).
    async fn pttl(&self, key: &str) -> i64 {
        self.redis.cli(&["PTTL", key]).await.trim().parse().unwrap()
    }

    /// The sum of a metric over both replicas.
    async fn metric(&self, name: &str) -> f64 {
        self.metric_with(name, &[]).await
    }

    /// The sum of a metric with `labels` over both replicas.
    async fn metric_with(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let mut sum = 0.0;
        for gateway in &self.gateways {
            let text = gateway.client().get(gateway.admin_url("/metrics")).send().await.unwrap().text().await.unwrap();
            sum += Metrics::parse(&text).value(name, labels);
        }
        sum
    }
}

/// The agent's pace: time passing in the scenario (not a wait for the system under test).
async fn agent_waits_until(unix_ms_at: u64) {
    let now = unix_ms();
    if unix_ms_at > now {
        tokio::time::sleep(Duration::from_millis(unix_ms_at - now)).await;
    }
}

/// The default `cache.duplicate_window` plus a margin: a later ask is a reload.
const AFTER_DUPLICATE_WINDOW: u64 = 2_300;

fn version(shown: &Shown) -> usize {
    DatedCards::drawn(shown.text()).unwrap_or_else(|| panic!("no version in {:?}", shown.card)).0
}

/// The oldest a card could be shown at by Plain: until it drops the instance, whose TTL is
/// what the answer carried, counted from when Plain received it. The allowance is the
/// round trip of the request that brought it (Plain counts from receipt, the card aged
/// while on the way).
fn assert_never_older_than_its_ttl(shown: &[Shown], ttl: Duration) {
    let ttl_ms = u64::try_from(ttl.as_millis()).unwrap();
    for s in shown.iter().filter(|s| !s.stale) {
        let (_, drawn_ms) = DatedCards::drawn(s.text()).unwrap_or_else(|| panic!("not a dated card: {:?}", s.card));
        let carried = s.card["timeToLiveSeconds"].as_u64().expect("every card carries timeToLiveSeconds");
        let held_until = s.received_ms + carried * 1000;
        assert!(
            held_until.saturating_sub(drawn_ms) <= ttl_ms + s.round_trip_ms,
            "{} in {:?} drawn at {drawn_ms} may be shown until {held_until}: older than its TTL of {ttl_ms} ms \
             (carried {carried} s, received at {})",
            s.card_key,
            s.thread_id,
            s.received_ms
        );
        assert!(s.at_ms <= held_until, "shown after Plain should have dropped it");
    }
}

#[tokio::test]
async fn a_reload_reaches_the_service_through_either_replica() {
    let stack = Stack::start(DatedCards::new(Duration::from_secs(60))).await;
    let (plain, cards) = (&stack.plain, &stack.cards);
    let agent = Context::new("c_reload", "th_1");

    let first = plain.view_via(Some(0), &agent, &["profile"]).await;
    assert_eq!(version(&first[0]), 1);
    stack.flush().await;

    // The service's data changes. Plain still holds the card: a view shows the old one
    // without asking.
    cards.set_version(2);
    let sent = plain.sent().len();
    assert_eq!(version(&plain.view(&agent, &["profile"]).await[0]), 1);
    assert_eq!(plain.sent().len(), sent, "Plain asks nothing while it holds the card");

    // The agent presses reload on the other replica, past the duplicate window: the gateway
    // has a fresh copy cached, but Plain held an answer: it is a reload, drawn from the service.
    agent_waits_until(first[0].received_ms + AFTER_DUPLICATE_WINDOW).await;
    let reloaded = plain.reload(Some(1), &agent, "profile").await;
    assert_eq!(version(&reloaded), 2, "the reload shows the new data");
    assert_eq!(cards.calls("profile"), 2);
    assert_eq!(plain.sent().last().unwrap().cache, "hits=0, misses=1, stale=0");
    assert_eq!(stack.metric("cardmesh_plain_reloads_recognised_total").await, 1.0);
    stack.flush().await;

    // Another reload, on the first replica: it reads the other replica's answer from Redis
    // (the ledger is shared), Plain still holds that: drawn again.
    cards.set_version(3);
    agent_waits_until(reloaded.received_ms + AFTER_DUPLICATE_WINDOW).await;
    assert_eq!(version(&plain.reload(Some(0), &agent, "profile").await), 3);
    assert_eq!(cards.calls("profile"), 3);
    assert!(plain.integration_errors().is_empty(), "{:?}", plain.integration_errors());
}

#[tokio::test]
async fn a_new_thread_gets_a_customer_card_from_the_cache_without_calling_the_service() {
    let stack = Stack::start(DatedCards::new(Duration::from_secs(60))).await;
    let (plain, cards) = (&stack.plain, &stack.cards);
    let agent = Context::new("c_threads", "th_1");

    let first = plain.view_via(Some(0), &agent, &["profile", "notes"]).await;
    assert_eq!(first.len(), 2);
    stack.flush().await;
    agent_waits_until(first[0].received_ms + AFTER_DUPLICATE_WINDOW).await;

    // The same customer in a second thread, on the other replica: Plain holds no instance
    // for that thread, so this is no reload; the customer-scoped card is a cache hit.
    let second = plain.view_via(Some(1), &agent.in_thread("th_2"), &["profile", "notes"]).await;
    assert_eq!(plain.sent().last().unwrap().cache, "hits=1, misses=1, stale=0");
    assert_eq!((cards.calls("profile"), cards.calls("notes")), (1, 2), "profile came from the cache");
    assert_eq!(second[0].text(), first[0].text(), "the same copy");
    let left = second[0].card["timeToLiveSeconds"].as_u64().unwrap();
    assert!(left < 60, "the copy carries the lifetime it has left, not its whole TTL: {left}");
    assert_eq!(stack.metric("cardmesh_plain_reloads_recognised_total").await, 0.0);
    assert!(stack.metric("cardmesh_cached_card_age_seconds_count").await >= 1.0);
    assert_never_older_than_its_ttl(&plain.shown(), cards.ttl);
}

#[tokio::test]
async fn several_cards_held_by_the_near_cache_cost_no_round_trip_and_a_reload_of_one_is_still_recognised() {
    let stack = Stack::start_with(DatedCards::new(Duration::from_secs(60)), |config| {
        // Long enough that the near cache still holds the customer when the third thread opens.
        config.cache.near_ttl = Duration::from_secs(30);
    })
    .await;
    let (plain, cards) = (&stack.plain, &stack.cards);
    let agent = Context::new("c_near", "th_1");
    let both = ["profile", "plan"];

    // Drawn in a first thread, then read back (counters included) in a second, on replica 0.
    plain.view_via(Some(0), &agent, &both).await;
    stack.flush().await;
    plain.view_via(Some(0), &agent.in_thread("th_2"), &both).await;
    assert_eq!(plain.sent().last().unwrap().cache, "hits=2, misses=0, stale=0");
    stack.flush().await;

    // A third thread on replica 0: a request for several cards is never a manual reload, and
    // the near cache holds both, so the served ledger is not read: no round trip at all. The
    // answers start the thread's ledger entry without reading it.
    let (mgets, sets) = (stack.redis_calls("mget").await, stack.redis_calls("set").await);
    let third = agent.in_thread("th_3");
    let shown = plain.view_via(Some(0), &third, &both).await;
    assert_eq!(plain.sent().last().unwrap().cache, "hits=2, misses=0, stale=0");
    assert_eq!(stack.redis_calls("mget").await, mgets, "answered from the near cache alone");
    stack.flush().await;
    assert_eq!(stack.redis_calls("set").await, sets + 1, "one entry started (`SET … NX GET`), for the context");

    // A new entry lives as long as Plain keeps the answers (`NX`).
    let left = stack.pttl(&ledger_key(&third)).await;
    assert!((1..=60_000).contains(&left), "the entry's TTL follows the answers': {left} ms");

    // An entry already there (another replica's, with a card Plain keeps 30 s more) keeps its
    // card, gets the new answers beside it, and lives as long as the longest of them (`GT`).
    let fourth = agent.in_thread("th_4");
    let now = unix_ms();
    let notes = format!("notes={now}:{}", now + 30_000);
    stack.redis.cli(&["SET", &ledger_key(&fourth), &notes, "PX", "30000"]).await;
    let appends = stack.redis_calls("append").await;
    plain.view_via(Some(0), &fourth, &both).await;
    stack.flush().await;
    assert_eq!(stack.redis_calls("append").await, appends + 1, "appended to the entry there");
    let left = stack.pttl(&ledger_key(&fourth)).await;
    assert!((30_001..=60_000).contains(&left), "the life is extended to the answers': {left} ms");
    let entry = stack.redis.cli(&["GET", &ledger_key(&fourth)]).await;
    let entry = cardmesh_gateway::cache::ServedContext::decode(entry.trim()).expect("a ledger entry");
    assert_eq!(entry.get("notes").map(|s| s.expires_ms), Some(now + 30_000), "{entry:?}");
    assert!(entry.get("profile").is_some() && entry.get("plan").is_some(), "{entry:?}");

    // The plan changes; the agent presses reload on it in the third thread, on the other
    // replica: the appended entry says Plain holds it, so it is drawn.
    cards.set_version(2);
    agent_waits_until(shown[0].received_ms + AFTER_DUPLICATE_WINDOW).await;
    let calls = cards.calls("plan");
    let reloaded = plain.reload(Some(1), &third, "plan").await;
    assert_eq!(version(&reloaded), 2, "the reload shows the new data");
    assert_eq!(cards.calls("plan"), calls + 1);
    assert_eq!(stack.metric("cardmesh_plain_reloads_recognised_total").await, 1.0);
    assert!(plain.integration_errors().is_empty(), "{:?}", plain.integration_errors());
}

#[tokio::test]
async fn in_a_scripted_day_no_agent_sees_a_card_older_than_its_ttl_but_a_stale_copy_in_an_outage() {
    let ttl = Duration::from_secs(3);
    let mut stack = Stack::start(DatedCards::new(ttl)).await;
    let (th_1, th_2) = (Context::new("c_day", "th_1"), Context::new("c_day", "th_2"));
    let keys = ["profile", "notes"];

    // Morning: two agents open the customer in two threads, a second apart, on either
    // replica; each looks again while Plain holds the cards, and after they expired.
    let start = unix_ms();
    stack.plain.view(&th_1, &keys).await;
    stack.flush().await;
    agent_waits_until(start + 1_200).await;
    stack.plain.view(&th_2, &keys).await;
    stack.flush().await;
    agent_waits_until(start + 2_500).await;
    stack.plain.view(&th_1, &keys).await;
    agent_waits_until(start + 3_300).await;
    stack.plain.view(&th_1, &keys).await;
    stack.plain.view(&th_2, &keys).await;
    stack.flush().await;

    // The data changes; an agent reloads the profile (past the duplicate window).
    stack.cards.set_version(2);
    agent_waits_until(unix_ms() + AFTER_DUPLICATE_WINDOW).await;
    let reloaded = stack.plain.reload(None, &th_1, "profile").await;
    assert_eq!(version(&reloaded), 2);
    stack.flush().await;

    // A service invalidates the profile; Plain (reloadCustomerCardInstance) drops its
    // instances and asks again at once, within the duplicate window of the reload's answer:
    // the invalidation makes it a miss, and the new data is drawn.
    stack.cards.set_version(3);
    let body = json!({ "customerId": "c_day", "cardKeys": ["profile"] });
    assert_eq!(stack.gateways[0].invalidate(ADMIN_TOKEN, body).await, 200);
    stack.plain.discard(&th_1, "profile");
    let after_invalidation = stack.plain.view(&th_1, &["profile"]).await;
    assert_eq!(version(&after_invalidation[0]), 3, "the invalidation's reload reaches the service");
    stack.flush().await;

    // Outage: the service stops. Once Plain's copies expired, agents are shown the last
    // good copies, marked stale (header and metric), with the short fallback TTL.
    let addr = stack.service.addr;
    stack.service.stop().await;
    let now = unix_ms();
    let expiry = keys.iter().filter_map(|k| stack.plain.expires_ms(&th_1, k)).max().unwrap_or(now);
    agent_waits_until(expiry.max(now) + 1_200).await;
    let in_outage = stack.plain.view(&th_1, &keys).await;
    assert!(in_outage.iter().all(|s| s.stale), "stale copies during the outage: {in_outage:?}");
    for s in &in_outage {
        assert_eq!(s.card["timeToLiveSeconds"], FALLBACK_TTL, "a stale copy keeps the short TTL");
    }
    assert!(stack.metric("cardmesh_cache_stale_total").await >= 2.0);

    // The service is back: agents get fresh cards again (Plain asks once its stale copies
    // expired; the gateway calls the service once its breaker lets it).
    let listener = TcpListener::bind(addr).await.expect("rebind the service's port");
    stack.service = RunningService::start_on(stack.cards.clone(), listener);
    let plain = &stack.plain;
    Wait::new("fresh cards after the outage", Duration::from_secs(20))
        .every(Duration::from_millis(500))
        .until(|| async { plain.view(&th_1, &keys).await.iter().all(|s| !s.stale && version(s) == 3) })
        .await;

    assert_never_older_than_its_ttl(&plain.shown(), ttl);
    assert!(plain.shown().iter().any(|s| s.stale), "the outage's copies were shown, as stale");
    assert!(plain.integration_errors().is_empty(), "{:?}", plain.integration_errors());
}

#[tokio::test]
async fn a_retry_after_a_timeout_joins_the_draw_in_progress() {
    // Each draw takes 3 s; Plain gives up after 1.5 s and retries 1 s later, on the other
    // replica (as a load balancer would send it), while the first request's draw still runs
    // (until 3 s); the retry's answer comes within its own 1.5 s.
    let mut stack = Stack::start(DatedCards::new(Duration::from_secs(60)).with_delay(Duration::from_secs(3))).await;
    stack.plain.timeout = Duration::from_millis(1_500);
    let agent = Context::new("c_retry", "th_1");

    let shown = stack.plain.view_via(None, &agent, &["profile"]).await;
    assert_eq!(shown.len(), 1, "the retry got the card");
    assert!(!shown[0].stale, "the drawn card, not a stale copy: {:?}", shown[0]);
    let sent = stack.plain.sent();
    assert_eq!(sent.len(), 2, "one timeout, one retry: {sent:?}");
    assert_eq!((sent[0].status, sent[1].status), (None, Some(200)));
    assert_ne!(sent[0].gateway, sent[1].gateway, "the retry went to the other replica: {sent:?}");
    assert_eq!(stack.cards.calls("profile"), 1, "the retry shared the draw in progress on the other replica");
    assert_eq!(stack.metric("cardmesh_shared_draws_joined_total").await, 1.0);
    assert!(stack.plain.integration_errors().is_empty());
}

/// The first text of `card` (a dated card's says its version and when it was drawn).
fn text_of(card: &serde_json::Value) -> &str {
    card["components"][0]["componentText"]["text"].as_str().unwrap_or_default()
}

/// The served-ledger entry (README, Caching) of `context`, in `w_test`.
fn ledger_key(context: &Context) -> String {
    let body = PlainBody::new(&[])
        .customer(&context.customer_id, &context.email, None)
        .thread(context.thread_id.as_deref())
        .build();
    let request: cardmesh_gateway::plain::CardRequest = serde_json::from_str(&body).unwrap();
    cardmesh_gateway::cache::RequestKeys::new("w_test", &request).served()
}

/// The draw mark (README, Caching) of a customer-scoped card of `context`, in `w_test`.
fn drawing_key(context: &Context, card_key: &str) -> String {
    let body = PlainBody::new(&[card_key]).customer(&context.customer_id, &context.email, None).build();
    let request: cardmesh_gateway::plain::CardRequest = serde_json::from_str(&body).unwrap();
    let scope = cardmesh_gateway::discovery::Scope::Customer;
    cardmesh_gateway::cache::card_cache_keys("w_test", card_key, scope, &request).drawing()
}

#[tokio::test]
async fn a_replica_that_died_mid_draw_leaves_a_mark_that_expires_and_the_card_is_drawn_after_it() {
    let stack = Stack::start(DatedCards::new(Duration::from_secs(60))).await;
    let agent = Context::new("c_died", "th_1");
    // A replica claimed the draw and died: its mark expires on its own.
    let mut conn = stack.redis.client().await;
    let mark = drawing_key(&agent, "profile");
    let _: () = ::redis::cmd("SET")
        .arg(&mark)
        .arg(format!("dead:{}", unix_ms()))
        .arg("PX")
        .arg(1_500)
        .query_async(&mut conn)
        .await
        .unwrap();

    let shown = stack.plain.view_via(Some(1), &agent, &["profile"]).await;
    assert_eq!(shown.len(), 1, "the card was shown");
    assert!(!shown[0].stale, "drawn, not a stale copy: {:?}", shown[0]);
    assert_eq!(version(&shown[0]), 1);
    assert_eq!(stack.plain.sent().len(), 1, "answered within Plain's timeout, no retry");
    assert_eq!(stack.cards.calls("profile"), 1, "drawn by the replica that waited");
    let gone = [("reason", "mark_gone")];
    assert_eq!(stack.metric_with("cardmesh_shared_draw_waits_unjoined_total", &gone).await, 1.0);
    assert_eq!(stack.metric("cardmesh_shared_draws_joined_total").await, 0.0);
}

#[tokio::test]
async fn a_failed_draw_removes_its_mark_and_the_waiting_replica_draws_the_card_itself() {
    // The service takes 3 s. Replica 0 gives its calls 1.5 s, so its draw fails; replica 1,
    // asked while replica 0 holds the draw, waits on the mark, finds it gone with no copy,
    // and draws the card itself within its own budget.
    let redis = RedisServer::start().await;
    let cards = DatedCards::new(Duration::from_secs(60)).with_delay(Duration::from_secs(3));
    let service = RunningService::start(cards.clone()).await;
    let config = |deadline: Duration| {
        let mut config = gateway_config(&[service.endpoint()]);
        config.cache.redis_url = Some(Secret::new(redis.url()));
        config.fanout.service_deadline = deadline;
        config.fanout.overall_budget = deadline + Duration::from_millis(500);
        config
    };
    let hasty = RunningGateway::start_ready(config(Duration::from_millis(1_500))).await;
    let patient = RunningGateway::start_ready(config(Duration::from_secs(6))).await;
    let agent = Context::new("c_failed", "th_1");
    let body = PlainBody::new(&["profile"]).customer(&agent.customer_id, &agent.email, None).build();
    let mark = drawing_key(&agent, "profile");
    let conn = redis.client().await;

    let first = hasty.post_signed(&body);
    let second = async {
        Wait::new("replica 0 claims the draw", Duration::from_secs(10))
            .until(|| {
                let (mut conn, mark) = (conn.clone(), mark.clone());
                async move { ::redis::cmd("EXISTS").arg(&mark).query_async::<bool>(&mut conn).await.unwrap() }
            })
            .await;
        patient.post_signed(&body).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.cache, "hits=0, misses=1, stale=0");
    assert_eq!(DatedCards::drawn(text_of(first.card("profile"))), None, "replica 0 served its fallback card");
    assert_eq!(second.status, 200);
    let text = text_of(second.card("profile"));
    assert_eq!(DatedCards::drawn(text).map(|(version, _)| version), Some(1), "drawn by replica 1: {text}");
    assert_eq!(cards.calls("profile"), 2, "replica 0's failed call, and replica 1's own");
    let metrics = Metrics::parse(
        &patient.client().get(patient.admin_url("/metrics")).send().await.unwrap().text().await.unwrap(),
    );
    assert_eq!(metrics.value("cardmesh_shared_draw_waits_unjoined_total", &[("reason", "mark_gone")]), 1.0);
}

#[tokio::test]
async fn a_validate_probe_is_not_counted_as_plain() {
    let stack = Stack::start(DatedCards::new(Duration::from_secs(60))).await;
    let gateway = &stack.gateways[0];
    let body = PlainBody::new(&["profile"]).customer("c_probe", "c_probe@example.com", None).build();
    let probe = || async {
        let request = signed_post(gateway.client(), &gateway.url("/"), &body, Some(SECRET), Some("w_test"))
            .header(cardmesh_gateway::http::PROBE_HEADER, "validate");
        Answer::from(request.send().await.unwrap()).await
    };
    assert_eq!(probe().await.status, 200);
    stack.flush().await;
    let answered = unix_ms();
    agent_waits_until(answered + AFTER_DUPLICATE_WINDOW).await;
    // Had the probe been counted, this would be a reload: it is a plain cache hit.
    let again = probe().await;
    assert_eq!(again.cache, "hits=1, misses=0, stale=0");
    // And Plain's first ask after the probes is no reload either.
    let plain = gateway.post_signed(&body).await;
    assert_eq!(plain.cache, "hits=1, misses=0, stale=0");
    assert_eq!(stack.cards.calls("profile"), 1);
    assert_eq!(stack.metric("cardmesh_plain_reloads_recognised_total").await, 0.0);
}
