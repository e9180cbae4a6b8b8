//! TLS over real sockets: the gateway terminating TLS (with and without client
//! certificates), Plain's CA file, and the gateway calling card services over TLS and mTLS.
//! Every certificate is generated here (rcgen).

use std::time::Duration;

use cardmesh_gateway::config::{Config, PolicyOverride, ServiceTls};
use cardmesh_kit::ServerTls;
use cardmesh_tests::pki::{PemDir, TestCa};
use cardmesh_tests::providers::ScopedCards;
use cardmesh_tests::*;
use tokio::io::AsyncWriteExt;

/// A gateway config in front of `endpoints`, terminating TLS with a server certificate from
/// `ca`; with `client_ca`, client certificates must chain to it.
fn tls_config(endpoints: &[String], ca: &TestCa, dir: &PemDir, client_ca: Option<&str>) -> Config {
    let mut config = gateway_config(endpoints);
    let (cert, key) = dir.write_pair("gateway-server", &ca.server());
    config.tls.cert_file = Some(cert);
    config.tls.key_file = Some(key);
    config.tls.client_ca_file = client_ca.map(|pem| dir.write("client-ca.pem", pem));
    config
}

/// POSTs a signed request for `usage` with `client`; `Err` when the connection failed.
async fn post_usage(gw: &RunningGateway, client: &reqwest::Client) -> Result<Answer, reqwest::Error> {
    let body = demo_body(&["usage"]);
    let response = signed_post(client, &gw.url("/"), &body, Some(SECRET), None).send().await?;
    Ok(Answer::from(response).await)
}

/// The reason a request failed in the TLS handshake (the rustls error or alert), or a panic
/// when it succeeded.
fn refusal(result: Result<Answer, reqwest::Error>) -> String {
    match result {
        Ok(answer) => panic!("expected a refused handshake, got {} {}", answer.status, answer.json),
        Err(e) => format!("{e:?}"),
    }
}

#[tokio::test]
async fn gateway_terminates_tls() {
    let services = ExampleServices::start().await;
    let ca = TestCa::new("cardmesh test CA");
    let dir = PemDir::new();
    let config = tls_config(&services.endpoints(), &ca, &dir, None);
    let gw = RunningGateway::start_with_client(config, ca.https_client(None)).await;
    gw.wait_ready().await;

    let answer = post_usage(&gw, gw.client()).await.expect("HTTPS request");
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(!is_fallback(answer.card("usage")), "{}", answer.json);

    // Plain HTTP on the TLS port gets no answer, and garbage does not stop the listener.
    let plain = reqwest::Client::new().get(format!("http://{}/healthz", gw.addr)).send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    let mut garbage = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    garbage.write_all(b"\x16\x03\x01\x00\x05hello-not-tls").await.unwrap();
    drop(garbage);
    // A client that does not trust the gateway's CA refuses it.
    let stranger = TestCa::new("another CA").https_client(None);
    let reason = refusal(post_usage(&gw, &stranger).await);
    assert!(reason.contains("UnknownIssuer"), "{reason}");
    assert_eq!(post_usage(&gw, gw.client()).await.expect("still serving").status, 200);
    gw.stop().await;
}

#[tokio::test]
async fn shutdown_over_tls_lets_in_flight_requests_finish() {
    let cards = ScopedCards::with_delay(Duration::from_millis(400));
    let service = RunningService::start(cards.clone()).await;
    let ca = TestCa::new("cardmesh test CA");
    let dir = PemDir::new();
    let config = tls_config(&[service.endpoint()], &ca, &dir, None);
    let gw = RunningGateway::start_with_client(config, ca.https_client(None)).await;
    gw.wait_ready().await;

    let body = demo_body(&["account"]);
    let request = signed_post(gw.client(), &gw.url("/"), &body, Some(SECRET), None);
    let in_flight = tokio::spawn(async move { Answer::from(request.send().await.expect("answered")).await });
    wait_until("the card is being drawn", Duration::from_secs(5), || {
        let cards = cards.clone();
        async move { cards.calls("account") == 1 }
    })
    .await;
    let (addr, client, url) = (gw.addr, gw.client().clone(), gw.url("/healthz"));
    gw.stop().await;

    let answer = in_flight.await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(!is_fallback(answer.card("account")), "{}", answer.json);
    // Stopped: no new connections.
    assert!(client.get(url).send().await.is_err(), "{addr} still accepts");
}

