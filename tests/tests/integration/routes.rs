//! Requests that match no route, or a route with another method, get the JSON error
//! envelope (`{"error":{"code","message"}}`), and a 405 names the allowed methods in `Allow`.

use cardmesh_tests::{gateway_config, RunningGateway};

struct Refusal {
    status: u16,
    allow: Option<String>,
    code: String,
    message: String,
}

async fn send(gw: &RunningGateway, method: reqwest::Method, path: &str) -> Refusal {
    send_to(gw, method, &gw.url(path), path).await
}

async fn send_to(gw: &RunningGateway, method: reqwest::Method, url: &str, path: &str) -> Refusal {
    let resp = gw.client().request(method, url).send().await.expect("request reaches the gateway");
    let status = resp.status().as_u16();
    let allow = resp.headers().get("allow").map(|v| v.to_str().expect("ASCII Allow").to_owned());
    let content_type = resp.headers().get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned());
    let body = resp.text().await.expect("body");
    assert_eq!(content_type.as_deref(), Some("application/json"), "{path}: {body}");
    let json: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body:?}"));
    Refusal {
        status,
        allow,
        code: json["error"]["code"].as_str().unwrap_or_default().to_owned(),
        message: json["error"]["message"].as_str().unwrap_or_default().to_owned(),
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow_and_the_error_envelope() {
    let gw = RunningGateway::start(gateway_config(&[])).await;
    for (method, path, allowed) in [
        (reqwest::Method::GET, "/", "POST"),
        (reqwest::Method::PUT, "/cards", "POST"),
        (reqwest::Method::POST, "/healthz", "GET,HEAD"),
        (reqwest::Method::DELETE, "/readyz", "GET,HEAD"),
    ] {
        let refusal = send(&gw, method.clone(), path).await;
        assert_eq!(refusal.status, 405, "{method} {path}");
        assert_eq!(refusal.code, "method_not_allowed", "{method} {path}");
        assert_eq!(refusal.allow.as_deref(), Some(allowed), "{method} {path}");
        assert!(refusal.message.contains(method.as_str()) && refusal.message.contains("Allow"), "{}", refusal.message);
    }
    // The admin listener answers the same way.
    let url = gw.admin_url("/admin/invalidate");
    let refusal = send_to(&gw, reqwest::Method::GET, &url, "/admin/invalidate").await;
    assert_eq!((refusal.status, refusal.code.as_str()), (405, "method_not_allowed"));
    assert_eq!(refusal.allow.as_deref(), Some("POST"));
    gw.stop().await;
}

#[tokio::test]
async fn an_unknown_path_is_404_not_found_with_the_error_envelope() {
    let gw = RunningGateway::start(gateway_config(&[])).await;
    for (method, path) in [(reqwest::Method::GET, "/favicon.ico"), (reqwest::Method::POST, "/card")] {
        let refusal = send(&gw, method.clone(), path).await;
        assert_eq!(refusal.status, 404, "{method} {path}");
        assert_eq!(refusal.code, "not_found", "{method} {path}");
        assert!(refusal.allow.is_none());
        assert!(refusal.message.contains("POST /"), "the message names the card endpoint: {}", refusal.message);
    }
    // The admin endpoint lives on the admin listener only: on the Plain port it is unknown,
    // whatever the method.
    for method in [reqwest::Method::POST, reqwest::Method::GET] {
        let refusal = send(&gw, method.clone(), "/admin/invalidate").await;
        assert_eq!((refusal.status, refusal.code.as_str()), (404, "not_found"), "{method} /admin/invalidate");
    }
    gw.stop().await;
}
