//! Attacks on the response cache, against the real gateway over real sockets, with the
//! in-process store and with a real `redis-server` (feature `redis`):
//!
//! - one customer's data never under another's key: a second email for the same customer
//!   id is drawn for that email, never served the first email's card, and concurrent
//!   requests share a draw only with the same email;
//! - workspaces kept apart: `w.ws9`, `wws9` and `w ws9!` share no card and no counter, and
//!   an invalidation in one workspace leaves the others' cards alone;
//! - Redis entries the gateway can trust: a phishing button spliced into a stored card, a
//!   card copied from another customer, an oversized value or garbage never reach an answer
//!   and are counted; a deleted (evicted) generation counter never revives an invalidated
//!   card; with docker-compose.yml's settings Redis refuses a client without the password.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cardmesh_gateway::config::{Config, Secret, SigningSecrets};
use cardmesh_kit::build::{link_button, text};
use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec};
use cardmesh_tests::store::Store;
use cardmesh_tests::*;
use serde_json::json;
#[cfg(feature = "redis")]
use {
    cardmesh_gateway::cache::card_cache_keys, cardmesh_gateway::discovery::Scope,
    cardmesh_gateway::plain::parse_request, cardmesh_tests::providers::CountingCards,
    cardmesh_tests::redis::RedisServer,
};

const ADMIN_TOKEN: &str = "service-token-for-the-cache-security-tests";
const ADA: &str = "ada@example.com";
const EVE: &str = "eve@example.com";

/// A card service that finds its customer by email, as the example services do. Its one
/// card, `invoice` (customer scope), names the email and the workspace it was drawn for.
#[derive(Clone, Default)]
struct ByEmail {
    /// Draws by (workspace, email; `-` for none).
    calls: Arc<Mutex<HashMap<(String, String), usize>>>,
    delay: Duration,
    edition: Arc<AtomicUsize>,
}

impl ByEmail {
    fn with_delay(delay: Duration) -> Self {
        Self { delay, ..Self::default() }
    }

    fn calls(&self, workspace: &str, email: &str) -> usize {
        self.calls.lock().unwrap().get(&(workspace.to_owned(), email.to_owned())).copied().unwrap_or(0)
    }

    fn total_calls(&self) -> usize {
        self.calls.lock().unwrap().values().sum()
    }

    /// From now on every card says `edition N`.
    #[cfg(feature = "redis")]
    fn set_edition(&self, edition: usize) {
        self.edition.store(edition, Ordering::SeqCst);
    }
}

#[tonic::async_trait]
impl CardProvider for ByEmail {
    fn name(&self) -> &str {
        "by-email"
    }
    fn cards(&self) -> Vec<CardSpec> {
        vec![CardSpec::new("invoice", "Invoice").ttl(Duration::from_secs(300))]
    }
    async fn card(&self, _key: &str, ctx: &CardContext) -> Card {
        let email = ctx.customer.email.clone().unwrap_or_else(|| "-".into());
        *self.calls.lock().unwrap().entry((ctx.workspace_id.clone(), email.clone())).or_default() += 1;
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let edition = self.edition.load(Ordering::SeqCst);
        let components: [cardmesh_kit::proto::Component; 2] = [
            text(format!("invoice of {email} in {}, edition {edition}", ctx.workspace_id)).into(),
            link_button("Open invoice", "https://billing.example.com/invoices/1").into(),
        ];
        Card::new(components)
    }
}

/// A gateway in front of `services` caching in `store`, with an admin token. Without the
/// near cache, so that every read of these tests reaches the store under attack.
async fn gateway(store: &Store, services: &[&RunningService], secrets: Option<SigningSecrets>) -> RunningGateway {
    let endpoints: Vec<String> = services.iter().map(|s| s.endpoint()).collect();
    let mut config: Config = gateway_config(&endpoints);
    config.admin.service_token = Some(Secret::new(ADMIN_TOKEN));
    // It listens on loopback, as the development Redis password of the compose test needs.
    config.publish_address = Some([127, 0, 0, 1].into());
    config.cache.near_ttl = Duration::ZERO;
    // These tests are about what is read, not about a slow Redis on a busy machine.
    config.cache.read_timeout = Duration::from_secs(5);
    config.cache.write_timeout = Duration::from_secs(5);
    if let Some(secrets) = secrets {
        config.signing_secrets = secrets;
    }
    match store {
        Store::Memory => {}
        #[cfg(feature = "redis")]
        Store::Redis(redis) => config.cache.redis_url = Some(Secret::new(redis.url())),
    }
    RunningGateway::start_ready(config).await
}

