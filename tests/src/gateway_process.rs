//! The gateway as a process of its own: the real binary (`cardmesh-test-gateway`, built from
//! the gateway's own `main.rs`), so that it gets real signals and exits with a real status.
//! Both listeners bind 127.0.0.1 port 0; their addresses are read from the lines the gateway
//! logs. Logs are JSON lines in a file; the process is killed when dropped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

use crate::process::{read_both, spawn_logged, wait_listening, Listening};
use crate::Wait;

/// The line the admin listener logs once it listens.
const ADMIN: Listening = Listening {
    message: "admin listener serving GET /metrics, POST /admin/invalidate and GET /preview",
    field: "addr",
};

/// A running gateway process.
pub struct GatewayProcess {
    /// The Plain listener.
    pub addr: SocketAddr,
    /// The admin listener.
    pub admin_addr: SocketAddr,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl GatewayProcess {
    /// Runs `binary` with both listeners on 127.0.0.1:0, JSON logs at `info`, then `env`, and
    /// waits (deadline 30 s) until both listen. Logs go to `<log_dir>/gateway.out` and `.err`.
    pub fn start(binary: impl AsRef<Path>, log_dir: &Path, env: &[(&str, String)]) -> Self {
        let binary = binary.as_ref();
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CARDMESH_LISTEN", "127.0.0.1:0")
            .env("CARDMESH_ADMIN_LISTEN", "127.0.0.1:0")
            .env("CARDMESH_LOG_FORMAT", "json")
            .env("RUST_LOG", "info");
        let (mut child, stdout, stderr) = spawn_logged(command, binary, "gateway", log_dir, env);
        let output = || read_both(&stdout, &stderr);
        let deadline = Duration::from_secs(30);
        let addr = wait_listening(&mut child, "the gateway", Listening::GATEWAY, &stdout, output, deadline);
        let admin_addr = wait_listening(&mut child, "the gateway", ADMIN, &stdout, output, deadline);
        Self { addr, admin_addr, child, stdout, stderr }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends the process `signal` (e.g. `libc::SIGTERM`).
    pub fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid fits pid_t");
        // SAFETY: kill(2) only reads its two integer arguments; the pid is our own child's,
        // which has not been waited for yet, so it cannot name another process.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0, "kill({pid}, {signal}): {}", std::io::Error::last_os_error());
    }

    /// The exit status, if the process has exited.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("poll the gateway process")
    }

    /// Waits (deadline `deadline`) until the process exits; its status.
    pub fn wait_exit(&mut self, deadline: Duration) -> ExitStatus {
        let child = &mut self.child;
        let status = Wait::new("the gateway process to exit", deadline)
            .every(Duration::from_millis(20))
            .try_until_blocking(|| child.try_wait().expect("poll the gateway process"));
        status.unwrap_or_else(|timeout| panic!("{timeout}\n{}", self.output()))
    }

    /// The JSON log lines written so far, parsed (other lines are skipped).
    pub fn log_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.stdout)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// Standard output and error, for failure messages.
    pub fn output(&self) -> String {
        read_both(&self.stdout, &self.stderr)
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
