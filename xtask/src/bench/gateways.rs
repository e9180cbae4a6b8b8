//! The benchmark's card services and its five gateways: A (Redis with its near cache, the
//! default), R (Redis only), B (no cache), K (Redis Cluster) and T (TLS Redis), each on its own
//! free port with its admin listener on another.

use std::collections::BTreeMap;
use std::path::Path;

use super::{free_port, Stack, SECRET};

/// The three example card services: their URLs, in the order the gateways are given them,
/// and their pids.
pub(super) fn start_services(
    stack: &mut Stack,
    used: &mut Vec<u16>,
    bin: &Path,
    log_level: &str,
) -> anyhow::Result<(Vec<String>, Vec<u32>)> {
    let mut services = Vec::new();
    let mut service_pids = Vec::new();
    for svc in ["billing", "usage", "accounts"] {
        let port = free_port(used)?;
        let env = [("RUST_LOG", log_level.to_owned()), ("CARDMESH_SERVICE_LISTEN", format!("127.0.0.1:{port}"))];
        service_pids.push(stack.start(svc, &env, &bin.join(format!("{svc}-service")), &[])?);
        services.push(format!("http://127.0.0.1:{port}"));
    }
    Ok((services, service_pids))
}

/// Where the gateways' caches are.
pub(super) struct CacheUrls {
    /// The Redis of A and R.
    pub url: String,
    /// The Redis Cluster of K.
    pub cluster_url: String,
    /// The TLS Redis of T: its port and the CA file its certificate chains to.
    pub tls_port: u16,
    pub ca: String,
}

/// The gateways, by name (`a`, `r`, `b`, `k`, `t`).
pub(super) struct Gateways {
    /// The port and the admin port of each.
    pub ports: BTreeMap<&'static str, (u16, u16)>,
    /// The pid of each.
    pub pid: BTreeMap<&'static str, u32>,
}

/// Starts the five gateways in front of `service_list` and waits until each is ready.
pub(super) fn start_gateways(
    stack: &mut Stack,
    used: &mut Vec<u16>,
    bin: &Path,
    log_level: &str,
    service_list: &str,
    redis: &CacheUrls,
    agent: &ureq::Agent,
) -> anyhow::Result<Gateways> {
    let mut ports = BTreeMap::new();
    for name in ["a", "r", "b", "k", "t"] {
        ports.insert(name, (free_port(used)?, 0));
    }
    for name in ["k", "t", "a", "r", "b"] {
        ports.get_mut(name).expect("a gateway").1 = free_port(used)?;
    }
    let mut gateway_pid = BTreeMap::new();
    for (name, extra) in [
        ("a", vec![("CARDMESH_REDIS_URL", redis.url.clone())]),
        ("r", vec![("CARDMESH_REDIS_URL", redis.url.clone()), ("CARDMESH_CACHE_NEAR_TTL", "0s".into())]),
        ("b", vec![("CARDMESH_CACHE", "false".into())]),
        (
            "k",
            vec![
                ("CARDMESH_REDIS_URL", redis.cluster_url.clone()),
                ("CARDMESH_CACHE_NEAR_TTL", "0s".into()),
                ("CARDMESH_CACHE_REQUIRED_TO_START", "true".into()),
            ],
        ),
        (
            "t",
            vec![
                ("CARDMESH_REDIS_URL", format!("rediss://127.0.0.1:{}/0", redis.tls_port)),
                ("CARDMESH_REDIS_CA_FILE", redis.ca.clone()),
                ("CARDMESH_CACHE_NEAR_TTL", "0s".into()),
                ("CARDMESH_CACHE_REQUIRED_TO_START", "true".into()),
            ],
        ),
    ] {
        let (port, admin) = ports[name];
        let mut env = vec![
            ("RUST_LOG", log_level.to_owned()),
            ("CARDMESH_LISTEN", format!("127.0.0.1:{port}")),
            ("CARDMESH_SIGNING_SECRETS", SECRET.into()),
            ("CARDMESH_ADMIN_LISTEN", format!("127.0.0.1:{admin}")),
            ("CARDMESH_SERVICES", service_list.to_owned()),
        ];
        env.extend(extra);
        gateway_pid.insert(name, stack.start(&format!("gateway-{name}"), &env, &bin.join("cardmesh-gateway"), &[])?);
    }
    for name in ["a", "k", "t", "r", "b"] {
        let port = ports[name].0;
        let url = format!("http://127.0.0.1:{port}/readyz");
        let what = format!("gateway {} on 127.0.0.1:{port} (/readyz)", name.to_uppercase());
        stack.wait_until(30, &what, gateway_pid[name], || agent.get(&url).call().is_ok_and(|a| a.status() == 200))?;
    }
    Ok(Gateways { ports, pid: gateway_pid })
}
