//! One typed configuration tree for the gateway.
//!
//! Layers, later wins: built-in defaults, the optional TOML file (`--config`), then the
//! environment variables listed in [`env`]. [`Config::validate`] runs before anything starts
//! and every error names the field and how to fix it.

mod actions;
mod admin;
mod cache;
mod defaults;
mod env;
mod exposure;
mod plain_api;
mod policy;
mod redis;
pub mod reference;
mod secret;
mod security;
mod server;
mod shutdown;
mod signing;
mod validate;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

pub use self::redis::{NodeAddress, RedisTarget, RedisTls, RedisTopology, MAX_NAMESPACE_CHARS};
pub use actions::{ActionSettings, ACTION_BUDGET, MAX_ACTION_DEADLINE, MIN_IDEMPOTENCY_WINDOW};
pub use admin::{parse_allowed_host, AdminSettings, MIN_TOKEN_CHARS};
pub use cache::DEVELOPMENT_REDIS_PASSWORD;
pub use env::{telemetry_env, EnvOverrides, ENV_VARS, RETIRED_ADMIN_TOKEN_ENV, TELEMETRY_ENV_VARS};
pub use exposure::DEVELOPMENT_SECRET;
pub use plain_api::{PlainApiSettings, PLAIN_API_URL};
pub use policy::{names_endpoint, resolve, resolve_tls, CallPolicy, CardServicePolicies, PolicyOverride, ServiceTls};
pub use secret::Secret;
pub use security::{RateLimit, RateLimits, RequiredHeaders, TlsSettings};
pub use server::{ServerSettings, MAX_CONNECTIONS_LIMIT};
pub use shutdown::{ShutdownSettings, EXIT_MARGIN, KUBERNETES_TERMINATION_GRACE, MAX_SHUTDOWN};
pub use signing::{SignatureSettings, SigningSecrets};

/// Plain gives up on a card request after 15 s; the overall budget must stay below it.
pub const PLAIN_TIMEOUT: Duration = Duration::from_secs(15);

/// The whole gateway configuration.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the Plain endpoint listens on (default: `0.0.0.0:8080`).
    pub listen: SocketAddr,
    /// Address of the admin listener, which serves `GET /metrics` (Prometheus text),
    /// `POST /admin/invalidate` and the preview; keep it off the public network. It must not
    /// share `listen`'s port (default: `127.0.0.1:9090`).
    pub admin_listen: SocketAddr,
    /// The host address `listen` is reachable on from outside, when something in front of
    /// the gateway publishes it, e.g. Docker's port publishing (`CARDMESH_PUBLISH_ADDR` in
    /// docker-compose.yml). The gateway refuses to start when this address (or, without it,
    /// `listen`'s) is not loopback while [`DEVELOPMENT_SECRET`] is a signing secret
    /// (default: none, `listen`'s address counts).
    pub publish_address: Option<IpAddr>,
    /// HMAC-SHA256 secrets Plain signs with (Plain: Settings → Request signing): a list (any one may match, so a secret can be
    /// rotated without downtime), or a table of workspace id to that workspace's list
    /// (default: none). See [`SigningSecrets`].
    pub signing_secrets: SigningSecrets,
    /// Checks of signed requests beyond the signature: the replay window (default: off).
    pub signature: SignatureSettings,
    /// Accept requests without a `Plain-Request-Signature` header. Local development only
    /// (default: false): refused at startup unless the gateway is reachable on loopback only
    /// (`listen`, or `publish_address` when set). A signature that is present is still checked
    /// against the secrets.
    pub allow_unsigned: bool,
    /// gRPC endpoints of the card services, e.g. `http://127.0.0.1:50051` (default: none).
    /// Their order decides who keeps a card key that two services claim: the first.
    pub services: Vec<String>,
    /// Request limits.
    pub limits: Limits,
    /// Connection limits of both listeners: header, body and idle timeouts, and the most
    /// open connections.
    pub server: ServerSettings,
    /// How the gateway stops on SIGTERM or Ctrl-C: the drain period (default 5s), then the
    /// grace period of the requests in flight (default 15s).
    pub shutdown: ShutdownSettings,
    /// Deadlines of the calls to card services.
    pub fanout: Fanout,
    /// Per-service call settings: `[card_services.all]` plus `[card_services.<host>]`.
    pub card_services: CardServicePolicies,
    /// How the routing table is learned from the services' `Describe`.
    pub discovery: Discovery,
    /// The card served when a card's service failed.
    pub fallback: Fallback,
    /// The response cache.
    pub cache: CacheSettings,
    /// The admin listener's tokens (a service token that only invalidates, an operator token
    /// for the preview and the validator) and the `Host` names it answers to (default: no
    /// tokens, so its token-protected routes answer 404; loopback names only).
    pub admin: AdminSettings,
    /// TLS termination of the Plain endpoint, optionally requiring client certificates.
    pub tls: TlsSettings,
    /// Headers every card request must carry, name to exact value, compared in constant
    /// time (default: none).
    pub required_headers: RequiredHeaders,
    /// Rate limits of the card endpoint (default: off).
    pub rate_limits: RateLimits,
    /// Plain's GraphQL API, to make Plain reload invalidated cards and to find the customer
    /// of an action (default: off).
    pub plain_api: PlainApiSettings,
    /// Card actions, `POST /actions/{name}` (Plain's workflow buttons): the call's deadline
    /// and the idempotency window.
    pub actions: ActionSettings,
}

