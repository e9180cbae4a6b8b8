//! The project's own images on one Docker network, through testcontainers: Redis, the three
//! example Rust card services, the example TypeScript one (`orders`), the example Python one
//! (`feedback`) and the gateway, wired as `docker-compose.yml` wires them.
//!
//! The images are `cardmesh/<binary>:local`, built by `scripts/build-images.sh` (which
//! compiles the release binaries on the host). These tests exercise those images, so a stack
//! refuses to start from an image built from other sources than the checkout's: its
//! `cardmesh.source-hash` label must be what `cargo xtask source-hash` prints now.
//!
//! Every container and the network carry a name unique to this process and stack, so stacks
//! of parallel tests never collide. Containers are removed when the [`Stack`] is dropped.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::FutureExt;
use testcontainers::core::{AccessMode, ExecCommand, Host, IntoContainerPort, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, ContainerRequest, GenericImage, Healthcheck, ImageExt};

use crate::{signed_post, Answer, PlainBody, Wait};

/// The default tag of the project's images; [`tag`] is the one in use.
pub const TAG: &str = "local";

/// Tag of the project's images: `CARDMESH_IMAGE_TAG` (as for scripts/build-images.sh), by
/// default [`TAG`].
pub fn tag() -> String {
    std::env::var("CARDMESH_IMAGE_TAG").ok().filter(|t| !t.is_empty()).unwrap_or_else(|| TAG.to_owned())
}
/// Image of the gateway.
pub const GATEWAY_IMAGE: &str = "cardmesh/cardmesh-gateway";
/// Images of the example card services.
pub const SERVICE_IMAGES: [(&str, &str); 3] = [
    ("billing", "cardmesh/billing-service"),
    ("usage", "cardmesh/usage-service"),
    ("accounts", "cardmesh/accounts-service"),
];
/// The example TypeScript card service (`services/orders`): its role and image, built by
/// `scripts/build-node-images.sh`.
pub const TYPESCRIPT_SERVICE_IMAGE: (&str, &str) = ("orders", "cardmesh/orders-service");
/// The example Python card service (`services/feedback`): its role and image, built by
/// `scripts/build-python-images.sh`.
pub const PYTHON_SERVICE_IMAGE: (&str, &str) = ("feedback", "cardmesh/feedback-service");
/// The Redis image of the stacks; `ci/build-base-images.sh` builds it locally where
/// nothing can be pulled, and elsewhere it is the official image.
pub const REDIS_IMAGE: (&str, &str) = ("redis", "7");
/// The signing secret of the containerised gateway.
pub const E2E_SECRET: &str = "e2e-secret";
/// The port card services listen on inside their containers.
pub const SERVICE_PORT: u16 = 50051;
/// The port the gateway listens on inside its container.
pub const GATEWAY_PORT: u16 = 8080;
/// The port of billing's metrics (`CARDMESH_SERVICE_METRICS_LISTEN`) inside its container,
/// mapped to the host so a test can count what billing ran.
pub const BILLING_METRICS_PORT: u16 = 9100;

/// Label of the project's images: the hash of the sources they were built from.
pub const SOURCE_HASH_LABEL: &str = "cardmesh.source-hash";
/// The script that builds (and labels) the project's images.
pub const BUILD_IMAGES: &str = "scripts/build-images.sh";

/// The hash of the checkout's image sources: what `cargo xtask source-hash` prints (the one
/// definition, `xtask::source_hash`).
pub fn source_hash() -> String {
    let hash = xtask::source_hash::hash(&xtask::repo_root()).unwrap_or_else(|e| panic!("the source hash: {e:#}"));
    assert_eq!(hash.len(), 64, "the source hash is {hash:?}");
    hash
}

/// Checks that `image` was built from the sources whose hash is `expected`. The error names
/// the image, both hashes and the script that rebuilds it.
pub async fn check_fresh(docker: &testcontainers::bollard::Docker, image: &str, expected: &str) -> Result<(), String> {
    let inspect = docker.inspect_image(image).await.map_err(|e| format!("{image}: cannot inspect it: {e}"))?;
    let label = inspect.config.and_then(|c| c.labels).and_then(|mut l| l.remove(SOURCE_HASH_LABEL));
    match label {
        Some(hash) if hash == expected => Ok(()),
        Some(hash) => Err(format!(
            "{image} is stale: built from sources {}…, the checkout is at {}…; rebuild it with {BUILD_IMAGES}",
            &hash[..hash.len().min(12)],
            &expected[..12]
        )),
        None => Err(format!(
            "{image} has no {SOURCE_HASH_LABEL} label, so its sources are unknown; rebuild it with {BUILD_IMAGES}"
        )),
    }
}

