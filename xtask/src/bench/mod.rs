//! `cargo xtask bench`: load benchmark of the gateway, on this machine, in one run, against
//! minimal anchors.
//!
//! Starts Redis, the three example card services, gateway A (Redis cache with its near cache,
//! the default), gateway R (Redis only: `CARDMESH_CACHE_NEAR_TTL=0s`) and gateway B
//! (`CARDMESH_CACHE=false`), all on 127.0.0.1 with free ports; a Redis Cluster (three
//! primaries, three replicas) with gateway K on it, and a TLS Redis with gateway T on it (both
//! Redis only, like R); and three minimal programs that answer gateway A's exact response
//! bytes:
//!
//! - ceiling: `gateway/examples/static_answer.rs`: axum, the bytes, nothing else
//! - redis anchor: `gateway/examples/redis_lookup.rs`: axum, the HMAC check, one Redis GET of
//!   the answer (stored under one key of the same Redis)
//! - fan-out anchor: `gateway/examples/fanout.rs`: axum, the HMAC check, three parallel unary
//!   tonic calls to three minimal tonic servers that answer the gateway's own rendered cards
//!   (billing's two, usage's, accounts'), concatenated
//!
//! Then drives the same 4-card request at each with wrk, each in a thread of its own and
//! signed as Plain signs it (`scripts/lib/hmac-sha256.lua`), in rounds (each round runs every
//! scenario once, so anchors and gateways alternate), and prints the median round of each:
//! requests/s, p50/p99 latency, CPU per request (of the server with what it calls, and of the
//! front server alone); then each gateway's ratio against its anchor with the targets
//! ([`report`]), peak RSS against its budget (hit path 32 MiB, miss path 48 MiB), and what
//! rendering the services' answers costs in process (`gateway/examples/render_cost.rs`).
//! Everything, wrk included, shares this machine's CPUs; the figures are only comparable
//! within one run. The environment is in [`settings`]. Needs cargo, openssl, redis-server,
//! redis-cli and wrk (`ci/install-deps.sh` installs the last two). The last line is
//! machine-readable: `RESULT key=value ...`.

mod anchors;
mod gateways;
mod lua;
mod measure;
mod redis;
mod report;
pub mod settings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::stack::children::Children;
use crate::stack::{interrupted, signals};
use anchors::Anchors;
use gateways::Gateways;
use measure::{Sample, Wrk};
use report::{Report, Rss, SCENARIOS};
use settings::Settings;

const SECRET: &str = "cardmesh-bench-secret";
const WORKSPACE: &str = "w_bench";
const BODY: &str = r#"{"cardKeys":["subscription-status","latest-invoice","usage","customer-details"],"customer":{"id":"c_bench","email":"ada@example.com","externalId":"cus_demo_1"},"thread":null}"#;
const ALL_HITS: &str = "hits=4, misses=0, stale=0";

/// Exit status when a target is missed under `BENCH_STRICT=1`.
pub const STRICT_EXIT: i32 = 3;

/// Runs the benchmark; the exit status (0, or [`STRICT_EXIT`]).
pub fn bench(root: &Path) -> anyhow::Result<i32> {
    crate::process::cargo_on_path();
    let settings = Settings::from(|name| std::env::var(name).ok())?;
    for tool in ["cargo", "openssl", "redis-server", "redis-cli", "wrk", "timeout"] {
        anyhow::ensure!(crate::process::on_path(tool), "{tool} not found (ci/install-deps.sh installs redis and wrk)");
    }
    signals::catch()?;
    let mut stack = Stack { children: Children::new("cardmesh-bench")?, keep: settings.keep_tmp };
    let outcome = run(root, &settings, &mut stack);
    if outcome.is_err() {
        for (name, log) in stack.children.names() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if !text.is_empty() {
                eprintln!("--- last lines of {name}.log");
                for line in crate::stack::children::tail(&text, 5) {
                    eprintln!("{line}");
                }
            }
        }
    }
    outcome
}