/// The request body for `invoice` of `customer` with `email` (`None`: Plain sent `null`).
fn body(customer: &str, email: Option<&str>) -> String {
    body_for_keys(&["invoice"], customer, email)
}

/// The request body for `keys` of `customer` with `email`.
fn body_for_keys(keys: &[&str], customer: &str, email: Option<&str>) -> String {
    json!({
        "cardKeys": keys,
        "customer": { "id": customer, "email": email, "externalId": "cus_1" },
        "thread": { "id": "th_1", "externalId": null },
    })
    .to_string()
}

/// POSTs `body` from `workspace`, signed with `secret`.
async fn post_from(gw: &RunningGateway, workspace: &str, secret: &str, body: &str) -> Answer {
    let request = signed_post(gw.client(), &gw.url("/"), body, Some(secret), Some(workspace));
    Answer::from(request.send().await.expect("request reaches the gateway")).await
}

/// The text of the `invoice` card of `answer`.
fn invoice(answer: &Answer) -> String {
    assert_eq!(answer.status, 200, "{}", answer.json);
    answer.card("invoice")["components"][0]["componentText"]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no drawn invoice in {}", answer.json))
        .to_owned()
}

/// POSTs an invalidation; returns the status and the answer.
async fn invalidate(gw: &RunningGateway, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response =
        gw.client().post(gw.admin_url("/admin/invalidate")).bearer_auth(ADMIN_TOKEN).json(&body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or_default())
}

both_stores!(another_email_for_one_customer_id_never_reads_the_first_emails_card: email_memory, email_redis);
both_stores!(look_alike_workspaces_share_no_cards_or_counters: workspaces_memory, workspaces_redis);

async fn another_email_for_one_customer_id_never_reads_the_first_emails_card(store: Store) {
    let service_cards = ByEmail::default();
    let service = RunningService::start(service_cards.clone()).await;
    let gw = gateway(&store, &[&service], None).await;

    let ada = post_from(&gw, "w_sec", SECRET, &body("c_same", Some(ADA))).await;
    assert!(invoice(&ada).starts_with("invoice of ada@example.com"), "{}", invoice(&ada));
    gw.flush_cache().await;

    // Same customer id, another email: a miss, drawn for that email.
    let eve = post_from(&gw, "w_sec", SECRET, &body("c_same", Some(EVE))).await;
    assert!(invoice(&eve).starts_with("invoice of eve@example.com"), "served {}", invoice(&eve));
    assert_eq!(eve.cache_count("misses"), 1);
    assert_eq!(service_cards.calls("w_sec", EVE), 1, "the service that depends on the email was called again");
    gw.flush_cache().await;

    // No email at all is yet another customer to the service.
    let nobody = post_from(&gw, "w_sec", SECRET, &body("c_same", None)).await;
    assert!(invoice(&nobody).starts_with("invoice of - "), "served {}", invoice(&nobody));
    gw.flush_cache().await;

    // Each one's own card is still cached.
    for (email, expected) in [(Some(ADA), "invoice of ada@"), (Some(EVE), "invoice of eve@"), (None, "invoice of - ")] {
        let again = post_from(&gw, "w_sec", SECRET, &body("c_same", email)).await;
        assert_eq!(again.cache_count("hits"), 1, "{email:?}");
        assert!(invoice(&again).starts_with(expected), "{email:?}: {}", invoice(&again));
    }
    assert_eq!(service_cards.total_calls(), 3);
}

