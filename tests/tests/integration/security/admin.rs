//! The admin listener and the card services, trusted only as far as needed. Each test makes
//! the attack over real sockets and fails if the defence broke:
//! - the service token (which card services hold) opens invalidation only; the operator
//!   token opens the preview and the validator, and may invalidate too;
//! - a wrong token answers the same whatever its length; a short token stops the start;
//! - a foreign `Host` is refused on every admin route, `/metrics` included;
//! - the preview never writes the cache Plain is served from, and draws only for a workspace
//!   the gateway serves;
//! - an invalidation names at most 25 keys, each identifier capped;
//! - a service cannot take another's key while that one is down, and `/readyz` shows the
//!   claim; a service's own name never becomes a metric label;
//! - what a service says reaches the gateway's log clipped, escaped and without emails.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cardmesh_gateway::config::{Config, EnvOverrides, Secret, SigningSecrets};
use cardmesh_kit::build::text;
use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec};
use cardmesh_proto as proto;
use cardmesh_proto::card_result::Outcome;
use cardmesh_proto::card_service_server::{CardService, CardServiceServer};
use cardmesh_tests::capture::CapturedLogs;
use cardmesh_tests::*;
use reqwest::header::HOST;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// The card services' token: `POST /admin/invalidate` only.
const SERVICE_TOKEN: &str = "security-service-token-0123456789abcdef";
/// The operators' token: every admin route.
const OPERATOR_TOKEN: &str = "security-operator-token-0123456789abcdef";

/// A test gateway's config with both admin tokens.
fn with_tokens(mut config: Config) -> Config {
    config.admin.service_token = Some(Secret::new(SERVICE_TOKEN));
    config.admin.operator_token = Some(Secret::new(OPERATOR_TOKEN));
    config
}

