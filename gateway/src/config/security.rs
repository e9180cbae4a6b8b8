//! Security settings: TLS termination, required headers and rate limits.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Secret;
use crate::tls::TlsError;

/// TLS termination of the Plain endpoint. Off unless `cert_file` and `key_file` are set.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSettings {
    /// PEM certificate chain the gateway presents, leaf first; with `key_file` it turns TLS
    /// on (default: none, plain HTTP).
    pub cert_file: Option<PathBuf>,
    /// PEM private key of `cert_file`: PKCS#8, PKCS#1 or SEC1 (default: none).
    pub key_file: Option<PathBuf>,
    /// PEM CA certificates. When set, only clients presenting a certificate that chains to one
    /// of them are accepted (mutual TLS); Plain's CA ships as `certs/plain-mtls-ca.pem`
    /// (default: none, no client certificate asked for).
    pub client_ca_file: Option<PathBuf>,
    /// Deadline of one TLS handshake; slower clients are disconnected (default: 10s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub handshake_timeout: Duration,
}

impl Default for TlsSettings {
    fn default() -> Self {
        Self { cert_file: None, key_file: None, client_ca_file: None, handshake_timeout: Duration::from_secs(10) }
    }
}

impl TlsSettings {
    /// True when the gateway terminates TLS.
    pub fn enabled(&self) -> bool {
        self.cert_file.is_some()
    }

    /// The rustls configuration of the Plain endpoint, or `None` when TLS is off (neither
    /// `cert_file` nor `key_file` set). Reads and checks the files.
    pub fn server_config(&self) -> Result<Option<Arc<rustls::ServerConfig>>, TlsError> {
        match (&self.cert_file, &self.key_file) {
            (Some(cert), Some(key)) => crate::tls::server_config(cert, key, self.client_ca_file.as_deref()).map(Some),
            (None, None) => Ok(None),
            _ => Err(TlsError::Incomplete),
        }
    }
}

/// Headers every card request must carry with exactly this value, e.g. the `Authorization`
/// header configured in Plain's card settings. Names are case-insensitive.
pub type RequiredHeaders = BTreeMap<String, Secret>;

/// Rate limits of the card endpoint; each is off unless set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    /// Per client IP address: the TCP peer, so behind a load balancer all requests share
    /// the balancer's address (default: off).
    pub per_client_ip: Option<RateLimit>,
    /// Per Plain workspace (`Plain-Workspace-Id`), checked once the signature is verified
    /// (default: off).
    pub per_workspace: Option<RateLimit>,
}

/// A token bucket: `requests` per `period` on average, up to `burst` at once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimit {
    /// Requests allowed per `period` on average (no default; must be above 0).
    pub requests: u32,
    /// The period of `requests` (default: 1s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub period: Duration,
    /// Most requests accepted at once after a quiet spell (default: `requests`).
    pub burst: Option<u32>,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self { requests: 0, period: Duration::from_secs(1), burst: None }
    }
}

impl RateLimit {
    /// The time one request's allowance takes to come back: `period / requests`.
    pub fn replenish_interval(&self) -> Duration {
        self.period / self.requests.max(1)
    }

    /// The bucket size: `burst`, else `requests`.
    pub fn burst_size(&self) -> u32 {
        self.burst.unwrap_or(self.requests)
    }
}

