//! Per-service call settings: an `all` block plus overrides per service.
//!
//! ```toml
//! [card_services.all]
//! deadline = "2s"
//! max_concurrency = 64
//!
//! [card_services.billing]      # the host of the endpoint (http://billing:50051)
//! deadline = "1s"
//! breaker_failures = 3
//!
//! [card_services.accounts]     # https://accounts:50051: TLS, with a client certificate
//! tls = { ca_file = "/certs/internal-ca.pem", cert_file = "/certs/gateway.pem", key_file = "/certs/gateway.key" }
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tonic::transport::ClientTlsConfig;

use crate::tls::TlsError;

/// Settings of one block; unset fields fall back to `all`, then to the defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyOverride {
    /// Deadline of one call attempt (default: `fanout.service_deadline`, 2s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub deadline: Option<Duration>,
    /// Calls in flight to the service at once; more are shed at once (default: 64).
    pub max_concurrency: Option<usize>,
    /// Retry once when the service was unreachable and the budget allows (default: true).
    pub retry: Option<bool>,
    /// Consecutive failed calls that open the circuit (default: 5).
    pub breaker_failures: Option<u32>,
    /// How long an open circuit fails fast before one probe (default: 10s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "Option<String>")]
    pub breaker_cooldown: Option<Duration>,
    /// TLS towards `https://` endpoints; each field falls back to `all` (default: the
    /// system's trusted roots, no client certificate).
    pub tls: Option<ServiceTls>,
}

/// TLS settings towards one card service. Used for `https://` endpoints only.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceTls {
    /// PEM CA certificates the service's certificate must chain to (default: the system's
    /// trusted roots).
    pub ca_file: Option<PathBuf>,
    /// PEM certificate the gateway presents when the service asks for one (mutual TLS)
    /// (default: none).
    pub cert_file: Option<PathBuf>,
    /// PEM private key of `cert_file` (default: none).
    pub key_file: Option<PathBuf>,
    /// Name the service's certificate must be valid for (default: the endpoint's host).
    pub domain_name: Option<String>,
}

impl ServiceTls {
    /// The tonic TLS configuration these settings describe. Reads and checks the files.
    pub fn client_config(&self) -> Result<ClientTlsConfig, TlsError> {
        let identity = match (&self.cert_file, &self.key_file) {
            (Some(cert), Some(key)) => Some((cert.as_path(), key.as_path())),
            (None, None) => None,
            _ => return Err(TlsError::Incomplete),
        };
        crate::tls::client_config(self.ca_file.as_deref(), identity, self.domain_name.as_deref())
    }

    /// `self`, with unset fields taken from `fallback`.
    fn or(self, fallback: &ServiceTls) -> ServiceTls {
        ServiceTls {
            ca_file: self.ca_file.or_else(|| fallback.ca_file.clone()),
            cert_file: self.cert_file.or_else(|| fallback.cert_file.clone()),
            key_file: self.key_file.or_else(|| fallback.key_file.clone()),
            domain_name: self.domain_name.or_else(|| fallback.domain_name.clone()),
        }
    }
}

/// The settings in force for one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallPolicy {
    pub deadline: Duration,
    pub max_concurrency: usize,
    pub retry: bool,
    pub breaker_failures: u32,
    pub breaker_cooldown: Duration,
}

/// `all` plus per-service overrides, keyed by the endpoint's host (or the whole endpoint).
pub type CardServicePolicies = BTreeMap<String, PolicyOverride>;

/// Whether the block `name` applies to `endpoint`: the whole endpoint or its host.
pub fn names_endpoint(name: &str, endpoint: &str) -> bool {
    name == endpoint || url::Url::parse(endpoint).ok().is_some_and(|u| u.host_str() == Some(name))
}

/// The policy for `endpoint`: defaults, then `all`, then the service's own block.
pub fn resolve(policies: &CardServicePolicies, endpoint: &str, default_deadline: Duration) -> CallPolicy {
    let mut policy = CallPolicy {
        deadline: default_deadline,
        max_concurrency: 64,
        retry: true,
        breaker_failures: 5,
        breaker_cooldown: Duration::from_secs(10),
    };
    for block in blocks(policies, endpoint) {
        policy.deadline = block.deadline.unwrap_or(policy.deadline);
        policy.max_concurrency = block.max_concurrency.unwrap_or(policy.max_concurrency);
        policy.retry = block.retry.unwrap_or(policy.retry);
        policy.breaker_failures = block.breaker_failures.unwrap_or(policy.breaker_failures);
        policy.breaker_cooldown = block.breaker_cooldown.unwrap_or(policy.breaker_cooldown);
    }
    policy
}

/// The TLS settings for `endpoint` (used when it is `https://`): `all`'s, then the
/// service's own, field by field.
pub fn resolve_tls(policies: &CardServicePolicies, endpoint: &str) -> ServiceTls {
    blocks(policies, endpoint)
        .filter_map(|block| block.tls.as_ref())
        .fold(ServiceTls::default(), |inherited, own| own.clone().or(&inherited))
}

/// `all`, then the service's own block (the whole endpoint wins over a block for its host).
fn blocks<'a>(policies: &'a CardServicePolicies, endpoint: &str) -> impl Iterator<Item = &'a PolicyOverride> {
    let own = policies
        .get(endpoint)
        .or_else(|| policies.iter().find(|(name, _)| names_endpoint(name, endpoint)).map(|(_, b)| b));
    [policies.get("all"), own].into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_then_own_block() {
        let mut p = CardServicePolicies::new();
        p.insert("all".into(), PolicyOverride { max_concurrency: Some(8), retry: Some(false), ..Default::default() });
        p.insert(
            "billing".into(),
            PolicyOverride { deadline: Some(Duration::from_secs(1)), retry: Some(true), ..Default::default() },
        );
        let billing = resolve(&p, "http://billing:50051", Duration::from_secs(2));
        assert_eq!((billing.deadline, billing.max_concurrency, billing.retry), (Duration::from_secs(1), 8, true));
        let usage = resolve(&p, "http://usage:50051", Duration::from_secs(2));
        assert_eq!((usage.deadline, usage.max_concurrency, usage.retry), (Duration::from_secs(2), 8, false));
        assert_eq!(usage.breaker_failures, 5);
    }

    #[test]
    fn tls_fields_fall_back_to_all() {
        let mut p = CardServicePolicies::new();
        let ca = ServiceTls { ca_file: Some("/ca.pem".into()), ..Default::default() };
        p.insert("all".into(), PolicyOverride { tls: Some(ca), ..Default::default() });
        let own =
            ServiceTls { cert_file: Some("/gw.pem".into()), key_file: Some("/gw.key".into()), ..Default::default() };
        p.insert("billing".into(), PolicyOverride { tls: Some(own), ..Default::default() });
        let billing = resolve_tls(&p, "https://billing:50051");
        assert_eq!(billing.ca_file, Some("/ca.pem".into()));
        assert_eq!(billing.cert_file, Some("/gw.pem".into()));
        let usage = resolve_tls(&p, "https://usage:50051");
        assert_eq!((usage.ca_file, usage.cert_file), (Some("/ca.pem".into()), None));
    }
}
