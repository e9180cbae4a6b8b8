//! Adding a card service, end to end, the way docs/src/guides/adding-a-card-service.md describes it.
//!
//! 1. `cardmesh-cli new-service` scaffolds a crate into a scratch workspace inside the target
//!    directory. The scratch workspace reuses the root manifest's `[workspace.dependencies]`
//!    (its path dependencies point at the real proto and kit crates), profiles and
//!    Cargo.lock.
//! 2. cargo builds the new crate and runs its own tests. It runs offline, with the same lock
//!    file and the main target directory, so nothing is downloaded and only the new crate is
//!    compiled. The exception is the first run in a target directory: features are unified
//!    per build, so `cargo test --workspace` leaves tokio, hyper, tonic and friends with more
//!    features than the kit alone asks for. About 35 to 50 crates are then compiled once more
//!    with the kit's own features (under a minute on 2 cores). Later runs reuse them.
//! 3. The new binary runs on port 0 (it logs the port it got), and a gateway pointed at it
//!    answers a signed Plain request with the new card. The gateway learns the card through `Describe` alone.
//!
//! On failure, the scratch workspace and the logs stay in `target/tmp/scaffold-test-<pid>/`.
//! Set `CARDMESH_KEEP_SCAFFOLD=1` to keep them after a pass too.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cardmesh_tests::process::ServiceProcess;
use cardmesh_tests::{body_for, gateway_config, is_fallback, RunningGateway, Wait};

/// The scaffolded service. Not `shipping`, the guide's example, so that the binary this test
/// puts into `target/debug/` never replaces a real service's.
const NAME: &str = "scaffold-probe";
const CRATE: &str = "scaffold-probe-service";
const KEY: &str = "last-order";

/// Deadline of one cargo step. The first build in a target directory compiles the kit's
/// dependency tree once more (see above), so this is generous for a busy CI machine.
const CARGO_DEADLINE: Duration = Duration::from_secs(20 * 60);

#[test]
fn a_scaffolded_service_builds_passes_its_tests_and_serves_its_card_through_the_gateway() {
    let root = workspace_root();
    let target = target_dir();
    let scratch = Scratch::create(&root, &target);
    let cargo = |dir: &Path, args: &[&str]| {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command.current_dir(dir).env("CARGO_TARGET_DIR", &target).args(args);
        command
    };

    // 1. Scaffold, with the CLI built and run by cargo from the real workspace.
    let dir = scratch.path.to_str().expect("UTF-8 path").to_owned();
    let cli = ["run", "--quiet", "--locked", "--offline", "-p", "cardmesh-cli", "--"];
    let new_service = ["new-service", NAME, "--card", KEY, "--dir", &dir];
    let started = Instant::now();
    let scaffold = scratch.run("scaffold", &mut cargo(&root, &[&cli[..], &new_service[..]].concat()));
    eprintln!("scaffold: {:.1?}", started.elapsed());
    assert!(scaffold.contains(&format!("cargo test -p {CRATE}")), "{scaffold}");
    assert!(scaffold.contains(&format!("http://{NAME}:50051")), "{scaffold}");
    assert!(scaffold.contains(&format!("- ../../../services/{NAME}/kubernetes")), "{scaffold}");
    let service_dir = scratch.path.join("services").join(NAME);
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "src/main.rs",
        "tests/grpc.rs",
        "compose.snippet.yml",
        "kubernetes/deployment.yaml",
        "kubernetes/service.yaml",
        "kubernetes/kustomization.yaml",
    ] {
        assert!(service_dir.join(file).is_file(), "the scaffold wrote {file}");
    }
    let deployment = std::fs::read_to_string(service_dir.join("kubernetes/deployment.yaml")).expect("deployment");
    assert!(deployment.contains(&format!("image: cardmesh/{CRATE}:local")), "{deployment}");
    assert!(!deployment.contains("{{"), "rendered without placeholders: {deployment}");
    let manifest = std::fs::read_to_string(scratch.path.join("Cargo.toml")).expect("scratch manifest");
    assert!(manifest.contains(&format!("members = [\"services/{NAME}\"]")), "{manifest}");
    // The crate is in the workspace's one style (the root rustfmt.toml): the scaffold formats
    // what it writes, so `cargo fmt --all --check` stays clean with a new service.
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut check = Command::new(rustfmt);
    check.args(["--check", "--edition", "2021", "--config-path"]).arg(root.join("rustfmt.toml"));
    check.args(["src/lib.rs", "src/main.rs", "tests/grpc.rs"].map(|file| service_dir.join(file)));
    scratch.run("rustfmt", &mut check);

    // 2. Build it and run its own tests, in the scratch workspace.
    let started = Instant::now();
    scratch.run("build", &mut cargo(&scratch.path, &["build", "--offline", "-p", CRATE, "--bin", CRATE]));
    eprintln!("build: {:.1?}", started.elapsed());
    let started = Instant::now();
    let tested = scratch.run("test", &mut cargo(&scratch.path, &["test", "--offline", "-p", CRATE]));
    eprintln!("test: {:.1?}", started.elapsed());
    assert!(tested.contains("describe_lists_the_cards ... ok"), "{tested}");
    assert!(tested.contains("get_cards_answers_every_key_with_components ... ok"), "{tested}");

    // 3. Run it (its logs in <scratch>/service.out and .err) and put a gateway in front of it.
    let service = ServiceProcess::start(target.join("debug").join(CRATE), "service", &scratch.path, &[]);

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let gw = RunningGateway::start_ready(gateway_config(&[service.endpoint()])).await;

        let answer = gw.post_signed(&body_for(&[KEY], Some("cus_demo_1"), "ada@example.com")).await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        assert_eq!(answer.keys(), [KEY]);
        let card = answer.card(KEY);
        assert!(!is_fallback(card), "{card}");
        let components = card["components"].as_array().unwrap_or_else(|| panic!("components in {card}"));
        assert!(!components.is_empty(), "{card}");
        assert!(card.to_string().contains("cus_demo_1"), "the example card shows the customer: {card}");
        let violations = cardmesh_rules::validate_response_for(&answer.json, &[KEY]);
        assert!(violations.is_empty(), "{violations:?}");

        // A customer without an external id gets no data: Plain hides the card.
        let answer = gw.post_signed(&body_for(&[KEY], None, "grace@example.com")).await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        assert!(answer.card(KEY)["components"].is_null(), "{}", answer.json);

        gw.stop().await;
    });
    drop(service);
    scratch.succeeded();
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The target directory this test was built into (`CARGO_TARGET_TMPDIR` is `<target>/tmp`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target/tmp has a parent").to_path_buf()
}