#[tokio::test]
async fn mtls_accepts_only_clients_whose_certificate_chains_to_the_configured_ca() {
    let services = ExampleServices::start().await;
    let ca = TestCa::new("cardmesh test CA");
    let clients_ca = TestCa::new("Plain-like client CA");
    let dir = PemDir::new();
    let config = tls_config(&services.endpoints(), &ca, &dir, Some(&clients_ca.cert_pem()));
    let plain = clients_ca.client("plain");
    let gw = RunningGateway::start_with_client(config, ca.https_client(Some(&plain))).await;
    gw.wait_ready().await;

    let answer = post_usage(&gw, gw.client()).await.expect("client with a certificate from the CA");
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(!is_fallback(answer.card("usage")));

    let without = ca.https_client(None);
    let reason = refusal(post_usage(&gw, &without).await);
    assert!(reason.contains("CertificateRequired"), "{reason}");
    let other_ca = TestCa::new("another CA");
    let impostor = ca.https_client(Some(&other_ca.client("plain")));
    let reason = refusal(post_usage(&gw, &impostor).await);
    assert!(reason.contains("UnknownCA"), "{reason}");
    // Only the configured client CA counts, not the CA of the gateway's own certificate.
    let wrong_ca_client = ca.https_client(Some(&ca.client("plain")));
    let reason = refusal(post_usage(&gw, &wrong_ca_client).await);
    assert!(reason.contains("UnknownCA"), "{reason}");

    // Refused handshakes do not take the server down.
    assert_eq!(post_usage(&gw, gw.client()).await.expect("still serving").status, 200);
    gw.stop().await;
}

#[tokio::test]
async fn plain_ca_file_parses_and_is_the_plain_ca() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../certs/plain-mtls-ca.pem");
    let pem = std::fs::read_to_string(&path).expect("certs/plain-mtls-ca.pem");
    reqwest::Certificate::from_pem(pem.as_bytes()).expect("a PEM certificate");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n") && pem.trim_end().ends_with("-----END CERTIFICATE-----"));

    // The gateway accepts it as the client CA, and then refuses clients of any other CA.
    let ca = TestCa::new("cardmesh test CA");
    let dir = PemDir::new();
    let mut config = tls_config(&[], &ca, &dir, None);
    config.tls.client_ca_file = Some(path);
    config.validate().expect("Plain's CA file is a usable client CA");
    assert!(config.tls.server_config().unwrap().is_some());
    let gw = RunningGateway::start_with_client(config, ca.https_client(Some(&ca.client("not-plain")))).await;
    let refused = format!("{:?}", gw.client().get(gw.url("/healthz")).send().await.expect_err("refused"));
    assert!(refused.contains("UnknownCA"), "only certificates from Plain's CA are accepted: {refused}");
    gw.stop().await;
}