/// The project's images a [`Stack`] runs (names; the tag is [`tag`]).
pub fn stack_images() -> Vec<&'static str> {
    SERVICE_IMAGES
        .iter()
        .map(|(_, image)| *image)
        .chain([GATEWAY_IMAGE, TYPESCRIPT_SERVICE_IMAGE.1, PYTHON_SERVICE_IMAGE.1])
        .collect()
}

/// Redis in a container named `name` (its host name) on `network`, without persistence: the
/// one Redis definition of every Docker stack.
pub fn redis_container(network: &str, name: &str) -> ContainerRequest<GenericImage> {
    GenericImage::new(REDIS_IMAGE.0, REDIS_IMAGE.1)
        .with_exposed_port(6379.tcp())
        .with_wait_for(WaitFor::message_on_stdout("Ready to accept connections"))
        .with_cmd(["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"])
        .with_network(network)
        .with_container_name(name)
        .with_startup_timeout(Duration::from_secs(60))
}

/// Settings of the containerised gateway beyond the wiring.
#[derive(Debug, Clone)]
pub struct GatewayEnv(pub Vec<(String, String)>);

impl GatewayEnv {
    /// Short deadlines for tests; everything else as in docker-compose.yml.
    pub fn for_tests() -> Self {
        Self(vec![("CARDMESH_SERVICE_DEADLINE".into(), "1s".into()), ("RUST_LOG".into(), "info".into())])
    }

    /// Adds or replaces `name`.
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.0.retain(|(n, _)| n != name);
        self.0.push((name.into(), value.into()));
        self
    }
}

/// The host name under which the stack's containers reach the host (Docker's host gateway),
/// e.g. a test's own servers bound on every interface.
pub const HOST_ALIAS: &str = "host.docker.internal";

/// Billing watching a fixture directory on the host and reporting its changes to the
/// gateway, as in docker-compose.yml: `billing.json` in `dir` is mounted read-only, and the
/// gateway's admin listener must be on port 9090 of every interface
/// (`CARDMESH_ADMIN_LISTEN=0.0.0.0:9090`, with `CARDMESH_SERVICE_TOKEN` = `service_token`,
/// the card services' token, which only invalidates).
#[derive(Debug, Clone)]
pub struct BillingWatch {
    pub dir: std::path::PathBuf,
    pub service_token: String,
}

/// One container of a [`Stack`].
pub struct Node {
    /// Container name, also its host name on the stack's network.
    pub name: String,
    container: ContainerAsync<GenericImage>,
}

impl Node {
    /// Starts `request` as the container `name` (for stacks other than [`Stack`]).
    pub async fn run(name: String, request: ContainerRequest<GenericImage>) -> Self {
        let container = start(&name, request).await;
        Node { name, container }
    }

    /// Stops the container (SIGTERM, SIGKILL after 5 s).
    pub async fn stop(&self) {
        self.container.stop_with_timeout(Some(5)).await.unwrap_or_else(|e| panic!("stop {}: {e}", self.name));
    }

    /// Starts the stopped container again (same name, same network; the host port changes).
    pub async fn start(&self) {
        self.container.start().await.unwrap_or_else(|e| panic!("start {}: {e}", self.name));
    }

    /// The host port (127.0.0.1) mapped to `port`. Read it again after a restart.
    pub async fn host_port(&self, port: u16) -> u16 {
        self.container
            .get_host_port_ipv4(port.tcp())
            .await
            .unwrap_or_else(|e| panic!("{}: no host port for {port}: {e}", self.name))
    }

    /// Runs `cmd` in the container; returns its exit code and its output (stdout + stderr).
    pub async fn exec(&self, cmd: &[&str]) -> (i64, String) {
        let mut result = self
            .container
            .exec(
                ExecCommand::new(cmd.iter().copied())
                    .with_cmd_ready_condition(testcontainers::core::CmdWaitFor::exit()),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: exec {cmd:?}: {e}", self.name));
        let stdout = result.stdout_to_vec().await.unwrap_or_default();
        let stderr = result.stderr_to_vec().await.unwrap_or_default();
        let code = result.exit_code().await.ok().flatten().unwrap_or(-1);
        (code, format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr)))
    }

    /// Everything the container logged so far (stdout, then stderr).
    pub async fn logs(&self) -> String {
        let stdout = self.container.stdout_to_vec().await.unwrap_or_default();
        let stderr = self.container.stderr_to_vec().await.unwrap_or_default();
        format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr))
    }
}