/// Checks the security settings; pushes one message per broken rule.
pub(super) fn validate(config: &super::Config, errors: &mut Vec<String>) {
    let tls = &config.tls;
    match (&tls.cert_file, &tls.key_file) {
        (Some(_), None) | (None, Some(_)) => errors.push(
            "tls: cert_file and key_file go together; set both (CARDMESH_TLS_CERT_FILE, \
             CARDMESH_TLS_KEY_FILE) or neither"
                .into(),
        ),
        (Some(_), Some(_)) => {
            if let Err(e) = tls.server_config() {
                errors.push(format!("tls: {e}"));
            }
        }
        (None, None) => {
            if tls.client_ca_file.is_some() {
                errors.push(
                    "tls.client_ca_file: client certificates need TLS; set tls.cert_file and \
                     tls.key_file too"
                        .into(),
                );
            }
        }
    }
    if tls.handshake_timeout.is_zero() {
        errors.push("tls.handshake_timeout: must be above 0 (default 10s)".into());
    }

    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in &config.required_headers {
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            errors.push(format!("required_headers: {name:?} is not a valid header name"));
        } else if !seen.insert(name.to_ascii_lowercase()) {
            errors.push(format!("required_headers: {name:?} is listed twice (names are case-insensitive)"));
        }
        let text = value.expose();
        if text.trim().is_empty() || http::HeaderValue::from_str(text).is_err() {
            errors.push(format!(
                "required_headers.{name}: the value must be non-empty printable ASCII, as \
                 configured in Plain's card settings"
            ));
        }
    }

    for (name, block) in &config.card_services {
        let plain =
            config.services.iter().filter(|s| super::names_endpoint(name, s)).find(|s| !s.starts_with("https://"));
        if let (Some(_), Some(endpoint)) = (&block.tls, plain) {
            if name != "all" {
                errors.push(format!(
                    "card_services.{name}.tls: {endpoint} is not https://; write https://HOST:PORT to \
                     call it over TLS, or remove the tls settings"
                ));
            }
        }
    }
    for (i, endpoint) in config.services.iter().enumerate().filter(|(_, e)| e.starts_with("https://")) {
        if let Err(e) = super::resolve_tls(&config.card_services, endpoint).client_config() {
            errors.push(format!("services[{i}] ({endpoint}): card_services tls: {e}"));
        }
    }

    for (field, limit) in
        [("per_client_ip", &config.rate_limits.per_client_ip), ("per_workspace", &config.rate_limits.per_workspace)]
    {
        let Some(limit) = limit else { continue };
        if limit.requests == 0 {
            errors.push(format!(
                "rate_limits.{field}.requests: must be above 0; remove rate_limits.{field} to turn \
                 the limit off"
            ));
        } else if limit.replenish_interval().is_zero() {
            errors.push(format!("rate_limits.{field}.period: must be above 0 (default 1s)"));
        }
        if limit.burst == Some(0) {
            errors.push(format!("rate_limits.{field}.burst: must be above 0 (default: requests)"));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::config::test_support::load_unsigned_local as load;

    #[test]
    fn everything_is_off_by_default() {
        let config = load(&[]).unwrap();
        assert!(!config.tls.enabled());
        assert!(config.required_headers.is_empty());
        assert!(config.rate_limits.per_client_ip.is_none() && config.rate_limits.per_workspace.is_none());
    }

    #[test]
    fn tls_files_are_checked_and_named() {
        let err = load(&[("CARDMESH_TLS_CERT_FILE", "/nonexistent/cert.pem")]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - tls: cert_file and key_file go together; set both (CARDMESH_TLS_CERT_FILE, CARDMESH_TLS_KEY_FILE) or neither");
        let err = load(&[("CARDMESH_TLS_CLIENT_CA_FILE", "/nonexistent/ca.pem")]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - tls.client_ca_file: client certificates need TLS; set tls.cert_file and tls.key_file too");
        let err = load(&[
            ("CARDMESH_TLS_CERT_FILE", "/nonexistent/cert.pem"),
            ("CARDMESH_TLS_KEY_FILE", "/nonexistent/key.pem"),
        ])
        .unwrap_err()
        .to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - tls: cannot read /nonexistent/cert.pem: No such file or directory (os error 2)");
        // A file that is not PEM is named with the problem.
        let err = load(&[("CARDMESH_TLS_CERT_FILE", "Cargo.toml"), ("CARDMESH_TLS_KEY_FILE", "Cargo.toml")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err.to_string(),
            "invalid configuration:\n  - tls: Cargo.toml holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        );
    }

    #[test]
    fn required_authorization_from_env_never_prints() {
        let config = load(&[("CARDMESH_REQUIRED_AUTHORIZATION", "Bearer hunter2")]).unwrap();
        assert_eq!(config.required_headers["authorization"].expose(), "Bearer hunter2");
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn required_headers_must_be_valid_and_errors_hide_the_value() {
        let mut config = load(&[]).unwrap();
        config.required_headers.insert("bad header".into(), super::Secret::new("x"));
        config.required_headers.insert("Authorization".into(), super::Secret::new("line\nbreak-secret"));
        config.required_headers.insert("authorization".into(), super::Secret::new("ok"));
        let err = config.validate().unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - required_headers.Authorization: the value must be non-empty printable ASCII, as configured in Plain's card settings\n  - required_headers: \"authorization\" is listed twice (names are case-insensitive)\n  - required_headers: \"bad header\" is not a valid header name");
        assert!(!err.contains("break-secret"), "{err}");
    }

    #[test]
    fn rate_limits_from_env_are_per_second_and_zero_is_refused() {
        let config =
            load(&[("CARDMESH_RATE_LIMIT_PER_IP", "20"), ("CARDMESH_RATE_LIMIT_PER_WORKSPACE", "50")]).unwrap();
        let ip = config.rate_limits.per_client_ip.unwrap();
        assert_eq!((ip.requests, ip.period, ip.burst_size()), (20, Duration::from_secs(1), 20));
        assert_eq!(ip.replenish_interval(), Duration::from_millis(50));
        assert_eq!(config.rate_limits.per_workspace.unwrap().requests, 50);
        let err = load(&[("CARDMESH_RATE_LIMIT_PER_IP", "0")]).unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - rate_limits.per_client_ip.requests: must be above 0; remove rate_limits.per_client_ip to turn the limit off");
    }

    #[test]
    fn service_tls_needs_https_and_readable_files() {
        let mut config = load(&[("CARDMESH_SERVICES", "http://billing:1,https://usage:2")]).unwrap();
        let tls = super::super::ServiceTls { ca_file: Some("/nonexistent/ca.pem".into()), ..Default::default() };
        for name in ["billing", "usage"] {
            config
                .card_services
                .insert(name.into(), super::super::PolicyOverride { tls: Some(tls.clone()), ..Default::default() });
        }
        let err = config.validate().unwrap_err().to_string();
        assert_eq!(err.to_string(), "invalid configuration:\n  - card_services.billing.tls: http://billing:1 is not https://; write https://HOST:PORT to call it over TLS, or remove the tls settings\n  - services[1] (https://usage:2): card_services tls: cannot read /nonexistent/ca.pem: No such file or directory (os error 2)");
    }
}
