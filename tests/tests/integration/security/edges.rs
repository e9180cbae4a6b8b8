//! The gateway's edges under attack, over real sockets: slow and silent clients on both
//! listeners (with and without TLS), the connection cap, bodies declared too long, unsigned
//! mode on a public address, and the outbound calls (Plain's API and the Rust kit's
//! invalidator) against plain HTTP, redirects and oversized answers.
//!
//! Limits are short (300 ms) where a test waits for them and long (a minute) where they must
//! not be the reason for what the test sees; every wait has a generous deadline and no test
//! asserts how fast anything happened.

use std::net::SocketAddr;
use std::time::Duration;

use cardmesh_gateway::config::{Config, PlainApiSettings, Secret};
use cardmesh_gateway::plain_client::{CallError, PlainClient, MAX_ANSWER_BYTES};
use cardmesh_kit::{CustomerRef, InvalidateError, Invalidator};
use cardmesh_tests::outbound::LocalServer;
use cardmesh_tests::pki::{PemDir, TestCa};
use cardmesh_tests::{gateway_config, wait_until, RunningGateway, Wait};
use futures::FutureExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Long enough never to be what a test sees.
const LONG: Duration = Duration::from_secs(60);
/// Short enough to wait for.
const SHORT: Duration = Duration::from_millis(300);
/// How long a test waits for the gateway to act: generous, a busy machine is slow.
const DEADLINE: Duration = Duration::from_secs(15);

/// A gateway config (no card services) with these connection limits.
fn limits(header: Duration, body: Duration, idle: Duration) -> Config {
    let mut config = gateway_config(&[]);
    config.server.header_read_timeout = header;
    config.server.body_read_timeout = body;
    config.server.idle_timeout = idle;
    config
}

/// Everything the peer sends until it closes the connection (a reset counts as closed);
/// `None` when it is still open after [`DEADLINE`].
async fn until_closed<S: AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut received = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(DEADLINE, read).await.ok()?;
    Some(String::from_utf8_lossy(&received).into_owned())
}

/// Sends `bytes` and returns what comes back until the connection closes; fails the test when
/// it stays open past the deadline.
pub(super) async fn send_and_wait_for_close<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8]) -> String {
    stream.write_all(bytes).await.expect("send");
    stream.flush().await.expect("flush");
    until_closed(stream).await.unwrap_or_else(|| panic!("the gateway kept the connection open after {DEADLINE:?}"))
}

/// Waits until the metric line `series` reaches `at_least`.
async fn wait_for_metric(gw: &RunningGateway, series: &str, at_least: f64) {
    wait_until(series, DEADLINE, || async move { gw.metric_line(series) >= at_least }).await;
}

/// The JSON error envelope's code in an HTTP/1.1 answer.
fn error_code(answer: &str) -> String {
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    let json: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not a JSON envelope ({e}): {answer:?}"));
    json["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code: {answer:?}")).to_owned()
}

const HALF_HEAD: &[u8] = b"POST / HTTP/1.1\r\nHost: cards.example.com\r\nContent-Type: applic";
const HUGE_BODY_HEAD: &[u8] = b"POST / HTTP/1.1\r\nHost: cards.example.com\r\nContent-Type: application/json\r\n\
    Content-Length: 10000000000\r\n\r\n";