#[tokio::test]
async fn plain_ca_is_plains_published_certificate() {
    let pem = include_str!("../../../certs/plain-mtls-ca.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    // Subject and issuer CN=PlainMtlsCA, in the DER (base64 of "PlainMtlsCA" at this offset).
    assert!(body.contains("MBYxFDASBgNVBAMMC1BsYWluTXRsc0NB"), "subject CN=PlainMtlsCA");
    assert!(body.ends_with("yuMQLHrNDReQDB1tylx13b6meg=="));
    assert_eq!(body.len(), 1052);
}

/// TLS settings for the `https://` endpoint in `config` (a block named by the whole
/// endpoint): trust `ca_file`, present `identity` (certificate and key files) when given.
fn service_tls(
    config: &mut Config,
    ca_file: std::path::PathBuf,
    identity: Option<(std::path::PathBuf, std::path::PathBuf)>,
) {
    let (cert_file, key_file) = identity.map_or((None, None), |(c, k)| (Some(c), Some(k)));
    let tls = ServiceTls { ca_file: Some(ca_file), cert_file, key_file, domain_name: None };
    let endpoint = config.services.iter().find(|s| s.starts_with("https://")).expect("an https endpoint").clone();
    config.card_services.insert(endpoint, PolicyOverride { tls: Some(tls), ..Default::default() });
}

#[tokio::test]
async fn gateway_calls_a_card_service_over_tls() {
    let ca = TestCa::new("internal CA");
    let dir = PemDir::new();
    let server = ca.server();
    let service = RunningService::start_tls(
        usage_service::UsageCards::embedded(),
        ServerTls::from_pem(server.cert_pem.clone(), server.key_pem.clone()),
    )
    .await;
    assert!(service.endpoint().starts_with("https://"));

    let mut config = gateway_config(&[service.endpoint()]);
    service_tls(&mut config, dir.write("ca.pem", &ca.cert_pem()), None);
    let gw = RunningGateway::start_ready(config).await;
    let answer = gw.post_signed(&demo_body(&["usage"])).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(!is_fallback(answer.card("usage")), "{}", answer.json);
    gw.stop().await;

    // A gateway that trusts another CA does not talk to the service: fallback card.
    let billing = RunningService::start(billing_service::BillingCards::embedded()).await;
    let mut config = gateway_config(&[billing.endpoint(), service.endpoint()]);
    service_tls(&mut config, dir.write("other-ca.pem", &TestCa::new("other").cert_pem()), None);
    assert_usage_is_fallback(config).await;
}

#[tokio::test]
async fn service_requiring_client_certificates_accepts_the_gateway_with_one_and_refuses_one_without() {
    let ca = TestCa::new("internal CA");
    let dir = PemDir::new();
    let server = ca.server();
    let tls = ServerTls::from_pem(server.cert_pem.clone(), server.key_pem.clone()).require_client_certs(ca.cert_pem());
    let service = RunningService::start_tls(usage_service::UsageCards::embedded(), tls).await;
    let ca_file = dir.write("ca.pem", &ca.cert_pem());

    let mut with_cert = gateway_config(&[service.endpoint()]);
    service_tls(&mut with_cert, ca_file.clone(), Some(dir.write_pair("gateway-client", &ca.client("gateway"))));
    let gw = RunningGateway::start_ready(with_cert).await;
    let answer = gw.post_signed(&demo_body(&["usage"])).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(!is_fallback(answer.card("usage")), "{}", answer.json);
    gw.stop().await;

    let billing = RunningService::start(billing_service::BillingCards::embedded()).await;
    let mut without_cert = gateway_config(&[billing.endpoint(), service.endpoint()]);
    service_tls(&mut without_cert, ca_file.clone(), None);
    assert_usage_is_fallback(without_cert).await;

    let mut other_cert = gateway_config(&[billing.endpoint(), service.endpoint()]);
    let stranger = TestCa::new("other CA").client("gateway");
    service_tls(&mut other_cert, ca_file, Some(dir.write_pair("stranger", &stranger)));
    assert_usage_is_fallback(other_cert).await;
}

/// With `config` (a plain billing service, then the TLS usage service the gateway cannot
/// reach), `usage` is a fallback card next to billing's real one, and the usage service
/// stays undescribed.
async fn assert_usage_is_fallback(config: Config) {
    let gw = RunningGateway::start(config).await;
    let table = gw.gateway.router().clone();
    wait_until("billing described", Duration::from_secs(10), || {
        let table = table.clone();
        async move { !table.table().is_empty() }
    })
    .await;
    let answer = gw.post_signed(&demo_body(&["usage", "subscription-status"])).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(is_fallback(answer.card("usage")), "{}", answer.json);
    assert!(!is_fallback(answer.card("subscription-status")), "{}", answer.json);
    assert_eq!(gw.gateway.router().table().undescribed(), 1);
    gw.stop().await;
}

#[tokio::test]
async fn per_client_ip_limit_sees_the_peer_address_over_tls() {
    let services = ExampleServices::start().await;
    let ca = TestCa::new("cardmesh test CA");
    let dir = PemDir::new();
    let mut config = tls_config(&services.endpoints(), &ca, &dir, None);
    config.rate_limits.per_client_ip =
        Some(cardmesh_gateway::config::RateLimit { requests: 1, period: Duration::from_secs(3600), burst: None });
    let gw = RunningGateway::start_with_client(config, ca.https_client(None)).await;
    gw.wait_ready().await;
    assert_eq!(post_usage(&gw, gw.client()).await.unwrap().status, 200);
    let limited = post_usage(&gw, gw.client()).await.unwrap();
    assert_eq!((limited.status, limited.error_code()), (429, "rate_limited"));
}

#[tokio::test]
async fn unusable_tls_files_stop_the_gateway_naming_the_file() {
    let ca = TestCa::new("cardmesh test CA");
    let dir = PemDir::new();
    let mut config = tls_config(&[], &ca, &dir, None);
    // A key that belongs to another certificate.
    config.tls.key_file = Some(dir.write("other.key", &ca.server().key_pem));
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("other.key") && err.contains("gateway-server.pem"), "{err}");
    // A certificate file where the key should be.
    config.tls.key_file = config.tls.cert_file.clone();
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("gateway-server.pem holds no PEM private key"), "{err}");
    // Gateway::new refuses too (the binary's startup path).
    let err = cardmesh_gateway::Gateway::new(config).err().expect("refused").to_string();
    assert!(err.starts_with("tls: ") && err.contains("no PEM private key"), "{err}");
    // Nothing of the key reaches the message.
    let key = ca.server().key_pem;
    let mut config = tls_config(&[], &ca, &dir, None);
    config.tls.cert_file = Some(dir.write("key-as-cert.pem", &key));
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("key-as-cert.pem holds no PEM certificate"), "{err}");
    assert!(key.lines().filter(|l| !l.starts_with("-----")).all(|l| !err.contains(l)), "{err}");
}
