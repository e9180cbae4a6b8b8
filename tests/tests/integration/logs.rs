//! Logs of full requests (successes, refusals, failing services, cache, admin, TLS and mTLS
//! handshakes, required headers, rate limits) never contain signing secrets, admin tokens,
//! auth headers, private keys or customer emails.

use cardmesh_gateway::config::{PolicyOverride, RateLimit, Secret, ServiceTls};
use cardmesh_tests::capture::CapturedLogs;
use cardmesh_tests::pki::{PemDir, TestCa};
use cardmesh_tests::providers::InvalidCards;
use cardmesh_tests::*;
use serde_json::json;

#[tokio::test]
async fn logs_never_contain_secrets_tokens_or_emails() {
    // The global subscriber sees every thread's logs: only this test's, in its own process.
    if !own_process::in_own_process(module_path!(), "logs_never_contain_secrets_tokens_or_emails") {
        return;
    }
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace,h2=info,hyper=info,tower=info,tonic=info")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    const EMAIL: &str = "very.private.person@example.com";
    const ADMIN: &str = "service-token-must-not-leak-0123456789";
    const AUTH: &str = "Bearer auth-header-must-not-leak";
    const WRONG_AUTH: &str = "Bearer wrong-auth-must-not-leak";
    let mut services = ExampleServices::start().await;
    let invalid = RunningService::start(InvalidCards).await;

    // Certificates: the gateway terminates TLS and requires client certificates; a card
    // service requires the gateway's client certificate.
    let ca = TestCa::new("logs CA");
    let dir = PemDir::new();
    let (server, plain, gateway_client, service_server) =
        (ca.server(), ca.client("plain"), ca.client("gateway"), ca.server());
    let tls = cardmesh_kit::ServerTls::from_pem(service_server.cert_pem.clone(), service_server.key_pem.clone())
        .require_client_certs(ca.cert_pem());
    let mtls_service = RunningService::start_tls(accounts_service::AccountsCards::embedded(), tls).await;

    let mut endpoints = services.endpoints_with(&invalid);
    endpoints.retain(|e| *e != services.accounts.endpoint());
    endpoints.push(mtls_service.endpoint());
    let mut config = gateway_config(&endpoints);
    config.admin.service_token = Some(Secret::new(ADMIN));
    config.required_headers.insert("Authorization".into(), Secret::new(AUTH));
    config.rate_limits.per_workspace =
        Some(RateLimit { requests: 20, period: std::time::Duration::from_secs(3600), burst: None });
    let (cert, key) = dir.write_pair("server", &server);
    config.tls.cert_file = Some(cert);
    config.tls.key_file = Some(key);
    config.tls.client_ca_file = Some(dir.write("ca.pem", &ca.cert_pem()));
    let (cert_file, key_file) = dir.write_pair("gateway-client", &gateway_client);
    let service_tls = ServiceTls {
        ca_file: config.tls.client_ca_file.clone(),
        cert_file: Some(cert_file),
        key_file: Some(key_file),
        domain_name: None,
    };
    config
        .card_services
        .insert(mtls_service.endpoint(), PolicyOverride { tls: Some(service_tls), ..Default::default() });
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.cert_pem().as_bytes()).unwrap())
        .identity(reqwest::Identity::from_pem(plain.identity_pem().as_bytes()).unwrap())
        .default_headers([(reqwest::header::AUTHORIZATION, AUTH.parse().unwrap())].into_iter().collect())
        .build()
        .unwrap();
    let gw = RunningGateway::start_with_client(config, client).await;
    gw.wait_ready().await;

    let body = body_for(&["usage", "customer-details", "bad-url", "reported-error", "nope"], Some("cus_demo_1"), EMAIL);
    let answer = gw.post_signed(&body).await;
    assert_eq!(answer.status, 200);
    assert!(!is_fallback(answer.card("customer-details")), "the mTLS service answered: {}", answer.json);
    assert_eq!(gw.post(&body, Some("wrong-secret")).await.status, 401);
    assert_eq!(gw.post(&body, None).await.status, 401);
    assert_eq!(gw.post_signed(&body.replace("cardKeys", "cardKeyz")).await.status, 400);
    services.billing.stop().await;
    let billing = body_for(&["subscription-status", "usage"], Some("cus_demo_1"), EMAIL);
    assert_eq!(gw.post_signed(&billing).await.status, 200);
    assert_eq!(gw.invalidate(ADMIN, json!({ "customerId": "c_test_1" })).await, 200);
    assert_eq!(gw.invalidate("wrong", json!({ "customerId": "c_test_1" })).await, 401);
    // A wrong Authorization header, a client without a certificate, and a workspace over
    // its limit.
    let wrong = gw
        .client()
        .post(gw.url("/"))
        .header("authorization", WRONG_AUTH)
        .header("content-type", "application/json")
        .body(body.clone());
    assert_eq!(wrong.send().await.unwrap().status(), 401);
    assert!(ca.https_client(None).post(gw.url("/")).body(body.clone()).send().await.is_err());
    let limited = async {
        for _ in 0..25 {
            if gw.post_signed(&body).await.status == 429 {
                return true;
            }
        }
        false
    };
    assert!(limited.await, "the workspace limit answers 429");
    gw.flush_cache().await;

    let logs = captured.text();
    if std::env::var_os("SHOW_LOGS").is_some() {
        eprintln!("{logs}");
    }
    for expected in ["serving fallback card", "TLS handshake failed", "invalid_required_header", "rate_limited"] {
        assert!(logs.contains(expected), "{expected:?} is not in the captured logs:\n{logs}");
    }
    let signature = cardmesh_gateway::verify::sign(SECRET, body.as_bytes());
    let mut needles =
        vec![EMAIL, "very.private", SECRET, SECOND_SECRET, ADMIN, AUTH, WRONG_AUTH, "must-not-leak", &signature];
    // Any line of any private key.
    let keys = [&server.key_pem, &plain.key_pem, &gateway_client.key_pem, &service_server.key_pem];
    needles.extend(keys.iter().flat_map(|k| k.lines().filter(|l| !l.starts_with("-----"))));
    needles.push("PRIVATE KEY");
    for needle in needles {
        assert!(!logs.contains(needle), "{needle:?} leaked into the logs:\n{logs}");
    }
}