/// The processes of the run, and whether their directory is kept.
struct Stack {
    children: Children,
    keep: bool,
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.children.stop(Duration::from_secs(5));
        if self.keep {
            eprintln!("xtask bench: kept {}", self.children.logs.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.children.logs);
        }
    }
}

impl Stack {
    fn tmp(&self) -> PathBuf {
        self.children.logs.clone()
    }

    /// Starts PROGRAM ARGS as NAME with a clean environment plus `env`; its pid.
    fn start(&mut self, name: &str, env: &[(&str, String)], program: &Path, args: &[String]) -> anyhow::Result<u32> {
        let mut command = Command::new(program);
        command.env_clear().args(args);
        for var in ["PATH", "HOME"] {
            command.env(var, std::env::var_os(var).unwrap_or_else(|| "/tmp".into()));
        }
        command.envs(env.iter().map(|(k, v)| (k, v)));
        self.children.spawn(name, command)
    }

    /// Polls `ready` until it holds; fails when process `pid` exits or after `limit`.
    fn wait_until(&mut self, limit: u64, what: &str, pid: u32, mut ready: impl FnMut() -> bool) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(limit);
        while !ready() {
            interrupted()?;
            anyhow::ensure!(alive(pid), "{what}: the process exited (see its log below)");
            anyhow::ensure!(Instant::now() < deadline, "{what}: not ready within {limit}s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}

/// A port nothing listens on, not handed out before in this run.
fn free_port(used: &mut Vec<u16>) -> anyhow::Result<u16> {
    for _ in 0..200 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if !used.contains(&port) {
            used.push(port);
            return Ok(port);
        }
    }
    anyhow::bail!("no free port found on 127.0.0.1")
}

/// A free port whose cluster bus port (+10000) is free too.
fn cluster_port(used: &mut Vec<u16>) -> anyhow::Result<u16> {
    loop {
        let port = free_port(used)?;
        if u32::from(port) + 10000 < 65536 && std::net::TcpStream::connect(("127.0.0.1", port + 10000)).is_err() {
            return Ok(port);
        }
    }
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default()
}

fn redis_cli(args: &[&str]) -> String {
    output("redis-cli", args)
}

/// One signed POST of the body: status, answer, `cardmesh-cache` header.
fn post(agent: &ureq::Agent, port: u16, signature: &str) -> (u16, Vec<u8>, String) {
    let answer = agent
        .post(&format!("http://127.0.0.1:{port}/"))
        .header("Content-Type", "application/json")
        .header("Plain-Workspace-Id", WORKSPACE)
        .header("Plain-Request-Signature", signature)
        .send(BODY);
    match answer {
        Ok(mut answer) => {
            let cache = answer.headers().get("cardmesh-cache").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let body = answer.body_mut().read_to_vec().unwrap_or_default();
            (answer.status().as_u16(), body, cache)
        }
        Err(_) => (0, Vec::new(), String::new()),
    }
}

/// The answer without the cards' `timeToLiveSeconds` values: a card from a cache carries the
/// lifetime it has left.
fn without_ttls(answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    let key = "\"timeToLiveSeconds\":";
    let mut out = String::new();
    let mut rest = text.as_ref();
    while let Some(at) = rest.find(key) {
        out.push_str(&rest[..at + key.len()]);
        out.push('_');
        rest = rest[at + key.len()..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

/// NAME's value summed over the /metrics of the admin listeners on `ports`.
fn metric_sum(agent: &ureq::Agent, ports: &[u16], name: &str) -> i64 {
    ports
        .iter()
        .map(|port| {
            let text = agent
                .get(&format!("http://127.0.0.1:{port}/metrics"))
                .call()
                .ok()
                .and_then(|mut a| a.body_mut().read_to_string().ok())
                .unwrap_or_default();
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<f64>().ok())
                .map_or(0, |v| v as i64)
        })
        .sum()
}

fn run(root: &Path, s: &Settings, stack: &mut Stack) -> anyhow::Result<i32> {
    let bin = crate::service::rust::target_dir(root)?.join("release");
    if !s.no_build {
        println!("==> building (cargo build --release --bins, the examples static_answer, redis_lookup, fanout, render_cost)");
        crate::process::run(crate::process::cargo(root).args(["build", "--quiet", "--release", "--bins"]))?;
        crate::process::run(crate::process::cargo(root).args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "cardmesh-gateway",
            "--example",
            "static_answer",
            "--example",
            "redis_lookup",
            "--example",
            "fanout",
            "--example",
            "render_cost",
        ]))?;
    }
    for b in [
        "cardmesh-gateway",
        "billing-service",
        "usage-service",
        "accounts-service",
        "examples/static_answer",
        "examples/redis_lookup",
        "examples/fanout",
        "examples/render_cost",
    ] {
        anyhow::ensure!(bin.join(b).is_file(), "{} is missing; run without BENCH_NO_BUILD", bin.join(b).display());
    }
    let tmp = stack.tmp();
    let tmp_s = |name: &str| tmp.join(name).to_string_lossy().into_owned();
    let mut used = Vec::new();

    println!("==> starting Redis, 3 card services, gateway A (Redis cache), gateway B (no cache)");
    let (redis_port, pid_redis) = redis::start_plain(stack, &mut used)?;
    let rp = redis_port.to_string();
    let redis = |args: &[&str]| redis_cli(&[&["-h", "127.0.0.1", "-p", &rp][..], args].concat());

    println!("==> starting a Redis Cluster (3 primaries, 3 replicas) and a TLS Redis");
    let (cluster_url, cluster_pids) = redis::start_cluster(stack, &mut used, &tmp)?;

    let (tls_port, pid_redis_tls, ca) = redis::start_tls(stack, &mut used, &tmp)?;

    let (services, service_pids) = gateways::start_services(stack, &mut used, &bin, &s.log_level)?;

    let redis_url = format!("redis://127.0.0.1:{redis_port}/0");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let caches = gateways::CacheUrls { url: redis_url.clone(), cluster_url, tls_port, ca };
    let Gateways { ports, pid: gateway_pid } =
        gateways::start_gateways(stack, &mut used, &bin, &s.log_level, &services.join(","), &caches, &agent)?;

    let signature = sign(&bin, BODY, SECRET)?;
    std::fs::write(tmp.join("body.json"), BODY)?;

    println!("==> warming the cache of gateway A");
    let (status, first, _) = post(&agent, ports["a"].0, &signature);
    anyhow::ensure!(status == 200, "first request to gateway A answered {status}: {}", String::from_utf8_lossy(&first));
    let mut answer = Vec::new();
    let all_hits = |port: u16, into: &mut Vec<u8>| {
        let (status, body, cache) = post(&agent, port, &signature);
        *into = body;
        status == 200 && cache == ALL_HITS
    };
    stack.wait_until(10, "gateway A answering from its cache (hits=4)", gateway_pid["a"], || {
        all_hits(ports["a"].0, &mut answer)
    })?;
    std::fs::write(tmp.join("answer.json"), &answer)?;
    for k in ["k", "t"] {
        // The first request draws the cards and queues their writes; later ones hit.
        post(&agent, ports[k].0, &signature);
        let mut other = Vec::new();
        let what = format!("gateway {} answering from its Redis (hits=4)", k.to_uppercase());
        stack.wait_until(10, &what, gateway_pid[k], || all_hits(ports[k].0, &mut other))?;
        anyhow::ensure!(
            without_ttls(&answer) == without_ttls(&other),
            "gateways A and {} answered different bodies",
            k.to_uppercase()
        );
    }
    let (status, redis_only, cache) = post(&agent, ports["r"].0, &signature);
    anyhow::ensure!(
        status == 200 && cache == ALL_HITS,
        "gateway R should hit every card that gateway A stored: {cache}"
    );
    anyhow::ensure!(without_ttls(&answer) == without_ttls(&redis_only), "gateways A and R answered different bodies");
    let (status, nocache, cache) = post(&agent, ports["b"].0, &signature);
    anyhow::ensure!(status == 200, "gateway B answered {status}: {}", String::from_utf8_lossy(&nocache));
    anyhow::ensure!(cache == "hits=0, misses=4, stale=0", "gateway B should miss every card, its header says: {cache}");
    anyhow::ensure!(without_ttls(&answer) == without_ttls(&nocache), "gateways A and B answered different bodies");
    anyhow::ensure!(
        String::from_utf8_lossy(&answer).contains("\"components\":["),
        "the answer has no drawn card: {}",
        String::from_utf8_lossy(&answer)
    );
    let answer_bytes = answer.len();
    let answer_file = tmp_s("answer.json");

    // The server on PORT answers the signed request with gateway A's bytes.
    let same_answer = |port: u16| {
        let (status, body, _) = post(&agent, port, &signature);
        status == 200 && body == answer
    };
    let Anchors {
        ceiling: (port_c, pid_ceiling),
        redis: (port_rl, pid_redis_anchor),
        fanout: (port_fo, pid_fanout_anchor),
        card_pids,
    } = anchors::start(stack, &mut used, &bin, &answer_file, (redis_port, &redis_url), same_answer)?;

    let script = tmp.join("request.lua");
    std::fs::write(&script, lua::request_script(SECRET, WORKSPACE, BODY, &signature)?)?;

    let redis_hits = || {
        redis(&["info", "stats"])
            .lines()
            .find_map(|l| l.trim().strip_prefix("keyspace_hits:")?.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let admins: Vec<u16> = ["a", "r", "k", "t"].iter().map(|n| ports[n].1).collect();
    let draws = || {
        metric_sum(&agent, &admins, "cardmesh_cache_misses_total")
            - metric_sum(&agent, &admins, "cardmesh_plain_reloads_recognised_total")
    };
    let reloads = || metric_sum(&agent, &admins, "cardmesh_plain_reloads_recognised_total");

    // The scenarios: port and the server side whose CPU is counted (the front first).
    let pid = |name: &str| gateway_pid[name];
    let mut server_side: BTreeMap<&str, (u16, Vec<u32>)> = BTreeMap::new();
    server_side.insert("ceiling", (port_c, vec![pid_ceiling]));
    server_side.insert("redis_anchor", (port_rl, vec![pid_redis_anchor, pid_redis]));
    server_side.insert("redis_only", (ports["r"].0, vec![pid("r"), pid_redis]));
    server_side.insert("cluster_only", (ports["k"].0, [vec![pid("k")], cluster_pids.clone()].concat()));
    server_side.insert("tls_only", (ports["t"].0, vec![pid("t"), pid_redis_tls]));
    server_side.insert("hit", (ports["a"].0, vec![pid("a"), pid_redis]));
    server_side.insert("fanout_anchor", (port_fo, [vec![pid_fanout_anchor], card_pids.clone()].concat()));
    server_side.insert("miss", (ports["b"].0, [vec![pid("b")], service_pids.clone()].concat()));
    let mut scenarios: Vec<&'static str> = SCENARIOS.iter().map(|(name, _)| *name).collect();
    if let Some(only) = &s.only {
        let wanted: Vec<&str> = only.split(',').collect();
        scenarios.retain(|name| wanted.contains(name));
        anyhow::ensure!(
            !scenarios.is_empty(),
            "BENCH_ONLY={only} names no scenario (ceiling, redis_anchor, redis_only, cluster_only, tls_only, hit, \
             fanout_anchor, miss)"
        );
    }

    println!(
        "==> wrk -t{} -c{} -d{} against each (after a {} warm-up), {} round(s); answer: {answer_bytes} bytes",
        s.threads, s.connections, s.duration, s.warmup, s.rounds
    );
    let wrk = Wrk { root, script: &script, tmp: &tmp, threads: s.threads, connections: s.connections };
    let tick_us = measure::tick_us();
    let (draws_before, reloads_before, hits_before) = (draws(), reloads(), redis_hits());
    let mut runs: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for round in 1..=s.rounds {
        for name in &scenarios {
            let (port, pids) = &server_side[name];
            println!("    round {round}: {}...", report::label(name));
            if round == 1 {
                wrk.run(&format!("{name}-warmup"), *port, &s.warmup, s.warmup_s)?;
            }
            let sample = || -> anyhow::Result<Sample> {
                let (busy, total) = measure::machine_ticks()?;
                Ok(Sample {
                    server: measure::cpu_ticks(pids)?,
                    front: measure::cpu_ticks(&pids[..1])?,
                    wrk_us: measure::children_us(),
                    busy,
                    total,
                })
            };
            let before = sample()?;
            let line = wrk.run(name, *port, &s.duration, s.duration_s)?;
            let after = sample()?;
            runs.entry(name).or_default().push(measure::with_cpu(&line, before, after, tick_us));
        }
    }
    let (draws_after, reloads_after, hits_after) = (draws(), reloads(), redis_hits());
    // Every card of the cached gateways came from their cache: each request was a thread of its
    // own, so none was a reload of Plain's, and none was drawn.
    anyhow::ensure!(
        draws_after == draws_before,
        "the cache-hit runs were not all hits: {} cards missed that were no reload",
        draws_after - draws_before
    );
    anyhow::ensure!(
        reloads_after == reloads_before,
        "the cache-hit runs asked for a context twice: {} reloads recognised",
        reloads_after - reloads_before
    );
    for name in ["a", "r", "k", "t"] {
        let port = ports[name].0;
        // The first ask may come after the duplicate window, a reload; the one right after it hits.
        post(&agent, port, &signature);
        let (status, _, cache) = post(&agent, port, &signature);
        anyhow::ensure!(status == 200 && cache == ALL_HITS, "gateway on port {port} after its runs: {cache}");
    }
    let results: Vec<(&'static str, String)> =
        scenarios.iter().map(|name| (*name, measure::median(&runs[name]))).collect();
    let vmhwm = |pid: u32| -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix(" kB")?.trim().parse().ok())
            .unwrap_or(0)
    };
    let rss =
        Rss { a: vmhwm(pid("a")), r: vmhwm(pid("r")), k: vmhwm(pid("k")), t: vmhwm(pid("t")), b: vmhwm(pid("b")) };
    // The miss path's rendering alone, in process, on the services' real answers.
    let render = if s.only.is_some() {
        String::new()
    } else {
        crate::process::stdout(Command::new(bin.join("examples/render_cost")).args(&services))
            .context("render_cost failed")?
    };
    let nproc = std::thread::available_parallelism().map_or(1, |n| n.get());
    let arch = output("uname", &["-m"]);
    let report = Report {
        nproc,
        arch: arch.trim(),
        threads: s.threads,
        connections: s.connections,
        duration: &s.duration,
        rounds: s.rounds,
        log_level: &s.log_level,
        results,
        only: s.only.is_some(),
        rss,
        redis_hits: hits_after - hits_before,
        render: &render,
    };
    let (text, below) = report.text();
    print!("{text}");
    Ok(if !below.is_empty() && s.strict { STRICT_EXIT } else { 0 })
}

/// The Plain-Request-Signature of `body` by the gateway binary's `sign`.
fn sign(bin: &Path, body: &str, secret: &str) -> anyhow::Result<String> {
    use std::io::Write;
    let mut sign = Command::new(bin.join("cardmesh-gateway"));
    sign.args(["sign", "--secret", secret]).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
    let mut child = sign.spawn().context("cannot run cardmesh-gateway sign")?;
    child.stdin.take().context("sign's stdin")?.write_all(body.as_bytes())?;
    let out = child.wait_with_output()?;
    let signature = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    anyhow::ensure!(
        signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "unexpected signature output: {signature}"
    );
    Ok(signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_compare_without_their_ttls() {
        let a = br#"{"cards":[{"key":"a","timeToLiveSeconds":600,"x":1},{"timeToLiveSeconds":12}]}"#;
        let b = br#"{"cards":[{"key":"a","timeToLiveSeconds":598,"x":1},{"timeToLiveSeconds":3}]}"#;
        assert_eq!(without_ttls(a), without_ttls(b));
        assert_ne!(without_ttls(a), without_ttls(br#"{"cards":[{"key":"b","timeToLiveSeconds":600,"x":1}]}"#));
    }
}
