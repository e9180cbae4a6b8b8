//! `POST /actions/{name}` under attack, over real sockets: a request that is not Plain's must
//! never reach the card service. Each test sends the attack, checks the documented answer,
//! and checks that the service saw no `RunAction` call.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use cardmesh_gateway::config::{Config, Secret, SigningSecrets};
use cardmesh_tests::action_service::*;
use cardmesh_tests::plain_graphql::PlainGraphQl;
use cardmesh_tests::*;
use tokio::net::TcpStream;

/// A gateway in front of an [`ActionService`], Plain's API on (the stand-in knows Ada by her
/// thread), with `adjust` applied to its config.
async fn setup(adjust: impl FnOnce(&mut Config)) -> (ActionService, PlainGraphQl, RunningGateway) {
    let ActionStack { service, plain, gw } = ActionStack::start(adjust).await;
    (service, plain, gw)
}

fn url(gw: &RunningGateway) -> String {
    gw.url(&format!("/actions/{EXTEND_TRIAL}"))
}

fn body() -> String {
    workflow_body(THREAD, EMAIL)
}

/// The guide's body with a `timestamp` `age` old, as the replay window reads it.
fn body_signed_ago(age: Duration) -> String {
    let at = humantime::format_rfc3339_millis(SystemTime::now() - age).to_string();
    let mut json: serde_json::Value = serde_json::from_str(&body()).unwrap();
    json["timestamp"] = at.into();
    json.to_string()
}

#[tokio::test]
async fn a_forged_or_missing_signature_runs_nothing() {
    let (service, plain, gw) = setup(|_| {}).await;
    let forged = post_action(gw.client(), &url(&gw), &body(), Some("not-the-secret")).await;
    assert_eq!((forged.status, forged.code()), (401, "invalid_signature"), "{}", forged.json);
    let unsigned = post_action(gw.client(), &url(&gw), &body(), None).await;
    assert_eq!((unsigned.status, unsigned.code()), (401, "missing_signature"), "{}", unsigned.json);
    // A valid signature over other bytes: the body was changed on the way.
    let signature = cardmesh_gateway::verify::sign(SECRET, body().as_bytes());
    let tampered = body().replace("14", "140");
    let answer = gw
        .client()
        .post(url(&gw))
        .header("content-type", "application/json")
        .header("plain-workspace-id", "w_test")
        .header("plain-request-signature", signature)
        .body(tampered)
        .send()
        .await
        .unwrap();
    let answer = ActionAnswer::from(answer).await;
    assert_eq!((answer.status, answer.code()), (401, "invalid_signature"));
    assert!(service.calls().is_empty(), "the service was called");
    assert!(plain.requests().is_empty(), "Plain's API was called for an unverified request");
}

#[tokio::test]
async fn a_delivery_replayed_outside_the_window_runs_nothing() {
    let (service, _plain, gw) = setup(|c| c.signature.max_age = Some(Duration::from_secs(60))).await;
    let fresh = post_action(gw.client(), &url(&gw), &body_signed_ago(Duration::from_secs(1)), Some(SECRET)).await;
    assert_eq!(fresh.status, 200, "{}", fresh.json);
    let replayed = post_action(gw.client(), &url(&gw), &body_signed_ago(Duration::from_secs(3600)), Some(SECRET)).await;
    assert_eq!((replayed.status, replayed.code()), (401, "stale_request"), "{}", replayed.json);
    let without = post_action(gw.client(), &url(&gw), &body(), Some(SECRET)).await;
    assert_eq!((without.status, without.code()), (401, "stale_request"), "no timestamp: {}", without.json);
    assert_eq!(service.calls_of(EXTEND_TRIAL), 1, "only the fresh delivery ran");
}

#[tokio::test]
async fn another_workspaces_request_runs_nothing() {
    let (service, _plain, gw) = setup(|c| {
        let mut table = BTreeMap::new();
        table.insert("w_test".to_owned(), vec![Secret::new(SECRET)]);
        table.insert("w_other".to_owned(), vec![Secret::new(SECOND_SECRET)]);
        c.signing_secrets = SigningSecrets::PerWorkspace(table);
    })
    .await;
    // Signed with w_test's secret but sent as w_other: w_other's secret does not match.
    let request = signed_post(gw.client(), &url(&gw), &body(), Some(SECRET), Some("w_other"));
    let answer = ActionAnswer::from(request.send().await.unwrap()).await;
    assert_eq!((answer.status, answer.code()), (401, "invalid_signature"), "{}", answer.json);
    // A workspace the gateway does not serve.
    let request = signed_post(gw.client(), &url(&gw), &body(), Some(SECRET), Some("w_unknown"));
    let answer = ActionAnswer::from(request.send().await.unwrap()).await;
    assert_eq!((answer.status, answer.code()), (401, "unknown_workspace"), "{}", answer.json);
    // Signed correctly by w_other, but the body names w_test's workspace.
    let request = signed_post(gw.client(), &url(&gw), &body(), Some(SECOND_SECRET), Some("w_other"));
    let answer = ActionAnswer::from(request.send().await.unwrap()).await;
    assert_eq!((answer.status, answer.code()), (400, "workspace_mismatch"), "{}", answer.json);
    assert!(service.calls().is_empty());
}

#[tokio::test]
async fn an_oversized_body_is_413_and_runs_nothing() {
    let (service, _plain, gw) = setup(|c| c.limits.max_body_bytes = 1024).await;
    let mut json: serde_json::Value = serde_json::from_str(&body()).unwrap();
    json["padding"] = "x".repeat(2048).into();
    let answer = post_action(gw.client(), &url(&gw), &json.to_string(), Some(SECRET)).await;
    assert_eq!((answer.status, answer.code()), (413, "payload_too_large"), "{}", answer.json);
    assert!(service.calls().is_empty());
}

#[tokio::test]
async fn a_stalled_body_is_408_the_connection_closed_and_nothing_runs() {
    let (service, _plain, gw) = setup(|c| c.server.body_read_timeout = Duration::from_millis(300)).await;
    let mut stream = TcpStream::connect(gw.addr).await.unwrap();
    let head = format!(
        "POST /actions/{EXTEND_TRIAL} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Plain-Workspace-Id: w_test\r\nContent-Length: 200\r\n\r\n{{\"threadId\":"
    );
    let answer = super::edges::send_and_wait_for_close(&mut stream, head.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    assert!(service.calls().is_empty());
}

#[tokio::test]
async fn an_unknown_action_name_is_404_whatever_its_shape() {
    let (service, _plain, gw) = setup(|_| {}).await;
    for name in ["EXTEND-TRIAL", "extend-trial%2F..", "..%2Fadmin", "%FF%FE", &"a".repeat(300)] {
        let url = gw.url(&format!("/actions/{name}"));
        let answer = post_action(gw.client(), &url, &body(), Some(SECRET)).await;
        assert_eq!((answer.status, answer.code()), (404, "unknown_action"), "{name}: {}", answer.json);
    }
    assert!(service.calls().is_empty());
}
