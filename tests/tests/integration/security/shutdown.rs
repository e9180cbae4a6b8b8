//! Shutdown: a client cannot hold the gateway past its grace period (`shutdown.grace_period`).
//! Connections that stall in their request head or body, with timeouts far longer than the
//! grace period, are closed when it ends, and the gateway stops.

use std::net::SocketAddr;
use std::time::Duration;

use cardmesh_gateway::http::Stopped;
use cardmesh_gateway::Gateway;
use cardmesh_tests::{demo_body, gateway_config, wait_until, ExampleServices};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Generous: nothing here asserts an upper bound on elapsed time.
const DEADLINE: Duration = Duration::from_secs(30);

/// True once `stream` has been closed by the gateway (end of stream or reset).
async fn closed(stream: &mut TcpStream) -> bool {
    let mut rest = [0u8; 256];
    matches!(tokio::time::timeout(DEADLINE, stream.read(&mut rest)).await, Ok(Ok(0) | Err(_)))
}

async fn accepted(addr: SocketAddr) -> bool {
    reqwest::get(format!("http://{addr}/healthz")).await.is_ok_and(|answer| answer.status() == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_cannot_hold_the_gateway_past_its_grace_period() {
    let services = ExampleServices::start().await;
    let mut config = gateway_config(&services.endpoints());
    // Timeouts far beyond the test: only the grace period can end these connections.
    config.server.header_read_timeout = Duration::from_secs(600);
    config.server.body_read_timeout = Duration::from_secs(600);
    config.server.idle_timeout = Duration::from_secs(600);
    config.shutdown.drain_period = Duration::ZERO;
    config.shutdown.grace_period = Duration::from_millis(500);
    let gateway = Gateway::new(config).expect("gateway");
    let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = plain.local_addr().unwrap();
    let (signals, received) = mpsc::unbounded_channel::<&'static str>();
    let received = Box::pin(futures::stream::unfold(received, |mut received| async move {
        received.recv().await.map(|signal| (signal, received))
    }));
    let run = tokio::spawn(cardmesh_gateway::http::run(gateway, plain, admin, received));
    wait_until("the gateway to answer", DEADLINE, || accepted(addr)).await;

    // Half a request head, then silence.
    let mut head = TcpStream::connect(addr).await.unwrap();
    head.write_all(b"POST / HTTP/1.1\r\nhost: gateway\r\ncontent-type: applic").await.unwrap();
    // A whole head announcing a body, then a tenth of the body.
    let body = demo_body(&["usage"]);
    let mut slow_body = TcpStream::connect(addr).await.unwrap();
    let announced = format!(
        "POST / HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\nplain-workspace-id: w_test\r\n\
         plain-request-signature: {}\r\ncontent-length: {}\r\n\r\n",
        cardmesh_gateway::verify::sign(cardmesh_tests::SECRET, body.as_bytes()),
        body.len()
    );
    slow_body.write_all(announced.as_bytes()).await.unwrap();
    slow_body.write_all(&body.as_bytes()[..body.len() / 10]).await.unwrap();

    signals.send("SIGTERM").unwrap();
    let stopped = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("the gateway stops although the clients stall")
        .expect("run does not panic")
        .expect("run succeeds");
    assert_eq!(stopped, Stopped { requests_completed: 0, requests_cut: 1 }, "the body-less request was cut");
    assert!(closed(&mut head).await, "the stalled head's connection was closed");
    assert!(closed(&mut slow_body).await, "the stalled body's connection was closed");
}
