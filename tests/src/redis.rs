//! Redis for the tests of the `redis` feature: a `redis-server` process of its own on
//! 127.0.0.1, which can be stopped and started again on the same port, is killed when
//! dropped, and logs to a temporary directory (kept, and named, when the test fails).
//!
//! `redis-server` cannot listen on port 0 and report the port, so [`RedisBuilder::start`]
//! picks a port and lets the server's own bind decide: when the server exits because the
//! port is taken ("Address already in use"), it tries another. No port is reserved and then
//! released, so there is no window in which another process could take it.
//!
//! [`RedisServer::builder`] adds arguments to the command line, TLS ([`RedisTlsFiles`]: the
//! server listens with TLS only and requires a client certificate) and an ACL user (the
//! `default` user is then off); [`RedisCluster`] runs six of them as a Redis Cluster. The
//! Docker stacks' Redis is `containers::redis_container`.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, RandomState};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::{ClientTlsConfig, TlsCertificates};

use crate::pki::{PemDir, TestCa};
use crate::Wait;

/// Ports of the servers alive in this process, so that two never pick the same one (and a
/// stopped server's port stays its own until it is dropped).
static PORTS: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// How many ports a server tries before giving up.
const PORT_ATTEMPTS: usize = 20;

/// A `redis-server` command line, before it starts.
#[derive(Debug, Clone, Default)]
pub struct RedisBuilder {
    args: Vec<String>,
    username: Option<String>,
    password: Option<String>,
    tls: Option<Arc<RedisTlsFiles>>,
    /// A Redis Sentinel instead of a server: the monitored primary's name and port.
    sentinel: Option<(String, u16)>,
}

/// A CA, Redis's server certificate (for 127.0.0.1) and a client certificate, as PEM files.
#[derive(Debug)]
pub struct RedisTlsFiles {
    dir: PemDir,
    /// The CA's certificate, PEM.
    pub ca_pem: String,
    pub ca_file: PathBuf,
    pub server_cert_file: PathBuf,
    pub server_key_file: PathBuf,
    pub client_cert_file: PathBuf,
    pub client_key_file: PathBuf,
}

impl RedisTlsFiles {
    /// New certificates from a CA of their own.
    pub fn new() -> Arc<Self> {
        let ca = TestCa::new("cardmesh test Redis CA");
        let dir = PemDir::new();
        let ca_pem = ca.cert_pem();
        let ca_file = dir.write("redis-ca.pem", &ca_pem);
        let (server_cert_file, server_key_file) = dir.write_pair("redis-server", &ca.server());
        let (client_cert_file, client_key_file) = dir.write_pair("redis-client", &ca.client("cardmesh gateway"));
        Arc::new(Self { dir, ca_pem, ca_file, server_cert_file, server_key_file, client_cert_file, client_key_file })
    }

    /// The CA and the client certificate, as redis-rs takes them.
    pub fn certificates(&self) -> TlsCertificates {
        let read = |path: &PathBuf| std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        TlsCertificates {
            client_tls: Some(ClientTlsConfig {
                client_cert: read(&self.client_cert_file),
                client_key: read(&self.client_key_file),
            }),
            root_cert: Some(self.ca_pem.clone().into_bytes()),
        }
    }

    /// The directory of the files.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The server's TLS arguments for `port`: TLS only (`--port 0`), client certificates
    /// required; the cluster bus and replication over TLS too (ignored out of cluster mode).
    fn server_args(&self, port: u16) -> Vec<String> {
        let path = |p: &PathBuf| p.display().to_string();
        [
            ("--port", "0".to_owned()),
            ("--tls-port", port.to_string()),
            ("--tls-cert-file", path(&self.server_cert_file)),
            ("--tls-key-file", path(&self.server_key_file)),
            ("--tls-client-cert-file", path(&self.client_cert_file)),
            ("--tls-client-key-file", path(&self.client_key_file)),
            ("--tls-ca-cert-file", path(&self.ca_file)),
            ("--tls-auth-clients", "yes".to_owned()),
            ("--tls-replication", "yes".to_owned()),
        ]
        .into_iter()
        .flat_map(|(name, value)| [name.to_owned(), value])
        .collect()
    }

    /// `redis-cli`'s TLS arguments.
    fn cli_args(&self) -> Vec<String> {
        let path = |p: &PathBuf| p.display().to_string();
        vec![
            "--tls".into(),
            "--cacert".into(),
            path(&self.ca_file),
            "--cert".into(),
            path(&self.client_cert_file),
            "--key".into(),
            path(&self.client_key_file),
        ]
    }
}

impl RedisBuilder {
    /// Makes the server listen with TLS only, with `files`' server certificate, and require
    /// a client certificate of their CA; [`RedisServer::url`] is then `rediss://` and
    /// [`RedisServer::client`] presents the client certificate.
    pub fn tls(mut self, files: &Arc<RedisTlsFiles>) -> Self {
        self.tls = Some(files.clone());
        self
    }

