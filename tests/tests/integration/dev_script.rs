//! `scripts/dev.sh` fails loudly: it refuses a port that is taken, naming it, before it builds
//! anything; and when a process it started dies, it names the process, shows the end of its
//! log and exits non-zero at once.
//!
//! The second case runs the real scripts in a scratch copy of the repository layout: a
//! workspace with one tiny crate whose binary stands in for the gateway (it only waits, and
//! `cargo build` takes a second), and a Rust card service (a binary on a stand-in
//! `cardmesh-kit` crate) that fails at start, as one with unreadable fixtures would.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

// TODO(dev.sh): a port that was free a moment ago, for dev.sh to bind (a race); kept here,
// not in the harness, until dev.sh can report the ports it bound. The wall-clock bounds in
// `dev_sh` and in the first test are to become assertions on behaviour too.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

/// Runs `dev.sh` from `root` with `ports` (gateway, admin, first service), with a deadline.
fn dev_sh(root: &Path, ports: (u16, u16, u16), args: &[&str]) -> Output {
    let child = Command::new("bash")
        .arg(root.join("scripts/dev.sh"))
        .args(args)
        .current_dir(root)
        .env("CARDMESH_DEV_PORT", ports.0.to_string())
        .env("CARDMESH_DEV_ADMIN_PORT", ports.1.to_string())
        .env("CARDMESH_DEV_SERVICE_PORT", ports.2.to_string())
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dev.sh");
    let started = Instant::now();
    let out = child.wait_with_output().expect("dev.sh output");
    assert!(started.elapsed() < Duration::from_secs(120), "dev.sh took {:?}", started.elapsed());
    out
}

#[test]
fn a_taken_port_is_refused_by_number_before_anything_is_built() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let started = Instant::now();
    let out = dev_sh(&root(), (port, free_port(), free_port()), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("port {port}, for the gateway (CARDMESH_DEV_PORT), is already in use")),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("cargo build"), "refused before building: {stdout}");
    assert!(!stdout.contains("cardmesh is up"), "{stdout}");
    assert!(started.elapsed() < Duration::from_secs(10), "the check is immediate: {:?}", started.elapsed());
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

    let out = dev_sh(&scratch, (free_port(), free_port(), free_port()), &["--all"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("dev.sh: probe (pid "), "names the process that died: {stderr}");
    assert!(stderr.contains("exited with status 1; last lines of "), "{stderr}");
    assert!(stderr.contains("probe: cannot read its fixtures"), "shows the end of its log: {stderr}");
    assert!(!stdout.contains("cardmesh is up"), "{stdout}");
    let _ = std::fs::remove_dir_all(&scratch);
}