/// Concurrent misses share a draw only when they would share the card: the single-flight
/// key covers the email as the cache key does.
#[tokio::test]
async fn concurrent_requests_share_a_draw_only_with_the_same_email() {
    let service_cards = ByEmail::with_delay(Duration::from_millis(400));
    let service = RunningService::start(service_cards.clone()).await;
    let gw = gateway(&Store::Memory, &[&service], None).await;
    let requests = (0..20).map(|i| {
        let email = if i % 2 == 0 { ADA } else { EVE };
        let gw = &gw;
        async move { (email, post_from(gw, "w_sec", SECRET, &body("c_flight", Some(email))).await) }
    });
    for (email, answer) in futures::future::join_all(requests).await {
        assert!(invoice(&answer).starts_with(&format!("invoice of {email}")), "{email} got {}", invoice(&answer));
    }
    assert_eq!(
        (service_cards.calls("w_sec", ADA), service_cards.calls("w_sec", EVE)),
        (1, 1),
        "one draw per email, shared by that email's requests only"
    );
}

async fn look_alike_workspaces_share_no_cards_or_counters(store: Store) {
    const WORKSPACES: [&str; 3] = ["w.ws9", "wws9", "w ws9!"];
    let service_cards = ByEmail::default();
    let service = RunningService::start(service_cards.clone()).await;
    let gw = gateway(&store, &[&service], None).await;
    let body = body("c_ws", Some(ADA));

    for workspace in WORKSPACES {
        let answer = post_from(&gw, workspace, SECRET, &body).await;
        assert_eq!(answer.cache_count("misses"), 1, "{workspace:?} found another workspace's card");
        assert!(invoice(&answer).contains(&format!("in {workspace},")), "{workspace:?}: {}", invoice(&answer));
        gw.flush_cache().await;
    }
    /// The hits of one request from each workspace, each served its own workspace's card.
    async fn hits(gw: &RunningGateway, body: &str) -> Vec<usize> {
        let mut hits = Vec::new();
        for workspace in WORKSPACES {
            let answer = post_from(gw, workspace, SECRET, body).await;
            assert!(invoice(&answer).contains(&format!("in {workspace},")), "{workspace:?}: {}", invoice(&answer));
            hits.push(answer.cache_count("hits"));
            gw.flush_cache().await;
        }
        hits
    }
    assert_eq!(hits(&gw, &body).await, [1, 1, 1], "each workspace has its own card");

    // An invalidation in one workspace moves that workspace's counter only.
    let (status, answer) = invalidate(&gw, json!({ "customerId": "c_ws", "workspaceId": "w.ws9" })).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["invalidated"]["workspaces"], json!(["w.ws9"]));
    assert_eq!(hits(&gw, &body).await, [0, 1, 1], "only w.ws9's card was invalidated");

    // Without a workspace, every workspace the fleet stored the customer's cards in.
    let (status, answer) = invalidate(&gw, json!({ "customerId": "c_ws", "cardKeys": ["invoice"] })).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["invalidated"]["workspaces"], json!(["w ws9!", "w.ws9", "wws9"]));
    assert_eq!(hits(&gw, &body).await, [0, 0, 0], "every workspace's card was invalidated");
    assert_eq!(hits(&gw, &body).await, [1, 1, 1], "and cached again");
    for (workspace, draws) in WORKSPACES.into_iter().zip([3, 2, 2]) {
        assert_eq!(service_cards.calls(workspace, ADA), draws, "{workspace:?}");
    }

    #[cfg(feature = "redis")]
    if let Store::Redis(redis) = &store {
        let mut conn = redis.client().await;
        let counters: Vec<String> = ::redis::cmd("KEYS").arg("cardmesh:v3:*:gen").query_async(&mut conn).await.unwrap();
        assert_eq!(counters.len(), 3, "one customer counter per workspace: {counters:?}");
        for workspace in ["{w:w.ws9:c:c_ws}", "{w:wws9:c:c_ws}", "{w:w%20ws9%21:c:c_ws}"] {
            assert!(counters.iter().any(|k| k.contains(workspace)), "{workspace} in {counters:?}");
        }
    }
}

