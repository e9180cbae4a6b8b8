//! The one place the gateway reads its environment.
//!
//! Each variable is parsed as its field's type here, so a value such as a numeric secret is
//! never reinterpreted, and a bad value is reported with the variable's name.

use std::collections::BTreeMap;

use cardmesh_telemetry::TelemetryEnv;
use figment::value::{Dict, Value};

use super::ConfigError;

/// How an environment value maps into the config tree.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Bool,
    List,
    Integer,
    /// `WORKSPACE=SECRET|SECRET,…`: a table of lists.
    WorkspaceTable,
}

/// Every environment variable the gateway reads: name and config path.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("CARDMESH_LISTEN", "listen"),
    ("CARDMESH_ADMIN_LISTEN", "admin_listen"),
    ("CARDMESH_PUBLISH_ADDR", "publish_address"),
    ("CARDMESH_SIGNING_SECRETS", "signing_secrets"),
    ("CARDMESH_WORKSPACE_SECRETS", "signing_secrets"),
    ("CARDMESH_SIGNATURE_MAX_AGE", "signature.max_age"),
    ("CARDMESH_ALLOW_UNSIGNED", "allow_unsigned"),
    ("CARDMESH_SERVICES", "services"),
    ("CARDMESH_MAX_BODY_BYTES", "limits.max_body_bytes"),
    ("CARDMESH_HEADER_READ_TIMEOUT", "server.header_read_timeout"),
    ("CARDMESH_BODY_READ_TIMEOUT", "server.body_read_timeout"),
    ("CARDMESH_IDLE_TIMEOUT", "server.idle_timeout"),
    ("CARDMESH_MAX_CONNECTIONS", "server.max_connections"),
    ("CARDMESH_SHUTDOWN_DRAIN", "shutdown.drain_period"),
    ("CARDMESH_SHUTDOWN_GRACE", "shutdown.grace_period"),
    ("CARDMESH_SERVICE_DEADLINE", "fanout.service_deadline"),
    ("CARDMESH_OVERALL_BUDGET", "fanout.overall_budget"),
    ("CARDMESH_FALLBACK_TTL_SECONDS", "fallback.ttl_seconds"),
    ("CARDMESH_REDIS_URL", "cache.redis_url"),
    ("CARDMESH_REDIS_USERNAME", "cache.redis_username"),
    ("CARDMESH_REDIS_PASSWORD", "cache.redis_password"),
    ("CARDMESH_REDIS_PASSWORD_FILE", "cache.redis_password_file"),
    ("CARDMESH_REDIS_CA_FILE", "cache.redis_tls.ca_file"),
    ("CARDMESH_REDIS_CERT_FILE", "cache.redis_tls.cert_file"),
    ("CARDMESH_REDIS_KEY_FILE", "cache.redis_tls.key_file"),
    ("CARDMESH_CACHE_NAMESPACE", "cache.namespace"),
    ("CARDMESH_CACHE_REQUIRED_TO_START", "cache.required_to_start"),
    ("CARDMESH_CACHE_START_TIMEOUT", "cache.start_timeout"),
    ("CARDMESH_CACHE_ENTRY_KEY", "cache.entry_key"),
    ("CARDMESH_CACHE", "cache.enabled"),
    ("CARDMESH_CACHE_CAPACITY", "cache.memory_capacity"),
    ("CARDMESH_STALE_WINDOW", "cache.stale_window"),
    ("CARDMESH_CACHE_MAX_TTL", "cache.max_ttl"),
    ("CARDMESH_CACHE_NEAR_TTL", "cache.near_ttl"),
    ("CARDMESH_CACHE_DUPLICATE_WINDOW", "cache.duplicate_window"),
    ("CARDMESH_SERVICE_TOKEN", "admin.service_token"),
    ("CARDMESH_OPERATOR_TOKEN", "admin.operator_token"),
    ("CARDMESH_ADMIN_ALLOWED_HOSTS", "admin.allowed_hosts"),
    ("CARDMESH_PLAIN_API_KEY", "plain_api.api_key"),
    ("CARDMESH_PLAIN_API_URL", "plain_api.api_url"),
    ("CARDMESH_PLAIN_API_ALLOW_HTTP", "plain_api.allow_http"),
    ("CARDMESH_ACTION_DEADLINE", "actions.deadline"),
    ("CARDMESH_ACTION_IDEMPOTENCY_WINDOW", "actions.idempotency_window"),
    ("CARDMESH_TLS_CERT_FILE", "tls.cert_file"),
    ("CARDMESH_TLS_KEY_FILE", "tls.key_file"),
    ("CARDMESH_TLS_CLIENT_CA_FILE", "tls.client_ca_file"),
    ("CARDMESH_REQUIRED_AUTHORIZATION", "required_headers.authorization"),
    ("CARDMESH_RATE_LIMIT_PER_IP", "rate_limits.per_client_ip.requests"),
    ("CARDMESH_RATE_LIMIT_PER_WORKSPACE", "rate_limits.per_workspace.requests"),
];