/// One request to the admin listener: `token` as a bearer token, `host` as the `Host`
/// header (reqwest's own, `127.0.0.1:PORT`, when `None`). Returns status and JSON (`Null`
/// when the body is not JSON, e.g. `/metrics`).
async fn admin(
    gw: &RunningGateway,
    method: Method,
    path: &str,
    token: Option<&str>,
    host: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = gw.client().request(method, gw.admin_url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(host) = host {
        request = request.header(HOST, host);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the admin listener answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The preview's request for `customer` and `keys` in `workspace`.
fn preview(keys: &[&str], customer: &str, workspace: &str, reload: bool) -> Value {
    json!({
        "cardKeys": keys,
        "customer": { "id": customer, "email": "ada@example.com", "externalId": null },
        "workspaceId": workspace,
        "reload": reload,
    })
}

/// Every token-protected route with a body it accepts.
fn protected_routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/admin/preview/keys", None),
        (Method::POST, "/admin/preview", Some(preview(&["usage"], "c_sec_1", "w_test", false))),
        (Method::POST, "/admin/validate", Some(json!({ "cards": [] }))),
        (Method::POST, "/admin/invalidate", Some(json!({ "customerId": "c_sec_1" }))),
    ]
}

#[tokio::test]
async fn the_service_token_only_invalidates() {
    let services = ExampleServices::start().await;
    let gw = RunningGateway::start_ready(with_tokens(gateway_config(&services.endpoints()))).await;
    for (method, path, body) in protected_routes() {
        let (status, answer) = admin(&gw, method.clone(), path, Some(SERVICE_TOKEN), None, body).await;
        if path == "/admin/invalidate" {
            assert_eq!(status, 200, "{answer}");
        } else {
            assert_eq!((status, answer["error"]["code"].as_str()), (403, Some("operator_token_required")), "{path}");
            assert!(answer["error"]["message"].as_str().is_some_and(|m| m.contains("operator token")), "{answer}");
        }
    }
}

/// The operator may invalidate too: the preview page's "Invalidate this customer" sends the
/// operator token.
#[tokio::test]
async fn the_operator_token_opens_every_admin_route() {
    let services = ExampleServices::start().await;
    let gw = RunningGateway::start_ready(with_tokens(gateway_config(&services.endpoints()))).await;
    for (method, path, body) in protected_routes() {
        let (status, answer) = admin(&gw, method.clone(), path, Some(OPERATOR_TOKEN), None, body).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
}

#[tokio::test]
async fn a_wrong_token_gets_the_same_answer_whatever_its_length() {
    let services = ExampleServices::start().await;
    let gw = RunningGateway::start_ready(with_tokens(gateway_config(&services.endpoints()))).await;
    let same_length = "x".repeat(OPERATOR_TOKEN.len());
    for (method, path, body) in protected_routes() {
        let short = admin(&gw, method.clone(), path, Some("x"), None, body.clone()).await;
        let right_length = admin(&gw, method.clone(), path, Some(&same_length), None, body.clone()).await;
        let missing = admin(&gw, method.clone(), path, None, None, body).await;
        assert_eq!(short.0, 401, "{path}: {}", short.1);
        assert_eq!(short.1["error"]["code"], "invalid_admin_token", "{path}");
        assert_eq!(short, right_length, "{path}: the length of a wrong token changes nothing");
        assert_eq!(short, missing, "{path}");
    }
}

/// The start refuses a short token with the setting's name and how to make a good one (the
/// same `Config::load` the binary runs; gateway/tests/integration/admin_startup.rs runs the
/// binary itself).
#[test]
fn a_short_token_is_refused_at_startup() {
    for (variable, field) in
        [("CARDMESH_SERVICE_TOKEN", "admin.service_token"), ("CARDMESH_OPERATOR_TOKEN", "admin.operator_token")]
    {
        let env = EnvOverrides::from_pairs([("CARDMESH_SIGNING_SECRETS", SECRET), (variable, "only-twenty-chars-xx")]);
        let err = Config::load(None, &env).expect_err("a short token stops the start").to_string();
        assert!(err.contains(field) && err.contains(variable), "{err}");
        assert!(err.contains("openssl rand -hex 32"), "{err}");
        assert!(!err.contains("only-twenty-chars"), "the token is never printed: {err}");
    }
}

#[tokio::test]
async fn a_foreign_host_is_refused_on_every_admin_route_metrics_included() {
    let services = ExampleServices::start().await;
    let mut config = with_tokens(gateway_config(&services.endpoints()));
    config.admin.allowed_hosts = vec!["gateway.internal:9090".into()];
    let gw = RunningGateway::start_ready(config).await;
    let port = gw.admin_addr.port();
    let mut routes = protected_routes();
    routes.extend([
        (Method::GET, "/metrics", None),
        (Method::GET, "/preview", None),
        (Method::GET, "/preview/app.js", None),
        (Method::GET, "/no-such-route", None),
    ]);
    for (method, path, body) in &routes {
        // A page on another site, its name rebound to this machine, sends its own name.
        for host in ["evil.example".to_owned(), format!("evil.example:{port}"), "gateway.internal:9091".into()] {
            let (status, answer) =
                admin(&gw, method.clone(), path, Some(OPERATOR_TOKEN), Some(&host), body.clone()).await;
            assert_eq!((status, answer["error"]["code"].as_str()), (421, Some("misdirected_request")), "{path} {host}");
        }
    }
    // Loopback names, the listener's own address and the allow-list are answered.
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), "gateway.internal:9090".to_owned()] {
        let (status, _) = admin(&gw, Method::GET, "/metrics", None, Some(&host), None).await;
        assert_eq!(status, 200, "{host}");
    }
}

/// Draws a card that says how many times it was drawn: `draw #1`, `draw #2`, ...
#[derive(Clone, Default)]
struct NumberedDraws(Arc<AtomicUsize>);

#[tonic::async_trait]
impl CardProvider for NumberedDraws {
    fn name(&self) -> &str {
        "numbered"
    }
    fn cards(&self) -> Vec<CardSpec> {
        vec![CardSpec::new("numbered", "Numbered")]
    }
    async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
        Card::new([text(format!("draw #{}", self.0.fetch_add(1, Ordering::SeqCst) + 1))])
    }
}

