//! The bridge's configuration: which endpoints, which keys, how to call them.
//!
//! Two ways to write it:
//! - a TOML file named by `CARDMESH_BRIDGE_CONFIG`, one `[[endpoint]]` table per endpoint
//!   (fields in [`file::RawEndpoint`]);
//! - one endpoint without a file: `CARDMESH_BRIDGE_URL`, `CARDMESH_BRIDGE_KEYS`
//!   (comma-separated) and, optionally, `CARDMESH_BRIDGE_SECRET`.
//!
//! A configuration with a problem is refused as a whole: [`ConfigError`] lists every problem,
//! each naming its field (`endpoint[1].keys[0]`) and how to fix it.

mod check;
pub mod file;
#[cfg(test)]
mod tests;

use std::fmt;
use std::time::Duration;

use cardmesh_kit::Scope;
use http::HeaderMap;
use url::Url;

pub use file::{RawConfig, RawEndpoint, RawScope};

/// Names a TOML configuration file.
pub const CONFIG_ENV: &str = "CARDMESH_BRIDGE_CONFIG";
/// The URL of the one endpoint (without a file).
pub const URL_ENV: &str = "CARDMESH_BRIDGE_URL";
/// Its card keys, comma-separated.
pub const KEYS_ENV: &str = "CARDMESH_BRIDGE_KEYS";
/// Its signing secret (optional: without one, requests are not signed).
pub const SECRET_ENV: &str = "CARDMESH_BRIDGE_SECRET";
/// The name of the one endpoint configured by [`URL_ENV`].
pub const SINGLE_ENDPOINT_NAME: &str = "endpoint";

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct BridgeConfig {
    /// The name announced to the gateway.
    pub service_name: String,
    /// At least one endpoint; no key belongs to two of them.
    pub endpoints: Vec<Endpoint>,
}

/// A checked endpoint.
#[derive(Clone)]
pub struct Endpoint {
    /// Name for logs and metrics.
    pub name: String,
    /// Where requests go: an `http` or `https` URL.
    pub url: Url,
    /// The card keys it answers, unique, valid Plain keys.
    pub keys: Vec<String>,
    /// What its cards depend on.
    pub scope: Scope,
    /// Announced default TTL of its cards.
    pub default_ttl: Duration,
    /// Configured extra headers (values secret: never logged).
    pub headers: HeaderMap,
    /// The signing secret, when requests are signed.
    pub signing_secret: Option<String>,
    /// The whole request's time limit.
    pub timeout: Duration,
    /// The largest answer body accepted, in bytes.
    pub max_body_bytes: usize,
    /// PEM CA certificates to verify an `https` endpoint against instead of the system roots.
    pub ca_pem: Option<Vec<u8>>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .field("url", &self.url.as_str())
            .field("keys", &self.keys)
            .field("scope", &self.scope)
            .field("default_ttl", &self.default_ttl)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("signed", &self.signing_secret.is_some())
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("custom_ca", &self.ca_pem.is_some())
            .finish()
    }
}

/// Every problem of a refused configuration, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid http-bridge configuration:")?;
        for problem in &self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    fn one(problem: impl Into<String>) -> Self {
        Self(vec![problem.into()])
    }
}

impl BridgeConfig {
    /// The configuration from the process environment (see the module docs).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok(), |path| std::fs::read_to_string(path))
    }

    /// The configuration from `var` (environment variables) and `read` (files), for tests.
    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
        read: impl Fn(&str) -> std::io::Result<String>,
    ) -> Result<Self, ConfigError> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let raw = match (set(CONFIG_ENV), set(URL_ENV)) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::one(format!(
                    "{CONFIG_ENV} and {URL_ENV} are both set; use the file or the variables, not both"
                )))
            }
            (Some(path), None) => {
                let text =
                    read(&path).map_err(|e| ConfigError::one(format!("{CONFIG_ENV}: cannot read {path:?}: {e}")))?;
                Self::parse_toml(&text)
                    .map_err(|e| ConfigError(e.0.into_iter().map(|p| format!("{path}: {p}")).collect()))?
            }
            (None, Some(url)) => {
                let keys = var(KEYS_ENV).unwrap_or_default();
                let keys = keys.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect();
                let mut endpoint = RawEndpoint::new(SINGLE_ENDPOINT_NAME, url.trim(), keys);
                endpoint.signing_secret = var(SECRET_ENV).filter(|s| !s.is_empty());
                RawConfig { service_name: None, endpoint: vec![endpoint] }
            }
            (None, None) => {
                return Err(ConfigError::one(format!(
                    "no endpoint configured: set {CONFIG_ENV} to a TOML file with [[endpoint]] \
                     tables, or {URL_ENV} and {KEYS_ENV} (and {SECRET_ENV}) for one endpoint"
                )))
            }
        };
        Self::from_raw(raw, &var, &read)
    }

    /// Parses TOML text into the raw form (unknown fields refused).
    pub fn parse_toml(text: &str) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::one(e.to_string().trim_end().to_owned()))
    }

    /// Checks `raw`; `var` resolves `signing_secret_env`, `read` reads `ca_file`.
    pub fn from_raw(
        raw: RawConfig,
        var: &dyn Fn(&str) -> Option<String>,
        read: &dyn Fn(&str) -> std::io::Result<String>,
    ) -> Result<Self, ConfigError> {
        check::check(raw, var, read)
    }

    /// The endpoint index of every configured key.
    pub fn owner_of(&self, key: &str) -> Option<usize> {
        self.endpoints.iter().position(|e| e.keys.iter().any(|k| k == key))
    }
}
