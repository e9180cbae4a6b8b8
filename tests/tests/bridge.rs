//! The http-bridge between the real gateway and an existing Plain-protocol card endpoint
//! (real HTTP on port 0, real gRPC): what the gateway answers for every kind of card and
//! every kind of endpoint failure, what the endpoint receives, the bridge's metrics, and a
//! key migrating from the bridge to a proto service.

use std::sync::OnceLock;
use std::time::Duration;

use cardmesh_tests::capture::CapturedLogs;
use cardmesh_tests::card_endpoint::{CardEndpoint, ENDPOINT_SECRET};
use cardmesh_tests::*;
use http_bridge::config::{RawConfig, RawEndpoint};
use http_bridge::{BridgeConfig, HttpBridge};
use serde_json::{json, Value};
use tokio::net::TcpListener;

const EMAIL: &str = "bridge.customer@example.com";
const ENDPOINT_TOKEN: &str = "Bearer endpoint-token";

/// One global subscriber for this test binary, its output kept.
fn logs() -> &'static CapturedLogs {
    static LOGS: OnceLock<CapturedLogs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = CapturedLogs::default();
        let writer = captured.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,h2=warn,hyper=warn,tower=warn,tonic=warn")
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .try_init();
        captured
    })
}

fn body(keys: &[&str], customer: &str) -> String {
    json!({
        "cardKeys": keys,
        "customer": { "id": customer, "email": EMAIL, "externalId": "cus_bridge_1" },
        "thread": { "id": "th_bridge_1", "externalId": null },
        "tenant": { "id": "te_bridge_1", "externalId": "acme" },
    })
    .to_string()
}

/// Every component kind, with the current field names.
fn all_kinds() -> Value {
    json!([
        { "componentText": { "text": "**Plan** Pro", "textSize": "L", "textColor": "SUCCESS" } },
        { "componentPlainText": { "plainText": "Renews 1 July", "plainTextSize": "S", "plainTextColor": "MUTED" } },
        { "componentBadge": { "badgeLabel": "Active", "badgeColor": "GREEN" } },
        { "componentLinkButton": { "linkButtonLabel": "Open", "linkButtonUrl": "https://admin.example.com/c/1" } },
        { "componentCopyButton": { "copyButtonValue": "cus_bridge_1", "copyButtonTooltipLabel": "Copy id" } },
        { "componentDivider": { "dividerSpacingSize": "M" } },
        { "componentSpacer": { "spacerSize": "XS" } },
        { "componentWorkflowButton": { "workflowButtonLabel": "Refund", "workflowButtonWorkflowIdentifier": { "workflowKey": "refund" } } },
        { "componentRow": {
            "rowMainContent": [ { "componentText": { "text": "Seats" } } ],
            "rowAsideContent": [ { "componentBadge": { "badgeLabel": "4 of 10", "badgeColor": "BLUE" } } ] } },
        { "componentContainer": { "containerContent": [
            { "componentPlainText": { "plainText": "Inside a container" } },
            { "componentRow": {
                "rowMainContent": [ { "componentText": { "text": "Invoice" } } ],
                "rowAsideContent": [ { "componentCopyButton": { "copyButtonValue": "INV-7" } } ] } }
        ] } }
    ])
}

