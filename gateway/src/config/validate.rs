//! [`Config::validate`]: every rule of the configuration, all broken ones reported at once,
//! each naming the field and how to fix it.

use std::net::SocketAddr;
use std::time::Duration;

use super::{names_endpoint, Config, ConfigError, PLAIN_TIMEOUT};

impl Config {
    /// Checks every rule and reports all broken ones at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut errors = Vec::new();
        super::signing::validate(self, &mut errors);
        super::plain_api::validate(&self.plain_api, &mut errors);
        super::actions::validate(&self.actions, &mut errors);
        super::server::validate(&self.server, &mut errors);
        super::shutdown::validate(&self.shutdown, &mut errors);
        for (i, service) in self.services.iter().enumerate() {
            match url::Url::parse(service) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => errors.push(format!(
                    "services[{i}]: {service:?} is not a gRPC endpoint; write it as \
                     http://HOST:PORT (or https://HOST:PORT)"
                )),
            }
        }
        if shares_port(self.listen, self.admin_listen) {
            errors.push(format!(
                "admin_listen: {} is the port of listen ({}); give the admin listener its own port \
                 (CARDMESH_ADMIN_LISTEN, default 127.0.0.1:9090)",
                self.admin_listen, self.listen
            ));
        }
        if self.limits.max_body_bytes == 0 {
            errors.push("limits.max_body_bytes: must be above 0 (default 65536)".into());
        }
        if self.limits.max_card_bytes < 1024 || self.limits.max_response_bytes < self.limits.max_card_bytes {
            errors.push(
                "limits: max_card_bytes must be at least 1024 and max_response_bytes at least \
                 max_card_bytes (defaults 32768 and 262144)"
                    .into(),
            );
        }
        if self.limits.max_card_keys == 0 {
            errors.push("limits.max_card_keys: must be above 0 (default 25)".into());
        }
        let f = &self.fanout;
        if f.overall_budget >= PLAIN_TIMEOUT {
            errors.push(format!(
                "fanout.overall_budget: {} is not below Plain's 15s timeout; use at most 14s \
                 (default 10s)",
                humantime::format_duration(f.overall_budget)
            ));
        }
        if f.service_deadline.is_zero() || f.service_deadline > f.overall_budget {
            errors.push(format!(
                "fanout.service_deadline: {} must be above 0 and at most fanout.overall_budget \
                 ({})",
                humantime::format_duration(f.service_deadline),
                humantime::format_duration(f.overall_budget)
            ));
        }
        for (name, block) in &self.card_services {
            let known = name == "all" || self.services.iter().any(|s| names_endpoint(name, s));
            if !known {
                errors.push(format!(
                    "card_services.{name}: no configured service has this host; use \"all\" or the \
                     host of an endpoint in services"
                ));
            }
            if block.deadline.is_some_and(|d| d.is_zero() || d > f.overall_budget) {
                errors
                    .push(format!("card_services.{name}.deadline: must be above 0 and at most fanout.overall_budget"));
            }
            if block.max_concurrency == Some(0) || block.breaker_failures == Some(0) {
                errors.push(format!("card_services.{name}: max_concurrency and breaker_failures must be above 0"));
            }
        }
        let d = &self.discovery;
        if d.refresh_interval.is_zero() || d.retry_interval.is_zero() {
            errors.push("discovery: refresh_interval and retry_interval must be above 0".into());
        }
        let c = &self.cache;
        super::redis::validate(c, &mut errors);
        if c.read_timeout.is_zero() || c.write_timeout.is_zero() || c.connect_timeout.is_zero() {
            errors.push("cache: read_timeout, write_timeout and connect_timeout must be above 0".into());
        }
        if c.memory_capacity == 0 || c.write_queue == 0 || c.near_capacity == 0 {
            errors.push("cache: memory_capacity, write_queue and near_capacity must be above 0".into());
        }
        if c.near_ttl > Duration::from_secs(60) {
            errors.push(format!(
                "cache.near_ttl: {} is too long: other replicas' invalidations stay unseen that \
                 long; use at most 60s, a few seconds at most is typical (default 1s, 0s: off; \
                 CARDMESH_CACHE_NEAR_TTL)",
                humantime::format_duration(c.near_ttl)
            ));
        }
        if c.duplicate_window > Duration::from_secs(30) {
            errors.push(format!(
                "cache.duplicate_window: {} is too long: an agent's reload within it is answered with the copy \
                 just drawn; use at most 30s, a few seconds cover Plain's retry (default 2s, 0s: every repeat is a \
                 reload; CARDMESH_CACHE_DUPLICATE_WINDOW)",
                humantime::format_duration(c.duplicate_window)
            ));
        }
        super::admin::validate(&self.admin, &mut errors);
        super::security::validate(self, &mut errors);
        super::exposure::validate(self, &mut errors);
        super::cache::validate(self, &mut errors);
        if self.fallback.text.trim().is_empty() {
            errors.push("fallback.text: must not be empty".into());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(errors))
        }
    }
}

/// True when both addresses would take the same port (0 picks a free port each time).
fn shares_port(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port() && a.port() != 0 && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}
