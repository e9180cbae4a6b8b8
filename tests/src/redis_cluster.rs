//! A Redis Cluster for the tests of the `redis` feature: three primaries with one replica
//! each, six [`RedisServer`] processes on 127.0.0.1 joined with `redis-cli --cluster create`
//! (with the servers' ACL user and TLS, when the builder has them).
//!
//! The nodes time out after [`NODE_TIMEOUT_MS`], so that a killed primary's replica takes over
//! within a few seconds: [`RedisCluster::kill_primary_of`] and [`RedisCluster::wait_failover`].

use std::process::Command;
use std::time::Duration;

use crate::redis::{RedisBuilder, RedisServer};
use crate::Wait;

/// `cluster-node-timeout`: how long a node may be unreachable before it is failed over.
pub const NODE_TIMEOUT_MS: u64 = 1000;

/// Six `redis-server` processes forming a cluster of three primaries with one replica each.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts six servers from `builder` in cluster mode, creates the cluster, and waits
    /// (deadline 60 s) until every node says `cluster_state:ok` and every replica is in sync.
    pub async fn start(builder: RedisBuilder) -> Self {
        let tls = builder.has_tls();
        let mut nodes = Vec::new();
        for _ in 0..6 {
            let node = builder
                .clone()
                .args(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"])
                .args(["--cluster-node-timeout", &NODE_TIMEOUT_MS.to_string()])
                .args(["--tls-cluster", if tls { "yes" } else { "no" }])
                .start()
                .await;
            nodes.push(node);
        }
        let cluster = Self { nodes };
        let addresses: Vec<String> = cluster.nodes.iter().map(RedisServer::address).collect();
        let mut command = Command::new(crate::redis::redis_cli());
        command.args(cluster.nodes[0].cli_auth()).arg("--cluster").arg("create").args(&addresses);
        let output = command.args(["--cluster-replicas", "1", "--cluster-yes"]).output().expect("run redis-cli");
        assert!(
            output.status.success() && String::from_utf8_lossy(&output.stdout).contains("All 16384 slots covered"),
            "redis-cli --cluster create failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        cluster.wait_healthy("the new Redis Cluster to be ok on every node").await;
        cluster
    }

    /// `redis-cluster://` (`rediss-cluster://` with TLS) with the user and password when the
    /// servers have them, and every node as a seed.
    pub fn url(&self) -> String {
        let first = self.nodes[0].url();
        let (scheme, rest) = first.split_once("://").expect("a URL");
        let authority = rest.split_once('/').map_or(rest, |(authority, _)| authority);
        let seeds: Vec<String> = self.nodes[1..].iter().map(|n| format!("node={}", n.address())).collect();
        format!("{scheme}-cluster://{authority}?{}", seeds.join("&"))
    }

    /// The same without user and password (they come from the settings then).
    pub fn url_without_credentials(&self) -> String {
        let url = self.url();
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let rest = rest.split_once('@').map_or(rest, |(_, rest)| rest);
        format!("{scheme}://{rest}")
    }

    /// The running primary that serves `key`'s slot, by index in [`Self::nodes`].
    pub async fn primary_of(&self, key: &str) -> usize {
        let alive = self.nodes.iter().find(|n| n.is_running()).expect("a running node");
        let slot: u16 = alive.cli(&["CLUSTER", "KEYSLOT", key]).await.trim().parse().expect("CLUSTER KEYSLOT");
        for (i, node) in self.nodes.iter().enumerate() {
            if !node.is_running() || !node.cli(&["ROLE"]).await.starts_with("master") {
                continue;
            }
            // Each line of CLUSTER NODES ends with the node's slot ranges; "myself" is this node.
            let nodes = node.cli(&["CLUSTER", "NODES"]).await;
            let mine = nodes.lines().find(|l| l.contains("myself")).expect("myself in CLUSTER NODES").to_owned();
            let serves = mine.split_whitespace().skip(8).any(|range| match range.split_once('-') {
                Some((a, b)) => (a.parse::<u16>().unwrap_or(u16::MAX)..=b.parse().unwrap_or(0)).contains(&slot),
                None => range.parse::<u16>().ok() == Some(slot),
            });
            if serves {
                return i;
            }
        }
        panic!("no running primary serves slot {slot} of {key:?}");
    }

    /// Kills (SIGKILL) the primary serving `key`'s slot; its index.
    pub async fn kill_primary_of(&self, key: &str) -> usize {
        let primary = self.primary_of(key).await;
        self.nodes[primary].stop().await;
        primary
    }

    /// Waits (deadline 60 s) until the running nodes have failed the killed one over: every
    /// running node says `cluster_state:ok` and knows the killed node as failed.
    pub async fn wait_failover(&self) {
        self.wait_healthy("the Redis Cluster to fail the killed primary over").await;
    }

    /// Waits until every running node says `cluster_state:ok`, knows every stopped node as
    /// failed (`fail`, not only suspected), and every running replica's link to its primary
    /// is up.
    async fn wait_healthy(&self, what: &str) {
        let stopped: Vec<String> =
            self.nodes.iter().filter(|n| !n.is_running()).map(|n| format!("127.0.0.1:{}@", n.port)).collect();
        Wait::new(what, Duration::from_secs(60))
            .every(Duration::from_millis(200))
            .try_until(|| async {
                for node in self.nodes.iter().filter(|n| n.is_running()) {
                    let info = node.cli(&["CLUSTER", "INFO"]).await;
                    let nodes = node.cli(&["CLUSTER", "NODES"]).await;
                    let failed = stopped.iter().all(|address| {
                        nodes
                            .lines()
                            .any(|l| l.contains(address.as_str()) && l.contains("fail") && !l.contains("fail?"))
                    });
                    let replication = node.cli(&["INFO", "replication"]).await;
                    let synced = !replication.contains("role:slave") || replication.contains("master_link_status:up");
                    if !(info.contains("cluster_state:ok") && failed && synced) {
                        return false;
                    }
                }
                true
            })
            .await
            .unwrap_or_else(|timeout| {
                let logs: Vec<String> = self.nodes.iter().map(|n| format!("port {}:\n{}", n.port, n.log())).collect();
                panic!("{timeout}; the nodes' logs:\n{}", logs.join("\n"))
            });
    }
}
