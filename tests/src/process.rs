//! A card service in a process of its own (for tests that need a second process, such as
//! one with its own tracer): started on a free 127.0.0.1 port, its standard output kept in
//! a file, killed when dropped.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::Wait;

/// A running card service process.
pub struct ServiceProcess {
    pub addr: SocketAddr,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl ServiceProcess {
    /// Runs `binary` with `CARDMESH_SERVICE_LISTEN` on a free port plus `env`, and waits
    /// (deadline 30 s) until it accepts connections. Logs go to `<log_dir>/<name>.out` and
    /// `.err`.
    pub fn start(binary: &str, name: &str, log_dir: &std::path::Path, env: &[(&str, String)]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        std::fs::create_dir_all(log_dir).expect("log dir");
        let stdout = log_dir.join(format!("{name}.out"));
        let stderr = log_dir.join(format!("{name}.err"));
        let mut command = Command::new(binary);
        command
            .env("CARDMESH_SERVICE_LISTEN", addr.to_string())
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).expect("stdout file"))
            .stderr(File::create(&stderr).expect("stderr file"));
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
        let mut process = Self { addr, child, stdout, stderr };
        process.wait_listening();
        process
    }

    fn wait_listening(&mut self) {
        let what = format!("the service to listen on {}", self.addr);
        Wait::new(&what, Duration::from_secs(30)).until_blocking(|| {
            if let Some(status) = self.child.try_wait().expect("poll the service") {
                panic!("the service exited ({status}):\n{}", self.output());
            }
            TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok()
        });
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
        format!("{}{}", self.stdout(), std::fs::read_to_string(&self.stderr).unwrap_or_default())
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
