//! Where the shared cache's Redis is and how to reach it: the URL forms (one server, Redis
//! Cluster, Redis Sentinel, each with or without TLS), the ACL user, the TLS files, the key
//! namespace and the start-up requirement. [`CacheSettings::redis_target`] turns the
//! settings into a [`RedisTarget`] and reports every problem naming its field; the store
//! (`crate::cache`) connects to what it describes, so nothing accepted here fails later for
//! lack of support.
//!
//! URL forms (the same as Apollo Router's, which come from the `fred` client):
//!
//! ```text
//! redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]           one server (6379 by default)
//! rediss://…                                           the same over TLS
//! unix:///path/redis.sock, redis+unix:///path          a Unix socket
//! redis-cluster://[USER[:PASSWORD]@]HOST[:PORT][?node=HOST:PORT&node=…]
//! rediss-cluster://…                                   Redis Cluster over TLS
//! redis-sentinel://[USER[:PASSWORD]@]HOST[:PORT][/DB]?sentinelServiceName=NAME[&node=HOST:PORT…]
//!     [&sentinelUsername=USER&sentinelPassword=PASSWORD]
//! rediss-sentinel://…                                  Sentinel and Redis over TLS
//! ```
//!
//! In the cluster and sentinel forms, the host of the URL and every `node` are seed nodes
//! (sentinels, port 26379 by default, for Sentinel); the user and password are Redis's (the
//! sentinels' own are `sentinelUsername` and `sentinelPassword`).

use std::path::PathBuf;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};

use super::{CacheSettings, Secret};

/// Longest `cache.namespace`.
pub const MAX_NAMESPACE_CHARS: usize = 64;

/// TLS towards Redis, for the `rediss` forms. Without any of these, the server's certificate
/// must chain to the system's trusted roots (the `SSL_CERT_FILE` / `SSL_CERT_DIR` variables
/// are honoured), as with a managed Redis.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RedisTls {
    /// PEM CA certificate(s) Redis's certificate must chain to, instead of the system's roots
    /// (default: none, the system's roots).
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate the gateway presents, for a Redis that requires one
    /// (`tls-auth-clients yes`; mutual TLS) (default: none).
    pub cert_file: Option<PathBuf>,
    /// PEM private key of `cert_file`: PKCS#8, PKCS#1 or SEC1 (default: none).
    pub key_file: Option<PathBuf>,
}

impl RedisTls {
    fn is_set(&self) -> bool {
        self.ca_file.is_some() || self.cert_file.is_some() || self.key_file.is_some()
    }

    /// The files, read and checked (see `crate::tls::redis_pem`).
    pub fn pem(&self) -> Result<crate::tls::RedisPem, crate::tls::TlsError> {
        crate::tls::redis_pem(self.ca_file.as_deref(), self.cert_file.as_deref(), self.key_file.as_deref())
    }
}

/// How Redis is deployed, from `cache.redis_url`'s scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisTopology {
    /// One server, or a managed service's primary endpoint: the URL as the Redis client reads
    /// it (database, Unix socket); user and password come from [`RedisTarget`].
    Single { url: Secret },
    /// Redis Cluster, found through these seed nodes.
    Cluster { nodes: Vec<NodeAddress> },
    /// Redis Sentinel: the primary of `service_name`, found through these sentinels.
    Sentinel {
        sentinels: Vec<NodeAddress>,
        service_name: String,
        sentinel_username: Option<String>,
        sentinel_password: Option<Secret>,
    },
}

/// A host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeAddress {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for NodeAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Everything needed to connect to Redis, resolved from the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisTarget {
    pub topology: RedisTopology,
    /// TLS to Redis (and to the sentinels): the `rediss` schemes.
    pub tls: bool,
    /// The ACL user: `cache.redis_username`, else the URL's.
    pub username: Option<String>,
    /// The password: `cache.redis_password`, else `cache.redis_password_file`'s contents,
    /// else the URL's.
    pub password: Option<Secret>,
    /// The database (the URL's path; always 0 for Redis Cluster).
    pub db: i64,
}

impl RedisTarget {
    /// Where Redis is, for logs and errors: the kind and the addresses, never a credential.
    pub fn describe(&self) -> String {
        let tls = if self.tls { " over TLS" } else { "" };
        match &self.topology {
            RedisTopology::Single { url } => {
                let place = url::Url::parse(url.expose())
                    .ok()
                    .and_then(|u| match u.host_str() {
                        Some(host) => Some(format!("{host}:{}", u.port().unwrap_or(6379))),
                        None => (!u.path().is_empty()).then(|| format!("unix socket {}", u.path())),
                    })
                    .unwrap_or_else(|| "an unreadable address".into());
                format!("Redis at {place}{tls}")
            }
            RedisTopology::Cluster { nodes } => format!("Redis Cluster via {}{tls}", list(nodes)),
            RedisTopology::Sentinel { sentinels, service_name, .. } => {
                format!("Redis Sentinel primary {service_name:?} via {}{tls}", list(sentinels))
            }
        }
    }

