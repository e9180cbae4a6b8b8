//! The processes `cargo xtask dev` and `cargo xtask bench` start: one process group for all of them (so a terminal's
//! Ctrl-C reaches only this program, which stops them in order, and one signal to the group
//! stops whatever they started in turn), each writing to its own log file. On Linux each also
//! gets SIGTERM when this program dies, even by SIGKILL, so none is left behind.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How many lines of a dead process's log are shown.
const TAIL_LINES: usize = 20;

/// A process that exited: its name and pid, its status and the end of its log.
#[derive(Debug)]
pub struct Died(pub String);

impl std::fmt::Display for Died {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Died {}

struct Process {
    name: String,
    child: Child,
    log: PathBuf,
    /// How much of the log has been printed (once everything is up).
    shown: u64,
}

pub struct Children {
    pub logs: PathBuf,
    group: Option<i32>,
    processes: Vec<Process>,
}

impl Children {
    /// A new set, logging to a fresh directory `PREFIX.*` under the temporary directory.
    pub fn new(prefix: &str) -> anyhow::Result<Children> {
        let base = std::env::temp_dir();
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let logs = base.join(format!("{prefix}.{}.{}", std::process::id(), stamp.subsec_nanos()));
        std::fs::create_dir(&logs).map_err(|e| anyhow::anyhow!("cannot make {}: {e}", logs.display()))?;
        Ok(Children { logs, group: None, processes: Vec::new() })
    }

    /// Starts `command` as NAME, its output to NAME.log; returns its pid.
    pub fn spawn(&mut self, name: &str, mut command: Command) -> anyhow::Result<u32> {
        // A dead process is reported as such, not as a group the next one cannot join.
        self.check()?;
        let log = self.logs.join(format!("{name}.log"));
        let file = File::create(&log)?;
        command.stdin(Stdio::null()).stdout(file.try_clone()?).stderr(file);
        command.process_group(self.group.unwrap_or(0));
        #[cfg(target_os = "linux")]
        // SAFETY: prctl and getppid are async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            let parent = std::process::id() as libc::pid_t;
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent died before prctl: nobody would stop this process.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot start {name} ({}): {e}", crate::process::shown(&command)))?;
        let pid = child.id();
        self.group.get_or_insert(pid as i32);
        self.processes.push(Process { name: name.to_owned(), child, log, shown: 0 });
        Ok(pid)
    }

    /// The log files, in the order the processes started.
    pub fn names(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.processes.iter().map(|p| (p.name.as_str(), p.log.as_path()))
    }

    /// Fails with [`Died`] when a process has exited: named, with its status and the end of
    /// its log.
    /// Fails with [`super::Interrupted`] first once Ctrl-C or SIGTERM arrived.
    pub fn check(&mut self) -> anyhow::Result<()> {
        super::interrupted()?;
        for process in &mut self.processes {
            if let Some(status) = process.child.try_wait()? {
                let log = std::fs::read_to_string(&process.log).unwrap_or_default();
                let tail: String = tail(&log, TAIL_LINES).iter().map(|line| format!("\n    {line}")).collect();
                return Err(Died(format!(
                    "{} (pid {}) exited with {}; last lines of {}:{tail}",
                    process.name,
                    process.child.id(),
                    describe(status),
                    process.log.display()
                ))
                .into());
            }
        }
        Ok(())
    }

