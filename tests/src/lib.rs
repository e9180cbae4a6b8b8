//! Test harness: card services and gateways on real sockets (127.0.0.1, port 0), signed
//! Plain requests, and waiting on conditions with deadlines.

pub mod action_service;
pub mod bridge;
pub mod capture;
pub mod card_endpoint;
pub mod containers;
pub mod gateway_process;
pub mod kubernetes;
pub mod load;
pub mod network_policy;
pub mod otlp;
pub mod outbound;
pub mod own_process;
pub mod pki;
pub mod plain;
pub mod plain_graphql;
pub mod plain_sim;
pub mod process;
pub mod providers;
pub mod redis;
pub mod redis_cluster;
pub mod reference;
pub mod require;
pub mod store;
pub mod telemetry;
pub mod wait;

pub use plain::{signed_post, PlainBody};
pub use wait::{wait_until, Wait};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cardmesh_gateway::config::{Config, Secret};
use cardmesh_gateway::Gateway;
use cardmesh_kit::CardProvider;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The signing secret the test gateways accept first.
pub const SECRET: &str = "test-secret-1";
/// A second accepted secret (rotation).
pub const SECOND_SECRET: &str = "test-secret-2";

/// A card service running in this process on a real socket.
pub struct RunningService {
    pub addr: SocketAddr,
    scheme: &'static str,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl RunningService {
    /// Serves `provider` on 127.0.0.1:0.
    pub async fn start<P: CardProvider>(provider: P) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind service");
        Self::start_on(provider, listener)
    }

    /// Serves `provider` on `listener` (to restart on a known port).
    pub fn start_on<P: CardProvider>(provider: P, listener: TcpListener) -> Self {
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(cardmesh_kit::serve_on(provider, listener, async {
            let _ = rx.await;
        }));
        Self { addr, scheme: "http", shutdown: Some(tx), task: Some(task) }
    }

    /// Runs `serve(listener, shutdown)` as the service on `listener`: for kit serve functions
    /// with more than a provider and a listener (e.g. `cardmesh_kit::serve_on_with_metrics`).
    pub fn start_with<F, Fut>(listener: TcpListener, serve: F) -> Self
    where
        F: FnOnce(TcpListener, std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(
            listener,
            Box::pin(async {
                let _ = rx.await;
            }),
        ));
        Self { addr, scheme: "http", shutdown: Some(tx), task: Some(task) }
    }

    /// Serves `provider` over TLS on 127.0.0.1:0.
    pub async fn start_tls<P: CardProvider>(provider: P, tls: cardmesh_kit::ServerTls) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind service");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(cardmesh_kit::serve_tls_on(provider, listener, tls, async {
            let _ = rx.await;
        }));
        Self { addr, scheme: "https", shutdown: Some(tx), task: Some(task) }
    }

    /// The gRPC endpoint, e.g. `http://127.0.0.1:40123` (`https://` over TLS).
    pub fn endpoint(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Stops the service: graceful first, then aborted after 2 s (for calls that hang).
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(2), &mut task).await.is_err() {
                task.abort();
                let _ = task.await;
            }
        }
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// A loopback port nothing listens on: bound on port 0 and closed again at once. Only for
/// tests of refused connections: a server under test binds port 0 itself and reports its
/// port (see [`process`]), since any process may take this one meanwhile.
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind 127.0.0.1:0").port()
}

/// A config for a test gateway in front of `endpoints`: two secrets, short deadlines.
pub fn gateway_config(endpoints: &[String]) -> Config {
    let mut config = Config {
        signing_secrets: vec![Secret::new(SECRET), Secret::new(SECOND_SECRET)].into(),
        services: endpoints.to_vec(),
        ..Config::default()
    };
    config.fanout.service_deadline = Duration::from_millis(800);
    config.fanout.connect_timeout = Duration::from_millis(300);
    config.discovery.retry_interval = Duration::from_millis(100);
    config.discovery.describe_timeout = Duration::from_millis(500);
    config
}

/// A gateway running in this process on a real socket, with its admin listener (metrics)
/// on another.
pub struct RunningGateway {
    pub addr: SocketAddr,
    /// The admin listener (`GET /metrics`, `POST /admin/invalidate`).
    pub admin_addr: SocketAddr,
    pub gateway: Arc<Gateway>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    admin_task: JoinHandle<std::io::Result<()>>,
    client: reqwest::Client,
}

impl RunningGateway {
    /// Starts a gateway with `config` on 127.0.0.1:0, and its admin listener on another
    /// 127.0.0.1:0 (the `listen` and `admin_listen` fields are ignored).
    pub async fn start(config: Config) -> Self {
        Self::start_with_client(config, reqwest::Client::new()).await
    }