    /// Makes this a Redis Sentinel (`redis-server SENTINEL.CONF --sentinel`) that monitors
    /// the primary `name` on 127.0.0.1:`primary_port`, alone (quorum 1), calling it down after
    /// one second.
    pub fn sentinel(mut self, name: &str, primary_port: u16) -> Self {
        self.sentinel = Some((name.to_owned(), primary_port));
        self
    }

    /// True when [`Self::tls`] was called.
    pub fn has_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Adds the ACL user `name` with `password` and every right, and turns the `default` user
    /// off; [`RedisServer::url`] and [`RedisServer::client`] then carry the user.
    pub fn acl_user(mut self, name: &str, password: &str) -> Self {
        self = self.args(["--user", name, "on", &format!(">{password}"), "~*", "&*", "+@all"]);
        self = self.args(["--user", "default", "off"]);
        // Replicas authenticate to their primary as the same user.
        self = self.args(["--masteruser", name, "--masterauth", password]);
        self.username = Some(name.to_owned());
        self.password = Some(password.to_owned());
        self
    }

    /// Makes the server require `password` (`--requirepass`); [`RedisServer::url`] and
    /// [`RedisServer::client`] then carry it.
    pub fn password(self, password: impl Into<String>) -> Self {
        let password = password.into();
        self.arg("--requirepass").arg(password.clone()).client_password(password)
    }

    /// Makes [`RedisServer::url`] and [`RedisServer::client`] carry `password`, which the
    /// server's own arguments require (for a command line taken from elsewhere as it is).
    pub fn client_password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Adds `arg` after the defaults (`--port`, `--bind 127.0.0.1`, no persistence, `--dir`
    /// the server's temporary directory); a later setting overrides an earlier one.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds every one of `args`, as [`Self::arg`].
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Starts the server on a free port and waits (deadline 30 s) until it answers PING.
    pub async fn start(self) -> RedisServer {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let binary = crate::require::redis_server();
        let dir = std::env::temp_dir().join(format!(
            "cardmesh-redis-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let mut server = RedisServer {
            port: pick_port(),
            binary,
            args: self.args,
            username: self.username,
            password: self.password,
            tls: self.tls,
            sentinel: self.sentinel,
            dir,
            child: None.into(),
        };
        let mut taken = Vec::new();
        for _ in 0..PORT_ATTEMPTS {
            match server.run().await {
                Ok(()) => return server,
                Err(Exit::PortTaken) => {
                    taken.push(server.port);
                    server.release_port();
                    server.port = pick_port();
                }
                Err(Exit::Failed(status)) => panic!("{}", server.exited(status)),
            }
        }
        panic!("redis-server found every port it tried taken: {taken:?}; its log: {}", server.log_path().display())
    }
}

/// Why a server did not come up.
enum Exit {
    /// Its port was taken: try another.
    PortTaken,
    /// Anything else.
    Failed(ExitStatus),
}

/// A running (or stopped) `redis-server` process on 127.0.0.1.
pub struct RedisServer {
    pub port: u16,
    binary: PathBuf,
    args: Vec<String>,
    /// The ACL user of the URL, if any.
    username: Option<String>,
    /// The password the server requires, if any.
    password: Option<String>,
    tls: Option<Arc<RedisTlsFiles>>,
    sentinel: Option<(String, u16)>,
    dir: PathBuf,
    /// The process while it runs; `stop` and `restart` take `&self`.
    child: Mutex<Option<Child>>,
}

impl RedisServer {
    /// A server with arguments of its own.
    pub fn builder() -> RedisBuilder {
        RedisBuilder::default()
    }

    /// Starts a server with the default command line; see [`RedisBuilder::start`].
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// `redis://127.0.0.1:PORT/0` (`rediss://` with TLS), with `USER:PASSWORD@` or
    /// `:PASSWORD@` when the server requires them.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "rediss" } else { "redis" };
        match (&self.username, &self.password) {
            (Some(user), Some(password)) => format!("{scheme}://{user}:{password}@127.0.0.1:{}/0", self.port),
            (None, Some(password)) => format!("{scheme}://:{password}@127.0.0.1:{}/0", self.port),
            _ => self.url_without_password(),
        }
    }

    /// `redis://127.0.0.1:PORT/0` (`rediss://` with TLS), whatever the server requires.
    pub fn url_without_password(&self) -> String {
        let scheme = if self.tls.is_some() { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}/0", self.port)
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A direct client connection, for assertions.
    pub async fn client(&self) -> redis::aio::MultiplexedConnection {
        self.redis_client().get_multiplexed_async_connection().await.expect("connect to the test Redis")
    }

    /// A client of this server (with the CA and client certificate under TLS).
    fn redis_client(&self) -> redis::Client {
        match &self.tls {
            Some(tls) => redis::Client::build_with_tls(self.url(), tls.certificates()),
            None => redis::Client::open(self.url()),
        }
        .expect("a client of the test Redis")
    }

    /// Runs `redis-cli` against this server with `args`, as its user over its TLS; its
    /// standard output.
    /// (On a blocking thread: the gateways under test share the test's runtime.)
    pub async fn cli(&self, args: &[&str]) -> String {
        let mut command = Command::new(redis_cli());
        command.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
        command.args(self.cli_auth()).args(args);
        let output = tokio::task::spawn_blocking(move || command.output()).await.expect("redis-cli thread");
        String::from_utf8_lossy(&output.expect("run redis-cli").stdout).into_owned()
    }

    /// `redis-cli`'s arguments for this server's user and TLS.
    pub(crate) fn cli_auth(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(user) = &self.username {
            args.extend(["--user".to_owned(), user.clone()]);
        }
        if let Some(password) = &self.password {
            args.extend(["--pass".to_owned(), password.clone(), "--no-auth-warning".to_owned()]);
        }
        if let Some(tls) = &self.tls {
            args.extend(tls.cli_args());
        }
        args
    }

    /// True while the process runs.
    pub fn is_running(&self) -> bool {
        self.child.lock().unwrap().is_some()
    }

    /// Stops the server at once (SIGKILL): Redis goes away, its data with it.
    pub async fn stop(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the stopped server again on the same port, empty, and waits until it answers.
    pub async fn restart(&self) {
        self.stop().await;
        match self.run().await {
            Ok(()) => {}
            Err(Exit::PortTaken) => {
                panic!("redis-server cannot listen on port {} again: it was taken meanwhile", self.port)
            }
            Err(Exit::Failed(status)) => panic!("{}", self.exited(status)),
        }
    }

    /// Everything the server logged so far, over all its starts.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("redis.log")
    }

    /// Runs the server on `self.port` and waits until it answers PING, or until it exits.
    async fn run(&self) -> Result<(), Exit> {
        let log_path = self.log_path();
        let log_start = self.log().len();
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .unwrap_or_else(|e| panic!("open {}: {e}", log_path.display()));
        let mut command = Command::new(&self.binary);
        match &self.sentinel {
            // Sentinel rewrites its configuration file: one of its own, kept across restarts.
            Some((name, primary_port)) => {
                let conf = self.dir.join("sentinel.conf");
                if !conf.exists() {
                    let text = format!(
                        "sentinel monitor {name} 127.0.0.1 {primary_port} 1\n\
                         sentinel down-after-milliseconds {name} 1000\n\
                         sentinel failover-timeout {name} 10000\n"
                    );
                    std::fs::write(&conf, text).unwrap_or_else(|e| panic!("write {}: {e}", conf.display()));
                }
                command.arg(&conf).arg("--sentinel").args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"]);
            }
            None => {
                command.args([
                    "--port",
                    &self.port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ]);
            }
        }
        let child = command
            .arg("--dir")
            .arg(&self.dir)
            .args(self.tls.as_ref().map(|tls| tls.server_args(self.port)).unwrap_or_default())
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary.display()));
        *self.child.lock().unwrap() = Some(child);

        let client = self.redis_client();
        let what = format!("redis-server on port {} to answer PING", self.port);
        let outcome = Wait::new(&what, Duration::from_secs(30))
            .try_until(|| async {
                if let Some(status) = self.exit_status() {
                    return Some(Err(status));
                }
                ping(&client).await.then_some(Ok(()))
            })
            .await
            .unwrap_or_else(|timeout| panic!("{timeout}; its log ({}):\n{}", log_path.display(), self.log()));
        match outcome {
            Ok(()) => Ok(()),
            Err(_) if self.log()[log_start..].contains("Address already in use") => Err(Exit::PortTaken),
            Err(status) => Err(Exit::Failed(status)),
        }
    }