/// The one admin token's variable, replaced by [`ENV_VARS`]' `CARDMESH_SERVICE_TOKEN` and
/// `CARDMESH_OPERATOR_TOKEN`. Still read, so that a gateway upgraded with it set refuses to
/// start and says why instead of silently turning the admin routes off.
pub const RETIRED_ADMIN_TOKEN_ENV: &str = "CARDMESH_ADMIN_TOKEN";

/// What replaced the one admin token (the start of the startup error when it is set).
pub(super) const RETIRED_ADMIN_TOKEN: &str = "the one admin token is gone: card services and operators now \
     have a token each. Set admin.service_token (CARDMESH_SERVICE_TOKEN) for the card services, which \
     may only POST /admin/invalidate (they send it as CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN), and \
     admin.operator_token (CARDMESH_OPERATOR_TOKEN) for the preview and the validator; make each \
     with `openssl rand -hex 32`, then remove the old setting";

/// The logging and tracing variables (`RUST_LOG`, `CARDMESH_LOG_FORMAT`, the OTLP endpoint
/// and the switches that turn tracing off), with what each does. They are not part of the
/// config tree: logging starts before the configuration is read. The OpenTelemetry SDK
/// reads the other standard `OTEL_*` variables itself.
pub use cardmesh_telemetry::ENV_VARS as TELEMETRY_ENV_VARS;

/// Reads [`TELEMETRY_ENV_VARS`] from the process environment.
pub fn telemetry_env() -> TelemetryEnv {
    TelemetryEnv::from_lookup(|name| std::env::var(name).ok())
}

fn kind_of(name: &str, path: &str) -> Kind {
    if name == "CARDMESH_WORKSPACE_SECRETS" {
        return Kind::WorkspaceTable;
    }
    match path {
        "allow_unsigned" | "cache.enabled" | "cache.required_to_start" | "plain_api.allow_http" => Kind::Bool,
        "signing_secrets" | "services" | "admin.allowed_hosts" => Kind::List,
        "limits.max_body_bytes" | "fallback.ttl_seconds" | "cache.memory_capacity" => Kind::Integer,
        "server.max_connections" => Kind::Integer,
        "rate_limits.per_client_ip.requests" | "rate_limits.per_workspace.requests" => Kind::Integer,
        _ => Kind::Text,
    }
}

/// The gateway's environment variables, captured once (tests build their own).
#[derive(Debug, Clone, Default)]
pub struct EnvOverrides(BTreeMap<String, String>);

impl EnvOverrides {
    /// Captures the variables of [`ENV_VARS`] from the process environment.
    pub fn from_process() -> Self {
        Self(
            ENV_VARS
                .iter()
                .map(|(name, _)| *name)
                .chain([RETIRED_ADMIN_TOKEN_ENV])
                .filter_map(|name| std::env::var(name).ok().map(|v| (name.to_owned(), v)))
                .collect(),
        )
    }

