//! `cargo xtask dev`: runs cardmesh locally with cargo only, the gateway and the card services
//! with the public development signing secret, all on 127.0.0.1; prints a ready-to-paste signed
//! curl, then runs until Ctrl-C or SIGTERM, which stop everything.
//!
//! - Which services: every card service under `services/` whose language can run here (Rust
//!   always; TypeScript with Node.js 20 and npm; Python with Python 3.11). Without a toolchain,
//!   a service is left out, with what to install; `--with NAME` and `--all` insist instead.
//! - Ports ([`Settings`]): the gateway on `CARDMESH_DEV_PORT` (8080), its admin listener on
//!   `CARDMESH_DEV_ADMIN_PORT` (9090), the services from `CARDMESH_DEV_SERVICE_PORT` (50051)
//!   on, one each in the order `cargo xtask run-service --list` prints them, then the example
//!   card endpoint behind http-bridge. Every port is checked before anything starts (and again
//!   after the build); a taken one is refused by name. A port of 0 lets the process pick one,
//!   read back from its "listening" log line.
//! - Each process logs to its own file in a temporary directory (printed at start, streamed to
//!   the terminal once everything is up). Services start through `run-service --no-build`,
//!   which becomes the service's process.
//! - "cardmesh is up" is printed only after the gateway this command started (the socket
//!   listening on its port belongs to its pid) answers `GET /readyz` with 200: every service
//!   described its cards, within `CARDMESH_DEV_READY_TIMEOUT` seconds (30).
//! - The admin listener's tokens are `CARDMESH_OPERATOR_TOKEN` and `CARDMESH_SERVICE_TOKEN`;
//!   each one not given is made up for this run, and both are printed. The signed curl (made
//!   by the gateway binary's `sign --curl`) asks for every card key the gateway learned.
//! - A process that exits, while starting or later, stops everything: it is named, the end of
//!   its log is printed, and the exit status is 1. Ctrl-C and SIGTERM stop everything and exit
//!   with 130 and 143.

mod plan;
mod ports;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
pub use plan::Ports;

use crate::service::{self, Kind};
use crate::stack::children::{self, Children};
pub use crate::stack::Interrupted;
use crate::stack::{interrupted, signals};

/// The development signing secret (`CARDMESH_DEV_SECRET` overrides it): the one the README,
/// docker-compose.yml and the gateway's exposure check name.
pub const DEVELOPMENT_SECRET: &str = "dev-secret-do-not-use-in-production";
/// The secret between http-bridge and its example card endpoint.
const BRIDGE_SECRET: &str = "dev-bridge-secret-do-not-use-in-production";
/// The keys http-bridge serves from the example endpoint.
const BRIDGE_KEYS: &str = "legacy-orders,legacy-support-plan";

/// Which services start besides those that can run here.
#[derive(Debug, Default)]
pub struct Options {
    /// Services that must run: fail if one cannot.
    pub with: Vec<String>,
    /// Every card service must run: fail if one cannot.
    pub all: bool,
}

/// The environment of a run.
#[derive(Debug)]
pub struct Settings {
    /// `CARDMESH_DEV_SECRET` (default [`DEVELOPMENT_SECRET`]).
    pub secret: String,
    pub ports: Ports,
    /// `CARDMESH_DEV_READY_TIMEOUT`, whole seconds (default 30): for each address read back from
    /// a log, and for the gateway to be ready.
    pub ready_timeout: Duration,
}