    /// Starts a gateway that `client` talks to (an HTTPS client when `config` has TLS).
    pub async fn start_with_client(config: Config, client: reqwest::Client) -> Self {
        config.validate().expect("test config is valid");
        let gateway = Gateway::new(config).expect("gateway");
        gateway.connect_cache().await.expect("Redis answers (cache.required_to_start)");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind gateway");
        let addr = listener.local_addr().expect("local addr");
        let admin = TcpListener::bind("127.0.0.1:0").await.expect("bind admin");
        let admin_addr = admin.local_addr().expect("admin addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(cardmesh_gateway::serve(gateway.clone(), listener, async {
            let _ = rx.await;
        }));
        let admin_task =
            tokio::spawn(cardmesh_gateway::http::serve_admin(gateway.clone(), admin, std::future::pending()));
        Self { addr, admin_addr, gateway, shutdown: Some(tx), task, admin_task, client }
    }

    /// Starts a gateway and waits until every service has described its cards.
    pub async fn start_ready(config: Config) -> Self {
        let gw = Self::start(config).await;
        gw.wait_ready().await;
        gw
    }

    /// `http://127.0.0.1:PORT/path`, or `https://` when the gateway terminates TLS.
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.gateway.config().tls.enabled() { "https" } else { "http" };
        format!("{scheme}://{}{}", self.addr, path)
    }

    /// Waits (deadline 10 s) until `/readyz` answers 200.
    pub async fn wait_ready(&self) {
        let client = self.client.clone();
        let url = self.url("/readyz");
        wait_until("gateway ready", Duration::from_secs(10), || {
            let client = client.clone();
            let url = url.clone();
            async move { client.get(&url).send().await.map(|r| r.status().is_success()).unwrap_or(false) }
        })
        .await;
    }

    /// POSTs `body` signed with `secret` (or unsigned with `None`) to `/`, from workspace
    /// `w_test`.
    pub async fn post(&self, body: &str, secret: Option<&str>) -> Answer {
        let request = signed_post(&self.client, &self.url("/"), body, secret, Some("w_test"));
        Answer::from(request.send().await.expect("request reaches the gateway")).await
    }

    /// POSTs `body` signed with [`SECRET`].
    pub async fn post_signed(&self, body: &str) -> Answer {
        self.post(body, Some(SECRET)).await
    }

    /// POSTs `body` signed with [`SECRET`] as `cardmesh validate --url` does: answered as
    /// Plain would be, but never a reload or a duplicate, and kept out of the served ledger,
    /// so the same context can be asked any number of times, however slowly.
    pub async fn post_probe(&self, body: &str) -> Answer {
        let request = signed_post(&self.client, &self.url("/"), body, Some(SECRET), Some("w_test"))
            .header(cardmesh_gateway::http::PROBE_HEADER, "validate");
        Answer::from(request.send().await.expect("request reaches the gateway")).await
    }

    /// Waits until every cache write queued so far has been sent to the store.
    pub async fn flush_cache(&self) {
        if let Some(cache) = self.gateway.cache() {
            cache.flush().await;
        }
    }

    /// `http://127.0.0.1:PORT/path` on the admin listener (always plain HTTP).
    pub fn admin_url(&self, path: &str) -> String {
        format!("http://{}{}", self.admin_addr, path)
    }

    /// POSTs an invalidation to `/admin/invalidate` on the admin listener with `token`;
    /// returns the status.
    pub async fn invalidate(&self, token: &str, body: serde_json::Value) -> u16 {
        self.invalidate_at(&self.admin_url("/admin/invalidate"), token, body).await
    }

    /// POSTs an invalidation to `url` (e.g. the Plain port's `/admin/invalidate`) with
    /// `token`; returns the status.
    pub async fn invalidate_at(&self, url: &str, token: &str, body: serde_json::Value) -> u16 {
        self.client
            .post(url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("admin request reaches the gateway")
            .status()
            .as_u16()
    }

    /// The name the gateway knows the card service at `endpoint` by: its metric label, and the
    /// `service` of its log lines, `/readyz` and the preview (the configured endpoint's host,
    /// with the port when several services share the host, as they do in tests).
    pub fn service_name(&self, endpoint: &str) -> String {
        let router = self.gateway.router();
        let index = router.backends().iter().position(|b| b.endpoint() == endpoint);
        let index = index.unwrap_or_else(|| panic!("{endpoint} is not a configured service"));
        router.service_names()[index].to_string()
    }

    /// The HTTP client used for requests (for custom ones).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Stops the gateway gracefully.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
        self.admin_task.abort();
    }
}