/// Request limits.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest accepted request body in bytes; larger bodies get 413, and a `Content-Length`
    /// over it is refused before the body is read (default: 65536).
    pub max_body_bytes: usize,
    /// Most distinct card keys in one request; Plain allows 25 per workspace (default: 25).
    pub max_card_keys: usize,
    /// Largest rendered card in bytes; a bigger one is replaced by the fallback card and logged
    /// (default: 32768).
    pub max_card_bytes: usize,
    /// Largest answer in bytes; beyond it the biggest cards are replaced by fallback cards
    /// until it fits (default: 262144).
    pub max_response_bytes: usize,
}

/// Deadlines of the calls to card services.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Fanout {
    /// Deadline for one card service call (default: 2s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub service_deadline: Duration,
    /// Budget for all the work on one Plain request; must stay below Plain's 15 s
    /// (default: 10s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub overall_budget: Duration,
    /// Deadline for opening a connection to a card service (default: 1s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub connect_timeout: Duration,
}

/// How the routing table is learned.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Discovery {
    /// How often every service is asked to `Describe` itself again (default: 30s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub refresh_interval: Duration,
    /// How soon a service that has not answered `Describe` yet is asked again (default: 1s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub retry_interval: Duration,
    /// Deadline of one `Describe` call (default: 2s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub describe_timeout: Duration,
}

/// The card served when a card's service failed.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Fallback {
    /// `timeToLiveSeconds` of a fallback card, so Plain asks again soon (default: 30).
    pub ttl_seconds: u32,
    /// The muted text the fallback card shows.
    pub text: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            publish_address: None,
            signing_secrets: SigningSecrets::default(),
            signature: SignatureSettings::default(),
            allow_unsigned: false,
            services: Vec::new(),
            limits: Limits::default(),
            server: ServerSettings::default(),
            shutdown: ShutdownSettings::default(),
            fanout: Fanout::default(),
            card_services: Default::default(),
            discovery: Discovery::default(),
            fallback: Fallback::default(),
            cache: CacheSettings::default(),
            admin: AdminSettings::default(),
            tls: TlsSettings::default(),
            required_headers: RequiredHeaders::new(),
            rate_limits: RateLimits::default(),
            plain_api: PlainApiSettings::default(),
            actions: ActionSettings::default(),
        }
    }
}