    /// The exit status, once the process has exited (it is then forgotten).
    fn exit_status(&self) -> Option<ExitStatus> {
        let mut child = self.child.lock().unwrap();
        let status = child.as_mut()?.try_wait().expect("poll redis-server")?;
        *child = None;
        Some(status)
    }

    /// The failure message of a server that exited while starting.
    fn exited(&self, status: ExitStatus) -> String {
        format!(
            "redis-server exited while starting ({status}); its log ({}):\n{}",
            self.log_path().display(),
            self.log()
        )
    }

    fn release_port(&self) {
        PORTS.lock().unwrap().remove(&self.port);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.get_mut().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.release_port();
        if std::thread::panicking() {
            eprintln!("the test Redis's log: {}", self.log_path().display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A port below Linux's ephemeral range (32768-60999, where the kernel picks the local ports
/// of outgoing connections), not used by another server of this process, reserved for the
/// caller in [`PORTS`].
fn pick_port() -> u16 {
    let mut ports = PORTS.lock().unwrap();
    loop {
        let port = 20_000 + (RandomState::new().hash_one(std::process::id()) % 12_000) as u16;
        if ports.insert(port) {
            return port;
        }
    }
}

/// True when `client`'s Redis answers PING within a second.
async fn ping(client: &redis::Client) -> bool {
    let answer = tokio::time::timeout(Duration::from_secs(1), async {
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("PING").query_async::<String>(&mut conn).await.ok()
    });
    matches!(answer.await, Ok(Some(_)))
}

/// `redis-cli` (installed with `redis-server`).
pub(crate) fn redis_cli() -> PathBuf {
    crate::require::on_path("redis-cli").expect("redis-cli on PATH (installed with redis-server)")
}
