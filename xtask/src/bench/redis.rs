//! The Redis servers of the benchmark: one for gateways A and R (and the Redis anchor's
//! answer), a Redis Cluster (three primaries, three replicas) for gateway K, and a TLS Redis
//! for gateway T. Each is started on 127.0.0.1 and answers before its function returns.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use super::{cluster_port, free_port, redis_cli, Stack};

const REDIS_SERVER: &str = "redis-server";

/// Neither snapshots nor an append-only file: the benchmark's data is thrown away.
fn no_save() -> [String; 4] {
    ["--save", "", "--appendonly", "no"].map(String::from)
}

/// The Redis of gateways A and R: its port and pid.
pub(super) fn start_plain(stack: &mut Stack, used: &mut Vec<u16>) -> anyhow::Result<(u16, u32)> {
    let redis_server = Path::new(REDIS_SERVER);
    let redis_port = free_port(used)?;
    let rp = redis_port.to_string();
    let no_save = no_save();
    let pid_redis = stack.start(
        "redis",
        &[],
        redis_server,
        &[&["--bind".into(), "127.0.0.1".into(), "--port".into(), rp.clone()][..], &no_save].concat(),
    )?;
    let redis = |args: &[&str]| redis_cli(&[&["-h", "127.0.0.1", "-p", &rp][..], args].concat());
    stack.wait_until(10, &format!("redis-server on 127.0.0.1:{redis_port}"), pid_redis, || {
        redis(&["ping"]).trim() == "PONG"
    })?;
    Ok((redis_port, pid_redis))
}

/// A Redis Cluster of three primaries and three replicas, with its nodes' files in `tmp`: the
/// URL gateway K is given (three seed nodes) and the six pids.
pub(super) fn start_cluster(stack: &mut Stack, used: &mut Vec<u16>, tmp: &Path) -> anyhow::Result<(String, Vec<u32>)> {
    let redis_server = Path::new(REDIS_SERVER);
    let no_save = no_save();
    let mut cluster_nodes = Vec::new();
    let mut cluster_pids = Vec::new();
    for i in 0..6 {
        let port = cluster_port(used)?;
        let dir = tmp.join(format!("cluster-{i}"));
        std::fs::create_dir_all(&dir)?;
        let args: Vec<String> = [
            &["--bind".into(), "127.0.0.1".into(), "--port".into(), port.to_string()][..],
            &no_save,
            &["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"]
                .map(String::from),
            &["--dir".into(), dir.to_string_lossy().into_owned()],
        ]
        .concat();
        let pid = stack.start(&format!("redis-cluster-{i}"), &[], redis_server, &args)?;
        let p = port.to_string();
        stack.wait_until(10, &format!("Redis Cluster node 127.0.0.1:{port}"), pid, || {
            redis_cli(&["-h", "127.0.0.1", "-p", &p, "ping"]).trim() == "PONG"
        })?;
        cluster_nodes.push(format!("127.0.0.1:{port}"));
        cluster_pids.push(pid);
    }
    let mut create = Command::new("redis-cli");
    create.arg("--cluster").arg("create").args(&cluster_nodes).args(["--cluster-replicas", "1", "--cluster-yes"]);
    let created = create.output().context("cannot run redis-cli --cluster create")?;
    std::fs::write(tmp.join("cluster-create.log"), [&created.stdout[..], &created.stderr[..]].concat())?;
    anyhow::ensure!(
        created.status.success(),
        "redis-cli --cluster create failed: {}{}",
        String::from_utf8_lossy(&created.stdout),
        String::from_utf8_lossy(&created.stderr)
    );
    let cluster_ok = || {
        cluster_nodes.iter().all(|node| {
            let (host, port) = node.split_once(':').unwrap_or_default();
            redis_cli(&["-h", host, "-p", port, "cluster", "info"]).lines().any(|l| l.trim() == "cluster_state:ok")
        })
    };
    stack.wait_until(30, "the Redis Cluster (cluster_state:ok on every node)", cluster_pids[0], cluster_ok)?;
    let cluster_url =
        format!("redis-cluster://{}?node={}&node={}", cluster_nodes[0], cluster_nodes[1], cluster_nodes[2]);
    Ok((cluster_url, cluster_pids))
}

/// A TLS Redis with a certificate for 127.0.0.1 from a CA made in `tmp`: its TLS port, its
/// pid and the CA file.
pub(super) fn start_tls(stack: &mut Stack, used: &mut Vec<u16>, tmp: &Path) -> anyhow::Result<(u16, u32, String)> {
    let redis_server = Path::new(REDIS_SERVER);
    let no_save = no_save();
    let tmp_s = |name: &str| tmp.join(name).to_string_lossy().into_owned();
    // A CA and a certificate for 127.0.0.1; the TLS Redis asks for no client certificate.
    let openssl = |args: &[&str]| -> anyhow::Result<()> {
        let out = Command::new("openssl").args(args).output().context("cannot run openssl")?;
        anyhow::ensure!(out.status.success(), "openssl {} failed: {}", args[0], String::from_utf8_lossy(&out.stderr));
        Ok(())
    };
    let (ca_key, ca, key, csr, ext, cert) = (
        tmp_s("redis-ca.key"),
        tmp_s("redis-ca.pem"),
        tmp_s("redis-tls.key"),
        tmp_s("redis-tls.csr"),
        tmp_s("redis-tls.ext"),
        tmp_s("redis-tls.pem"),
    );
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        &[&["req", "-x509"][..], &ec, &["-days", "2", "-subj", "/CN=cardmesh-bench-ca"]]
            .concat()
            .iter()
            .copied()
            .chain(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"])
            .chain(["-keyout", &ca_key, "-out", &ca])
            .collect::<Vec<_>>(),
    )?;
    openssl(&[&["req"][..], &ec, &["-subj", "/CN=127.0.0.1", "-keyout", &key, "-out", &csr]].concat())?;
    std::fs::write(&ext, "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &ext,
        "-out",
        &cert,
    ])?;
    let tls_port = free_port(used)?;
    let tp = tls_port.to_string();
    let tls_args: Vec<String> = [
        &["--bind".into(), "127.0.0.1".into(), "--port".into(), "0".into(), "--tls-port".into(), tp.clone()][..],
        &no_save,
        &["--tls-cert-file".into(), cert.clone(), "--tls-key-file".into(), key.clone()],
        &["--tls-ca-cert-file".into(), ca.clone(), "--tls-auth-clients".into(), "no".into()],
    ]
    .concat();
    let pid_redis_tls = stack.start("redis-tls", &[], redis_server, &tls_args)?;
    stack.wait_until(10, &format!("TLS redis-server on 127.0.0.1:{tls_port}"), pid_redis_tls, || {
        redis_cli(&["--tls", "--cacert", &ca, "-h", "127.0.0.1", "-p", &tp, "ping"]).trim() == "PONG"
    })?;
    Ok((tls_port, pid_redis_tls, ca))
}
