//! The two ways the README starts cardmesh, run exactly as it writes them: the run command
//! (`cargo xtask dev`) and the Docker Compose commands. Each brings the stack up, and the
//! signed request it prints (or the README's own, for compose) must be answered with a card for
//! every key, none of them a fallback.
//!
//! The commands come from the README's ```` ```sh ```` blocks that follow a
//! `<!-- first-run: NAME -->` marker, so a change to a documented command is tested. Both use
//! the documented host ports (8080, 9090 and the services' from 50051), so they take turns.
//! A service that cannot start in dev, or a compose service without a healthcheck, fails here.
//!
//! The run command starts the TypeScript and Python example services, so its test needs the
//! features `node` and `python`; the compose commands need `docker`.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use cardmesh_tests::Wait;

/// The two runs share the documented ports: one at a time.
static PORTS: Mutex<()> = Mutex::new(());

/// The first build of the binaries may compile the workspace.
const BUILD_DEADLINE: Duration = Duration::from_secs(20 * 60);
/// From started containers to every one of them healthy.
#[cfg(feature = "docker")]
const HEALTHY_DEADLINE: Duration = Duration::from_secs(120);
/// A stopped `cargo xtask dev` stops its processes.
#[cfg(all(feature = "node", feature = "python"))]
const STOP_DEADLINE: Duration = Duration::from_secs(30);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The commands of the ```` ```sh ```` block after `<!-- first-run: NAME -->` in the README:
/// one per line, continuations joined, comments and blank lines left out.
fn readme_block(name: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let marker = format!("<!-- first-run: {name} -->");
    let after = readme.split_once(&marker).unwrap_or_else(|| panic!("the README has no {marker}")).1;
    let block = after.trim_start().strip_prefix("```sh\n").unwrap_or_else(|| panic!("no ```sh block after {marker}"));
    let block = &block[..block.find("\n```").expect("the block ends")];
    let mut commands = Vec::new();
    let mut pending = String::new();
    for line in block.lines() {
        let line = line.trim_end();
        if let Some(continued) = line.strip_suffix('\\') {
            pending.push_str(continued);
            continue;
        }
        pending.push_str(line);
        let command = std::mem::take(&mut pending);
        let command = command.trim();
        if !command.is_empty() && !command.starts_with('#') {
            commands.push(command.to_owned());
        }
    }
    assert!(!commands.is_empty(), "the {name} block holds no command");
    commands
}