impl Drop for RunningGateway {
    fn drop(&mut self) {
        self.task.abort();
        self.admin_task.abort();
    }
}

/// An HTTP answer with its JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: serde_json::Value,
    /// The `cardmesh-cache` header (`hits=…, misses=…, stale=…`), empty when absent.
    pub cache: String,
}

impl Answer {
    /// Reads an HTTP answer whose body must be JSON.
    pub async fn from(resp: reqwest::Response) -> Self {
        let status = resp.status().as_u16();
        let cache = resp.headers().get("cardmesh-cache").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let text = resp.text().await.expect("body");
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("answer with status {status} is not JSON ({e}): {text}"));
        Self { status, json, cache }
    }

    /// One figure of the `cardmesh-cache` header: `hits`, `misses` or `stale`.
    pub fn cache_count(&self, name: &str) -> usize {
        self.cache
            .split(", ")
            .find_map(|part| part.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in cardmesh-cache header {:?}", self.cache))
    }

    /// The keys of `cards`, in order.
    pub fn keys(&self) -> Vec<String> {
        self.cards().iter().map(|c| c["key"].as_str().expect("key").to_owned()).collect()
    }

    /// The `cards` array.
    pub fn cards(&self) -> &Vec<serde_json::Value> {
        self.json["cards"].as_array().unwrap_or_else(|| panic!("no cards in {}", self.json))
    }

    /// The card with `key`.
    pub fn card(&self, key: &str) -> &serde_json::Value {
        self.cards().iter().find(|c| c["key"] == key).unwrap_or_else(|| panic!("no card {key} in {}", self.json))
    }

    /// The `cards` array with each card's `timeToLiveSeconds` taken out, and those TTLs: a
    /// card from the cache carries the lifetime it has left, so only the rest compares.
    pub fn cards_and_ttls(&self) -> (Vec<serde_json::Value>, Vec<Option<u64>>) {
        self.cards()
            .iter()
            .map(|card| {
                let mut card = card.clone();
                let ttl = card.as_object_mut().and_then(|c| c.remove("timeToLiveSeconds")).and_then(|t| t.as_u64());
                (card, ttl)
            })
            .unzip()
    }

    /// Asserts that this answer holds the cards of `drawn`, taken from the cache: the same
    /// cards, each with a `timeToLiveSeconds` above 0 and no more than the one it was drawn
    /// with.
    pub fn assert_same_cards_from_the_cache(&self, drawn: &Answer) {
        let ((cards, left), (expected, ttls)) = (self.cards_and_ttls(), drawn.cards_and_ttls());
        assert_eq!(cards, expected, "the same cards");
        for ((card, left), ttl) in cards.iter().zip(&left).zip(&ttls) {
            assert_eq!(left.is_some(), ttl.is_some(), "{card}: {left:?} left of {ttl:?}");
            assert!(left <= ttl && *left != Some(0), "{card}: {left:?} left of {ttl:?}");
        }
    }

    /// The error code of an error answer.
    pub fn error_code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {}", self.json))
    }
}

/// True when `card` is the gateway's fallback card.
pub fn is_fallback(card: &serde_json::Value) -> bool {
    card["components"][0]["componentText"]["textColor"] == "MUTED"
        && card["components"][0]["componentText"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("temporarily unavailable"))
}

/// A Plain request body for `keys` and customer `c_test_1` (thread `th_test_1`).
pub fn body_for(keys: &[&str], external_id: Option<&str>, email: &str) -> String {
    PlainBody::new(keys).customer("c_test_1", email, external_id).build()
}

/// A Plain request body for the demo customer (`cus_demo_1`, `ada@example.com`).
pub fn demo_body(keys: &[&str]) -> String {
    body_for(keys, Some("cus_demo_1"), "ada@example.com")
}

/// The three example services, started on real sockets.
pub struct ExampleServices {
    pub billing: RunningService,
    pub usage: RunningService,
    pub accounts: RunningService,
}

impl ExampleServices {
    pub async fn start() -> Self {
        Self {
            billing: RunningService::start(billing_service::BillingCards::embedded()).await,
            usage: RunningService::start(usage_service::UsageCards::embedded()).await,
            accounts: RunningService::start(accounts_service::AccountsCards::embedded()).await,
        }
    }

    pub fn endpoints(&self) -> Vec<String> {
        vec![self.billing.endpoint(), self.usage.endpoint(), self.accounts.endpoint()]
    }

    /// The three endpoints followed by `extra`'s.
    pub fn endpoints_with(&self, extra: &RunningService) -> Vec<String> {
        let mut endpoints = self.endpoints();
        endpoints.push(extra.endpoint());
        endpoints
    }
}