    /// True for Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.topology, RedisTopology::Cluster { .. })
    }
}

fn list(nodes: &[NodeAddress]) -> String {
    nodes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The URL forms, for error messages.
const FORMS: &str = "redis://HOST:PORT/DB (rediss:// for TLS), redis-cluster://HOST:PORT?node=HOST:PORT \
     (rediss-cluster:// for TLS) or redis-sentinel://HOST:PORT/DB?sentinelServiceName=NAME \
     (rediss-sentinel:// for TLS)";

impl CacheSettings {
    /// The Redis these settings point at (`None` without `redis_url`), or every problem with
    /// them, each naming its field and the fix. Reads `redis_password_file`. Messages never
    /// quote the URL, which may hold a password.
    pub fn redis_target(&self) -> Result<Option<RedisTarget>, Vec<String>> {
        let mut errors = Vec::new();
        let Some(url) = &self.redis_url else {
            for (set, field) in [
                (self.redis_username.is_some(), "cache.redis_username"),
                (self.redis_password.is_some(), "cache.redis_password"),
                (self.redis_password_file.is_some(), "cache.redis_password_file"),
                (self.redis_tls.is_set(), "cache.redis_tls"),
                (self.required_to_start, "cache.required_to_start"),
            ] {
                if set {
                    errors.push(format!(
                        "{field}: set, but cache.redis_url is not; set CARDMESH_REDIS_URL too, or remove it"
                    ));
                }
            }
            return if errors.is_empty() { Ok(None) } else { Err(errors) };
        };
        let target = parse_url(url.expose()).map_err(|e| vec![format!("cache.redis_url: {e} (CARDMESH_REDIS_URL)")]);
        let mut target = match target {
            Ok(target) => target,
            Err(mut e) => {
                errors.append(&mut e);
                return Err(errors);
            }
        };
        if let Some(username) = &self.redis_username {
            if username.is_empty() || username.chars().any(char::is_whitespace) {
                errors.push("cache.redis_username: must be an ACL user name without spaces".into());
            }
            target.username = Some(username.clone());
        }
        match (&self.redis_password, &self.redis_password_file) {
            (Some(_), Some(_)) => errors.push(
                "cache.redis_password and cache.redis_password_file: set one, not both \
                 (CARDMESH_REDIS_PASSWORD or CARDMESH_REDIS_PASSWORD_FILE)"
                    .into(),
            ),
            (Some(password), None) => target.password = Some(password.clone()),
            (None, Some(path)) => match read_password(path) {
                Ok(password) => target.password = Some(password),
                Err(e) => errors.push(format!("cache.redis_password_file: {e} (CARDMESH_REDIS_PASSWORD_FILE)")),
            },
            (None, None) => {}
        }
        if target.username.is_some() && target.password.is_none() {
            errors.push(
                "cache.redis_username: an ACL user needs its password; set cache.redis_password \
                 (CARDMESH_REDIS_PASSWORD), cache.redis_password_file, or put it in the URL"
                    .into(),
            );
        }
        let tls = &self.redis_tls;
        if tls.is_set() && !target.tls {
            errors.push(
                "cache.redis_tls: set, but cache.redis_url does not use TLS; write rediss:// (or \
                 rediss-cluster://, rediss-sentinel://), or remove the TLS files"
                    .into(),
            );
        }
        if tls.cert_file.is_some() != tls.key_file.is_some() {
            errors.push(
                "cache.redis_tls: cert_file and key_file go together; set both (CARDMESH_REDIS_CERT_FILE, \
                 CARDMESH_REDIS_KEY_FILE) or neither"
                    .into(),
            );
        } else if let Err(e) = tls.pem() {
            errors.push(format!("cache.redis_tls: {e}"));
        }
        if errors.is_empty() {
            Ok(Some(target))
        } else {
            Err(errors)
        }
    }
}

/// The other rules of the Redis settings: the namespace and the start-up wait.
pub(super) fn validate(cache: &CacheSettings, errors: &mut Vec<String>) {
    if let Err(mut e) = cache.redis_target() {
        errors.append(&mut e);
    }
    if let Some(namespace) = &cache.namespace {
        let fine = namespace.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if namespace.is_empty() || namespace.len() > MAX_NAMESPACE_CHARS || !fine {
            errors.push(format!(
                "cache.namespace: {namespace:?} must be 1 to {MAX_NAMESPACE_CHARS} letters, digits, '.', '_' or \
                 '-', e.g. staging (CARDMESH_CACHE_NAMESPACE); it prefixes every key, outside the {{…}} hash tag"
            ));
        }
    }
    if cache.required_to_start && !cache.enabled {
        errors.push(
            "cache.required_to_start: set, but the cache is off (cache.enabled = false); turn one of them off".into(),
        );
    }
    if cache.start_timeout.is_zero() {
        errors.push("cache.start_timeout: must be above 0 (default 10s; CARDMESH_CACHE_START_TIMEOUT)".into());
    }
}

/// The first line of the file at `path`, without its line ending; not empty.
fn read_password(path: &std::path::Path) -> Result<Secret, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let password = text.lines().next().unwrap_or_default();
    if password.is_empty() {
        return Err(format!("{} is empty; put the password on its first line", path.display()));
    }
    Ok(Secret::new(password))
}