    /// The first of `CARDMESH_SIGNING_SECRETS`, if any: the secret `cardmesh-gateway sign`
    /// signs with when given no `--secret`.
    pub fn first_signing_secret(&self) -> Option<String> {
        let list = self.0.get("CARDMESH_SIGNING_SECRETS")?;
        list.split(',').map(str::trim).find(|s| !s.is_empty()).map(str::to_owned)
    }

    /// Builds overrides from name/value pairs (for tests and tools).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
    }

    /// The overrides as a nested figment dictionary.
    pub(super) fn to_dict(&self) -> Result<Dict, ConfigError> {
        let mut root = Dict::new();
        let set = |name: &str| self.0.get(name).is_some_and(|v| !v.trim().is_empty());
        let both = set("CARDMESH_SIGNING_SECRETS") && set("CARDMESH_WORKSPACE_SECRETS");
        // docker-compose.yml passes the development secret as CARDMESH_SIGNING_SECRETS
        // unless told otherwise; it gives way to a workspace table rather than conflicting.
        let development_gives_way =
            both && self.0.get("CARDMESH_SIGNING_SECRETS").is_some_and(|v| v.trim() == super::DEVELOPMENT_SECRET);
        if both && !development_gives_way {
            return Err(ConfigError::Env(
                "CARDMESH_SIGNING_SECRETS and CARDMESH_WORKSPACE_SECRETS are both set; use one: \
                 a shared list, or WORKSPACE_ID=SECRET|SECRET pairs"
                    .into(),
            ));
        }
        if set(RETIRED_ADMIN_TOKEN_ENV) {
            return Err(ConfigError::Env(format!("{RETIRED_ADMIN_TOKEN_ENV}: {RETIRED_ADMIN_TOKEN}")));
        }
        for (name, path) in ENV_VARS {
            // An empty variable counts as unset (compose passes `${VAR:-}` through).
            let Some(raw) = self.0.get(*name).filter(|v| !v.trim().is_empty()) else { continue };
            if development_gives_way && *name == "CARDMESH_SIGNING_SECRETS" {
                continue;
            }
            let value = parse(name, raw, kind_of(name, path))?;
            insert(&mut root, path, value);
        }
        Ok(root)
    }
}

fn parse(name: &str, raw: &str, kind: Kind) -> Result<Value, ConfigError> {
    let raw_trimmed = raw.trim();
    Ok(match kind {
        Kind::Text => Value::from(raw_trimmed.to_owned()),
        Kind::Bool => match raw_trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Value::from(true),
            "false" | "0" | "no" | "off" => Value::from(false),
            _ => return Err(ConfigError::Env(format!("{name}: expected true or false, got {raw_trimmed:?}"))),
        },
        Kind::Integer => {
            let n: u64 = raw_trimmed
                .parse()
                .map_err(|_| ConfigError::Env(format!("{name}: expected a whole number, got {raw_trimmed:?}")))?;
            Value::from(n)
        }
        Kind::WorkspaceTable => {
            let table = super::signing::parse_workspace_secrets(name, raw).map_err(ConfigError::Env)?;
            let mut dict = Dict::new();
            for (workspace, secrets) in table {
                dict.insert(workspace, Value::from(secrets.into_iter().map(Value::from).collect::<Vec<_>>()));
            }
            Value::from(dict)
        }
        Kind::List => Value::from(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::from(s.to_owned()))
                .collect::<Vec<_>>(),
        ),
    })
}

fn insert(root: &mut Dict, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            root.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let entry = root.entry(head.to_owned()).or_insert_with(|| Value::from(Dict::new()));
            if let Value::Dict(_, child) = entry {
                insert(child, rest, value);
            }
        }
    }
}
