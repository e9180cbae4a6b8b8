//! The benchmark's anchors: minimal programs that answer gateway A's exact response bytes,
//! each ready (answering those bytes) before its function returns.
//!
//! - ceiling: `gateway/examples/static_answer.rs`, the bytes and nothing else;
//! - Redis anchor: `gateway/examples/redis_lookup.rs`, the HMAC check and one Redis GET;
//! - fan-out anchor: `gateway/examples/fanout.rs`, the HMAC check and three parallel tonic
//!   calls to three minimal card servers (the same example in its `cards` mode).

use std::path::Path;
use std::process::Command;

use super::{free_port, Stack, SECRET};

/// The anchors' ports and pids; `card_pids` are the fan-out anchor's card servers.
pub(super) struct Anchors {
    pub ceiling: (u16, u32),
    pub redis: (u16, u32),
    pub fanout: (u16, u32),
    pub card_pids: Vec<u32>,
}

/// Starts the anchors for the answer in `answer_file` (stored in the Redis on `redis_port`
/// for the Redis anchor); `same_answer(port)` tells whether the server on `port` answers the
/// signed request with those bytes.
pub(super) fn start(
    stack: &mut Stack,
    used: &mut Vec<u16>,
    bin: &Path,
    answer_file: &str,
    (redis_port, redis_url): (u16, &str),
    same_answer: impl Fn(u16) -> bool,
) -> anyhow::Result<Anchors> {
    let port_c = free_port(used)?;
    let pid_ceiling = stack.start(
        "ceiling",
        &[],
        &bin.join("examples/static_answer"),
        &[answer_file.to_owned(), format!("127.0.0.1:{port_c}")],
    )?;
    stack.wait_until(10, &format!("static_answer on 127.0.0.1:{port_c}"), pid_ceiling, || same_answer(port_c))?;

    println!("==> starting the anchors: one Redis GET; a fan-out to three minimal tonic servers");
    let answer_key = "cardmesh:bench:answer";
    let mut set = Command::new("redis-cli");
    set.args(["-h", "127.0.0.1", "-p", &redis_port.to_string(), "-x", "SET", answer_key])
        .stdin(std::fs::File::open(answer_file)?);
    crate::process::stdout(&mut set)?;
    let port_rl = free_port(used)?;
    let pid_redis_anchor = stack.start(
        "redis-anchor",
        &[],
        &bin.join("examples/redis_lookup"),
        &[redis_url.to_owned(), answer_key.into(), SECRET.into(), format!("127.0.0.1:{port_rl}")],
    )?;
    stack.wait_until(10, &format!("redis_lookup on 127.0.0.1:{port_rl}"), pid_redis_anchor, || same_answer(port_rl))?;
    // The request's cards in order: billing's two, usage's, accounts'.
    let mut card_servers = Vec::new();
    let mut card_pids = Vec::new();
    for (svc, first, count) in [("billing", 0, 2), ("usage", 2, 1), ("accounts", 3, 1)] {
        let port = free_port(used)?;
        let args =
            ["cards".into(), answer_file.to_owned(), first.to_string(), count.to_string(), format!("127.0.0.1:{port}")];
        card_pids.push(stack.start(&format!("cards-{svc}"), &[], &bin.join("examples/fanout"), &args)?);
        card_servers.push((port, format!("http://127.0.0.1:{port}")));
    }
    for (i, (port, url)) in card_servers.iter().enumerate() {
        let port = *port;
        stack.wait_until(10, &format!("card server {url}"), card_pids[i], || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })?;
    }
    let port_fo = free_port(used)?;
    let mut front = vec!["front".to_owned(), SECRET.into(), format!("127.0.0.1:{port_fo}")];
    front.extend(card_servers.iter().map(|(_, url)| url.clone()));
    let pid_fanout_anchor = stack.start("fanout-anchor", &[], &bin.join("examples/fanout"), &front)?;
    stack.wait_until(10, &format!("fanout on 127.0.0.1:{port_fo}"), pid_fanout_anchor, || same_answer(port_fo))?;
    Ok(Anchors {
        ceiling: (port_c, pid_ceiling),
        redis: (port_rl, pid_redis_anchor),
        fanout: (port_fo, pid_fanout_anchor),
        card_pids,
    })
}