/// A file under the target directory for a process's output.
fn log_file(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("first-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("log directory");
    dir.join(name)
}

/// Runs `script` with bash (`-o pipefail`) in the repository root until it exits, within
/// `deadline`; returns its standard output, failing the test with both streams otherwise.
fn run(what: &str, script: &str, deadline: Duration) -> String {
    let (out, err) = (log_file(&format!("{what}.out")), log_file(&format!("{what}.err")));
    let mut child = bash(script, &out, &err);
    let status = Wait::new(&format!("`{script}` to finish"), deadline)
        .try_until_blocking(|| child.try_wait().expect("poll the command"))
        .unwrap_or_else(|timeout| {
            let _ = child.kill();
            panic!("{timeout}\n{}", output(&out, &err))
        });
    assert!(status.success(), "`{script}` failed ({status}):\n{}", output(&out, &err));
    std::fs::read_to_string(&out).unwrap_or_default()
}

/// Starts `script` with bash in the repository root, in a process group of its own (so that
/// everything it started can be stopped together). The images come from the debug binaries
/// unless `CARDMESH_IMAGE_PROFILE` says otherwise: the README's `scripts/build-images.sh` then
/// reuses the test build instead of making a release build.
fn bash(script: &str, out: &Path, err: &Path) -> Child {
    let profile = std::env::var("CARDMESH_IMAGE_PROFILE").unwrap_or_else(|_| "debug".to_owned());
    Command::new("bash")
        .args(["-o", "pipefail", "-c", script])
        .current_dir(root())
        .env("CARDMESH_IMAGE_PROFILE", profile)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(File::create(out).expect("stdout file"))
        .stderr(File::create(err).expect("stderr file"))
        .spawn()
        .expect("run bash")
}

fn output(out: &Path, err: &Path) -> String {
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    format!("--- stdout\n{}\n--- stderr\n{}", read(out), read(err))
}

/// Every key of the request `curl` sends has a card with components, and none is a fallback.
fn check_every_key_answered(answer: &str, requested: &[String]) {
    let json: serde_json::Value =
        serde_json::from_str(answer).unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {answer}"));
    let cards = json["cards"].as_array().unwrap_or_else(|| panic!("no cards in {json}"));
    let keys: Vec<&str> = cards.iter().filter_map(|c| c["key"].as_str()).collect();
    assert_eq!(keys, requested, "{json}");
    for card in cards {
        assert!(card["components"].as_array().is_some_and(|c| !c.is_empty()), "no data for {card}");
        assert!(!cardmesh_tests::is_fallback(card), "a fallback card: {card}");
    }
}

/// The `cardKeys` of the JSON body in a shell command (`--data-raw '…'` or `BODY='…'`).
fn requested_keys(command: &str) -> Vec<String> {
    let start = command.find("{\"cardKeys\"").unwrap_or_else(|| panic!("no body in `{command}`"));
    let body = &command[start..];
    let body = &body[..body.find('\'').expect("the body ends with a quote")];
    let json: serde_json::Value = serde_json::from_str(body).expect("the body is JSON");
    json["cardKeys"].as_array().expect("cardKeys").iter().map(|k| k.as_str().expect("a key").to_owned()).collect()
}

/// Kills the process group of a `cargo xtask dev` that a failing test leaves behind (the
/// processes it started are in a group of their own, and get SIGTERM when it dies).
#[cfg(all(feature = "node", feature = "python"))]
struct Stop(Child);

#[cfg(all(feature = "node", feature = "python"))]
impl Drop for Stop {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

#[cfg(all(feature = "node", feature = "python"))]
#[test]
fn the_readmes_run_command_brings_up_every_service_and_answers_its_printed_request() {
    let _ports = PORTS.lock().unwrap_or_else(|e| e.into_inner());
    cardmesh_tests::require::node();
    cardmesh_tests::require::python();
    let commands = readme_block("run");
    assert_eq!(commands, ["cargo xtask dev"], "the run command is one command");
    let (out, err) = (log_file("dev.out"), log_file("dev.err"));
    let mut dev = Stop(bash(&commands[0], &out, &err));

    // `cargo xtask dev` prints the signed curl once every service has described its cards. If it
    // exits first, the wait ends at once with its output (no waiting out the deadline).
    let curl = Wait::new("cargo xtask dev to print its signed curl", BUILD_DEADLINE)
        .every(Duration::from_millis(200))
        .try_until_blocking(|| {
            let printed = std::fs::read_to_string(&out).unwrap_or_default();
            if let Some(curl) = printed.lines().find(|l| l.starts_with("curl ")) {
                return Ok(Ok(curl.to_owned()));
            }
            match dev.0.try_wait().expect("poll cargo xtask dev") {
                Some(status) => Ok(Err(status)),
                None => Err("not yet"),
            }
        })
        .unwrap_or_else(|timeout| panic!("{timeout}\n{}", output(&out, &err)))
        .unwrap_or_else(|status| {
            panic!("cargo xtask dev exited ({status}) before printing its curl\n{}", output(&out, &err))
        });
    let printed = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(printed.contains("==> cardmesh is up"), "{printed}");
    assert!(!std::fs::read_to_string(&err).unwrap_or_default().contains("leaving out"), "{}", output(&out, &err));

    let keys = requested_keys(&curl);
    for key in ["subscription-status", "usage", "customer-details", "legacy-orders", "last-order", "csat-score"] {
        assert!(keys.iter().any(|k| k == key), "the printed request asks for every service's cards: {keys:?}");
    }
    check_every_key_answered(&run("dev-curl", &curl, Duration::from_secs(30)), &keys);

    // Stopped, `cargo xtask dev` stops everything it started.
    let pid = dev.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let status = Wait::new("cargo xtask dev to stop", STOP_DEADLINE)
        .until_blocking(|| dev.0.try_wait().expect("poll cargo xtask dev"));
    assert!(!status.success(), "cargo xtask dev reports the signal: {status}");
    Wait::new("the gateway's port to be free again", STOP_DEADLINE)
        .until_blocking(|| std::net::TcpStream::connect("127.0.0.1:8080").is_err());
}

/// Takes the compose stack down again, however the test ends.
#[cfg(feature = "docker")]
struct ComposeDown(Vec<String>);

#[cfg(feature = "docker")]
impl Drop for ComposeDown {
    fn drop(&mut self) {
        for command in &self.0 {
            let _ = Command::new("bash").args(["-c", command]).current_dir(root()).status();
        }
    }
}

#[cfg(feature = "docker")]
#[test]
fn the_readmes_compose_commands_bring_the_stack_up_healthy_and_answer_its_request() {
    let _ports = PORTS.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(cardmesh_tests::require::docker());
    let up = readme_block("compose");
    let request = readme_block("compose-request");
    let down = readme_block("compose-down");
    assert!(up.iter().any(|c| c.starts_with("docker compose up")), "{up:?}");
    assert_eq!(down, ["docker compose down"]);
    let _down = ComposeDown(down);

    for (i, command) in up.iter().enumerate() {
        run(&format!("compose-{i}"), command, BUILD_DEADLINE);
    }

    // Every container healthy: the gateway waited for the others, and each has a healthcheck.
    let ids = run("compose-ids", "docker compose ps -q", Duration::from_secs(60));
    let ids: Vec<&str> = ids.split_whitespace().collect();
    assert!(ids.len() >= 9, "the stack's containers: {ids:?}");
    let format = "{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}no-healthcheck{{end}}";
    Wait::new("every compose container to be healthy", HEALTHY_DEADLINE)
        .every(Duration::from_millis(500))
        .until_blocking(|| {
            let states =
                run("compose-health", &format!("docker inspect -f '{format}' {}", ids.join(" ")), HEALTHY_DEADLINE);
            let unhealthy: Vec<&str> = states.lines().filter(|l| !l.ends_with(" healthy")).collect();
            assert!(
                !unhealthy.iter().any(|l| l.ends_with("no-healthcheck")),
                "every service has a healthcheck: {states}"
            );
            if unhealthy.is_empty() {
                Ok(())
            } else {
                Err(unhealthy.join(", "))
            }
        });

    let script = request.join("\n");
    let keys = requested_keys(&script);
    assert!(keys.len() >= 8, "the README's request asks for every card of the stack: {keys:?}");
    check_every_key_answered(&run("compose-request", &script, Duration::from_secs(60)), &keys);
}