#[tokio::test]
async fn half_sent_headers_and_silent_connections_are_cut_off() {
    let gw = RunningGateway::start(limits(SHORT, LONG, LONG)).await;
    let mut half = TcpStream::connect(gw.addr).await.unwrap();
    let answer = send_and_wait_for_close(&mut half, HALF_HEAD).await;
    assert_eq!(answer, "", "cut without an answer");
    let mut silent = TcpStream::connect(gw.addr).await.unwrap();
    assert_eq!(until_closed(&mut silent).await.as_deref(), Some(""), "a silent connection is cut too");
    wait_for_metric(&gw, r#"cardmesh_connections_cut_total{listener="plain",reason="header_timeout"}"#, 2.0).await;

    // A whole head in time is served.
    let mut prompt = TcpStream::connect(gw.addr).await.unwrap();
    let answer =
        send_and_wait_for_close(&mut prompt, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    gw.stop().await;
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_the_connection_closed() {
    let gw = RunningGateway::start(limits(LONG, SHORT, LONG)).await;
    let mut stream = TcpStream::connect(gw.addr).await.unwrap();
    let request =
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"cardKeys\":";
    let answer = send_and_wait_for_close(&mut stream, request).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(error_code(&answer), "request_timeout");
    assert!(answer.contains("did not arrive within 300ms"), "{answer}");

    // A body dribbled in pieces does not get more time: the deadline covers all of it.
    let mut stream = TcpStream::connect(gw.addr).await.unwrap();
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n")
        .await
        .unwrap();
    let dribble = async {
        for _ in 0..200 {
            if stream.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let _ = tokio::time::timeout(DEADLINE, dribble).await;
    let answer = until_closed(&mut stream).await.expect("closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    gw.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let gw = RunningGateway::start(limits(LONG, LONG, SHORT)).await;
    let mut stream = TcpStream::connect(gw.addr).await.unwrap();
    // Keep-alive is HTTP/1.1's default: the connection stays open after the answer ...
    let answer = send_and_wait_for_close(&mut stream, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    // ... until it has been idle for idle_timeout.
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    wait_for_metric(&gw, r#"cardmesh_connections_cut_total{listener="plain",reason="idle_timeout"}"#, 1.0).await;
    gw.stop().await;
}

#[tokio::test]
async fn the_connection_cap_holds_and_the_next_connection_waits_for_a_free_slot() {
    let mut config = limits(LONG, LONG, LONG);
    config.server.max_connections = 2;
    let gw = RunningGateway::start(config).await;
    let open = r#"cardmesh_connections_open{listener="plain"}"#;
    let first = TcpStream::connect(gw.addr).await.unwrap();
    let _second = TcpStream::connect(gw.addr).await.unwrap();
    wait_for_metric(&gw, open, 2.0).await;

    wait_for_metric(&gw, r#"cardmesh_connection_limit_reached_total{listener="plain"}"#, 1.0).await;

    // The third connects (the kernel queues it) but is not accepted while the two are open.
    // Without the cap it would be answered at once; the window only gives a broken cap time
    // to show, it bounds nothing the gateway does.
    let mut third = TcpStream::connect(gw.addr).await.unwrap();
    third.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let answered = Wait::new("an answer beyond the cap", Duration::from_millis(500))
        .try_until(|| {
            // Whether an answer is there now, without waiting for one.
            let arrived = third.peek(&mut [0u8; 1]).now_or_never().is_some_and(|peeked| peeked.is_ok_and(|n| n > 0));
            let beyond = gw.metric_line(open) > 2.0;
            async move { arrived || beyond }
        })
        .await;
    assert!(answered.is_err(), "a third connection was served beyond max_connections = 2");
    let accepted = r#"cardmesh_connections_accepted_total{listener="plain"}"#;
    assert_eq!((gw.metric_line(open), gw.metric_line(accepted)), (2.0, 2.0));

    // One closes: the third is accepted and answered.
    drop(first);
    let answer = until_closed(&mut third).await.expect("answered once a slot is free");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(gw.metric_line(accepted), 3.0);
    gw.stop().await;
}

#[tokio::test]
async fn a_declared_body_over_the_limit_gets_413_before_any_of_it_is_sent() {
    // The body timeout is long: only an answer given without waiting for the body arrives.
    let gw = RunningGateway::start(limits(LONG, LONG, LONG)).await;
    let mut stream = TcpStream::connect(gw.addr).await.unwrap();
    let answer = send_and_wait_for_close(&mut stream, HUGE_BODY_HEAD).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(error_code(&answer), "payload_too_large");
    assert!(answer.contains("larger than 65536 bytes"), "{answer}");
    gw.stop().await;
}

#[tokio::test]
async fn the_admin_listener_has_the_same_limits() {
    let gw = RunningGateway::start(limits(SHORT, LONG, LONG)).await;
    let mut half = TcpStream::connect(gw.admin_addr).await.unwrap();
    assert_eq!(
        send_and_wait_for_close(&mut half, b"POST /admin/invalidate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor").await,
        ""
    );
    wait_for_metric(&gw, r#"cardmesh_connections_cut_total{listener="admin",reason="header_timeout"}"#, 1.0).await;

    let mut huge = TcpStream::connect(gw.admin_addr).await.unwrap();
    let request = b"POST /admin/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
        Content-Length: 10000000000\r\n\r\n";
    let answer = send_and_wait_for_close(&mut huge, request).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(error_code(&answer), "payload_too_large");
    gw.stop().await;

    let gw = RunningGateway::start(limits(LONG, LONG, SHORT)).await;
    let mut idle = TcpStream::connect(gw.admin_addr).await.unwrap();
    let answer = send_and_wait_for_close(&mut idle, b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    wait_for_metric(&gw, r#"cardmesh_connections_cut_total{listener="admin",reason="idle_timeout"}"#, 1.0).await;
    gw.stop().await;
}

/// A gateway terminating TLS with a certificate of `ca`, with these limits.
async fn tls_gateway(ca: &TestCa, dir: &PemDir, mut config: Config) -> RunningGateway {
    let (cert, key) = dir.write_pair("edges-server", &ca.server());
    config.tls.cert_file = Some(cert);
    config.tls.key_file = Some(key);
    RunningGateway::start_with_client(config, ca.https_client(None)).await
}

#[tokio::test]
async fn over_tls_half_sent_headers_and_stalled_bodies_are_cut_and_long_bodies_refused() {
    let (ca, dir) = (TestCa::new("edges CA"), PemDir::new());
    let gw = tls_gateway(&ca, &dir, limits(SHORT, SHORT, LONG)).await;
    let addr: SocketAddr = gw.addr;

    let mut half = ca.tls_connect(addr).await.expect("handshake");
    assert_eq!(send_and_wait_for_close(&mut half, HALF_HEAD).await, "");
    wait_for_metric(&gw, r#"cardmesh_connections_cut_total{listener="plain",reason="header_timeout"}"#, 1.0).await;

    let mut stalled = ca.tls_connect(addr).await.expect("handshake");
    let request = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{";
    let answer = send_and_wait_for_close(&mut stalled, request).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    let mut huge = ca.tls_connect(addr).await.expect("handshake");
    let answer = send_and_wait_for_close(&mut huge, HUGE_BODY_HEAD).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    gw.stop().await;

    // An idle kept-alive TLS connection is closed too.
    let gw = tls_gateway(&ca, &dir, limits(LONG, LONG, SHORT)).await;
    let mut idle = ca.tls_connect(gw.addr).await.expect("handshake");
    let answer = send_and_wait_for_close(&mut idle, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    wait_for_metric(&gw, r#"cardmesh_connections_cut_total{listener="plain",reason="idle_timeout"}"#, 1.0).await;
    gw.stop().await;
}

#[test]
fn unsigned_mode_is_refused_on_a_public_address() {
    let mut config = Config { allow_unsigned: true, ..Config::default() };
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("allow_unsigned:") && err.contains("0.0.0.0"), "{err}");
    config.publish_address = Some("127.0.0.1".parse().unwrap());
    config.validate().expect("published on loopback only");
}

/// Plain's API client for `url`, with an API key.
fn plain_api(url: &str) -> PlainClient {
    let settings = PlainApiSettings {
        api_key: Some(Secret::new("plainApiKey_edges")),
        api_url: url.to_owned(),
        ..PlainApiSettings::default()
    };
    PlainClient::new(&settings).expect("an API key turns it on")
}

#[tokio::test]
async fn the_plain_api_client_refuses_plain_http_follows_no_redirect_and_stops_at_the_cap() {
    let mut config = gateway_config(&[]);
    config.plain_api.api_url = "http://core-api.uk.plain.com/graphql/v1".into();
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("plain_api.api_url") && err.contains("clear text"), "{err}");

    let target = LocalServer::recording().await;
    let redirect = LocalServer::redirecting_to(&format!("{}/graphql", target.url)).await;
    let error = plain_api(&redirect.url).customer_id_for_external("cus_1").await.unwrap_err();
    assert!(
        matches!(&error, CallError::Http { status: 302, message } if message.contains(&target.url)),
        "the redirect is named: {error:?}"
    );
    assert_eq!(redirect.hits(), 1);
    assert_eq!(target.hits(), 0, "the redirect was followed");

    for declared in [true, false] {
        let large = LocalServer::answering_bytes(MAX_ANSWER_BYTES + 1, declared).await;
        let error = plain_api(&large.url).customer_id_for_external("cus_1").await.unwrap_err();
        assert_eq!(error, CallError::InvalidResponse(format!("the answer is larger than {MAX_ANSWER_BYTES} bytes")));
    }
}

#[tokio::test]
async fn the_rust_kits_invalidator_refuses_plain_http_follows_no_redirect_and_stops_at_the_cap() {
    let refused = Invalidator::new("http://gateway.internal:9090", "admin-token").unwrap_err().to_string();
    assert!(refused.contains("clear text") && refused.contains("CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP"), "{refused}");
    let env = |name: &str| match name {
        "CARDMESH_SERVICE_GATEWAY_ADMIN_URL" => Some("http://gateway.internal:9090".to_owned()),
        "CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN" => Some("admin-token".to_owned()),
        _ => None,
    };
    assert!(Invalidator::from_lookup(env).is_none(), "from_env refuses it too");

    let customer = CustomerRef::Id("c_1".into());
    let target = LocalServer::recording().await;
    let redirect = LocalServer::redirecting_to(&target.url).await;
    let invalidator = Invalidator::new(&redirect.url, "admin-token").expect("loopback");
    let error = invalidator.invalidate(&customer, None).await.unwrap_err();
    assert!(
        matches!(&error, InvalidateError::Unusable { status: 302, reason } if reason.contains(&target.url)),
        "the redirect is named: {error:?}"
    );
    assert_eq!(redirect.hits(), 1, "a redirect is not retried");
    assert_eq!(target.hits(), 0, "the redirect was followed");

    for declared in [true, false] {
        let large = LocalServer::answering_bytes(cardmesh_kit::MAX_ANSWER_BYTES + 1, declared).await;
        let invalidator = Invalidator::new(&large.url, "admin-token").expect("loopback");
        let error = invalidator.invalidate(&customer, None).await.unwrap_err();
        assert!(
            matches!(&error, InvalidateError::Unusable { status: 200, reason } if reason.contains("larger than")),
            "{error:?}"
        );
    }
}
