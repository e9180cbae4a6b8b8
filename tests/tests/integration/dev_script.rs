//! `scripts/dev.sh` fails loudly: it refuses a port that is taken, naming it, before it builds
//! anything; and when a process it started dies, it names the process, shows the end of its
//! log and exits non-zero at once.
//!
//! The second case runs the real scripts in a scratch copy of the repository layout: a
//! workspace with one tiny crate whose binary stands in for the gateway (it only waits, and
//! `cargo build` takes a second), and a Rust card service (a binary on a stand-in
//! `cardmesh-kit` crate) that fails at start, as one with unreadable fixtures would.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use cardmesh_tests::Wait;

/// How long dev.sh may take to give up; it is killed, and the test fails, after that.
const DEADLINE: Duration = Duration::from_secs(120);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// What dev.sh did: its exit status and both streams.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `dev.sh` from `root` with `ports` (gateway, admin, first service; 0 lets the process
/// pick one), until it exits; kills it and fails the test when it runs past [`DEADLINE`].
fn dev_sh(root: &Path, ports: (u16, u16, u16), args: &[&str]) -> Run {
    let logs = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dev-sh-{}-{}", std::process::id(), ports.0));
    std::fs::create_dir_all(&logs).expect("log directory");
    let (out, err) = (logs.join("stdout"), logs.join("stderr"));
    // Files, not pipes: nothing reads a pipe while dev.sh runs.
    let mut child = Command::new("bash")
        .arg(root.join("scripts/dev.sh"))
        .args(args)
        .current_dir(root)
        .env("CARDMESH_DEV_PORT", ports.0.to_string())
        .env("CARDMESH_DEV_ADMIN_PORT", ports.1.to_string())
        .env("CARDMESH_DEV_SERVICE_PORT", ports.2.to_string())
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"))
        .spawn()
        .expect("run dev.sh");
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let status = Wait::new("dev.sh to exit", DEADLINE)
        .every(Duration::from_millis(50))
        .try_until_blocking(|| child.try_wait().expect("poll dev.sh"))
        .unwrap_or_else(|timeout| {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{timeout}\n--- stdout\n{}\n--- stderr\n{}", read(&out), read(&err))
        });
    let run = Run { status, stdout: read(&out), stderr: read(&err) };
    let _ = std::fs::remove_dir_all(&logs);
    run
}

#[test]
fn a_taken_port_is_refused_by_number_before_anything_is_built() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let out = dev_sh(&root(), (port, 0, 0), &[]);
    let stderr = &out.stderr;
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("port {port}, for the gateway (CARDMESH_DEV_PORT), is already in use")),
        "{stderr}"
    );
    let stdout = &out.stdout;
    assert!(!stdout.contains("cargo build"), "refused before building: {stdout}");
    assert!(!stdout.contains("cardmesh is up"), "{stdout}");
}

#[test]
fn a_child_that_dies_is_named_with_its_log_and_dev_sh_exits_non_zero() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dev-sh-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    for dir in ["scripts/lib", "tools/probe/src", "tools/kit/src", "services/probe/src"] {
        std::fs::create_dir_all(scratch.join(dir)).expect("scratch dirs");
    }
    for script in ["dev.sh", "run-service.sh"] {
        std::fs::copy(root().join("scripts").join(script), scratch.join("scripts").join(script)).expect("copy script");
    }
    // The runners run-service.sh sources, one per language.
    for entry in std::fs::read_dir(root().join("scripts/lib")).expect("scripts/lib") {
        let path = entry.expect("scripts/lib entry").path();
        std::fs::copy(&path, scratch.join("scripts/lib").join(path.file_name().expect("a file name")))
            .expect("copy a runner");
    }
    let write = |path: &str, text: &str| std::fs::write(scratch.join(path), text).expect("scratch file");
    write(
        "Cargo.toml",
        "[workspace]\nresolver = \"2\"\nmembers = [\"tools/probe\", \"tools/kit\", \"services/probe\"]\n",
    );
    write(
        "tools/probe/Cargo.toml",
        "[package]\nname = \"cardmesh-gateway\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write("tools/probe/src/main.rs", "fn main() {\n    std::thread::sleep(std::time::Duration::from_secs(120));\n}\n");
    // A card service (a binary on a crate named cardmesh-kit) that dies at once.
    write("tools/kit/Cargo.toml", "[package]\nname = \"cardmesh-kit\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    write("tools/kit/src/lib.rs", "");
    write(
        "services/probe/Cargo.toml",
        "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ncardmesh-kit = { path = \"../../tools/kit\" }\n",
    );
    write(
        "services/probe/src/main.rs",
        "fn main() {\n    eprintln!(\"probe: cannot read its fixtures\");\n    std::process::exit(1);\n}\n",
    );

    let out = dev_sh(&scratch, (0, 0, 0), &["--all"]);
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("dev.sh: probe (pid "), "names the process that died: {stderr}");
    assert!(stderr.contains("exited with status 1; last lines of "), "{stderr}");
    assert!(stderr.contains("probe: cannot read its fixtures"), "shows the end of its log: {stderr}");
    assert!(!stdout.contains("cardmesh is up"), "{stdout}");
    let _ = std::fs::remove_dir_all(&scratch);
}
