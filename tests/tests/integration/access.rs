//! Required headers and rate limits over real sockets.

use std::time::Duration;

use cardmesh_gateway::config::{RateLimit, Secret};
use cardmesh_tests::*;

const AUTHORIZATION: &str = "Bearer card-endpoint-token";

/// POSTs a request for `usage` in `workspace`, signed with `secret` (unsigned with `None`),
/// with `extra` headers; returns the answer and its `Retry-After` header.
async fn post(
    gw: &RunningGateway,
    workspace: &str,
    secret: Option<&str>,
    extra: &[(&str, &str)],
) -> (Answer, Option<String>) {
    let body = demo_body(&["usage"]);
    let mut request = signed_post(gw.client(), &gw.url("/"), &body, secret, Some(workspace));
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("answered");
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (Answer::from(response).await, retry_after)
}

/// At most `requests` per hour: nothing refills during a test.
fn per_hour(requests: u32) -> Option<RateLimit> {
    Some(RateLimit { requests, period: Duration::from_secs(3600), burst: None })
}

#[tokio::test]
async fn required_headers_refuse_missing_or_wrong_values_naming_only_the_header() {
    let services = ExampleServices::start().await;
    let mut config = gateway_config(&services.endpoints());
    config.required_headers.insert("Authorization".into(), Secret::new(AUTHORIZATION));
    let gw = RunningGateway::start_ready(config).await;

    let (missing, _) = post(&gw, "w1", Some(SECRET), &[]).await;
    assert_eq!((missing.status, missing.error_code()), (401, "missing_required_header"));
    assert_eq!(missing.json["error"]["header"], "Authorization");

    let (wrong, _) = post(&gw, "w1", Some(SECRET), &[("authorization", "Bearer card-endpoint-tokeN")]).await;
    assert_eq!((wrong.status, wrong.error_code()), (401, "invalid_required_header"));
    assert!(!wrong.json.to_string().contains("card-endpoint"), "{}", wrong.json);

    // Checked before the signature: an unsigned request without the header is refused for it.
    let (unsigned, _) = post(&gw, "w1", None, &[]).await;
    assert_eq!(unsigned.error_code(), "missing_required_header");

    let (ok, _) = post(&gw, "w1", Some(SECRET), &[("authorization", AUTHORIZATION)]).await;
    assert_eq!(ok.status, 200, "{}", ok.json);
    assert!(!is_fallback(ok.card("usage")));
    // Health and readiness probes need no header.
    let health = gw.client().get(gw.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn per_client_ip_limit_answers_429_with_retry_after_before_anything_else() {
    let services = ExampleServices::start().await;
    let mut config = gateway_config(&services.endpoints());
    config.rate_limits.per_client_ip = per_hour(2);
    let gw = RunningGateway::start_ready(config).await;

    for _ in 0..2 {
        assert_eq!(post(&gw, "w1", Some(SECRET), &[]).await.0.status, 200);
    }
    let (limited, retry_after) = post(&gw, "w2", Some(SECRET), &[]).await;
    assert_eq!((limited.status, limited.error_code()), (429, "rate_limited"));
    let retry_after: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=1800).contains(&retry_after), "{retry_after}");
    // Counted before the signature is checked: an unsigned request is limited, not 401.
    assert_eq!(post(&gw, "w1", None, &[]).await.0.status, 429);
    // Probes are not limited.
    assert_eq!(gw.client().get(gw.url("/readyz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn per_workspace_limit_counts_verified_requests_of_each_workspace() {
    let services = ExampleServices::start().await;
    let mut config = gateway_config(&services.endpoints());
    config.rate_limits.per_workspace = per_hour(2);
    let gw = RunningGateway::start_ready(config).await;

    assert_eq!(post(&gw, "w_a", Some(SECRET), &[]).await.0.status, 200);
    assert_eq!(post(&gw, "w_a", Some(SECRET), &[]).await.0.status, 200);
    let (limited, retry_after) = post(&gw, "w_a", Some(SECRET), &[]).await;
    assert_eq!((limited.status, limited.error_code()), (429, "rate_limited"));
    assert!(limited.json["error"]["message"].as_str().unwrap().contains("workspace"), "{}", limited.json);
    assert!(retry_after.is_some());

    // Another workspace has its own budget, and requests failing the signature use none.
    for _ in 0..3 {
        assert_eq!(post(&gw, "w_b", Some("wrong-secret"), &[]).await.0.status, 401);
    }
    assert_eq!(post(&gw, "w_b", Some(SECRET), &[]).await.0.status, 200);
    assert_eq!(post(&gw, "w_b", Some(SECRET), &[]).await.0.status, 200);
    assert_eq!(post(&gw, "w_b", Some(SECRET), &[]).await.0.status, 429);
}

#[tokio::test]
async fn limits_are_off_by_default() {
    let services = ExampleServices::start().await;
    let gw = RunningGateway::start_ready(gateway_config(&services.endpoints())).await;
    for _ in 0..30 {
        assert_eq!(post(&gw, "w1", Some(SECRET), &[]).await.0.status, 200);
    }
}
