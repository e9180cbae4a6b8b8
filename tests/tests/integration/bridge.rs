//! The http-bridge between the real gateway and an existing Plain-protocol card endpoint
//! (real HTTP on port 0, real gRPC): what the gateway answers for every kind of card and
//! every kind of endpoint failure, what the endpoint receives, and the bridge's metrics.

use std::sync::OnceLock;
use std::time::Duration;

use cardmesh_tests::bridge::{checked, RunningBridge};
use cardmesh_tests::capture::CapturedLogs;
use cardmesh_tests::card_endpoint::{CardEndpoint, ENDPOINT_SECRET};
use cardmesh_tests::*;
use http_bridge::config::{RawConfig, RawEndpoint};
use http_bridge::BridgeConfig;
use serde_json::{json, Value};

const EMAIL: &str = "bridge.customer@example.com";
const ENDPOINT_TOKEN: &str = "Bearer endpoint-token";

/// The global subscriber of this test's own process, its output kept.
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

/// All twelve component kinds, with the current field names.
fn all_kinds() -> Value {
    json!([
        { "componentDateTime": { "dateTimeIso8601": "2026-03-01T09:30:00Z" } },
        { "componentUser": { "userIdentifier": { "emailAddress": "agent@example.com" } } },
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
        &["all-kinds", "aliases", "nulls", "no-data", "short-lived", "broken", "missing"],
        ENDPOINT_SECRET,
    );
    main.headers.insert("Authorization".into(), ENDPOINT_TOKEN.into());
    let mut huge = signed("huge", "/huge", &["huge"], ENDPOINT_SECRET);
    huge.max_body_bytes = 64 * 1024;
    let refused = RawEndpoint::new("refused", &format!("http://127.0.0.1:{closed_port}/"), keys(&["refused"]));
    let raw = RawConfig {
        service_name: Some("legacy".into()),
        endpoint: vec![
            main,
            signed("wrong-secret", "/cards", &["wrong-signature"], "not-the-endpoint-secret"),
            signed("fails-500", "/status/500", &["fails-500"], ENDPOINT_SECRET),
            signed("fails-401", "/status/401", &["fails-401"], ENDPOINT_SECRET),
            signed("slow", "/slow", &["slow"], ENDPOINT_SECRET),
            signed("not-json", "/not-json", &["not-json"], ENDPOINT_SECRET),
            huge,
            signed("redirect", "/redirect", &["redirected"], ENDPOINT_SECRET),
            refused,
        ],
    };
    checked(raw)
}

fn endpoint_cards() -> Vec<(&'static str, Value)> {
    vec![
        ("all-kinds", json!({ "timeToLiveSeconds": 90, "components": all_kinds() })),
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
        ("wrong-signature", json!({ "components": [{ "componentText": { "text": "never served" } }] })),
        ("fails-500", json!({ "components": [{ "componentText": { "text": "x" } }] })),
        ("slow", json!({ "components": [{ "componentText": { "text": "x" } }] })),
        ("huge", json!({ "components": [{ "componentText": { "text": "x" } }] })),
        ("redirected", json!({ "components": [{ "componentText": { "text": "x" } }] })),
    ]
}

const FAILING: [&str; 9] =
    ["missing", "wrong-signature", "fails-500", "fails-401", "slow", "not-json", "huge", "redirected", "refused"];

#[tokio::test]
async fn gateway_answers_validated_cards_and_per_card_failures_from_an_existing_endpoint() {
    // The global subscriber sees every thread's logs: only this test's, in its own process.
    if !own_process::in_own_process(
        module_path!(),
        "gateway_answers_validated_cards_and_per_card_failures_from_an_existing_endpoint",
    ) {
        return;
    }
    let logs = logs();
    let mut endpoint = CardEndpoint::start(endpoint_cards()).await;
    let bridge = RunningBridge::start(bridge_config(&endpoint, closed_port())).await;
    let gw = RunningGateway::start_ready(gateway_config(&[bridge.endpoint()])).await;

    let good = ["all-kinds", "aliases", "nulls", "no-data", "short-lived"];
    let keys: Vec<&str> = good.iter().chain(["broken"].iter()).chain(FAILING.iter()).copied().collect();
    let answer = gw.post_signed(&body(&keys, "c_bridge_1")).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.keys(), keys, "one card per requested key, the extra card dropped");

    // Valid cards reach Plain as the endpoint drew them, with the current field names.
    let card = answer.card("all-kinds");
    assert_eq!(card["components"], all_kinds());
    assert_eq!(card["timeToLiveSeconds"], 90, "timeToLiveSeconds is carried over");
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
    for secret in [EMAIL, "private-label-value", ENDPOINT_SECRET, ENDPOINT_TOKEN] {
        assert!(!text.contains(secret), "{secret} appears in the logs");
    }

    // What the endpoint received: one request per endpoint, exactly as Plain sends it.
    let received = endpoint.received();
    let main: Vec<_> = received.iter().filter(|r| r.path == "/cards" && r.signed_ok).collect();
    assert_eq!(main.len(), 1, "one request for all of the main endpoint's keys");
    let request = main[0];
    assert_eq!(
        request.json()["cardKeys"],
        json!(["all-kinds", "aliases", "nulls", "no-data", "short-lived", "broken", "missing"])
    );
    assert_eq!(request.json()["customer"], json!({ "id": "c_bridge_1", "email": EMAIL, "externalId": "cus_bridge_1" }));
    assert_eq!(request.json()["thread"], json!({ "id": "th_bridge_1", "externalId": null }));
    assert_eq!(request.json()["tenant"], json!({ "id": "te_bridge_1", "externalId": "acme" }));
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.header("accept"), "application/json");
    assert_eq!(request.header("user-agent"), "Plain/1.0 (plain.com; help@plain.com)");
    assert_eq!(request.header("plain-workspace-id"), "w_test");
    assert_eq!(request.header("authorization"), ENDPOINT_TOKEN);
    let refused: Vec<_> = received.iter().filter(|r| r.path == "/cards" && !r.signed_ok).collect();
    assert_eq!(refused.len(), 1, "the wrongly signed request reached the endpoint and was refused");
    assert_eq!(refused[0].json()["cardKeys"], json!(["wrong-signature"]));
    assert!(received.iter().any(|r| r.path == "/redirect"));
    assert!(
        !received.iter().any(|r| r.path == "/cards" && r.json()["cardKeys"] == json!(["redirected"])),
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
        metrics.contains("cardmesh_bridge_endpoint_request_duration_seconds_count{endpoint=\"main\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("cardmesh_kit_requests_total"), "the kit's metrics on the same listener");

    // The endpoint stops: once the short-lived card expires, its last good copy is served.
    gw.flush_cache().await;
    endpoint.stop().await;
    let again = ["short-lived", "all-kinds"];
    let stale = Wait::new("short-lived served stale", Duration::from_secs(10))
        .every(Duration::from_millis(50))
        .until(|| async {
            let answer = gw.post_signed(&body(&again, "c_bridge_1")).await;
            if answer.cache_count("stale") == 1 {
                Ok(answer)
            } else {
                Err(answer.json.to_string())
            }
        })
        .await;
    assert!(!is_fallback(stale.card("short-lived")), "{}", stale.json);
    assert_eq!(stale.card("short-lived")["components"], answer.card("short-lived")["components"]);
    assert_eq!(stale.card("all-kinds")["components"], all_kinds(), "still fresh in the cache");
    let cold = gw.post_signed(&body(&["aliases"], "c_bridge_never_seen")).await;
    assert!(is_fallback(cold.card("aliases")), "never cached and the endpoint is down: fallback");

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