fn card_text(card: &Value) -> &str {
    card["components"][0]["componentText"]["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_preview_with_reload_leaves_the_cache_plain_is_served_from_unchanged() {
    let service = RunningService::start(NumberedDraws::default()).await;
    let gw = RunningGateway::start_ready(with_tokens(gateway_config(&[service.endpoint()]))).await;
    let plain_body = PlainBody::new(&["numbered"]).customer("c_sec_plant", "ada@example.com", None).build();
    let plant = preview(&["numbered"], "c_sec_plant", "w_test", true);

    // Nothing cached yet: the preview draws #1, and Plain's request after it is drawn by the
    // service (#2), never served what the preview drew.
    let (status, drawn) =
        admin(&gw, Method::POST, "/admin/preview", Some(OPERATOR_TOKEN), None, Some(plant.clone())).await;
    assert_eq!(status, 200, "{drawn}");
    assert_eq!(card_text(&drawn["answer"]["cards"][0]), "draw #1");
    gw.flush_cache().await;
    let first = gw.post_signed(&plain_body).await;
    assert_eq!((card_text(first.card("numbered")), first.cache_count("hits")), ("draw #2", 0), "{}", first.json);
    gw.flush_cache().await;

    // Plain's card is cached now; a reload preview draws #3 and leaves it as it was.
    let (_, reloaded) = admin(&gw, Method::POST, "/admin/preview", Some(OPERATOR_TOKEN), None, Some(plant)).await;
    assert_eq!(card_text(&reloaded["answer"]["cards"][0]), "draw #3");
    gw.flush_cache().await;
    let second = gw.post_signed(&plain_body).await;
    assert_eq!((card_text(second.card("numbered")), second.cache_count("hits")), ("draw #2", 1), "{}", second.json);
}

#[tokio::test]
async fn a_preview_for_a_workspace_the_gateway_does_not_serve_is_refused() {
    let services = ExampleServices::start().await;
    let mut config = with_tokens(gateway_config(&services.endpoints()));
    config.signing_secrets =
        SigningSecrets::PerWorkspace(BTreeMap::from([("w_served".to_owned(), vec![Secret::new(SECRET)])]));
    let gw = RunningGateway::start_ready(config).await;
    let ask = |workspace: &str| preview(&["usage"], "c_sec_ws", workspace, false);
    let (status, refused) =
        admin(&gw, Method::POST, "/admin/preview", Some(OPERATOR_TOKEN), None, Some(ask("w_other"))).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (400, Some("invalid_field")), "{refused}");
    assert_eq!(refused["error"]["field"], "workspaceId");
    let (status, answer) =
        admin(&gw, Method::POST, "/admin/preview", Some(OPERATOR_TOKEN), None, Some(ask("w_served"))).await;
    assert_eq!(status, 200, "{answer}");

    // With one shared list, any well-formed workspace id; never free text.
    let shared = RunningGateway::start_ready(with_tokens(gateway_config(&services.endpoints()))).await;
    for bad in ["", "w 1", "w_1\nX-Injected: yes", &"w".repeat(257)] {
        let (status, refused) =
            admin(&shared, Method::POST, "/admin/preview", Some(OPERATOR_TOKEN), None, Some(ask(bad))).await;
        assert_eq!((status, refused["error"]["field"].as_str()), (400, Some("workspaceId")), "{bad:?}: {refused}");
    }
}

#[tokio::test]
async fn an_invalidation_names_at_most_25_keys_and_capped_identifiers() {
    let services = ExampleServices::start().await;
    let gw = RunningGateway::start_ready(with_tokens(gateway_config(&services.endpoints()))).await;
    let keys = |n: usize| (0..n).map(|i| format!("key-{i}")).collect::<Vec<_>>();
    let invalidate = |body: Value| admin(&gw, Method::POST, "/admin/invalidate", Some(SERVICE_TOKEN), None, Some(body));

    let (status, refused) = invalidate(json!({ "customerId": "c_sec_1", "cardKeys": keys(26) })).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (400, Some("invalid_field")), "{refused}");
    assert_eq!(refused["error"]["field"], "cardKeys");
    let (status, answer) = invalidate(json!({ "customerId": "c_sec_1", "cardKeys": keys(25) })).await;
    assert_eq!(status, 200, "{answer}");

    let long = "x".repeat(257);
    for (body, field) in [
        (json!({ "customerId": long }), "customerId"),
        (json!({ "externalId": long }), "externalId"),
        (json!({ "customerId": "c_sec_1", "threadId": long }), "threadId"),
        (json!({ "customerId": "c_sec_1", "cardKeys": ["usage", long] }), "cardKeys[1]"),
    ] {
        let (status, refused) = invalidate(body).await;
        assert_eq!((status, refused["error"]["field"].as_str()), (400, Some(field)), "{refused}");
    }
}

/// A card service whose claimed keys can change while it runs; counts its draws.
#[derive(Clone)]
struct Claims {
    name: &'static str,
    keys: Arc<Mutex<Vec<&'static str>>>,
    drawn: Arc<Mutex<Vec<String>>>,
}

impl Claims {
    fn new(name: &'static str, keys: &[&'static str]) -> Self {
        Self { name, keys: Arc::new(Mutex::new(keys.to_vec())), drawn: Arc::default() }
    }
}

