//! Logs of full requests (successes, refusals, failing services, cache, admin) never contain
//! signing secrets, admin tokens, auth headers or customer emails.

use std::io::Write;
use std::sync::{Arc, Mutex};

use cardmesh_gateway::config::Secret;
use cardmesh_tests::providers::InvalidCards;
use cardmesh_tests::*;
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_never_contain_secrets_tokens_or_emails() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace,h2=info,hyper=info,tower=info,tonic=info")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    const EMAIL: &str = "very.private.person@example.com";
    const ADMIN: &str = "admin-token-must-not-leak";
    let mut services = ExampleServices::start().await;
    let invalid = RunningService::start(InvalidCards).await;
    let endpoints = services.endpoints_with(&invalid);
    let mut config = gateway_config(&endpoints);
    config.admin_token = Some(Secret::new(ADMIN));
    let gw = RunningGateway::start_ready(config).await;

    let body = body_for(&["usage", "customer-details", "bad-url", "reported-error", "nope"], Some("cus_demo_1"), EMAIL);
    assert_eq!(gw.post_signed(&body).await.status, 200);
    assert_eq!(gw.post(&body, Some("wrong-secret")).await.status, 401);
    assert_eq!(gw.post(&body, None).await.status, 401);
    assert_eq!(gw.post_signed(&body.replace("cardKeys", "cardKeyz")).await.status, 400);
    services.billing.stop().await;
    let billing = body_for(&["subscription-status", "usage"], Some("cus_demo_1"), EMAIL);
    assert_eq!(gw.post_signed(&billing).await.status, 200);
    assert_eq!(gw.invalidate(ADMIN, json!({ "customerId": "c_test_1" })).await, 200);
    assert_eq!(gw.invalidate("wrong", json!({ "customerId": "c_test_1" })).await, 401);
    gw.flush_cache().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("serving fallback card"), "the logs were captured:\n{logs}");
    for needle in [EMAIL, "very.private", SECRET, SECOND_SECRET, ADMIN, &cardmesh_gateway::verify::sign(SECRET, body.as_bytes())] {
        assert!(!logs.contains(needle), "{needle:?} leaked into the logs:\n{logs}");
    }
}
