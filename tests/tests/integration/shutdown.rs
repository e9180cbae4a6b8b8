//! Stopping without failing a request (gateway/src/http/shutdown.rs): on SIGTERM or Ctrl-C
//! `/readyz` answers 503 `shutting_down` at once, the Plain listener keeps accepting and
//! serving for `shutdown.drain_period`, then stops accepting (new connections are refused)
//! and the requests in flight finish within `shutdown.grace_period`; the admin listener stops
//! last.
//!
//! The first tests run the gateway's own `run` in this process, with the signals sent through
//! a channel, in front of card services on real sockets, and look at each phase over real
//! connections (HTTP/1.1 kept alive and new, raw TCP, HTTP/2). The last one runs the gateway
//! binary in front of card services under load from concurrent clients and sends it a real
//! SIGTERM.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cardmesh_gateway::config::Config;
use cardmesh_gateway::http::Stopped;
use cardmesh_gateway::Gateway;
use cardmesh_kit::build::text;
use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec};
use cardmesh_tests::gateway_process::GatewayProcess;
use cardmesh_tests::{
    demo_body, gateway_config, is_fallback, signed_post, wait_until, ExampleServices, RunningService, SECRET,
};
use reqwest::header::CONNECTION;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// A key of each example service.
const KEYS: [&str; 3] = ["subscription-status", "usage", "customer-details"];

/// Generous: a busy 2-core machine may be slow, and nothing here asserts an upper bound.
const DEADLINE: Duration = Duration::from_secs(30);

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A gateway running `cardmesh_gateway::http::run` in this process; [`Self::signal`] stands in
/// for SIGTERM.
struct InProcess {
    addr: SocketAddr,
    admin_addr: SocketAddr,
    signals: mpsc::UnboundedSender<&'static str>,
    run: JoinHandle<io::Result<Stopped>>,
}

impl InProcess {
    async fn start(config: Config) -> Self {
        config.validate().expect("test config is valid");
        let gateway = Gateway::new(config).expect("gateway");
        let plain = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let admin = TcpListener::bind("127.0.0.1:0").await.expect("bind admin");
        let (addr, admin_addr) = (plain.local_addr().unwrap(), admin.local_addr().unwrap());
        let (signals, received) = mpsc::unbounded_channel();
        let received = Box::pin(futures::stream::unfold(received, |mut received| async move {
            received.recv().await.map(|signal| (signal, received))
        }));
        let run = tokio::spawn(cardmesh_gateway::http::run(gateway, plain, admin, received));
        let gateway = Self { addr, admin_addr, signals, run };
        wait_until("/readyz 200", DEADLINE, || async { get(gateway.addr, "/readyz").await.0 == 200 }).await;
        gateway
    }

    fn signal(&self) {
        self.signals.send("SIGTERM").expect("the gateway runs");
    }

    /// Waits until `run` returns; what it returned.
    async fn stopped(&mut self) -> Stopped {
        tokio::time::timeout(DEADLINE, &mut self.run)
            .await
            .expect("the gateway stops")
            .expect("run does not panic")
            .expect("run succeeds")
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.run.abort();
    }
}

/// A test config in front of `endpoints` with these shutdown periods.
fn config(endpoints: &[String], drain: Duration, grace: Duration) -> Config {
    let mut config = gateway_config(endpoints);
    config.shutdown.drain_period = drain;
    config.shutdown.grace_period = grace;
    config
}

