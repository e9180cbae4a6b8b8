//! Card services (and gateways) in processes of their own: started on 127.0.0.1 port 0, so
//! the process binds the port itself and no other process can take it first; its address is
//! read from the line it logs once it listens. Standard output and error go to files, and the
//! process is killed when dropped.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::Wait;

/// The line a process logs once it listens: its message, and the field holding the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listening {
    pub message: &'static str,
    pub field: &'static str,
}

impl Listening {
    /// A card service on the Rust kit (`cardmesh_kit::serve`): `card service listening`,
    /// `listen=<addr>`.
    pub const KIT: Self = Self { message: "card service listening", field: "listen" };
    /// The gateway: `cardmesh gateway listening`, `addr=<addr>`.
    pub const GATEWAY: Self = Self { message: "cardmesh gateway listening", field: "addr" };

    /// The address in `line` when it is this line, in the text log format
    /// (`… card service listening service=billing listen=127.0.0.1:40123 …`) or the JSON one
    /// (`CARDMESH_LOG_FORMAT=json`: `{"fields":{"message":"…","listen":"…"},…}`).
    pub fn addr_in(&self, line: &str) -> Option<SocketAddr> {
        let line = line.trim();
        if line.starts_with('{') {
            let json: serde_json::Value = serde_json::from_str(line).ok()?;
            let fields = &json["fields"];
            if fields["message"] != self.message {
                return None;
            }
            return fields[self.field].as_str()?.parse().ok();
        }
        let (_, fields) = line.split_once(self.message)?;
        let prefix = format!("{}=", self.field);
        fields.split_whitespace().find_map(|field| field.strip_prefix(&prefix)?.parse().ok())
    }
}

/// Waits (deadline `deadline`) until `child` has logged `line` in `log` (read again on every
/// poll) and returns the address in it. Fails at once, with the process's output, when the
/// process exits first; `output` gives that output (standard output and error).
pub fn wait_listening(
    child: &mut Child,
    what: &str,
    line: Listening,
    log: &Path,
    output: impl Fn() -> String,
    deadline: Duration,
) -> SocketAddr {
    let waiting = format!("{what} to log `{}` in {}", line.message, log.display());
    Wait::new(&waiting, deadline).until_blocking(|| {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("poll {what}: {e}")) {
            panic!("{what} exited ({status}) before it listened:\n{}", output());
        }
        std::fs::read_to_string(log).ok()?.lines().find_map(|l| line.addr_in(l))
    })
}

/// A running card service process.
pub struct ServiceProcess {
    pub addr: SocketAddr,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl ServiceProcess {
    /// Runs `binary` (a card service on the Rust kit) with `CARDMESH_SERVICE_LISTEN` =
    /// `127.0.0.1:0`, `RUST_LOG` = `info` (so that it logs where it listens) and then `env`,
    /// and waits (deadline 30 s) until it listens. Logs go to `<log_dir>/<name>.out` and
    /// `.err`.
    pub fn start(binary: impl AsRef<Path>, name: &str, log_dir: &Path, env: &[(&str, String)]) -> Self {
        let binary = binary.as_ref();
        let mut command = Command::new(binary);
        command.env("CARDMESH_SERVICE_LISTEN", "127.0.0.1:0").env("RUST_LOG", "info");
        let (mut child, stdout, stderr) = spawn_logged(command, binary, name, log_dir, env);
        let output = || read_both(&stdout, &stderr);
        let what = format!("the {name} service");
        let addr = wait_listening(&mut child, &what, Listening::KIT, &stdout, output, Duration::from_secs(30));
        Self { addr, child, stdout, stderr }
    }

    /// The gRPC endpoint, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the process wrote to standard output so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// Standard output and error, for failure messages.
    pub fn output(&self) -> String {
        read_both(&self.stdout, &self.stderr)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process with SIGKILL (it gets no chance to shut down) and reaps it: when this
    /// returns, the process is gone and its sockets are closed.
    pub fn kill(&mut self) {
        self.child.kill().unwrap_or_else(|e| panic!("SIGKILL to pid {}: {e}", self.child.id()));
        self.child.wait().unwrap_or_else(|e| panic!("reap pid {}: {e}", self.child.id()));
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The peak resident set size of process `pid` so far (`VmHWM` in `/proc/<pid>/status`), in
/// KiB; `None` where there is no `/proc` (not Linux) or the process is gone.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    line.trim().strip_suffix("kB")?.trim().parse().ok()
}

/// Spawns `command` (`binary`, its environment so far) with `env` added, standard input
/// closed, and standard output and error to `<log_dir>/<name>.out` and `.err`; panics naming
/// the binary when it cannot run. Returns the child and the two log files.
pub(crate) fn spawn_logged(
    mut command: Command,
    binary: &Path,
    name: &str,
    log_dir: &Path,
    env: &[(&str, String)],
) -> (Child, PathBuf, PathBuf) {
    std::fs::create_dir_all(log_dir).expect("log dir");
    let stdout = log_dir.join(format!("{name}.out"));
    let stderr = log_dir.join(format!("{name}.err"));
    command
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).expect("stdout file"))
        .stderr(File::create(&stderr).expect("stderr file"));
    for (key, value) in env {
        command.env(key, value);
    }
    let child = command.spawn().unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    (child, stdout, stderr)
}

/// A process's standard output, then its standard error, as far as they were written.
pub(crate) fn read_both(stdout: &Path, stderr: &Path) -> String {
    format!(
        "{}{}",
        std::fs::read_to_string(stdout).unwrap_or_default(),
        std::fs::read_to_string(stderr).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_read_from_text_and_json_lines_only_of_the_listening_message() {
        let text = "2026-03-01T09:30:00.000000Z  INFO card service listening service=billing \
                    listen=127.0.0.1:40123 metrics=off cards=[\"usage\"] tls=false mtls=false";
        assert_eq!(Listening::KIT.addr_in(text), Some("127.0.0.1:40123".parse().unwrap()));
        let json = r#"{"timestamp":"…","level":"INFO","fields":{"message":"card service listening","service":"billing","listen":"127.0.0.1:40124","metrics":"off"},"target":"cardmesh_kit::serve"}"#;
        assert_eq!(Listening::KIT.addr_in(json), Some("127.0.0.1:40124".parse().unwrap()));
        let gateway = "2026-03-01T09:30:00Z  INFO cardmesh gateway listening addr=127.0.0.1:8080 services=3 tls=false";
        assert_eq!(Listening::GATEWAY.addr_in(gateway), Some("127.0.0.1:8080".parse().unwrap()));
        assert_eq!(Listening::KIT.addr_in(gateway), None);
        assert_eq!(Listening::KIT.addr_in("INFO answered GetCards listen=127.0.0.1:1"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_peak_rss_of_this_process_is_read_from_proc() {
        let kib = peak_rss_kib(std::process::id()).expect("VmHWM of this process");
        assert!(kib > 0);
        assert_eq!(peak_rss_kib(u32::MAX), None);
    }
}