    /// Waits until the last process started has logged a line containing `what` that names
    /// an address 127.0.0.1:PORT, and returns that port (for ports of 0, which the process
    /// picks). Fails when any process exits, or after `timeout`.
    pub fn listen_port(&mut self, what: &str, timeout: Duration) -> anyhow::Result<u16> {
        let (name, log) = {
            let last = self.processes.last().expect("a process was started");
            (last.name.clone(), last.log.clone())
        };
        let deadline = Instant::now() + timeout;
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(port) = text.lines().filter(|line| line.contains(what)).find_map(loopback_port) {
                return Ok(port);
            }
            self.check()?;
            anyhow::ensure!(
                Instant::now() < deadline,
                "{name} logged no address within {} s ({})",
                timeout.as_secs(),
                log.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Marks everything logged so far as shown: [`Children::follow`] prints only what comes
    /// after.
    pub fn skip_logged(&mut self) {
        for process in &mut self.processes {
            process.shown = std::fs::metadata(&process.log).map_or(0, |m| m.len());
        }
    }

    /// Prints what each process logged since the last call, each line after its name.
    pub fn follow(&mut self) {
        for process in &mut self.processes {
            let Ok(mut file) = File::open(&process.log) else { continue };
            let mut new = Vec::new();
            if file.seek(SeekFrom::Start(process.shown)).is_err() || file.read_to_end(&mut new).is_err() {
                continue;
            }
            // Whole lines only; a partial last line is printed when it is complete.
            let Some(end) = new.iter().rposition(|&b| b == b'\n') else { continue };
            for line in String::from_utf8_lossy(&new[..end]).lines() {
                println!("{} | {line}", process.name);
            }
            process.shown += end as u64 + 1;
        }
    }

    /// Stops every process: SIGTERM to the group, then SIGKILL to what is left after `grace`.
    /// Only the first call does anything: the group's id is not signalled again once its
    /// processes are reaped (the id may be another group's by then).
    pub fn stop(&mut self, grace: Duration) {
        let Some(group) = self.group.take() else { return };
        // SAFETY: kill has no memory effects; the group is the one our children are in.
        unsafe { libc::kill(-group, libc::SIGTERM) };
        let deadline = Instant::now() + grace;
        for process in &mut self.processes {
            while process.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // SAFETY: as above.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        for process in &mut self.processes {
            let _ = process.child.wait();
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        // The gateway drains for 5 s, then lets requests in flight finish for up to 15 s.
        self.stop(Duration::from_secs(20));
    }
}

/// "status N" or "signal N".
fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("status {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        (None, None) => status.to_string(),
    }
}

/// The port of the first `127.0.0.1:PORT` in `line`.
pub fn loopback_port(line: &str) -> Option<u16> {
    line.match_indices("127.0.0.1:").find_map(|(at, prefix)| {
        let rest = &line[at + prefix.len()..];
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        rest[..digits].parse().ok()
    })
}

/// The last `n` lines of a log up to a Rust backtrace (the message, not the backtrace after
/// it, which stays in the log).
pub fn tail(log: &str, n: usize) -> Vec<&str> {
    let mut lines = Vec::new();
    for line in log.lines() {
        lines.push(line);
        if line.starts_with("stack backtrace:") || line.starts_with("Stack backtrace:") {
            break;
        }
    }
    let skip = lines.len().saturating_sub(n);
    lines.split_off(skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_read_from_the_first_loopback_address() {
        assert_eq!(loopback_port("INFO card service listening addr=127.0.0.1:43117 x"), Some(43117));
        assert_eq!(loopback_port("listening on http://127.0.0.1:8080/"), Some(8080));
        assert_eq!(loopback_port("listening on 0.0.0.0:8080"), None);
        assert_eq!(loopback_port("127.0.0.1: no port"), None);
    }

    #[test]
    fn the_tail_stops_at_a_backtrace() {
        let log = "one\ntwo\nthread 'main' panicked at src/main.rs:1:1:\nboom\nstack backtrace:\n   0: x\n   1: y\n";
        assert_eq!(tail(log, 3), ["thread 'main' panicked at src/main.rs:1:1:", "boom", "stack backtrace:"]);
        assert_eq!(tail("a\nb\n", 20), ["a", "b"]);
    }

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn a_process_that_exits_is_named_with_its_status_and_log() {
        let mut children = Children::new("xtask-test").unwrap();
        children.spawn("sleeper", sh("exec sleep 60")).unwrap();
        let pid = children.spawn("probe", sh("echo starting; echo cannot read its fixtures >&2; exit 3")).unwrap();
        crate::stack::tests::wait_until("probe to exit", || children.check().is_err());
        let error = children.check().unwrap_err().to_string();
        assert!(error.starts_with(&format!("probe (pid {pid}) exited with status 3; last lines of ")), "{error}");
        assert!(error.ends_with("probe.log:\n    starting\n    cannot read its fixtures"), "{error}");
        let logs = children.logs.clone();
        drop(children);
        std::fs::remove_dir_all(logs).unwrap();
    }

    #[test]
    fn the_listening_port_is_read_back_from_the_log() {
        let mut children = Children::new("xtask-test").unwrap();
        children
            .spawn("svc", sh("echo booting; echo 'card service listening addr=127.0.0.1:4321'; exec sleep 60"))
            .unwrap();
        assert_eq!(children.listen_port("card service listening", Duration::from_secs(60)).unwrap(), 4321);
        children.spawn("dies", sh("echo no address; exit 1")).unwrap();
        let error = children.listen_port("listening", Duration::from_secs(60)).unwrap_err().to_string();
        assert!(error.contains("dies (pid ") && error.contains("    no address"), "{error}");
    }

    #[test]
    fn stopping_ends_every_process_of_the_group_and_what_they_started() {
        let mut children = Children::new("xtask-test").unwrap();
        let dir = children.logs.clone();
        // A child that starts a grandchild and records its pid.
        let script = format!("sleep 60 & echo $! > {}/grandchild; wait", dir.display());
        children.spawn("parent", sh(&script)).unwrap();
        let grandchild = crate::stack::tests::wait_for_file(&dir.join("grandchild"));
        let alive = |pid: &str| {
            Path::new(&format!("/proc/{pid}")).exists()
                && !std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default().contains(") Z ")
        };
        assert!(alive(&grandchild));
        children.stop(Duration::from_secs(10));
        assert!(children.check().is_err(), "the child is gone");
        // The grandchild's parent was the shell, not us: once killed it is reaped by init.
        crate::stack::tests::wait_until("the grandchild to be gone", || !alive(&grandchild));
    }
}