#[tonic::async_trait]
impl CardProvider for Claims {
    fn name(&self) -> &str {
        self.name
    }
    fn cards(&self) -> Vec<CardSpec> {
        self.keys.lock().unwrap().iter().map(|k| CardSpec::new(*k, *k)).collect()
    }
    async fn card(&self, key: &str, _ctx: &CardContext) -> Card {
        self.drawn.lock().unwrap().push(key.to_owned());
        Card::new([text(format!("{key} from {}", self.name))])
    }
}

/// The claimant is listed first, so "the first listed keeps a key" alone would hand it the
/// key the moment its owner is down.
#[tokio::test]
async fn a_service_cannot_take_another_services_key_while_that_one_is_down() {
    let claimant = Claims::new("claimant", &["claimant-card"]);
    let owner = Claims::new("owner", &["owned-card"]);
    let claimant_service = RunningService::start(claimant.clone()).await;
    let mut owner_service = RunningService::start(owner.clone()).await;
    let mut config = gateway_config(&[claimant_service.endpoint(), owner_service.endpoint()]);
    config.discovery.refresh_interval = Duration::from_millis(100);
    let gw = RunningGateway::start_ready(config).await;
    let before =
        gw.post_signed(&PlainBody::new(&["owned-card"]).customer("c_sec_own_1", "a@example.com", None).build()).await;
    assert_eq!(card_text(before.card("owned-card")), "owned-card from owner", "{}", before.json);

    // The owner goes down; the claimant starts claiming its key.
    owner_service.stop().await;
    claimant.keys.lock().unwrap().push("owned-card");
    let (owner_name, claimant_name) =
        (gw.service_name(&owner_service.endpoint()), gw.service_name(&claimant_service.endpoint()));
    let readyz = gw.url("/readyz");
    let conflicts = wait_until("/readyz shows the claim", Duration::from_secs(10), || async {
        let ready = gw.client().get(&readyz).send().await.map_err(|e| e.to_string())?;
        let ready: Value = ready.json().await.map_err(|e| e.to_string())?;
        match ready["conflicts"].as_array() {
            Some(list) if !list.is_empty() => Ok(ready["conflicts"].clone()),
            _ => Err(ready.to_string()),
        }
    })
    .await;
    assert_eq!(conflicts, json!([{ "key": "owned-card", "owner": owner_name, "claimedBy": claimant_name }]));

    // The key stays the owner's: unreachable now, so a fallback card, never the claimant's
    // (with a card the claimant does own, so that not every card is unreachable: no 503).
    let keys = ["owned-card", "claimant-card"];
    let after = gw.post_signed(&PlainBody::new(&keys).customer("c_sec_own_2", "a@example.com", None).build()).await;
    assert_eq!(after.status, 200, "{}", after.json);
    assert!(is_fallback(after.card("owned-card")), "{}", after.json);
    assert_eq!(card_text(after.card("claimant-card")), "claimant-card from claimant");
    assert!(!claimant.drawn.lock().unwrap().iter().any(|k| k == "owned-card"), "the claimant drew the owner's card");
}

/// A card service written without the kit, saying whatever it likes: its `Describe` name,
/// the reason of a card error, and a gRPC error for `fail-card`.
#[derive(Clone)]
struct Unruly {
    name: String,
    said: String,
}

#[tonic::async_trait]
impl CardService for Unruly {
    async fn describe(
        &self,
        _: tonic::Request<proto::DescribeRequest>,
    ) -> Result<tonic::Response<proto::DescribeResponse>, tonic::Status> {
        let card =
            |key: &str| proto::CardDefinition { key: key.into(), title: key.into(), default_ttl_seconds: 60, scope: 1 };
        Ok(tonic::Response::new(proto::DescribeResponse {
            service_name: self.name.clone(),
            cards: vec![card("unruly-card"), card("fail-card")],
            actions: vec![],
        }))
    }

    async fn get_cards(
        &self,
        request: tonic::Request<proto::GetCardsRequest>,
    ) -> Result<tonic::Response<proto::GetCardsResponse>, tonic::Status> {
        let keys = request.into_inner().card_keys;
        if keys.iter().any(|k| k == "fail-card") {
            return Err(tonic::Status::internal(self.said.clone()));
        }
        let results = keys
            .into_iter()
            .map(|key| proto::CardResult {
                key,
                time_to_live_seconds: None,
                outcome: Some(Outcome::Error(proto::CardError { reason: self.said.clone() })),
            })
            .collect();
        Ok(tonic::Response::new(proto::GetCardsResponse { results }))
    }