#[tokio::test]
async fn with_per_workspace_secrets_an_invalidation_names_one_of_them_or_reaches_all() {
    let service_cards = ByEmail::default();
    let service = RunningService::start(service_cards.clone()).await;
    let table: std::collections::BTreeMap<String, Vec<Secret>> =
        [("w_one".to_owned(), vec![Secret::new("one-secret")]), ("w_two".to_owned(), vec![Secret::new("two-secret")])]
            .into();
    let gw = gateway(&Store::Memory, &[&service], Some(table.into())).await;
    let (status, answer) = invalidate(&gw, json!({ "customerId": "c_1", "workspaceId": "w_three" })).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_body")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("w_three"), "{answer}");
    let (status, answer) = invalidate(&gw, json!({ "customerId": "c_1", "workspaceId": "" })).await;
    assert_eq!(status, 400, "{answer}");

    // Nothing was cached yet, and still every configured workspace is reached.
    let (status, answer) = invalidate(&gw, json!({ "customerId": "c_1" })).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["invalidated"]["workspaces"], json!(["w_one", "w_two"]));

    let body = body("c_1", Some(ADA));
    for (workspace, secret) in [("w_one", "one-secret"), ("w_two", "two-secret")] {
        post_from(&gw, workspace, secret, &body).await;
        gw.flush_cache().await;
    }
    let (status, _) = invalidate(&gw, json!({ "customerId": "c_1", "workspaceId": "w_two" })).await;
    assert_eq!(status, 200);
    let one = post_from(&gw, "w_one", "one-secret", &body).await;
    let two = post_from(&gw, "w_two", "two-secret", &body).await;
    assert_eq!((one.cache_count("hits"), two.cache_count("hits")), (1, 0));
}