/// Redis, billing, usage, accounts, feedback and the gateway, each in its own container, on one network.
pub struct Stack {
    pub network: String,
    pub gateway: Node,
    pub billing: Node,
    pub usage: Node,
    pub accounts: Node,
    pub orders: Node,
    pub feedback: Node,
    pub redis: Node,
    client: reqwest::Client,
}

/// Names unique to this process and stack: `cardmesh-e2e-<pid>-<n>`.
pub fn unique_prefix() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("cardmesh-e2e-{}-{}-{:x}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed), nanos % 0x10000)
}

/// The probe compose runs, polled quickly so containers count as ready soon.
pub fn probe(args: &[&str]) -> Healthcheck {
    let mut cmd = vec!["cardmesh-healthcheck"];
    cmd.extend_from_slice(args);
    Healthcheck::cmd(cmd)
        .with_interval(Duration::from_millis(250))
        .with_timeout(Duration::from_secs(5))
        .with_retries(120)
}

async fn start(what: &str, request: ContainerRequest<GenericImage>) -> ContainerAsync<GenericImage> {
    let started = Instant::now();
    let container = request.start().await.unwrap_or_else(|e| {
        panic!("start the {what} container: {e}\n(images missing or stale? run scripts/build-images.sh)")
    });
    tracing::info!(what, elapsed = ?started.elapsed(), "container up");
    container
}

impl Stack {
    /// Starts the stack and waits until the gateway's `/readyz` answers 200.
    pub async fn start(gateway_env: GatewayEnv) -> Self {
        Self::start_with(gateway_env, None).await
    }

    /// The same, with billing watching its fixture file when `watch` is given.
    pub async fn start_with(gateway_env: GatewayEnv, watch: Option<BillingWatch>) -> Self {
        crate::require::images(&stack_images(), &[&format!("{}:{}", REDIS_IMAGE.0, REDIS_IMAGE.1)]).await;
        let prefix = unique_prefix();
        let network = format!("{prefix}-net");
        let name = |role: &str| format!("{prefix}-{role}");

        let redis_name = name("redis");
        let redis = redis_container(&network, &redis_name);

        let service = |role: &str, image: &str| {
            let image = GenericImage::new(image, tag().as_str()).with_exposed_port(SERVICE_PORT.tcp());
            // Billing's metrics, mapped to the host: the action tests count what it ran.
            let image = if role == "billing" { image.with_exposed_port(BILLING_METRICS_PORT.tcp()) } else { image };
            image
                .with_wait_for(WaitFor::healthcheck())
                .with_health_check(probe(&["grpc", &format!("127.0.0.1:{SERVICE_PORT}")]))
                .with_env_var("CARDMESH_SERVICE_LISTEN", format!("0.0.0.0:{SERVICE_PORT}"))
                .with_env_var("RUST_LOG", "info")
                .with_network(&network)
                .with_container_name(name(role))
                .with_startup_timeout(Duration::from_secs(60))
        };
        let [(b, billing_image), (u, usage_image), (a, accounts_image)] = SERVICE_IMAGES;
        let (o, orders_image) = TYPESCRIPT_SERVICE_IMAGE;
        let (f, feedback_image) = PYTHON_SERVICE_IMAGE;

        let mut billing = service(b, billing_image)
            .with_env_var("CARDMESH_SERVICE_METRICS_LISTEN", format!("0.0.0.0:{BILLING_METRICS_PORT}"));
        if let Some(watch) = watch {
            billing = billing
                .with_mount(
                    Mount::bind_mount(watch.dir.display().to_string(), "/etc/cardmesh/billing")
                        .with_access_mode(AccessMode::ReadOnly),
                )
                .with_env_var("CARDMESH_FIXTURES", "/etc/cardmesh/billing/billing.json")
                .with_env_var("CARDMESH_SERVICE_GATEWAY_ADMIN_URL", format!("http://{}:9090", name("gateway")))
                .with_env_var("CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN", watch.service_token)
                // As in docker-compose.yml: the admin listener is plain HTTP on a private network.
                .with_env_var("CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP", "true");
        }

        // Redis and the services in parallel: each takes about a second.
        let (redis, billing, usage, accounts, orders, feedback) = futures::join!(
            start("redis", redis),
            start(b, billing),
            start(u, service(u, usage_image)),
            start(a, service(a, accounts_image)),
            start(o, service(o, orders_image)),
            start(f, service(f, feedback_image)),
        );
        let services = [b, u, a, o, f].map(|role| format!("http://{}:{SERVICE_PORT}", name(role))).join(",");

        let mut gateway = GenericImage::new(GATEWAY_IMAGE, tag().as_str())
            .with_exposed_port(GATEWAY_PORT.tcp())
            .with_wait_for(WaitFor::healthcheck())
            .with_health_check(probe(&["http", &format!("http://127.0.0.1:{GATEWAY_PORT}/healthz")]))
            .with_env_var("CARDMESH_LISTEN", format!("0.0.0.0:{GATEWAY_PORT}"))
            .with_env_var("CARDMESH_SERVICES", services)
            .with_env_var("CARDMESH_REDIS_URL", format!("redis://{redis_name}:6379/0"))
            .with_env_var("CARDMESH_SIGNING_SECRETS", E2E_SECRET)
            // The name the services reach the admin listener by, as compose allows `gateway:9090`.
            .with_env_var("CARDMESH_ADMIN_ALLOWED_HOSTS", format!("{}:9090", name("gateway")))
            .with_host(HOST_ALIAS, Host::HostGateway)
            .with_network(&network)
            .with_container_name(name("gateway"))
            .with_startup_timeout(Duration::from_secs(60));
        for (k, v) in gateway_env.0 {
            gateway = gateway.with_env_var(k, v);
        }
        let gateway = start("gateway", gateway).await;

        let node = |name: String, container| Node { name, container };
        let stack = Self {
            gateway: node(name("gateway"), gateway),
            billing: node(name(b), billing),
            usage: node(name(u), usage),
            accounts: node(name(a), accounts),
            orders: node(name(o), orders),
            feedback: node(name(f), feedback),
            redis: node(redis_name, redis),
            network,
            client: reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("HTTP client"),
        };
        stack.wait_ready().await;
        stack
    }