/// `GET path` on a new connection: status and JSON body (null when not JSON).
async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    match client.get(format!("http://{addr}{path}")).send().await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            (status, answer.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

/// True when a new TCP connection to `addr` is refused.
async fn refused(addr: SocketAddr) -> bool {
    matches!(TcpStream::connect(addr).await, Err(e) if e.kind() == io::ErrorKind::ConnectionRefused)
}

/// A signed card request for `keys` through `client`: the answer's status, whether it said
/// `Connection: close`, and its JSON body.
async fn post(client: &reqwest::Client, addr: SocketAddr, keys: &[&str]) -> Result<(u16, bool, Value), reqwest::Error> {
    let answer =
        signed_post(client, &format!("http://{addr}/"), &demo_body(keys), Some(SECRET), Some("w_test")).send().await?;
    let status = answer.status().as_u16();
    let close = answer.headers().get(CONNECTION).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
    Ok((status, close, answer.json().await?))
}

/// Panics unless `json` has a card for every one of `keys`, none of them a fallback card.
fn assert_every_card(json: &Value, keys: &[&str]) {
    let cards = json["cards"].as_array().unwrap_or_else(|| panic!("no cards in {json}"));
    for key in keys {
        let card = cards.iter().find(|c| c["key"] == *key).unwrap_or_else(|| panic!("no card {key} in {json}"));
        assert!(!is_fallback(card), "{key} is a fallback card: {json}");
    }
}

/// One card, `held`, whose draw waits until the test releases it.
#[derive(Clone)]
struct HeldCards {
    arrived: Arc<AtomicUsize>,
    release: watch::Receiver<bool>,
}

impl HeldCards {
    fn new() -> (watch::Sender<bool>, Self) {
        let (release, released) = watch::channel(false);
        (release, Self { arrived: Arc::default(), release: released })
    }

    /// Draws that have started.
    fn arrived(&self) -> usize {
        self.arrived.load(Ordering::SeqCst)
    }
}

#[tonic::async_trait]
impl CardProvider for HeldCards {
    fn name(&self) -> &str {
        "held"
    }
    fn cards(&self) -> Vec<CardSpec> {
        vec![CardSpec::new("held", "Held")]
    }
    async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
        self.arrived.fetch_add(1, Ordering::SeqCst);
        let _ = self.release.clone().wait_for(|released| *released).await;
        Card::new([text("released")])
    }
}

