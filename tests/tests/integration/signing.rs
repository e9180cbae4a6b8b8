//! Per-workspace signing secrets and the replay window, over real HTTP.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use cardmesh_gateway::config::{Config, Secret, SigningSecrets};
use cardmesh_tests::*;

/// A request for a card no service owns: answered `200` without any card service.
fn body_at(timestamp: Option<&str>) -> String {
    let mut body = serde_json::json!({
        "cardKeys": ["nobody_owns_this"],
        "customer": { "id": "c_test_1", "email": "ada@example.com" },
    });
    if let Some(timestamp) = timestamp {
        body["timestamp"] = timestamp.into();
    }
    body.to_string()
}

/// The ISO-8601 time `offset` before (negative: after) now, as Plain writes it.
fn iso_ago(offset_secs: i64) -> String {
    let now = SystemTime::now();
    let at = if offset_secs >= 0 {
        now - Duration::from_secs(offset_secs as u64)
    } else {
        now + Duration::from_secs(offset_secs.unsigned_abs())
    };
    humantime::format_rfc3339_millis(at).to_string()
}

/// POSTs `body` with `workspace` as `Plain-Workspace-Id` (no header with `None`), signed
/// with `secret` (unsigned with `None`).
async fn post(gw: &RunningGateway, workspace: Option<&str>, secret: Option<&str>, body: &str) -> Answer {
    let mut request = gw.client().post(gw.url("/")).header("content-type", "application/json").body(body.to_owned());
    if let Some(workspace) = workspace {
        request = request.header("plain-workspace-id", workspace);
    }
    if let Some(secret) = secret {
        request = request.header("plain-request-signature", cardmesh_gateway::verify::sign(secret, body.as_bytes()));
    }
    Answer::from(request.send().await.expect("answered")).await
}

fn per_workspace(entries: &[(&str, &[&str])]) -> SigningSecrets {
    let map: BTreeMap<String, Vec<Secret>> = entries
        .iter()
        .map(|(workspace, secrets)| ((*workspace).to_owned(), secrets.iter().map(|s| Secret::new(*s)).collect()))
        .collect();
    map.into()
}

fn config_with(secrets: SigningSecrets) -> Config {
    Config { signing_secrets: secrets, ..gateway_config(&[]) }
}

fn assert_refused(answer: &Answer, code: &str) {
    assert_eq!((answer.status, answer.error_code()), (401, code), "{}", answer.json);
}

#[tokio::test]
async fn each_workspace_is_checked_against_its_own_secrets() {
    let gw =
        RunningGateway::start(config_with(per_workspace(&[("w_1", &["w1-new", "w1-old"]), ("w_2", &["w2-only"])])))
            .await;
    let body = body_at(None);

    // Rotation per workspace: both of w_1's secrets are accepted, each for w_1 only.
    for secret in ["w1-new", "w1-old"] {
        let ok = post(&gw, Some("w_1"), Some(secret), &body).await;
        assert_eq!(ok.status, 200, "{}", ok.json);
        assert_refused(&post(&gw, Some("w_2"), Some(secret), &body).await, "invalid_signature");
    }
    assert_eq!(post(&gw, Some("w_2"), Some("w2-only"), &body).await.status, 200);
    assert_refused(&post(&gw, Some("w_1"), Some("w2-only"), &body).await, "invalid_signature");
    assert_refused(&post(&gw, Some("w_1"), None, &body).await, "missing_signature");

    // A workspace not in the table, or no header, is refused before the signature is read.
    for workspace in [Some("w_3"), Some(""), Some("w_11"), Some("W_1"), None] {
        let answer = post(&gw, workspace, Some("w1-new"), &body).await;
        assert_refused(&answer, "unknown_workspace");
        assert!(!answer.json.to_string().contains("w1-"), "{}", answer.json);
        assert_refused(&post(&gw, workspace, None, &body).await, "unknown_workspace");
    }
    gw.stop().await;

    // w_1 finishes its rotation (the old secret is removed); w_2 is unaffected.
    let gw = RunningGateway::start(config_with(per_workspace(&[("w_1", &["w1-new"]), ("w_2", &["w2-only"])]))).await;
    assert_refused(&post(&gw, Some("w_1"), Some("w1-old"), &body).await, "invalid_signature");
    assert_eq!(post(&gw, Some("w_1"), Some("w1-new"), &body).await.status, 200);
    assert_eq!(post(&gw, Some("w_2"), Some("w2-only"), &body).await.status, 200);
    gw.stop().await;
}

