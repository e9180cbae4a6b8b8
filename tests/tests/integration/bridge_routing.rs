//! The http-bridge and the gateway's routing: a key migrating from the bridge to a proto
//! service, and `https://` endpoints verified against the configured CA or the system roots.

use std::time::Duration;

use cardmesh_tests::bridge::{checked, RunningBridge};
use cardmesh_tests::card_endpoint::{CardEndpoint, ENDPOINT_SECRET};
use cardmesh_tests::*;
use http_bridge::config::{RawConfig, RawEndpoint};
use http_bridge::{BridgeConfig, HttpBridge};
use serde_json::{json, Value};
use tokio::net::TcpListener;

fn body(keys: &[&str], customer: &str) -> String {
    json!({
        "cardKeys": keys,
        "customer": { "id": customer, "email": "migrate@example.com", "externalId": null },
    })
    .to_string()
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
    let mut raw = RawEndpoint::new("legacy", &endpoint.url("/cards"), keys.iter().map(|k| k.to_string()).collect());
    raw.signing_secret = Some(ENDPOINT_SECRET.into());
    raw.timeout = Duration::from_millis(400);
    let raw = RawConfig { service_name: None, endpoint: vec![raw] };
    checked(raw)
}

fn text_of(card: &Value) -> &str {
    card["components"][0]["componentText"]["text"].as_str().unwrap_or_default()
}

/// docs/src/guides/existing-card-api.md, "Migrate card by card": the proto service is deployed with the
/// key while the bridge still lists it (the first listed service keeps a key claimed twice),
/// then the key leaves the bridge's list and only the bridge restarts.
#[tokio::test]
async fn a_key_moves_from_the_bridge_to_a_proto_service_by_restarting_only_the_bridge() {
    let endpoint = CardEndpoint::start([
        ("orders", json!({ "components": [{ "componentText": { "text": "orders from the endpoint" } }] })),
        ("plans", json!({ "components": [{ "componentText": { "text": "plans from the endpoint" } }] })),
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

    let before = gw.post_signed(&body(&["orders", "plans"], "c_migrate_1")).await;
    assert_eq!(text_of(before.card("orders")), "orders from the endpoint", "{}", before.json);
    assert_eq!(text_of(before.card("plans")), "plans from the endpoint");

    // The key leaves the bridge's configuration; the bridge restarts on its address.
    bridge.stop().await;
    let listener = TcpListener::bind(bridge_addr).await.expect("rebind the bridge's address");
    let _bridge =
        RunningService::start_on(HttpBridge::new(one_endpoint(&endpoint, &["plans"])).expect("bridge"), listener);

    // Cached copies of the old owner live out their TTL; a customer not cached yet shows
    // the routing at once.
    let mut customer = 0;
    wait_until("orders routed to the proto service", Duration::from_secs(10), || {
        customer += 1;
        let body = body(&["orders", "plans"], &format!("c_migrate_after_{customer}"));
        let gw = &gw;
        async move {
            let answer = gw.post_signed(&body).await;
            text_of(answer.card("orders")) == "orders from the proto service"
                && text_of(answer.card("plans")) == "plans from the endpoint"
        }
    })
    .await;
    let last = endpoint.received().pop().expect("the endpoint was called");
    assert_eq!(last.json()["cardKeys"], json!(["plans"]), "the bridge no longer asks for the moved key");
}

/// An `https://` endpoint is verified: against the configured CA it answers; against the
/// system roots (which do not hold the test CA) the handshake fails, for its keys only. The
/// endpoint here is a TLS-terminating gateway in front of the example services: it speaks
/// Plain's protocol and checks the signature too.
#[tokio::test]
async fn https_endpoints_are_verified_against_the_configured_ca_or_the_system_roots() {
    use cardmesh_tests::pki::{PemDir, TestCa};

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
        endpoint: vec![endpoint("with-ca", "usage", true), endpoint("system-roots", "customer-details", false)],
    };
    let bridge = RunningBridge::start(checked(raw)).await;
    let gw = RunningGateway::start_ready(gateway_config(&[bridge.endpoint()])).await;

    let answer = gw.post_signed(&demo_body(&["usage", "customer-details"])).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let usage = answer.card("usage");
    assert!(!is_fallback(usage), "verified against the configured CA: {usage}");
    assert!(usage["components"].is_array(), "{usage}");
    assert!(is_fallback(answer.card("customer-details")), "an unknown CA is refused: {}", answer.json);
    let metrics = bridge.metrics().await;
    for line in [
        "cardmesh_bridge_endpoint_requests_total{endpoint=\"with-ca\",outcome=\"ok\"} 1",
        "cardmesh_bridge_endpoint_requests_total{endpoint=\"system-roots\",outcome=\"connect\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing in:\n{metrics}");
    }
}