/// A raw HTTP/1.1 signed card request for `keys` (kept alive: no `Connection` header).
fn raw_request(keys: &[&str]) -> String {
    let body = demo_body(keys);
    let signature = cardmesh_gateway::verify::sign(SECRET, body.as_bytes());
    format!(
        "POST / HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\nplain-workspace-id: w_test\r\n\
         plain-request-signature: {signature}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Reads one HTTP/1.1 answer with a `content-length` from `stream`: status, lowercased head,
/// body.
async fn read_answer(stream: &mut TcpStream) -> (u16, String, String) {
    let mut read = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = read.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut chunk).await.expect("read the answer");
        assert!(n > 0, "the connection closed before the answer: {:?}", String::from_utf8_lossy(&read));
        read.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&read[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().expect("a length"))
        .unwrap_or_else(|| panic!("no content-length in {head}"));
    while read.len() < head_end + length {
        let n = stream.read(&mut chunk).await.expect("read the body");
        assert!(n > 0, "the connection closed in the body");
        read.extend_from_slice(&chunk[..n]);
    }
    let status = head[9..12].parse().expect("a status");
    (status, head, String::from_utf8_lossy(&read[head_end..head_end + length]).into_owned())
}

/// `cardmesh_connections_accepted_total{listener="plain"}` on the admin listener.
async fn plain_connections_accepted(admin: SocketAddr) -> u64 {
    let metrics = reqwest::get(format!("http://{admin}/metrics")).await.expect("metrics").text().await.unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("cardmesh_connections_accepted_total{listener=\"plain\"} "))
        .map(|n| n.trim().parse().expect("a count"))
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drain_answers_readyz_503_and_serves_new_and_kept_alive_connections_until_a_second_signal() {
    let services = ExampleServices::start().await;
    // A drain longer than the test: the second signal ends it.
    let mut gateway = InProcess::start(config(&services.endpoints(), secs(20), secs(5))).await;
    let kept_alive = reqwest::Client::new();
    let (status, close, json) = post(&kept_alive, gateway.addr, &KEYS).await.expect("answered");
    assert_eq!((status, close), (200, false), "{json}");

    gateway.signal();
    let (_, refusal) = wait_until("/readyz to answer 503", DEADLINE, || async {
        let (status, json) = get(gateway.addr, "/readyz").await;
        (status == 503).then_some((status, json))
    })
    .await;
    assert_eq!(refusal["error"]["code"], "shutting_down", "{refusal}");
    let message = refusal["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("shutdown.drain_period"), "{refusal}");
    assert_eq!(get(gateway.addr, "/healthz").await.0, 200, "alive while it drains");

    // Still serving, on the kept-alive connection (whose answer now closes it) and on new ones.
    let (status, close, json) = post(&kept_alive, gateway.addr, &KEYS).await.expect("answered while draining");
    assert_eq!((status, close), (200, true), "{json}");
    assert_every_card(&json, &KEYS);
    let new_connections = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let (status, close, json) = post(&new_connections, gateway.addr, &KEYS).await.expect("a new connection");
    assert_eq!((status, close), (200, true), "{json}");
    assert_every_card(&json, &KEYS);
    assert!(!refused(gateway.addr).await, "still accepting while it drains");

    gateway.signal();
    wait_until("new connections to be refused", DEADLINE, || refused(gateway.addr)).await;
    let stopped = gateway.stopped().await;
    assert_eq!(stopped.requests_cut, 0, "{stopped:?}");
    assert!(stopped.requests_completed >= 4, "the readyz, healthz and two card requests: {stopped:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_when_the_listener_stops_is_answered_while_metrics_stay_readable() {
    let (release, held) = HeldCards::new();
    let service = RunningService::start(held.clone()).await;
    let mut config = config(&[service.endpoint()], Duration::ZERO, secs(15));
    config.fanout.service_deadline = secs(9);
    let mut gateway = InProcess::start(config).await;
    let client = reqwest::Client::new();
    let addr = gateway.addr;
    let request = tokio::spawn(async move { post(&client, addr, &["held"]).await });
    wait_until("the held card's call to reach its service", DEADLINE, || async { held.arrived() == 1 }).await;

    // No drain: the listener stops accepting at the signal, with the request in flight.
    gateway.signal();
    wait_until("new connections to be refused", DEADLINE, || refused(gateway.addr)).await;
    assert_eq!(get(gateway.admin_addr, "/metrics").await.0, 200, "the admin listener outlives the Plain one");
    assert!(!gateway.run.is_finished(), "the gateway waits for the request in flight");

    release.send_replace(true);
    let (status, close, json) = request.await.unwrap().expect("the request in flight is answered");
    assert_eq!((status, close), (200, true), "{json}");
    assert_eq!(json["cards"][0]["components"][0]["componentText"]["text"], "released", "{json}");
    let stopped = gateway.stopped().await;
    assert_eq!(stopped, Stopped { requests_completed: 1, requests_cut: 0 });
    assert!(refused(gateway.admin_addr).await, "the admin listener stops last");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_still_in_flight_when_the_grace_period_ends_is_cut_and_the_gateway_stops() {
    let (_release, held) = HeldCards::new();
    let service = RunningService::start(held.clone()).await;
    let mut config = config(&[service.endpoint()], Duration::ZERO, Duration::from_millis(300));
    config.fanout.service_deadline = secs(9);
    let mut gateway = InProcess::start(config).await;
    let client = reqwest::Client::new();
    let addr = gateway.addr;
    let request = tokio::spawn(async move { post(&client, addr, &["held"]).await });
    wait_until("the held card's call to reach its service", DEADLINE, || async { held.arrived() == 1 }).await;

    let signalled = Instant::now();
    gateway.signal();
    let stopped = gateway.stopped().await;
    assert!(signalled.elapsed() >= Duration::from_millis(300), "the grace period was given");
    assert_eq!(stopped, Stopped { requests_completed: 0, requests_cut: 1 });
    let outcome = tokio::time::timeout(DEADLINE, request).await.expect("the client is not left hanging").unwrap();
    assert!(outcome.is_err(), "its connection was closed without an answer: {outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_stop_a_connection_yet_to_send_its_request_is_served_and_a_silent_kept_alive_one_is_closed() {
    let services = ExampleServices::start().await;
    let mut gateway = InProcess::start(config(&services.endpoints(), secs(20), secs(5))).await;
    // Kept alive after one answer, then silent through the drain.
    let mut silent = TcpStream::connect(gateway.addr).await.unwrap();
    silent.write_all(raw_request(&KEYS).as_bytes()).await.unwrap();
    let (status, head, _) = read_answer(&mut silent).await;
    assert_eq!(status, 200, "{head}");
    assert!(!head.contains("connection: close"), "{head}");

    gateway.signal();
    wait_until("/readyz to answer 503", DEADLINE, || async { get(gateway.addr, "/readyz").await.0 == 503 }).await;
    // Accepted during the drain, its request not sent yet when the listener stops.
    let accepted = plain_connections_accepted(gateway.admin_addr).await;
    let mut fresh = TcpStream::connect(gateway.addr).await.unwrap();
    wait_until("the gateway to accept the new connection", DEADLINE, || async {
        plain_connections_accepted(gateway.admin_addr).await > accepted
    })
    .await;
    gateway.signal();
    wait_until("new connections to be refused", DEADLINE, || refused(gateway.addr)).await;

    // The silent kept-alive connection is closed rather than held until its idle timeout...
    let mut rest = [0u8; 64];
    let read = tokio::time::timeout(DEADLINE, silent.read(&mut rest)).await.expect("closed, not left open");
    assert!(matches!(read, Ok(0) | Err(_)), "closed without another answer: {read:?}");
    // ... and the one accepted before the stop gets its request answered, then is closed.
    fresh.write_all(raw_request(&KEYS).as_bytes()).await.unwrap();
    let (status, head, body) = read_answer(&mut fresh).await;
    assert_eq!(status, 200, "{head}{body}");
    assert!(head.contains("connection: close"), "{head}");
    assert_every_card(&serde_json::from_str(&body).unwrap(), &KEYS);
    assert!(matches!(fresh.read(&mut rest).await, Ok(0) | Err(_)), "closed after its answer");
    assert_eq!(gateway.stopped().await.requests_cut, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http2_connection_gets_a_goaway_when_the_drain_begins_and_a_new_one_is_still_served() {
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;
    use hyper_util::rt::{TokioExecutor, TokioIo};

    /// An HTTP/2 (prior knowledge) connection to `addr`: its request sender and its driver.
    async fn connect(
        addr: SocketAddr,
    ) -> (hyper::client::conn::http2::SendRequest<Empty<Bytes>>, JoinHandle<hyper::Result<()>>) {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.unwrap();
        (sender, tokio::spawn(connection))
    }
    async fn healthz(sender: &mut hyper::client::conn::http2::SendRequest<Empty<Bytes>>) -> hyper::Result<u16> {
        let request = hyper::Request::get("/healthz").body(Empty::new()).unwrap();
        let answer = sender.send_request(request).await?;
        let status = answer.status().as_u16();
        answer.into_body().collect().await?;
        Ok(status)
    }

    let services = ExampleServices::start().await;
    let mut gateway = InProcess::start(config(&services.endpoints(), secs(20), secs(5))).await;
    let (mut before, before_driver) = connect(gateway.addr).await;
    assert_eq!(healthz(&mut before).await.unwrap(), 200);

    gateway.signal();
    // The GOAWAY ends the connection (it has no stream in flight), so the client opens another.
    let ended = tokio::time::timeout(DEADLINE, before_driver).await.expect("the connection ends after its GOAWAY");
    assert!(ended.unwrap().is_ok(), "a graceful end");
    assert!(healthz(&mut before).await.is_err(), "no new stream on it");
    let (mut during, during_driver) = connect(gateway.addr).await;
    assert_eq!(healthz(&mut during).await.unwrap(), 200, "a new connection is served while draining");
    let ended = tokio::time::timeout(DEADLINE, during_driver).await.expect("it gets its GOAWAY after its request");
    assert!(ended.unwrap().is_ok());

    gateway.signal();
    assert_eq!(gateway.stopped().await.requests_cut, 0);
}

/// What one request of the load got.
#[derive(Debug, Clone)]
enum Outcome {
    /// 200 with a card for every key, none a fallback.
    Answered,
    /// The connection was refused: the listener no longer accepts.
    Refused,
    /// Anything else: a failed request.
    Failed(String),
}

/// One request of the load: when it was sent, over which kind of client, what it got.
#[derive(Debug, Clone)]
struct Sent {
    at: Instant,
    /// When its outcome was known (a refusal happened before this).
    done: Instant,
    kept_alive: bool,
    outcome: Outcome,
}

/// True when `error` is a refused connection.
fn is_refused(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if error.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::ConnectionRefused) {
            return true;
        }
        source = error.source();
    }
    false
}

/// The error and its sources, on one line.
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(error) = source {
        text.push_str(&format!(": {error}"));
        source = error.source();
    }
    text
}

/// One client of the load: signed card requests, one after the other, until `stop` or its
/// first refused connection. `kept_alive` clients reuse their connection (until an answer
/// says `Connection: close`); the others open a new connection for every request.
async fn load_client(addr: SocketAddr, kept_alive: bool, stop: Arc<AtomicBool>, log: Arc<Mutex<Vec<Sent>>>) {
    let mut builder = reqwest::Client::builder();
    if !kept_alive {
        builder = builder.pool_max_idle_per_host(0);
    }
    let client = builder.build().unwrap();
    while !stop.load(Ordering::SeqCst) {
        let at = Instant::now();
        let outcome = match post(&client, addr, &KEYS).await {
            Ok((200, _, json)) => {
                let complete = json["cards"].as_array().is_some_and(|cards| {
                    KEYS.iter().all(|key| cards.iter().any(|c| c["key"] == *key && !is_fallback(c)))
                });
                if complete {
                    Outcome::Answered
                } else {
                    Outcome::Failed(format!("200 without every card: {json}"))
                }
            }
            Ok((status, _, json)) => Outcome::Failed(format!("{status}: {json}")),
            Err(error) if is_refused(&error) => Outcome::Refused,
            Err(error) => Outcome::Failed(chain(&error)),
        };
        let refused = matches!(outcome, Outcome::Refused);
        log.lock().unwrap().push(Sent { at, done: Instant::now(), kept_alive, outcome });
        if refused {
            return;
        }
    }
}

/// The `fields` of the log lines whose message starts with `prefix`.
fn logged(gateway: &GatewayProcess, prefix: &str) -> Vec<Value> {
    gateway
        .log_lines()
        .into_iter()
        .map(|line| line["fields"].clone())
        .filter(|fields| fields["message"].as_str().is_some_and(|m| m.starts_with(prefix)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_gateway_binary_drains_through_sigterm_under_load_without_failing_a_request() {
    let services = ExampleServices::start().await;
    let (release, held) = HeldCards::new();
    let held_service = RunningService::start(held.clone()).await;
    let drain = Config::default().shutdown.drain_period;
    let log_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("shutdown-{}", std::process::id()));
    let mut gateway = GatewayProcess::start(
        env!("CARGO_BIN_EXE_cardmesh-test-gateway"),
        &log_dir,
        &[
            ("CARDMESH_SIGNING_SECRETS", SECRET.into()),
            ("CARDMESH_SERVICES", services.endpoints_with(&held_service).join(",")),
            // Every request reaches the card services.
            ("CARDMESH_CACHE", "false".into()),
            // The default drain (5 s); a grace period and deadlines that let the held request
            // wait for the test.
            ("CARDMESH_SHUTDOWN_GRACE", "20s".into()),
            ("CARDMESH_SERVICE_DEADLINE", "14s".into()),
            ("CARDMESH_OVERALL_BUDGET", "14s".into()),
        ],
    );
    let addr = gateway.addr;
    wait_until("/readyz 200", DEADLINE, || async { get(addr, "/readyz").await.0 == 200 }).await;

    // Steady load: three clients over kept-alive connections, three opening a new connection
    // for every request.
    let stop = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Vec::<Sent>::new()));
    let clients: Vec<_> = [true, true, true, false, false, false]
        .into_iter()
        .map(|kept_alive| tokio::spawn(load_client(addr, kept_alive, stop.clone(), log.clone())))
        .collect();
    let answered_since = |since: Instant, kept_alive: bool| {
        let log = log.lock().unwrap();
        log.iter().any(|s| s.kept_alive == kept_alive && s.at >= since && matches!(s.outcome, Outcome::Answered))
    };
    let started = Instant::now();
    wait_until("answers to both kinds of clients", DEADLINE, || async {
        answered_since(started, true) && answered_since(started, false)
    })
    .await;
    // A request in flight across the stop: its card waits until the test releases it.
    let held_client = reqwest::Client::new();
    let held_request = tokio::spawn(async move { post(&held_client, addr, &["held"]).await });
    wait_until("the held card's call to reach its service", DEADLINE, || async { held.arrived() == 1 }).await;

    let signalled = Instant::now();
    gateway.signal(libc::SIGTERM);
    let (readyz, refusal) = wait_until("/readyz to answer 503 after SIGTERM", DEADLINE, || async {
        let (status, json) = get(addr, "/readyz").await;
        (status == 503).then(|| (Instant::now(), json))
    })
    .await;
    assert_eq!(refusal["error"]["code"], "shutting_down", "{refusal}");
    // Requests sent after readyz turned 503 are still answered, over both kinds of client.
    wait_until("answers after /readyz turned 503", DEADLINE, || async {
        answered_since(readyz, true) && answered_since(readyz, false)
    })
    .await;

    // After the drain, new connections are refused, while the held request is still in
    // flight and the admin listener still answers.
    let refused_at =
        wait_until("new connections to be refused", DEADLINE, || async { refused(addr).await.then(Instant::now) })
            .await;
    assert!(refused_at - signalled >= drain, "refused only after the drain period ({drain:?})");
    assert!(gateway.try_status().is_none(), "the gateway waits for the request in flight");
    let (status, _) = get(gateway.admin_addr, "/metrics").await;
    assert_eq!(status, 200, "/metrics stays readable until the end");
    release.send_replace(true);
    let (status, _, json) = held_request.await.unwrap().expect("the request in flight is answered");
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["cards"][0]["components"][0]["componentText"]["text"], "released", "{json}");

    let status = gateway.wait_exit(DEADLINE);
    assert_eq!(status.code(), Some(0), "exit status 0:\n{}", gateway.output());
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        tokio::time::timeout(DEADLINE, client).await.expect("the load stops").unwrap();
    }

    // Not a request failed: every one sent reached an accepting gateway and got every card,
    // or found the listener closed, and only after the drain period.
    let sent = log.lock().unwrap().clone();
    let failed: Vec<String> = sent
        .iter()
        .filter_map(|s| match &s.outcome {
            Outcome::Failed(why) => {
                Some(format!("{:?} after the start, kept alive {}: {why}", s.at - started, s.kept_alive))
            }
            _ => None,
        })
        .collect();
    assert!(failed.is_empty(), "{} of {} requests failed: {failed:#?}\n{}", failed.len(), sent.len(), gateway.output());
    let early: Vec<_> =
        sent.iter().filter(|s| matches!(s.outcome, Outcome::Refused) && s.done < signalled + drain).collect();
    assert!(early.is_empty(), "refused before the drain period ended: {early:?}");
    let answered = sent.iter().filter(|s| matches!(s.outcome, Outcome::Answered)).count();
    let during_drain = sent.iter().filter(|s| matches!(s.outcome, Outcome::Answered) && s.at >= signalled).count();
    eprintln!("{answered} answered, {during_drain} of them sent after SIGTERM, {} in all", sent.len());

    // Each phase logged once, and the count of requests completed at the end.
    for (prefix, what) in [
        ("shutdown signal received", "received"),
        ("draining until", "draining"),
        ("stopped accepting connections", "stopped accepting"),
        ("shutdown complete, exiting", "exited"),
    ] {
        let lines = logged(&gateway, prefix);
        assert_eq!(lines.len(), 1, "the {what} phase logged once: {lines:?}\n{}", gateway.output());
    }
    assert_eq!(logged(&gateway, "shutdown signal received")[0]["signal"], "SIGTERM");
    let exited = &logged(&gateway, "shutdown complete, exiting")[0];
    assert_eq!(exited["requests_cut"], 0, "{exited}");
    let completed = exited["requests_completed"].as_u64().unwrap_or_default();
    assert!(completed > during_drain as u64, "{exited}: every answer sent after the signal, and the held one");
}