/// The bridge's configuration: the main endpoint plus one endpoint per failure.
fn bridge_config(endpoint: &CardEndpoint, closed_port: u16) -> BridgeConfig {
    let keys = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let signed = |name: &str, path: &str, k: &[&str], secret: &str| {
        let mut e = RawEndpoint::new(name, &endpoint.url(path), keys(k));
        e.signing_secret = Some(secret.to_owned());
        // Below the test gateway's 800 ms service deadline.
        e.timeout = Duration::from_millis(400);
        e
    };
    let mut main = signed(
        "main",
        "/cards",
        &[
            "all-kinds",
            "aliases",
            "nulls",
            "no-data",
            "short-lived",
            "broken",
            "missing",
        ],
        ENDPOINT_SECRET,
    );
    main.headers
        .insert("Authorization".into(), ENDPOINT_TOKEN.into());
    let mut huge = signed("huge", "/huge", &["huge"], ENDPOINT_SECRET);
    huge.max_body_bytes = 64 * 1024;
    let refused = RawEndpoint::new(
        "refused",
        &format!("http://127.0.0.1:{closed_port}/"),
        keys(&["refused"]),
    );
    let raw = RawConfig {
        service_name: Some("legacy".into()),
        endpoint: vec![
            main,
            signed(
                "wrong-secret",
                "/cards",
                &["wrong-signature"],
                "not-the-endpoint-secret",
            ),
            signed("fails-500", "/status/500", &["fails-500"], ENDPOINT_SECRET),
            signed("fails-401", "/status/401", &["fails-401"], ENDPOINT_SECRET),
            signed("slow", "/slow", &["slow"], ENDPOINT_SECRET),
            signed("not-json", "/not-json", &["not-json"], ENDPOINT_SECRET),
            huge,
            signed("redirect", "/redirect", &["redirected"], ENDPOINT_SECRET),
            refused,
        ],
    };
    BridgeConfig::from_raw(raw, &|_| None, &|_| Err(std::io::Error::other("no files")))
        .expect("valid bridge config")
}