    /// `http://127.0.0.1:<mapped port><path>` of the gateway (the port changes on restart).
    pub async fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.gateway.host_port(GATEWAY_PORT).await)
    }

    /// Waits (deadline 30 s) until the gateway's `/readyz` answers 200 on its current port.
    pub async fn wait_ready(&self) {
        let url = self.url("/readyz").await;
        let started = Instant::now();
        let ready = Wait::new("the gateway's /readyz answers 200", Duration::from_secs(30))
            .every(Duration::from_millis(50))
            .try_until(|| async {
                match self.client.get(&url).send().await.map(|r| r.status().as_u16()) {
                    Ok(200) => Ok(()),
                    status => Err(format!("{url}: {status:?}")),
                }
            })
            .await;
        match ready {
            Ok(()) => eprintln!("e2e: gateway ready after {:?}", started.elapsed()),
            Err(timeout) => panic!("{timeout}\n{}", self.gateway.logs().await),
        }
    }

    /// POSTs `body` to the gateway's `/`, signed with [`E2E_SECRET`].
    pub async fn post_signed(&self, body: &str) -> Answer {
        let url = self.url("/").await;
        let resp = signed_post(&self.client, &url, body, Some(E2E_SECRET), Some("w_e2e"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        Answer::from(resp).await
    }

    /// Posts `body` until `done` holds for the answer, failing after `deadline`; returns the
    /// answer that satisfied it.
    pub async fn post_until(
        &self,
        what: &str,
        body: &str,
        deadline: Duration,
        done: impl Fn(&Answer) -> bool,
    ) -> Answer {
        let started = Instant::now();
        let answer = Wait::new(what, deadline)
            .every(Duration::from_millis(100))
            .until(|| async {
                let answer = self.post_signed(body).await;
                if done(&answer) {
                    Ok(answer)
                } else {
                    Err(format!("answer {} [{}]: {}", answer.status, answer.cache, answer.json))
                }
            })
            .await;
        eprintln!("e2e: {what}: after {:?}", started.elapsed());
        answer
    }

    /// Every container's logs, for failure reports.
    pub async fn logs(&self) -> String {
        let mut out = String::new();
        for node in
            [&self.gateway, &self.billing, &self.usage, &self.accounts, &self.orders, &self.feedback, &self.redis]
        {
            let logs = node.logs().await;
            let tail: Vec<&str> = logs.lines().rev().take(60).collect();
            out.push_str(&format!("\n----- logs of {} (last {} lines) -----\n", node.name, tail.len()));
            for line in tail.into_iter().rev() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    /// Runs `scenario`; when it panics, prints every container's logs, then fails the same way.
    pub async fn run<F: Future<Output = ()>>(&self, scenario: F) {
        if let Err(panic) = AssertUnwindSafe(scenario).catch_unwind().await {
            eprintln!("{}", self.logs().await);
            std::panic::resume_unwind(panic);
        }
    }
}

/// A Plain request body for `keys` and one customer, without a thread.
pub fn plain_body(keys: &[&str], customer_id: &str, external_id: &str, email: &str) -> String {
    PlainBody::new(keys).customer(customer_id, email, Some(external_id)).thread(None).build()
}
