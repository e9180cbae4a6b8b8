//! `cargo xtask dev` fails loudly and leaves nothing behind: it refuses a port that is taken,
//! naming it, before it builds anything; when a process it started dies, it names the process,
//! shows the end of its log and exits non-zero at once; and SIGTERM stops every process it
//! started.
//!
//! The last two run the real command on a scratch repository (`--root`): a workspace with one
//! tiny crate whose binary stands in for the gateway (it logs the lines the real one logs when
//! it listens, then only waits; `cargo build` takes a second), and a Rust card service (a
//! binary on a stand-in `cardmesh-kit` crate) that fails at start, as one with unreadable
//! fixtures would, or that only waits. A scratch repository keeps the test to seconds: the
//! real one would build and start every service.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use cardmesh_tests::Wait;

/// How long `cargo xtask dev` may take to give up; it is killed, and the test fails, after
/// that. The first run in a target directory compiles the xtask binary.
const DEADLINE: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// A started `cargo xtask dev` and the files its output goes to.
struct Dev {
    child: Child,
    out: PathBuf,
    err: PathBuf,
}

impl Dev {
    fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// Waits for the exit, within [`DEADLINE`]; kills it and fails the test after that.
    fn exit(&mut self) -> ExitStatus {
        Wait::new("cargo xtask dev to exit", DEADLINE)
            .every(Duration::from_millis(50))
            .try_until_blocking(|| self.child.try_wait().expect("poll cargo xtask dev"))
            .unwrap_or_else(|timeout| {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("{timeout}\n--- stdout\n{}\n--- stderr\n{}", self.stdout(), self.stderr())
            })
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cargo xtask dev ARGS` in `root` (a scratch repository, or the real one) with
/// `ports` (gateway, admin, first service; 0 lets the process pick one). The xtask binary is
/// built into this test's target directory; the scratch repository builds into its own.
fn dev(root: Option<&Path>, ports: (u16, u16, u16), args: &[&str]) -> Dev {
    let logs = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("xtask-dev-{}-{}", std::process::id(), ports.0));
    std::fs::create_dir_all(&logs).expect("log directory");
    let (out, err) = (logs.join(format!("stdout-{}", args.join("_"))), logs.join(format!("stderr-{}", args.join("_"))));
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target/tmp has a parent").to_path_buf();
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(["run", "--quiet", "--package", "xtask", "--target-dir"]).arg(&target).arg("--");
    if let Some(root) = root {
        command.arg("--root").arg(root);
    }
    // Files, not pipes: nothing reads a pipe while it runs.
    let child = command
        .arg("dev")
        .args(args)
        .current_dir(self::root())
        .env("CARDMESH_DEV_PORT", ports.0.to_string())
        .env("CARDMESH_DEV_ADMIN_PORT", ports.1.to_string())
        .env("CARDMESH_DEV_SERVICE_PORT", ports.2.to_string())
        .env("CARDMESH_DEV_READY_TIMEOUT", "600")
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"))
        .spawn()
        .expect("run cargo xtask dev");
    Dev { child, out, err }
}

/// A scratch repository: a stand-in gateway that logs where it listens and waits, a stand-in
/// kit, and one card service `probe` whose `main` is `service_main`.
fn scratch(name: &str, service_main: &str) -> PathBuf {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("xtask-dev-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    for dir in ["tools/gateway/src", "tools/kit/src", "services/probe/src"] {
        std::fs::create_dir_all(scratch.join(dir)).expect("scratch dirs");
    }
    let write = |path: &str, text: &str| std::fs::write(scratch.join(path), text).expect("scratch file");
    write(
        "Cargo.toml",
        "[workspace]\nresolver = \"2\"\nmembers = [\"tools/gateway\", \"tools/kit\", \"services/probe\"]\n",
    );
    write(
        "tools/gateway/Cargo.toml",
        "[package]\nname = \"cardmesh-gateway\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(
        "tools/gateway/src/main.rs",
        "fn main() {\n    println!(\"cardmesh gateway listening on 127.0.0.1:1\");\n    \
         println!(\"admin listener serving on 127.0.0.1:2\");\n    \
         std::thread::sleep(std::time::Duration::from_secs(600));\n}\n",
    );
    write("tools/kit/Cargo.toml", "[package]\nname = \"cardmesh-kit\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    write("tools/kit/src/lib.rs", "");
    write(
        "services/probe/Cargo.toml",
        "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ncardmesh-kit = { path = \"../../tools/kit\" }\n",
    );
    write("services/probe/src/main.rs", service_main);
    scratch
}

#[test]
fn a_taken_port_is_refused_by_number_before_anything_is_built() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let mut run = dev(None, (port, 0, 0), &[]);
    let status = run.exit();
    let (stdout, stderr) = (run.stdout(), run.stderr());
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("xtask dev: port {port}, for the gateway (CARDMESH_DEV_PORT), is already in use")),
        "{stderr}"
    );
    assert!(stderr.contains("choose others: CARDMESH_DEV_PORT"), "{stderr}");
    assert!(!stdout.contains("cargo build"), "refused before building: {stdout}");
    assert!(!stdout.contains("cardmesh is up"), "{stdout}");
}

#[test]
fn a_child_that_dies_is_named_with_its_log_and_dev_exits_non_zero() {
    let dies = "fn main() {\n    eprintln!(\"probe: cannot read its fixtures\");\n    std::process::exit(1);\n}\n";
    let scratch = scratch("dies", dies);
    let mut run = dev(Some(&scratch), (0, 0, 0), &["--all"]);
    let status = run.exit();
    let (stdout, stderr) = (run.stdout(), run.stderr());
    assert_eq!(status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("xtask dev: probe (pid "), "names the process that died: {stderr}");
    assert!(stderr.contains("exited with status 1; last lines of "), "{stderr}");
    assert!(stderr.contains("    probe: cannot read its fixtures"), "shows the end of its log: {stderr}");
    assert!(!stdout.contains("cardmesh is up"), "{stdout}");
    let _ = std::fs::remove_dir_all(&scratch);
}

/// The pid in `    NAME ... (pid N)` of dev's output.
fn pid_of(stdout: &str, name: &str) -> Option<u32> {
    let line = stdout.lines().find(|l| l.starts_with(&format!("    {name} ")))?;
    line.rsplit_once("(pid ")?.1.trim_end_matches(')').parse().ok()
}

/// A process is gone once /proc has no entry for it (it was reaped).
fn gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn sigterm_stops_every_process_it_started() {
    let waits = "fn main() {\n    println!(\"card service listening on 127.0.0.1:3\");\n    \
                 std::thread::sleep(std::time::Duration::from_secs(600));\n}\n";
    let scratch = scratch("sigterm", waits);
    let mut run = dev(Some(&scratch), (0, 0, 0), &[]);
    // Both started: dev waits for the stand-in gateway to be ready, which it never is.
    let (service, gateway) = Wait::new("dev to start the service and the gateway", DEADLINE)
        .every(Duration::from_millis(50))
        .until_blocking(|| {
            if let Some(status) = run.child.try_wait().expect("poll cargo xtask dev") {
                panic!("dev exited ({status})\n{}\n{}", run.stdout(), run.stderr());
            }
            let stdout = run.stdout();
            match (pid_of(&stdout, "probe"), pid_of(&stdout, "gateway")) {
                (Some(service), Some(gateway)) => Ok((service, gateway)),
                _ => Err(stdout),
            }
        });
    assert!(!gone(service) && !gone(gateway), "{}", run.stdout());
    let pid = run.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let status = run.exit();
    assert_eq!(status.code(), Some(143), "exits as SIGTERM does: {}\n{}", run.stdout(), run.stderr());
    for (name, pid) in [("the service", service), ("the gateway", gateway)] {
        Wait::new(&format!("{name} (pid {pid}) to be stopped"), Duration::from_secs(30)).until_blocking(|| gone(pid));
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