impl Settings {
    /// From the environment `var` gives; errors name the variable and what it takes.
    pub fn from(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let port = |name: &str, default: u16| -> anyhow::Result<u16> {
            match var(name) {
                None => Ok(default),
                Some(value) => value.trim().parse().map_err(|_| {
                    anyhow::anyhow!("{name} must be a port number (0 to 65535; 0: any free port), not {value:?}")
                }),
            }
        };
        let ports = Ports {
            gateway: port("CARDMESH_DEV_PORT", 8080)?,
            admin: port("CARDMESH_DEV_ADMIN_PORT", 9090)?,
            first_service: port("CARDMESH_DEV_SERVICE_PORT", 50051)?,
        };
        let ready_timeout = match var("CARDMESH_DEV_READY_TIMEOUT") {
            None => Duration::from_secs(30),
            Some(value) => value
                .trim()
                .trim_end_matches('s')
                .parse()
                .ok()
                .filter(|&s| s > 0)
                .map(Duration::from_secs)
                .with_context(|| {
                    format!("CARDMESH_DEV_READY_TIMEOUT must be whole seconds above 0 (e.g. 60), not {value:?}")
                })?,
        };
        anyhow::ensure!(
            var("CARDMESH_ADMIN_TOKEN").is_none(),
            "CARDMESH_ADMIN_TOKEN is retired: set CARDMESH_OPERATOR_TOKEN (preview) and CARDMESH_SERVICE_TOKEN (card \
             services) instead, or neither"
        );
        Ok(Settings {
            secret: var("CARDMESH_DEV_SECRET").unwrap_or_else(|| DEVELOPMENT_SECRET.to_owned()),
            ports,
            ready_timeout,
        })
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// Runs the stack until a signal or a process's exit; returns only with an error
/// ([`Interrupted`] for a signal).
pub fn dev(root: &Path, options: Options) -> anyhow::Result<()> {
    crate::process::cargo_on_path();
    anyhow::ensure!(crate::process::on_path("cargo"), "cargo not found (install Rust: https://rustup.rs)");
    let settings = Settings::from(env)?;

    // Which services, on which ports: all decided, and the ports checked, before the build.
    let known = service::kind::list(root, None)?;
    let kind_of = |name: &str| Kind::of(&root.join("services").join(name)).unwrap_or(Kind::Rust);
    let missing = |kind| match kind {
        Kind::Rust => None,
        Kind::Node => service::node::missing(),
        Kind::Python => service::python::missing(),
    };
    let chosen = plan::choose(&known, kind_of, missing, &options.with, options.all)?;
    for note in &chosen.left_out {
        eprintln!("xtask dev: {note}");
    }
    let services = chosen.services;
    let assigned = plan::assign(settings.ports, &services)?;
    ports::check_free(&assigned.owners)?;
    signals::catch()?;

    let bin = service::rust::target_dir(root)?.join("debug");
    if !bin.join("cardmesh-gateway").is_file() {
        println!(
            "==> first build in {}: cargo compiles the whole workspace, about 10 minutes on 2 cores",
            bin.display()
        );
        println!("    (3 to 4 on 8). Later runs take seconds.");
    }
    println!("==> cargo build --workspace --bins");
    let started = Instant::now();
    let built = crate::process::run(crate::process::cargo(root).args(["build", "--workspace", "--bins"]));
    interrupted()?;
    built?;
    println!("==> built in {} s", started.elapsed().as_secs());
    ports::check_free(&assigned.owners)?; // again: the build took a while

    let mut children = Children::new("cardmesh-dev")?;
    println!("==> logs: {}", children.logs.display());
    let operator_token = env("CARDMESH_OPERATOR_TOKEN").map_or_else(random_token, Ok)?;
    let service_token = env("CARDMESH_SERVICE_TOKEN").map_or_else(random_token, Ok)?;
    let timeout = settings.ready_timeout;
    // Every process writes plain log lines (no colours) to its file.
    let command = |program: &Path| {
        let mut command = Command::new(program);
        command.current_dir(root).env("NO_COLOR", "1");
        command
    };

    let mut bridge_endpoint = None;
    if let Some(port) = assigned.bridge_endpoint {
        let mut endpoint = command(&bin.join("http-bridge-example-endpoint"));
        endpoint
            .env("CARDMESH_EXAMPLE_ENDPOINT_LISTEN", format!("127.0.0.1:{port}"))
            .env("CARDMESH_EXAMPLE_ENDPOINT_SECRET", BRIDGE_SECRET);
        let pid = children.spawn("card-endpoint", endpoint)?;
        let port = children.listen_port("example card endpoint listening", timeout)?;
        println!("    card-endpoint (http-bridge's example card API) on 127.0.0.1:{port} (pid {pid})");
        bridge_endpoint = Some(port);
    }
    // This program, to run each service through `run-service`. On Linux /proc/self/exe, which
    // stays valid when the build above replaced target/debug/xtask (as `--workspace` does).
    let me = match Path::new("/proc/self/exe") {
        proc if proc.exists() => proc.to_path_buf(),
        _ => std::env::current_exe().context("cannot find this program's path")?,
    };
    let mut endpoints = Vec::new();
    for (name, &port) in services.iter().zip(&assigned.services) {
        let mut runner = command(&me);
        runner.arg("run-service").arg("--root").arg(root).args(["--no-build", name]);
        runner.env("CARDMESH_SERVICE_LISTEN", format!("127.0.0.1:{port}"));
        if name == "http-bridge" {
            let endpoint = bridge_endpoint.context("http-bridge runs with its example endpoint")?;
            runner
                .env("CARDMESH_BRIDGE_URL", format!("http://127.0.0.1:{endpoint}/"))
                .env("CARDMESH_BRIDGE_KEYS", BRIDGE_KEYS)
                .env("CARDMESH_BRIDGE_SECRET", BRIDGE_SECRET);
        }
        let pid = children.spawn(name, runner)?;
        let port = if port == 0 { children.listen_port("card service listening", timeout)? } else { port };
        endpoints.push(format!("http://127.0.0.1:{port}"));
        println!("    {name} on 127.0.0.1:{port} (pid {pid})");
    }

    let mut gateway = command(&bin.join("cardmesh-gateway"));
    gateway
        .env("CARDMESH_LISTEN", format!("127.0.0.1:{}", settings.ports.gateway))
        .env("CARDMESH_ADMIN_LISTEN", format!("127.0.0.1:{}", settings.ports.admin))
        .env("CARDMESH_OPERATOR_TOKEN", &operator_token)
        .env("CARDMESH_SERVICE_TOKEN", &service_token)
        .env("CARDMESH_SIGNING_SECRETS", &settings.secret)
        .env("CARDMESH_SERVICES", endpoints.join(","));
    let gateway_pid = children.spawn("gateway", gateway)?;
    let mut port = settings.ports.gateway;
    if port == 0 {
        port = children.listen_port("cardmesh gateway listening", timeout)?;
    }
    let mut admin_port = settings.ports.admin;
    if admin_port == 0 {
        admin_port = children.listen_port("admin listener serving", timeout)?;
    }
    println!("    gateway on 127.0.0.1:{port}, admin listener on 127.0.0.1:{admin_port} (pid {gateway_pid})");

    wait_ready(&mut children, gateway_pid, port, timeout)?;
    let keys = card_keys(admin_port, &operator_token)?;
    let quoted: Vec<String> = keys.iter().map(|key| serde_json::Value::from(key.as_str()).to_string()).collect();
    let body = format!(
        "{{\"cardKeys\":[{}],\"customer\":{{\"id\":\"c_demo\",\"email\":\"ada@example.com\",\"externalId\":\"cus_demo_1\"}},\"thread\":null}}",
        quoted.join(",")
    );
    println!();
    println!("==> cardmesh is up: gateway http://127.0.0.1:{port} (pid {gateway_pid}), secret: {}", settings.secret);
    println!("==> cards: {}", keys.join(","));
    println!("==> metrics: http://127.0.0.1:{admin_port}/metrics");
    println!("==> preview: http://127.0.0.1:{admin_port}/preview (operator token: {operator_token})");
    println!(
        "==> service token (a card service's CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN; invalidation only): {service_token}"
    );
    println!("==> try it (signed request for the demo customer):");
    println!();
    sign_curl(&bin, &settings.secret, &format!("http://127.0.0.1:{port}/"), &body)?;
    println!();
    println!("==> Ctrl-C stops everything. Logs follow.");
    children.skip_logged();
    loop {
        children.check()?;
        children.follow();
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// 32 random bytes in hex: the gateway takes tokens of at least 32 characters.
fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .context("cannot read /dev/urandom for a token")?;
    Ok(hex::encode(bytes))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Waits until our own gateway answers `GET /readyz` with 200 (every service described its
/// cards): the socket that answered belongs to its pid, and it is still alive after.
fn wait_ready(children: &mut Children, pid: u32, port: u16, timeout: Duration) -> anyhow::Result<()> {
    let agent = agent();
    let url = format!("http://127.0.0.1:{port}/readyz");
    let deadline = Instant::now() + timeout;
    loop {
        children.check()?;
        let ready = || agent.get(&url).call().is_ok_and(|answer| answer.status() == 200);
        if ports::listens_on(pid, port) && ready() {
            children.check()?;
            if ports::listens_on(pid, port) {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            let answer = match agent.get(&url).call() {
                Ok(mut answer) => {
                    format!("{} {}", answer.status(), answer.body_mut().read_to_string().unwrap_or_default())
                }
                Err(error) => error.to_string(),
            };
            let mut message = format!(
                "the gateway did not become ready on 127.0.0.1:{port} within {} s\n    GET /readyz: {answer}",
                timeout.as_secs()
            );
            for (name, log) in children.names() {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                message.push_str(&format!("\n--- last lines of {} ({name})", log.display()));
                for line in children::tail(&text, 5) {
                    message.push_str(&format!("\n{line}"));
                }
            }
            anyhow::bail!(message);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Every card key the gateway learned, in its order (the preview page's list).
fn card_keys(admin_port: u16, operator_token: &str) -> anyhow::Result<Vec<String>> {
    let url = format!("http://127.0.0.1:{admin_port}/admin/preview/keys");
    let failed = || format!("the admin listener did not list the card keys (GET {url})");
    let mut answer =
        agent().get(&url).header("Authorization", format!("Bearer {operator_token}")).call().with_context(failed)?;
    let text = answer.body_mut().read_to_string().with_context(failed)?;
    anyhow::ensure!(answer.status() == 200, "{}: {} {text}", failed(), answer.status());
    let json: serde_json::Value = serde_json::from_str(&text).with_context(failed)?;
    let keys = keys_in(&json);
    anyhow::ensure!(!keys.is_empty(), "the gateway learned no card key: {text}");
    Ok(keys)
}

/// The string values of every `"key"` field, in document order.
fn keys_in(json: &serde_json::Value) -> Vec<String> {
    match json {
        serde_json::Value::Array(items) => items.iter().flat_map(keys_in).collect(),
        serde_json::Value::Object(fields) => fields
            .iter()
            .flat_map(|(name, value)| match (name.as_str(), value) {
                ("key", serde_json::Value::String(key)) => vec![key.clone()],
                _ => keys_in(value),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Prints the signed curl of `body` for `url`, made by the gateway binary's `sign --curl`.
fn sign_curl(bin: &Path, secret: &str, url: &str, body: &str) -> anyhow::Result<()> {
    let gateway: PathBuf = bin.join("cardmesh-gateway");
    let mut sign = Command::new(&gateway);
    sign.args(["sign", "--secret", secret, "--curl", url]).stdin(Stdio::piped());
    let mut child = sign.spawn().with_context(|| format!("cannot run {}", gateway.display()))?;
    child.stdin.take().context("sign's stdin")?.write_all(body.as_bytes())?;
    let status = child.wait()?;
    anyhow::ensure!(status.success(), "{} sign failed ({status})", gateway.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_defaults_are_the_documented_ports_and_secret() {
        let s = settings(&[]).unwrap();
        assert_eq!((s.ports.gateway, s.ports.admin, s.ports.first_service), (8080, 9090, 50051));
        assert_eq!(s.secret, DEVELOPMENT_SECRET);
        assert_eq!(s.ready_timeout, Duration::from_secs(30));
        let s =
            settings(&[("CARDMESH_DEV_PORT", "0"), ("CARDMESH_DEV_READY_TIMEOUT", "90"), ("CARDMESH_DEV_SECRET", "s")])
                .unwrap();
        assert_eq!((s.ports.gateway, s.ready_timeout.as_secs(), s.secret.as_str()), (0, 90, "s"));
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let error = settings(&[("CARDMESH_DEV_ADMIN_PORT", "http")]).unwrap_err().to_string();
        assert!(error.starts_with("CARDMESH_DEV_ADMIN_PORT must be a port number"), "{error}");
        let error = settings(&[("CARDMESH_DEV_READY_TIMEOUT", "soon")]).unwrap_err().to_string();
        assert!(error.starts_with("CARDMESH_DEV_READY_TIMEOUT must be whole seconds"), "{error}");
        let error = settings(&[("CARDMESH_ADMIN_TOKEN", "x")]).unwrap_err().to_string();
        assert!(error.starts_with("CARDMESH_ADMIN_TOKEN is retired"), "{error}");
    }

    #[test]
    fn the_keys_are_every_key_field_in_order() {
        let json = serde_json::json!([
            {"key": "subscription-status", "service": "billing"},
            {"key": "usage", "service": {"name": "usage"}}
        ]);
        assert_eq!(keys_in(&json), ["subscription-status", "usage"]);
        assert!(random_token().unwrap().len() == 64);
    }
}