/// The response cache.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CacheSettings {
    /// Cache rendered cards at all; `false` turns request coalescing off too (default: true).
    pub enabled: bool,
    /// Redis URL, e.g. `redis://127.0.0.1:6379/0`, with the password when Redis requires
    /// one: `redis://:PASSWORD@redis:6379/0`; `rediss://` for TLS, `redis-cluster://` and
    /// `redis-sentinel://` (`rediss-…` over TLS) for Redis Cluster and Sentinel (the forms are
    /// in [`RedisTarget`]'s module). Without it an in-process cache serves this gateway alone.
    /// The gateway refuses to start with the development password
    /// `dev-redis-password-do-not-use-in-production` unless it is published on loopback
    /// (default: none).
    pub redis_url: Option<Secret>,
    /// The Redis ACL user; overrides the URL's (default: none, the URL's, else Redis's
    /// `default` user).
    pub redis_username: Option<String>,
    /// The Redis password; overrides the URL's, so that it can come from a secret of its own
    /// (default: none, the URL's).
    pub redis_password: Option<Secret>,
    /// A file whose first line is the Redis password (a mounted secret); overrides the URL's.
    /// Not together with `redis_password` (default: none).
    pub redis_password_file: Option<PathBuf>,
    /// TLS files for a `rediss` URL: `ca_file`, and `cert_file` with `key_file` for mutual
    /// TLS (default: none: the system's roots, no client certificate).
    pub redis_tls: RedisTls,
    /// A prefix of every key (`<namespace>:cardmesh:v3:…`), so that gateways of several
    /// environments can share one Redis without seeing each other's cards: 1 to 64 letters,
    /// digits, `.`, `_` or `-` (default: none, keys start with `cardmesh:`).
    pub namespace: Option<String>,
    /// Refuse to start until Redis answers: start-up waits up to `start_timeout`, then the
    /// gateway exits with an error naming Redis's address and the problem (default: false:
    /// the gateway starts without Redis, every card a miss until Redis answers).
    pub required_to_start: bool,
    /// How long start-up waits for Redis with `required_to_start` (default: 10s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub start_timeout: Duration,
    /// The key that seals card entries in Redis (HMAC-SHA256, bound to each entry's key),
    /// so that only gateways write entries a gateway will serve; every replica needs the
    /// same, and no card service may have it. At least 32 characters (default: derived
    /// from all the signing secrets, so a change of them empties the cache once; without
    /// any, a random key of this process alone).
    pub entry_key: Option<Secret>,
    /// Most entries of the in-process cache (default: 10000).
    pub memory_capacity: u64,
    /// TTL of a card whose service set none, neither per answer nor in `Describe`
    /// (default: 5m).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub default_ttl: Duration,
    /// Longest time a card is cached, whatever the service asks (default: 1day).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub max_ttl: Duration,
    /// How long a card's last good copy is kept after it expires, to be served when its
    /// service fails; 0 turns stale-if-error off (default: 24h).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub stale_window: Duration,
    /// Deadline of one cache read; a slower read is a miss (default: 100ms).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub read_timeout: Duration,
    /// Deadline of one batch of cache writes (default: 500ms).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub write_timeout: Duration,
    /// Deadline of connecting to Redis (default: 500ms).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub connect_timeout: Duration,
    /// Consecutive Redis errors after which Redis is skipped for `cooldown` (default: 3).
    pub failure_threshold: u32,
    /// How long Redis is skipped before one probe (default: 5s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub cooldown: Duration,
    /// Cache writes waiting to be sent; beyond it writes are dropped (default: 10000).
    pub write_queue: usize,
    /// How long this gateway keeps what it read from or wrote to Redis in memory, so a
    /// customer opened again meanwhile costs no round trip; other replicas' writes and
    /// invalidations are seen after at most this long. At most 60s; 0 turns it off; unused without Redis
    /// (default: 1s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub near_ttl: Duration,
    /// Most entries of that in-memory copy (default: 10000).
    pub near_capacity: u64,
    /// A card asked for again in the same context (workspace, customer, thread, tenant)
    /// within this long of the gateway's answer is a duplicate (Plain's retry, which comes
    /// after 1s, or two of Plain's workers at once) and shares the flight or the copy just
    /// drawn; asked for later while Plain still holds the answer, it is a reload and is drawn
    /// from its service. 0 makes every repeat a reload (default: 2s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub duplicate_window: Duration,
}

/// The file key of the one admin token, replaced by `[admin]`'s two tokens.
const RETIRED_ADMIN_TOKEN_KEY: &str = "admin_token";

/// A configuration that cannot be used; the message names the field and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("{0}")]
    Env(String),
    #[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

impl Config {
    /// Loads defaults, then `file` (when given), then the environment, and validates.
    pub fn load(file: Option<&Path>, env: &EnvOverrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Env(format!(
                    "config file {} does not exist (check --config)",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
            if figment.find_value(RETIRED_ADMIN_TOKEN_KEY).is_ok() {
                return Err(ConfigError::Env(format!(
                    "{RETIRED_ADMIN_TOKEN_KEY} (in {}): {}",
                    path.display(),
                    env::RETIRED_ADMIN_TOKEN
                )));
            }
        }
        figment = figment.merge(Serialized::globals(env.to_dict()?));
        let config: Config = figment.extract().map_err(|e| ConfigError::Load(Box::new(e)))?;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
