//! The configuration as written: the TOML file of `CARDMESH_BRIDGE_CONFIG` (or the three
//! single-endpoint variables), before it is checked by [`super::BridgeConfig::from_raw`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// Default `timeout` of an endpoint request: 1.5 s, below the gateway's default per-service
/// deadline (`fanout.service_deadline`, 2 s), so the bridge answers a card error for a slow
/// endpoint before the gateway gives up on the whole call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(1500);
/// Default `default_ttl` of an endpoint's cards: 300 s.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);
/// Default `max_body_bytes`: 1 MiB. Plain's cards are small; a bigger answer is an error.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default `service_name`: what `Describe` announces and logs and metrics show.
pub const DEFAULT_SERVICE_NAME: &str = "http-bridge";

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// The name the bridge announces to the gateway (default `http-bridge`).
    #[serde(default)]
    pub service_name: Option<String>,
    /// One `[[endpoint]]` table per existing card endpoint.
    #[serde(default)]
    pub endpoint: Vec<RawEndpoint>,
}

/// What a card depends on, as written (`customer`, `thread` or `tenant`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawScope {
    /// The default.
    #[default]
    Customer,
    Thread,
    Tenant,
}

/// One `[[endpoint]]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    /// A short name for logs and metrics (`[a-zA-Z0-9_-]+`, unique).
    pub name: String,
    /// The URL Plain would POST to (`http://` or `https://`).
    pub url: String,
    /// The card keys this endpoint answers (at least one; each claimed by one endpoint only).
    pub keys: Vec<String>,
    /// What the cards' data depends on (default `customer`).
    #[serde(default)]
    pub scope: RawScope,
    /// How long the gateway may cache a card the endpoint sets no `timeToLiveSeconds` for
    /// (default `5m`).
    #[serde(default = "default_ttl", with = "humantime_serde")]
    pub default_ttl: Duration,
    /// Extra headers sent with every request, e.g. `Authorization`, as configured in Plain's
    /// card settings. Their values are never logged.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Plain's request-signing secret for this endpoint (`Plain-Request-Signature`).
    #[serde(default)]
    pub signing_secret: Option<String>,
    /// The name of an environment variable that holds the signing secret instead.
    #[serde(default)]
    pub signing_secret_env: Option<String>,
    /// The whole request's time limit (default `1500ms`, below the gateway's 2 s deadline).
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// The largest answer body accepted, in bytes (default 1 MiB).
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// A PEM file of CA certificates that an `https://` endpoint's certificate must chain to,
    /// instead of the system roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for RawEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawEndpoint")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("keys", &self.keys)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl RawEndpoint {
    /// An endpoint with every optional field at its default.
    pub fn new(name: &str, url: &str, keys: Vec<String>) -> Self {
        Self {
            name: name.to_owned(),
            url: url.to_owned(),
            keys,
            scope: RawScope::default(),
            default_ttl: DEFAULT_TTL,
            headers: BTreeMap::new(),
            signing_secret: None,
            signing_secret_env: None,
            timeout: DEFAULT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            ca_file: None,
        }
    }
}

fn default_ttl() -> Duration {
    DEFAULT_TTL
}

fn default_timeout() -> Duration {
    DEFAULT_TIMEOUT
}

fn default_max_body_bytes() -> usize {
    DEFAULT_MAX_BODY_BYTES
}