/// Reads `url` (one of the forms of the module comment). Errors never quote the URL.
fn parse_url(raw: &str) -> Result<RedisTarget, String> {
    let not_redis = || format!("not a Redis URL; write it as {FORMS}");
    let url = url::Url::parse(raw).map_err(|_| not_redis())?;
    if url.fragment().is_some() {
        return Err("a #fragment such as #insecure (which would turn off certificate checks) is not \
                    accepted; give Redis's CA with cache.redis_tls.ca_file (CARDMESH_REDIS_CA_FILE) instead"
            .into());
    }
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let username = Some(decode(url.username())).filter(|u| !u.is_empty());
    let password = url.password().map(|p| Secret::new(decode(p)));
    let (kind, tls) = match url.scheme() {
        "redis" | "unix" | "redis+unix" => ("single", false),
        "rediss" => ("single", true),
        "redis-cluster" => ("cluster", false),
        "rediss-cluster" => ("cluster", true),
        "redis-sentinel" => ("sentinel", false),
        "rediss-sentinel" => ("sentinel", true),
        _ => return Err(not_redis()),
    };
    if kind == "single" {
        // Read as the client will read it, so that what passes here connects later.
        use ::redis::IntoConnectionInfo as _;
        let info = raw.into_connection_info().map_err(|_| not_redis())?;
        let settings = info.redis_settings();
        return Ok(RedisTarget {
            topology: RedisTopology::Single { url: Secret::new(raw) },
            tls,
            username: settings.username().map(str::to_owned),
            password: settings.password().map(Secret::new),
            db: settings.db(),
        });
    }
    let default_port = if kind == "cluster" { 6379 } else { 26379 };
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(not_redis)?;
    let mut nodes = vec![NodeAddress {
        host: host.trim_start_matches('[').trim_end_matches(']').to_owned(),
        port: url.port().unwrap_or(default_port),
    }];
    let db = match url.path().trim_start_matches('/') {
        "" => 0,
        db => db.parse::<i64>().map_err(|_| format!("the path must be a database number, not {db:?}"))?,
    };
    if kind == "cluster" && db != 0 {
        return Err("Redis Cluster has database 0 only; drop the /DB path".into());
    }
    let (mut service_name, mut sentinel_username, mut sentinel_password) = (None, None, None);
    for (name, value) in url.query_pairs() {
        match (kind, name.as_ref()) {
            (_, "node") => nodes.push(parse_node(&value, default_port)?),
            ("sentinel", "sentinelServiceName") => service_name = Some(value.into_owned()),
            ("sentinel", "sentinelUsername") => sentinel_username = Some(value.into_owned()),
            ("sentinel", "sentinelPassword") => sentinel_password = Some(Secret::new(value.into_owned())),
            _ => {
                let known = if kind == "cluster" {
                    "node"
                } else {
                    "node, sentinelServiceName, sentinelUsername, sentinelPassword"
                };
                return Err(format!(
                    "unknown parameter {:?} (known: {known})",
                    name.chars().take(40).collect::<String>()
                ));
            }
        }
    }
    let topology = if kind == "cluster" {
        RedisTopology::Cluster { nodes }
    } else {
        let service_name = service_name.filter(|s| !s.is_empty()).ok_or_else(|| {
            "Sentinel needs the name of the monitored primary: add ?sentinelServiceName=NAME (as in \
             sentinel monitor NAME …)"
                .to_owned()
        })?;
        RedisTopology::Sentinel { sentinels: nodes, service_name, sentinel_username, sentinel_password }
    };
    Ok(RedisTarget { topology, tls, username, password, db })
}

/// `HOST:PORT` (or `HOST`, with `default_port`; `[v6]:PORT` for IPv6).
fn parse_node(value: &str, default_port: u16) -> Result<NodeAddress, String> {
    let bad = || "node=… must be HOST:PORT, e.g. node=10.0.0.2:6379".to_owned();
    let url = url::Url::parse(&format!("redis://{value}")).map_err(|_| bad())?;
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(bad)?;
    if !matches!(url.path(), "" | "/") || url.username() != "" || url.password().is_some() {
        return Err(bad());
    }
    Ok(NodeAddress {
        host: host.trim_start_matches('[').trim_end_matches(']').to_owned(),
        port: url.port().unwrap_or(default_port),
    })
}

#[cfg(test)]
mod tests;