fn endpoint_cards() -> Vec<(&'static str, Value)> {
    vec![
        (
            "all-kinds",
            json!({ "timeToLiveSeconds": 90, "components": all_kinds() }),
        ),
        (
            "aliases",
            json!({ "components": [
            { "componentText": { "text": "Old names", "size": "S", "color": "WARNING" } },
            { "componentDivider": { "spacingSize": "L" } },
            { "componentSpacer": { "size": "M" } },
            { "componentLinkButton": { "label": "Docs", "url": "https://docs.example.com" } }
        ] }),
        ),
        (
            "nulls",
            json!({ "timeToLiveSeconds": null, "components": [
            { "componentText": { "text": "Nulls", "textSize": null, "textColor": null } },
            { "componentCopyButton": { "copyButtonValue": "v", "copyButtonTooltipLabel": null } },
            { "componentDivider": { "dividerSpacingSize": null } }
        ] }),
        ),
        ("no-data", json!({ "components": null })),
        (
            "short-lived",
            json!({ "timeToLiveSeconds": 1, "components": [{ "componentText": { "text": "Fresh for a second" } }] }),
        ),
        (
            "broken",
            json!({ "components": [
            { "componentText": { "text": "fine" } },
            { "componentBadge": { "badgeLabel": "private-label-value", "badgeColor": "PINK" } }
        ] }),
        ),
        (
            "wrong-signature",
            json!({ "components": [{ "componentText": { "text": "never served" } }] }),
        ),
        (
            "fails-500",
            json!({ "components": [{ "componentText": { "text": "x" } }] }),
        ),
        (
            "slow",
            json!({ "components": [{ "componentText": { "text": "x" } }] }),
        ),
        (
            "huge",
            json!({ "components": [{ "componentText": { "text": "x" } }] }),
        ),
        (
            "redirected",
            json!({ "components": [{ "componentText": { "text": "x" } }] }),
        ),
    ]
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The bridge on a real gRPC socket, with its metrics listener.
struct Bridge {
    service: RunningService,
    metrics_url: String,
}

impl Bridge {
    async fn start(config: BridgeConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind bridge");
        let metrics = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind metrics");
        let metrics_url = format!("http://{}/metrics", metrics.local_addr().expect("addr"));
        let bridge = HttpBridge::new(config).expect("bridge");
        let service = RunningService::start_with(listener, move |listener, shutdown| {
            cardmesh_kit::serve_on_with_metrics(bridge, listener, metrics, shutdown)
        });
        Self {
            service,
            metrics_url,
        }
    }

    async fn metrics(&self) -> String {
        reqwest::get(&self.metrics_url)
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    }
}

const FAILING: [&str; 9] = [
    "missing",
    "wrong-signature",
    "fails-500",
    "fails-401",
    "slow",
    "not-json",
    "huge",
    "redirected",
    "refused",
];

#[tokio::test]
async fn gateway_answers_validated_cards_and_per_card_failures_from_an_existing_endpoint() {
    let logs = logs();
    let mut endpoint = CardEndpoint::start(endpoint_cards()).await;
    let bridge = Bridge::start(bridge_config(&endpoint, closed_port().await)).await;
    let gw = RunningGateway::start_ready(gateway_config(&[bridge.service.endpoint()])).await;

    let good = ["all-kinds", "aliases", "nulls", "no-data", "short-lived"];
    let keys: Vec<&str> = good
        .iter()
        .chain(["broken"].iter())
        .chain(FAILING.iter())
        .copied()
        .collect();
    let answer = gw.post_signed(&body(&keys, "c_bridge_1")).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(
        answer.keys(),
        keys,
        "one card per requested key, the extra card dropped"
    );

    // Valid cards reach Plain as the endpoint drew them, with the current field names.
    let card = answer.card("all-kinds");
    assert_eq!(card["components"], all_kinds());
    assert_eq!(
        card["timeToLiveSeconds"], 90,
        "timeToLiveSeconds is carried over"
    );
    assert_eq!(
        answer.card("nulls")["components"],
        json!([
            { "componentText": { "text": "Nulls" } },
            { "componentCopyButton": { "copyButtonValue": "v" } },
            { "componentDivider": {} }
        ])
    );
    assert_eq!(answer.card("no-data")["components"], Value::Null);

    // A broken card and every failure become fallback cards, each on its own.
    for key in ["broken"].iter().chain(FAILING.iter()) {
        assert!(is_fallback(answer.card(key)), "{key}: {}", answer.card(key));
    }
    let text = logs.text();
    assert!(
        text.contains("cards[5].components[1].componentBadge.badgeColor"),
        "the broken card's reason names the JSON path:\n{text}"
    );
    for secret in [
        EMAIL,
        "private-label-value",
        ENDPOINT_SECRET,
        ENDPOINT_TOKEN,
    ] {
        assert!(!text.contains(secret), "{secret} appears in the logs");
    }

    // What the endpoint received: one request per endpoint, exactly as Plain sends it.
    let received = endpoint.received();
    let main: Vec<_> = received
        .iter()
        .filter(|r| r.path == "/cards" && r.signed_ok)
        .collect();
    assert_eq!(
        main.len(),
        1,
        "one request for all of the main endpoint's keys"
    );
    let request = main[0];
    assert_eq!(
        request.json()["cardKeys"],
        json!([
            "all-kinds",
            "aliases",
            "nulls",
            "no-data",
            "short-lived",
            "broken",
            "missing"
        ])
    );
    assert_eq!(
        request.json()["customer"],
        json!({ "id": "c_bridge_1", "email": EMAIL, "externalId": "cus_bridge_1" })
    );
    assert_eq!(
        request.json()["thread"],
        json!({ "id": "th_bridge_1", "externalId": null })
    );
    assert_eq!(
        request.json()["tenant"],
        json!({ "id": "te_bridge_1", "externalId": "acme" })
    );
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.header("accept"), "application/json");
    assert_eq!(
        request.header("user-agent"),
        "Plain/1.0 (plain.com; help@plain.com)"
    );
    assert_eq!(request.header("plain-workspace-id"), "w_test");
    assert_eq!(request.header("authorization"), ENDPOINT_TOKEN);
    let refused: Vec<_> = received
        .iter()
        .filter(|r| r.path == "/cards" && !r.signed_ok)
        .collect();
    assert_eq!(
        refused.len(),
        1,
        "the wrongly signed request reached the endpoint and was refused"
    );
    assert_eq!(refused[0].json()["cardKeys"], json!(["wrong-signature"]));
    assert!(received.iter().any(|r| r.path == "/redirect"));
    assert!(
        !received
            .iter()
            .any(|r| r.path == "/cards" && r.json()["cardKeys"] == json!(["redirected"])),
        "redirect not followed"
    );

    // Metrics: outcomes and latency per endpoint.
    let metrics = bridge.metrics().await;
    for (name, outcome) in [
        ("main", "ok"),
        ("wrong-secret", "status"),
        ("fails-500", "status"),
        ("fails-401", "status"),
        ("slow", "timeout"),
        ("not-json", "not_json"),
        ("huge", "too_large"),
        ("redirect", "status"),
        ("refused", "connect"),
    ] {
        let line = format!("cardmesh_bridge_endpoint_requests_total{{endpoint=\"{name}\",outcome=\"{outcome}\"}} 1");
        assert!(metrics.contains(&line), "{line} missing in:\n{metrics}");
    }
    assert!(
        metrics.contains(
            "cardmesh_bridge_endpoint_request_duration_seconds_count{endpoint=\"main\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("cardmesh_kit_requests_total"),
        "the kit's metrics on the same listener"
    );

    // The endpoint stops: once the short-lived card expires, its last good copy is served.
    gw.flush_cache().await;
    endpoint.stop().await;
    let again = ["short-lived", "all-kinds"];
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let stale = loop {
        let answer = gw.post_signed(&body(&again, "c_bridge_1")).await;
        if answer.cache_count("stale") == 1 {
            break answer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "short-lived was never served stale: {}",
            answer.json
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!is_fallback(stale.card("short-lived")), "{}", stale.json);
    assert_eq!(
        stale.card("short-lived")["components"],
        answer.card("short-lived")["components"]
    );
    assert_eq!(
        stale.card("all-kinds")["components"],
        all_kinds(),
        "still fresh in the cache"
    );
    let cold = gw
        .post_signed(&body(&["aliases"], "c_bridge_never_seen"))
        .await;
    assert!(
        is_fallback(cold.card("aliases")),
        "never cached and the endpoint is down: fallback"
    );

    // Deprecated aliases are accepted and reach Plain under their current names.
    assert_eq!(
        answer.card("aliases")["components"],
        json!([
            { "componentText": { "text": "Old names", "textSize": "S", "textColor": "WARNING" } },
            { "componentDivider": { "dividerSpacingSize": "L" } },
            { "componentSpacer": { "spacerSize": "M" } },
            { "componentLinkButton": { "linkButtonLabel": "Docs", "linkButtonUrl": "https://docs.example.com" } }
        ])
    );
}

/// The proto service a card moves to.
struct NewOwner;

#[tonic::async_trait]
impl cardmesh_kit::CardProvider for NewOwner {
    fn name(&self) -> &str {
        "orders-service"
    }
    fn cards(&self) -> Vec<cardmesh_kit::CardSpec> {
        vec![cardmesh_kit::CardSpec::new("orders", "Orders")]
    }
    async fn card(&self, _key: &str, _ctx: &cardmesh_kit::CardContext) -> cardmesh_kit::Card {
        cardmesh_kit::Card::new([cardmesh_kit::build::text("orders from the proto service")])
    }
}

fn one_endpoint(endpoint: &CardEndpoint, keys: &[&str]) -> BridgeConfig {
    let mut raw = RawEndpoint::new(
        "legacy",
        &endpoint.url("/cards"),
        keys.iter().map(|k| k.to_string()).collect(),
    );
    raw.signing_secret = Some(ENDPOINT_SECRET.into());
    raw.timeout = Duration::from_millis(400);
    let raw = RawConfig {
        service_name: None,
        endpoint: vec![raw],
    };
    BridgeConfig::from_raw(raw, &|_| None, &|_| Err(std::io::Error::other("no files")))
        .expect("valid")
}

fn text_of(card: &Value) -> &str {
    card["components"][0]["componentText"]["text"]
        .as_str()
        .unwrap_or_default()
}

/// docs/existing-card-api.md, "Migrate card by card": the proto service is deployed with the
/// key while the bridge still lists it (the first listed service keeps a key claimed twice),
/// then the key leaves the bridge's list and only the bridge restarts.
#[tokio::test]
async fn a_key_moves_from_the_bridge_to_a_proto_service_by_restarting_only_the_bridge() {
    let _ = logs();
    let endpoint = CardEndpoint::start([
        (
            "orders",
            json!({ "components": [{ "componentText": { "text": "orders from the endpoint" } }] }),
        ),
        (
            "plans",
            json!({ "components": [{ "componentText": { "text": "plans from the endpoint" } }] }),
        ),
    ])
    .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind bridge");
    let bridge_addr = listener.local_addr().expect("addr");
    let mut bridge = RunningService::start_on(
        HttpBridge::new(one_endpoint(&endpoint, &["orders", "plans"])).expect("bridge"),
        listener,
    );
    let new_owner = RunningService::start(NewOwner).await;
    let mut config = gateway_config(&[bridge.endpoint(), new_owner.endpoint()]);
    config.discovery.refresh_interval = Duration::from_millis(200);
    let gw = RunningGateway::start_ready(config).await;

    let before = gw
        .post_signed(&body(&["orders", "plans"], "c_migrate_1"))
        .await;
    assert_eq!(
        text_of(before.card("orders")),
        "orders from the endpoint",
        "{}",
        before.json
    );
    assert_eq!(text_of(before.card("plans")), "plans from the endpoint");

    // The key leaves the bridge's configuration; the bridge restarts on its address.
    bridge.stop().await;
    let listener = TcpListener::bind(bridge_addr)
        .await
        .expect("rebind the bridge's address");
    let _bridge = RunningService::start_on(
        HttpBridge::new(one_endpoint(&endpoint, &["plans"])).expect("bridge"),
        listener,
    );

    // Cached copies of the old owner live out their TTL; a customer not cached yet shows
    // the routing at once.
    let mut customer = 0;
    wait_until(
        "orders routed to the proto service",
        Duration::from_secs(10),
        || {
            customer += 1;
            let body = body(&["orders", "plans"], &format!("c_migrate_after_{customer}"));
            let gw = &gw;
            async move {
                let answer = gw.post_signed(&body).await;
                text_of(answer.card("orders")) == "orders from the proto service"
                    && text_of(answer.card("plans")) == "plans from the endpoint"
            }
        },
    )
    .await;
    let last = endpoint.received().pop().expect("the endpoint was called");
    assert_eq!(
        last.json()["cardKeys"],
        json!(["plans"]),
        "the bridge no longer asks for the moved key"
    );
}

/// An `https://` endpoint is verified: against the configured CA it answers; against the
/// system roots (which do not hold the test CA) the handshake fails, for its keys only. The
/// endpoint here is a TLS-terminating gateway in front of the example services: it speaks
/// Plain's protocol and checks the signature too.
#[tokio::test]
async fn https_endpoints_are_verified_against_the_configured_ca_or_the_system_roots() {
    use cardmesh_tests::pki::{PemDir, TestCa};

    let _ = logs();
    let services = ExampleServices::start().await;
    let ca = TestCa::new("bridge test CA");
    let dir = PemDir::new();
    let mut upstream_config = gateway_config(&services.endpoints());
    let (cert, key) = dir.write_pair("upstream", &ca.server());
    upstream_config.tls.cert_file = Some(cert);
    upstream_config.tls.key_file = Some(key);
    let upstream = RunningGateway::start_with_client(upstream_config, ca.https_client(None)).await;
    upstream.wait_ready().await;

    let ca_file = dir.write("ca.pem", &ca.cert_pem());
    let endpoint = |name: &str, key: &str, ca: bool| {
        let mut e = RawEndpoint::new(name, &upstream.url("/"), vec![key.to_owned()]);
        e.signing_secret = Some(SECRET.into());
        e.timeout = Duration::from_millis(700);
        e.ca_file = ca.then(|| ca_file.clone());
        e
    };
    let raw = RawConfig {
        service_name: None,
        endpoint: vec![
            endpoint("with-ca", "usage", true),
            endpoint("system-roots", "customer-details", false),
        ],
    };
    let read = |path: &str| std::fs::read_to_string(path);
    let config = BridgeConfig::from_raw(raw, &|_| None, &read).expect("valid");
    let bridge = Bridge::start(config).await;
    let gw = RunningGateway::start_ready(gateway_config(&[bridge.service.endpoint()])).await;

    let answer = gw
        .post_signed(&demo_body(&["usage", "customer-details"]))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let usage = answer.card("usage");
    assert!(
        !is_fallback(usage),
        "verified against the configured CA: {usage}"
    );
    assert!(usage["components"].is_array(), "{usage}");
    assert!(
        is_fallback(answer.card("customer-details")),
        "an unknown CA is refused: {}",
        answer.json
    );
    let metrics = bridge.metrics().await;
    for line in [
        "cardmesh_bridge_endpoint_requests_total{endpoint=\"with-ca\",outcome=\"ok\"} 1",
        "cardmesh_bridge_endpoint_requests_total{endpoint=\"system-roots\",outcome=\"connect\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing in:\n{metrics}");
    }
}
