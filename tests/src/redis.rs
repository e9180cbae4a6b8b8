//! Redis for the tests of the `redis` feature: a `redis-server` process of its own on
//! 127.0.0.1, which can be stopped and started again on the same port, is killed when
//! dropped, and logs to a temporary directory (kept, and named, when the test fails).
//!
//! `redis-server` cannot listen on port 0 and report the port, so [`RedisBuilder::start`]
//! picks a port and lets the server's own bind decide: when the server exits because the
//! port is taken ("Address already in use"), it tries another. No port is reserved and then
//! released, so there is no window in which another process could take it.
//!
//! [`RedisServer::builder`] adds arguments to the command line (TLS, ACL files, cluster
//! mode...); the Docker stacks' Redis is `containers::redis_container`.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, RandomState};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

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
    password: Option<String>,
}

impl RedisBuilder {
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
            password: self.password,
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
    /// The password the server requires, if any.
    password: Option<String>,
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

    /// `redis://127.0.0.1:PORT/0`, or `redis://:PASSWORD@127.0.0.1:PORT/0` when the server
    /// requires a password.
    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}/0", self.port),
            None => self.url_without_password(),
        }
    }

    /// `redis://127.0.0.1:PORT/0`, whatever the server requires.
    pub fn url_without_password(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// A direct client connection, for assertions.
    pub async fn client(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .expect("connect to the test Redis")
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
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary.display()));
        *self.child.lock().unwrap() = Some(child);

        let url = self.url();
        let what = format!("redis-server on port {} to answer PING", self.port);
        let outcome = Wait::new(&what, Duration::from_secs(30))
            .try_until(|| async {
                if let Some(status) = self.exit_status() {
                    return Some(Err(status));
                }
                ping(&url).await.then_some(Ok(()))
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

/// True when a Redis at `url` answers PING within a second.
async fn ping(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else { return false };
    let answer = tokio::time::timeout(Duration::from_secs(1), async {
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("PING").query_async::<String>(&mut conn).await.ok()
    });
    matches!(answer.await, Ok(Some(_)))
}