#[tokio::test]
async fn the_shared_list_accepts_any_workspace_or_none() {
    let gw = RunningGateway::start(gateway_config(&[])).await;
    let body = body_at(None);
    for workspace in [Some("w_anything"), None] {
        assert_eq!(post(&gw, workspace, Some(SECOND_SECRET), &body).await.status, 200);
    }
    assert_refused(&post(&gw, None, Some("not-configured"), &body).await, "invalid_signature");
    gw.stop().await;
}

#[tokio::test]
async fn the_replay_window_refuses_old_future_missing_and_unparseable_timestamps() {
    let mut config = gateway_config(&[]);
    config.signature.max_age = Some(Duration::from_secs(60));
    let gw = RunningGateway::start(config).await;

    for fresh in [iso_ago(0), iso_ago(30), iso_ago(-30)] {
        let answer = post(&gw, Some("w_1"), Some(SECRET), &body_at(Some(&fresh))).await;
        assert_eq!(answer.status, 200, "{fresh}: {}", answer.json);
    }
    for (body, reason) in [
        (body_at(Some(&iso_ago(3600))), "away from the gateway's clock"),
        (body_at(Some(&iso_ago(-3600))), "away from the gateway's clock"),
        (body_at(None), "has no timestamp"),
        (body_at(Some("last tuesday")), "not an ISO-8601 time"),
        (body_at(Some("2026-01-05T10:00:00")), "not an ISO-8601 time"),
        (r#"{"cardKeys":["x"],"customer":{"id":"c_1"},"timestamp":1767607200}"#.to_owned(), "not an ISO-8601 time"),
    ] {
        let answer = post(&gw, Some("w_1"), Some(SECRET), &body).await;
        assert_refused(&answer, "stale_request");
        let message = answer.json["error"]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{body}: {message}");
    }
    // The signature is checked first: a stale body with a bad signature is a bad signature.
    assert_refused(&post(&gw, Some("w_1"), Some("wrong"), &body_at(Some(&iso_ago(3600)))).await, "invalid_signature");
    gw.stop().await;
}

#[tokio::test]
async fn a_replayed_body_is_refused_once_older_than_max_age() {
    // One signed body, captured 10 s after Plain signed it.
    let captured = body_at(Some(&iso_ago(10)));
    let window = |max_age| {
        let mut config = gateway_config(&[]);
        config.signature.max_age = Some(max_age);
        config
    };

    // Within a 1 minute window it is accepted, as Plain's own delivery was.
    let gw = RunningGateway::start(window(Duration::from_secs(60))).await;
    assert_eq!(post(&gw, Some("w_1"), Some(SECRET), &captured).await.status, 200);
    gw.stop().await;

    // Replayed against a 5 s window, the same bytes (signature still valid) are refused.
    let gw = RunningGateway::start(window(Duration::from_secs(5))).await;
    assert_refused(&post(&gw, Some("w_1"), Some(SECRET), &captured).await, "stale_request");
    // Without the window (the default) the gateway cannot tell.
    gw.stop().await;
    let gw = RunningGateway::start(gateway_config(&[])).await;
    assert_eq!(post(&gw, Some("w_1"), Some(SECRET), &captured).await.status, 200);
    gw.stop().await;
}

#[tokio::test]
async fn workspace_secrets_from_the_environment_reach_the_endpoint() {
    let env = cardmesh_gateway::config::EnvOverrides::from_pairs([
        ("CARDMESH_WORKSPACE_SECRETS", "w_1=a|b,w_2=c"),
        ("CARDMESH_SIGNATURE_MAX_AGE", "1m"),
    ]);
    let loaded = Config::load(None, &env).expect("valid");
    let gw = RunningGateway::start(Config {
        signing_secrets: loaded.signing_secrets,
        signature: loaded.signature,
        ..gateway_config(&[])
    })
    .await;
    let body = body_at(Some(&iso_ago(1)));
    assert_eq!(post(&gw, Some("w_1"), Some("b"), &body).await.status, 200);
    assert_eq!(post(&gw, Some("w_2"), Some("c"), &body).await.status, 200);
    assert_refused(&post(&gw, Some("w_2"), Some("a"), &body).await, "invalid_signature");
    assert_refused(&post(&gw, Some("w_9"), Some("a"), &body).await, "unknown_workspace");
    assert_refused(&post(&gw, Some("w_1"), Some("a"), &body_at(None)).await, "stale_request");
    gw.stop().await;
}