/// The scratch workspace: removed when the test passes, kept (with its logs) when it fails.
struct Scratch {
    path: PathBuf,
    /// `<root>/target` when this test created it (the target directory is elsewhere): removed
    /// again when empty, so the checkout is left as it was.
    created_parent: Option<PathBuf>,
    passed: bool,
}

impl Scratch {
    /// `<target>/tmp/scaffold-test-<pid>/` (or `<root>/target/…` when the target directory is
    /// outside the workspace, so that cargo config files of the workspace still apply), with
    /// a Cargo.toml derived from the root one and a copy of Cargo.lock.
    fn create(root: &Path, target: &Path) -> Self {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let parent = if tmp.starts_with(root) { tmp.to_path_buf() } else { root.join("target") };
        let created_parent = (!parent.exists()).then(|| parent.clone());
        let path = parent.join(format!("scaffold-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the scratch workspace");
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("root Cargo.toml");
        std::fs::write(path.join("Cargo.toml"), scratch_manifest(&manifest, root)).expect("scratch Cargo.toml");
        std::fs::copy(root.join("Cargo.lock"), path.join("Cargo.lock")).expect("copy Cargo.lock");
        eprintln!("scratch workspace: {} (target {})", path.display(), target.display());
        Self { path, created_parent, passed: false }
    }

    /// Runs `command` (stdout and stderr into `<scratch>/<step>.log`) with a deadline. Returns
    /// its output; fails the test with the log's end when it fails.
    fn run(&self, step: &str, command: &mut Command) -> String {
        let log_path = self.path.join(format!("{step}.log"));
        let log = File::create(&log_path).expect("step log");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{step}: cannot run {command:?}: {e}"));
        let status = Wait::new(step, CARGO_DEADLINE)
            .every(Duration::from_millis(100))
            .try_until_blocking(|| child.try_wait().expect("wait for the step"))
            .ok();
        if status.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let output = std::fs::read_to_string(&log_path).unwrap_or_default();
        match status {
            Some(status) if status.success() => output,
            Some(status) => panic!("{step} failed ({status}); {}:\n{}", log_path.display(), tail(&output)),
            None => panic!("{step} took longer than {CARGO_DEADLINE:?}; {}:\n{}", log_path.display(), tail(&output)),
        }
    }

    fn succeeded(mut self) {
        self.passed = true;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.passed && std::env::var_os("CARDMESH_KEEP_SCAFFOLD").is_none() {
            let _ = std::fs::remove_dir_all(&self.path);
            if let Some(parent) = &self.created_parent {
                // Fails, and keeps it, when anything else was put there meanwhile.
                let _ = std::fs::remove_dir(parent);
            }
        } else {
            eprintln!("kept the scratch workspace and its logs: {}", self.path.display());
        }
    }
}

/// The root manifest for a scratch workspace at another place: no members (the CLI adds
/// the new crate), and relative `path = "…"` dependencies made absolute so they name the
/// real crates. Everything else (dependencies, features, profiles) stays the same, so
/// cargo reuses what it already built.
fn scratch_manifest(manifest: &str, root: &Path) -> String {
    let start = manifest.find("members = [").expect("the root Cargo.toml has `members = [`");
    let end = start + manifest[start..].find(']').expect("members ends with ]") + 1;
    let manifest = format!("{}members = []{}", &manifest[..start], &manifest[end..]);
    assert!(!manifest.contains("path = \"/"), "absolute paths in Cargo.toml are not handled here");
    let root = root.to_str().expect("UTF-8 workspace path");
    manifest.replace("path = \"", &format!("path = \"{root}/"))
}

/// The last 60 lines of a log.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}