    async fn run_action(
        &self,
        _: tonic::Request<proto::RunActionRequest>,
    ) -> Result<tonic::Response<proto::RunActionResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("this service runs no actions"))
    }
}

/// Serves `service` on 127.0.0.1:0; returns its endpoint (the server lives with the test).
async fn serve_unruly(service: Unruly) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(CardServiceServer::new(service))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    format!("http://{addr}")
}

/// 10 KB of junk: quotes, braces, newlines, commas, unicode.
fn junk_name() -> String {
    "billing\"} 1\nfake_metric{x=\"1\",ü ".repeat(350)
}

#[tokio::test]
async fn a_junk_describe_name_never_reaches_a_metric_label() {
    let endpoint = serve_unruly(Unruly { name: junk_name(), said: "down".into() }).await;
    let gw = RunningGateway::start_ready(gateway_config(std::slice::from_ref(&endpoint))).await;
    let answer =
        gw.post_signed(&PlainBody::new(&["unruly-card"]).customer("c_sec_junk", "a@example.com", None).build()).await;
    assert!(is_fallback(answer.card("unruly-card")), "{}", answer.json);
    let metrics = gw.metrics().await;
    let name = gw.service_name(&endpoint);
    assert_eq!(name, "127.0.0.1", "the configured endpoint's host names the service");
    assert_eq!(
        metrics.value("cardmesh_service_calls_total", &[("service", &name), ("outcome", "ok")]),
        1.0,
        "{}",
        metrics.text
    );
    for sample in metrics.samples.iter().filter(|s| s.labels.contains_key("service")) {
        let label = &sample.labels["service"];
        assert!(label.len() <= 64, "{label}");
        assert!(label.chars().all(|c| c.is_ascii_alphanumeric() || "_.:-".contains(c)), "{label:?}");
    }
    assert!(!metrics.text.contains("fake_metric"), "{}", metrics.text);
}

#[tokio::test]
async fn what_a_service_says_reaches_the_log_clipped_escaped_and_without_emails() {
    // The global subscriber sees every thread's logs: only this test's, in its own process.
    if !own_process::in_own_process(
        module_path!(),
        "what_a_service_says_reaches_the_log_clipped_escaped_and_without_emails",
    ) {
        return;
    }
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("info,h2=info,hyper=info,tower=info,tonic=info")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let said = format!("no ledger row for grace.hopper@example.com\nERROR forged log line {}", "z".repeat(10_000));
    let endpoint = serve_unruly(Unruly { name: junk_name(), said }).await;
    let gw = RunningGateway::start_ready(gateway_config(&[endpoint])).await;
    for key in ["unruly-card", "fail-card"] {
        let answer =
            gw.post_signed(&PlainBody::new(&[key]).customer("c_sec_logs", "a@example.com", None).build()).await;
        assert!(is_fallback(answer.card(key)), "{}", answer.json);
    }
    let logs = wait_until("both fallback cards logged", Duration::from_secs(10), || async {
        let logs = captured.text();
        match logs.lines().filter(|l| l.contains("serving fallback card")).count() {
            2.. => Ok(logs),
            n => Err(format!("{n} logged so far")),
        }
    })
    .await;
    let fallback: Vec<&str> = logs.lines().filter(|l| l.contains("serving fallback card")).collect();
    for line in &fallback {
        assert!(line.contains("no ledger row for [email]\\nERROR forged log line zzz"), "{line}");
        assert!(line.contains('…'), "clipped: {line}");
        assert!(line.len() < 1_000, "clipped to about 200 characters: {} bytes", line.len());
    }
    assert!(fallback.iter().any(|l| l.contains("reason=\"service_error\"")), "{logs}");
    assert!(fallback.iter().any(|l| l.contains("reason=\"error\"")), "the gRPC status: {logs}");
    assert!(!logs.contains("grace.hopper"), "an email reached the log:\n{logs}");
    assert!(!logs.lines().any(|l| l.starts_with("ERROR forged")), "a forged line:\n{logs}");
    // The junk name it gives itself is logged cleaned and bounded, and names nothing else.
    let described = logs.lines().find(|l| l.contains("card service described")).expect("described");
    let cleaned =
        described.split("described_as=").nth(1).and_then(|rest| rest.split(' ').next()).expect("described_as");
    assert!(cleaned.len() <= 64 && cleaned.starts_with("billing__"), "{described}");
    assert!(logs.lines().all(|l| !l.contains("fake_metric{")), "{logs}");
}