/// An attacker who can write Redis (a card service on its network, a leaked password)
/// rewrites stored entries. None of them may reach an answer.
#[cfg(feature = "redis")]
#[tokio::test]
async fn tampered_redis_entries_never_reach_an_answer_and_are_counted() {
    const PHISHING: &str = r#"{"componentLinkButton":{"linkButtonLabel":"Verify your payment details","linkButtonUrl":"https://phish.example/login"}}"#;
    let store = Store::redis().await;
    let Store::Redis(redis) = &store else { unreachable!() };
    let service_cards = ByEmail::default();
    let mut service = RunningService::start(service_cards.clone()).await;
    // A second service stays up, so that the answer is 200 when `invoice` fails.
    let status = RunningService::start(CountingCards::new("status", &["status"])).await;
    let gw = gateway(&store, &[&service, &status], None).await;
    let ada = body_for_keys(&["invoice", "status"], "c_victim", Some(ADA));
    let other = body("c_other", Some(EVE));
    for body in [&ada, &other] {
        post_from(&gw, "w_sec", SECRET, body).await;
        gw.flush_cache().await;
    }
    let genuine = invoice(&post_from(&gw, "w_sec", SECRET, &ada).await);
    let request = |body: &str| parse_request(body.as_bytes(), 25).unwrap().0;
    let keys = card_cache_keys("w_sec", "invoice", Scope::Customer, &request(&ada));
    let other_key = card_cache_keys("w_sec", "invoice", Scope::Customer, &request(&other)).fresh;
    let mut conn = redis.client().await;
    let reader = redis.client().await;
    let get = |key: String| {
        let mut reader = reader.clone();
        async move { ::redis::cmd("GET").arg(key).query_async::<String>(&mut reader).await.unwrap() }
    };
    let stored = get(keys.fresh.clone()).await;
    let counters: Vec<String> = ::redis::cmd("MGET")
        .arg(&keys.customer_generation)
        .arg(&keys.card_generation)
        .query_async(&mut conn)
        .await
        .unwrap();
    let generations = format!("{}:{}", counters[0], counters[1]);
    let card_json = &stored[stored.find('|').unwrap() + 1..];
    let with_phishing = |value: &str| value.replacen(r#""components":["#, &format!(r#""components":[{PHISHING},"#), 1);

    let attacks = [
        // One SET splices a phishing button into the real, sealed entry.
        ("a phishing button in the sealed entry", with_phishing(&stored), "forged"),
        // The unsealed format the gateway used to splice in after checking two bytes.
        ("a phishing card in the old format", format!("{generations}|{}", with_phishing(card_json)), "malformed"),
        // Another customer's genuine entry, copied under this customer's key.
        ("another customer's card", get(other_key).await, "forged"),
        ("an oversized value", format!("{stored}{}", " ".repeat(40_000)), "too_large"),
        ("garbage", "}{ not a card".to_owned(), "malformed"),
    ];
    for (attack, value, reason) in attacks {
        let before = gw.metrics().await.value("cardmesh_cache_rejected_total", &[("reason", reason)]);
        let calls = service_cards.total_calls();
        let _: () = ::redis::cmd("SET").arg(&keys.fresh).arg(&value).query_async(&mut conn).await.unwrap();
        let answer = post_from(&gw, "w_sec", SECRET, &ada).await;
        assert!(!answer.json.to_string().contains("phish.example"), "{attack} reached the answer: {}", answer.json);
        assert_eq!(invoice(&answer), genuine, "{attack}: the card was drawn again instead");
        assert_eq!((answer.cache_count("hits"), answer.cache_count("misses")), (1, 1), "{attack}");
        assert_eq!(service_cards.total_calls(), calls + 1, "{attack}");
        let after = gw.metrics().await.value("cardmesh_cache_rejected_total", &[("reason", reason)]);
        assert_eq!(after, before + 1.0, "{attack} counted as {reason}");
        gw.flush_cache().await;
    }

    // The stale copy is checked too: with the service down, a tampered last good copy is no
    // copy at all, and the fallback card is served.
    let stale = get(keys.stale()).await;
    let _: () = ::redis::cmd("SET").arg(keys.stale()).arg(with_phishing(&stale)).query_async(&mut conn).await.unwrap();
    let _: () = ::redis::cmd("DEL").arg(&keys.fresh).query_async(&mut conn).await.unwrap();
    service.stop().await;
    let answer = post_from(&gw, "w_sec", SECRET, &ada).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(!answer.json.to_string().contains("phish.example"), "{}", answer.json);
    assert!(is_fallback(answer.card("invoice")), "{}", answer.json);
    assert_eq!(answer.cache_count("stale"), 0);
    assert_eq!(gw.metrics().await.value("cardmesh_cache_rejected_total", &[("reason", "forged")]), 3.0);
}

/// Redis evicts (here: an attacker deletes) the generation counters of a customer whose
/// card was invalidated, while the invalidated entry is still stored. That entry must stay
/// dead: a missing counter is a miss, never the value the card was stored under.
#[cfg(feature = "redis")]
#[tokio::test]
async fn a_deleted_generation_counter_never_revives_an_invalidated_card() {
    let store = Store::redis().await;
    let Store::Redis(redis) = &store else { unreachable!() };
    let service_cards = ByEmail::default();
    service_cards.set_edition(1);
    let mut service = RunningService::start(service_cards.clone()).await;
    // A second service stays up, so that the answer is 200 when `invoice` fails.
    let status = RunningService::start(CountingCards::new("status", &["status"])).await;
    let gw = gateway(&store, &[&service, &status], None).await;
    let body = body_for_keys(&["invoice", "status"], "c_evicted", Some(ADA));
    let keys = card_cache_keys("w_sec", "invoice", Scope::Customer, &parse_request(body.as_bytes(), 25).unwrap().0);
    let mut conn = redis.client().await;
    let deleter = redis.client().await;
    let delete_counters = || {
        let mut conn = deleter.clone();
        let keys = keys.clone();
        async move {
            let deleted: u32 = ::redis::cmd("DEL")
                .arg(&keys.customer_generation)
                .arg(&keys.card_generation)
                .query_async(&mut conn)
                .await
                .unwrap();
            assert_eq!(deleted, 2, "both counters existed");
        }
    };

    assert!(invoice(&post_from(&gw, "w_sec", SECRET, &body).await).ends_with("edition 1"));
    gw.flush_cache().await;
    assert_eq!(post_from(&gw, "w_sec", SECRET, &body).await.cache_count("hits"), 2);

    // The data changes; the card is invalidated and not asked for again.
    service_cards.set_edition(2);
    assert_eq!(invalidate(&gw, json!({ "customerId": "c_evicted" })).await.0, 200);
    let exists: u32 = ::redis::cmd("EXISTS").arg(&keys.fresh).query_async(&mut conn).await.unwrap();
    assert_eq!(exists, 1, "the invalidated entry is still stored");
    delete_counters().await;

    let answer = post_from(&gw, "w_sec", SECRET, &body).await;
    assert!(invoice(&answer).ends_with("edition 2"), "the invalidated card came back: {}", invoice(&answer));
    assert_eq!(answer.cache_count("misses"), 2, "the status card's counter went too");
    gw.flush_cache().await;
    assert_eq!(post_from(&gw, "w_sec", SECRET, &body).await.cache_count("hits"), 2, "cached again");

    // Nor as a stale copy: invalidated, counters gone, service down: the fallback card.
    assert_eq!(invalidate(&gw, json!({ "customerId": "c_evicted" })).await.0, 200);
    delete_counters().await;
    service.stop().await;
    let answer = post_from(&gw, "w_sec", SECRET, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(is_fallback(answer.card("invoice")), "an invalidated copy was served: {}", answer.json);
    assert_eq!(answer.cache_count("stale"), 0);
}

/// The `redis` service of docker-compose.yml: its command line, with the development
/// password its environment defaults to.
#[cfg(feature = "redis")]
struct ComposeRedis {
    /// `redis-server`'s arguments, `--bind` left out (the test server binds loopback).
    args: Vec<String>,
    password: String,
}

#[cfg(feature = "redis")]
impl ComposeRedis {
    fn read() -> Self {
        let compose = compose_file();
        let services = compose_services(&compose);
        let redis = &services["redis"];
        let password = redis
            .iter()
            .find_map(|l| l.trim().strip_prefix("REDISCLI_AUTH: ${CARDMESH_REDIS_PASSWORD:-"))
            .and_then(|rest| rest.strip_suffix('}'))
            .expect("redis's REDISCLI_AUTH defaults to a development password")
            .to_owned();
        let command = redis.iter().find_map(|l| l.trim().strip_prefix("command: ")).expect("redis has a command");
        let command: Vec<String> = serde_json::from_str(command).expect("the command is a flow sequence of strings");
        assert_eq!(command[..2], ["sh", "-c"]);
        let line = command[2].strip_prefix("exec redis-server ").expect("sh -c 'exec redis-server …'");
        let mut args = Vec::new();
        let mut words = shell_words(line).into_iter();
        while let Some(word) = words.next() {
            match word.as_str() {
                "--bind" => {
                    words.next();
                }
                // Compose turns `$$` into `$`; the shell then reads the variable.
                "$$REDISCLI_AUTH" => args.push(password.clone()),
                _ => args.push(word),
            }
        }
        Self { args, password }
    }
}

#[cfg(feature = "redis")]
fn compose_file() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent");
    std::fs::read_to_string(root.join("docker-compose.yml")).expect("docker-compose.yml")
}

/// The lines of each service of a compose file, by name (the file's own two-space layout).
#[cfg(feature = "redis")]
fn compose_services(compose: &str) -> HashMap<String, Vec<String>> {
    let mut services: HashMap<String, Vec<String>> = HashMap::new();
    let (mut in_services, mut current) = (false, None::<String>);
    for line in compose.lines() {
        if !line.starts_with(' ') && !line.starts_with('#') && !line.is_empty() {
            in_services = line == "services:";
            current = None;
        } else if in_services && line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':') {
            current = Some(line.trim().trim_end_matches(':').to_owned());
        } else if let Some(name) = &current {
            services.entry(name.clone()).or_default().push(line.to_owned());
        }
    }
    services
}

/// `line` split as `sh` splits it, for the quoting compose's command uses ('…' and "…").
#[cfg(feature = "redis")]
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quote, mut started) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (None, ' ') => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            (None, '\'' | '"') => (quote, started) = (Some(c), true),
            (Some(q), c) if c == q => quote = None,
            (_, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn compose_puts_redis_behind_a_password_on_a_network_only_the_gateway_joins() {
    let compose = ComposeRedis::read();
    assert_eq!(compose.password, cardmesh_gateway::config::DEVELOPMENT_REDIS_PASSWORD);
    let services = compose_services(&compose_file());
    let networks = |service: &str| -> Vec<String> {
        let line = services[service].iter().find_map(|l| l.trim().strip_prefix("networks: ")).unwrap_or("[]");
        line.trim_matches(['[', ']']).split(',').map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect()
    };
    assert_eq!(networks("redis"), ["cache"]);
    for name in services.keys() {
        let on_cache = networks(name).iter().any(|n| n == "cache");
        assert_eq!(on_cache, name == "gateway" || name == "redis", "{name} on the cache network");
    }
    assert!(
        services["gateway"].iter().any(|l| l.trim()
            == "CARDMESH_REDIS_URL: redis://:${CARDMESH_REDIS_PASSWORD:-dev-redis-password-do-not-use-in-production}@redis:6379/0"),
        "the gateway's URL carries the password"
    );

    // Redis with compose's own command line, which requires the password itself.
    let redis =
        RedisServer::builder().args(compose.args.clone()).client_password(compose.password.clone()).start().await;
    let without = ::redis::Client::open(redis.url_without_password()).unwrap();
    let mut conn = without.get_multiplexed_async_connection().await.expect("the connection itself is accepted");
    let refused = ::redis::cmd("GET").arg("cardmesh:v3:workspaces").query_async::<Option<String>>(&mut conn).await;
    let error = refused.expect_err("a client without the password is refused");
    assert_eq!(error.code(), Some("NOAUTH"), "{error}");
    let set = ::redis::cmd("SET").arg("cardmesh:v3:x").arg("forged").query_async::<()>(&mut conn).await;
    assert!(set.is_err(), "nor can it write");

    let mut conn = redis.client().await;
    let policy: Vec<String> =
        ::redis::cmd("CONFIG").arg("GET").arg("maxmemory-policy").query_async(&mut conn).await.unwrap();
    assert_eq!(policy[1], "volatile-lru", "keys without a TTL are never evicted");

    // A gateway with the URL compose gives it caches there.
    let service_cards = ByEmail::default();
    let service = RunningService::start(service_cards.clone()).await;
    let store = Store::Redis(Box::new(redis));
    let gw = gateway(&store, &[&service], None).await;
    let body = body("c_compose", Some(ADA));
    post_from(&gw, "w_sec", SECRET, &body).await;
    gw.flush_cache().await;
    assert_eq!(post_from(&gw, "w_sec", SECRET, &body).await.cache_count("hits"), 1);
    assert_eq!(gw.metrics().await.value("cardmesh_cache_errors_total", &[]), 0.0);
}

/// What is logged about a rejected entry, and about a Redis that may evict keys without a
/// TTL, names the problem and the card, never the value or the customer.
#[cfg(feature = "redis")]
#[tokio::test]
async fn rejected_entries_and_a_risky_eviction_policy_are_logged_without_values_or_customer_data() {
    if !own_process::in_own_process(
        module_path!(),
        "rejected_entries_and_a_risky_eviction_policy_are_logged_without_values_or_customer_data",
    ) {
        return;
    }
    let captured = cardmesh_tests::capture::CapturedLogs::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("info,h2=warn,hyper=warn,tower=warn,tonic=warn")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let redis = RedisServer::builder().args(["--maxmemory-policy", "allkeys-lru"]).start().await;
    let store = Store::Redis(Box::new(redis));
    let Store::Redis(redis) = &store else { unreachable!() };
    let service = RunningService::start(ByEmail::default()).await;
    let gw = gateway(&store, &[&service], None).await;
    let body = body("c_logged_customer", Some(ADA));
    post_from(&gw, "w_sec", SECRET, &body).await;
    gw.flush_cache().await;
    let key = card_cache_keys("w_sec", "invoice", Scope::Customer, &parse_request(body.as_bytes(), 25).unwrap().0);
    let mut conn = redis.client().await;
    let _: () = ::redis::cmd("SET")
        .arg(&key.fresh)
        .arg("1:1|{\"key\":\"invoice\",\"components\":[{\"componentText\":{\"text\":\"https://phish.example\"}}]}")
        .query_async(&mut conn)
        .await
        .unwrap();
    post_from(&gw, "w_sec", SECRET, &body).await;

    wait_until("the rejection and the eviction policy logged", Duration::from_secs(10), || async {
        let text = captured.text();
        text.contains("failed its check") && text.contains("allkeys-lru")
    })
    .await;
    let text = captured.text();
    let rejection = text.lines().find(|l| l.contains("failed its check")).unwrap();
    assert!(rejection.contains("reason=\"malformed\"") || rejection.contains("reason=malformed"), "{rejection}");
    assert!(rejection.contains("invoice"), "names the card: {rejection}");
    assert!(text.lines().any(|l| l.contains("WARN") && l.contains("allkeys-lru") && l.contains("volatile-lru")));
    for private in ["phish.example", ADA, "c_logged_customer", SECRET] {
        assert!(!text.contains(private), "{private} appears in the logs:\n{text}");
    }
}
