//! Who may call the gateway, and how often:
//! - required headers (e.g. the `Authorization` header configured in Plain's card
//!   settings), compared in constant time;
//! - token-bucket rate limits per client IP address and per Plain workspace;
//! - on the admin listener, the `Host` names it answers to and the two admin tokens (a
//!   service token that only invalidates, an operator token for everything).
//!
//! Headers and rate limits are off unless configured. Refusals name the header, the limit or
//! the token a route needs, never a value.

mod admin;
mod headers;
mod host;
mod rate;

use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::http::HeaderMap;

pub use admin::{AdminRefusal, AdminRole, AdminTokens};
pub use headers::HeaderCheck;
pub use host::AdminHosts;
pub use rate::KeyedLimiter;

use crate::config::Config;

/// How often idle rate-limit buckets are dropped, so the per-IP table does not grow
/// without bound.
const FORGET_IDLE_EVERY: Duration = Duration::from_secs(60);

/// Why a request was refused before it reached the cards.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("the {name} header is required and missing")]
    MissingHeader { name: String },
    #[error("the {name} header does not have the configured value")]
    WrongHeader { name: String },
    #[error("too many requests {scope}; retry in {} s", retry_after_secs(*.retry_after))]
    RateLimited { scope: LimitScope, retry_after: Duration },
}

/// What a rate limit counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    ClientIp,
    Workspace,
}

impl std::fmt::Display for LimitScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LimitScope::ClientIp => "from this client address",
            LimitScope::Workspace => "for this workspace",
        })
    }
}

/// Whole seconds to wait, rounded up, at least 1 (the `Retry-After` value).
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The checks in force, built once from the config.
pub struct Access {
    headers: HeaderCheck,
    limiters: Arc<Limiters>,
    admin_tokens: AdminTokens,
    admin_hosts: AdminHosts,
}

struct Limiters {
    per_client_ip: Option<KeyedLimiter<IpAddr>>,
    per_workspace: Option<KeyedLimiter<String>>,
}

impl Limiters {
    fn forget_idle(&self) {
        if let Some(l) = &self.per_client_ip {
            l.forget_idle();
        }
        if let Some(l) = &self.per_workspace {
            l.forget_idle();
        }
    }
}

impl Access {
    /// The checks of a validated `config`. With a rate limit configured, a background task
    /// (on the current tokio runtime) drops idle buckets every minute.
    pub fn new(config: &Config) -> Self {
        let limits = &config.rate_limits;
        let limiters = Arc::new(Limiters {
            per_client_ip: limits.per_client_ip.as_ref().map(KeyedLimiter::new),
            per_workspace: limits.per_workspace.as_ref().map(KeyedLimiter::new),
        });
        if limiters.per_client_ip.is_some() || limiters.per_workspace.is_some() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(forget_idle(Arc::downgrade(&limiters)));
            }
        }
        Self {
            headers: HeaderCheck::new(&config.required_headers),
            limiters,
            admin_tokens: AdminTokens::new(&config.admin),
            admin_hosts: AdminHosts::new(config.admin_listen, &config.admin),
        }
    }

    /// The admin tokens (which route takes which token).
    pub fn admin_tokens(&self) -> &AdminTokens {
        &self.admin_tokens
    }

    /// The `Host` names the admin listener answers to.
    pub fn admin_hosts(&self) -> &AdminHosts {
        &self.admin_hosts
    }

    /// Before the body is read: the per-IP limit (when the address is known), then the
    /// required headers.
    pub fn check_client(&self, ip: Option<IpAddr>, headers: &HeaderMap) -> Result<(), AccessError> {
        if let (Some(limiter), Some(ip)) = (&self.limiters.per_client_ip, ip) {
            limiter
                .check(&ip)
                .map_err(|retry_after| AccessError::RateLimited { scope: LimitScope::ClientIp, retry_after })?;
        }
        self.headers.check(headers)
    }

    /// Once the signature is verified: the per-workspace limit.
    pub fn check_workspace(&self, workspace_id: &str) -> Result<(), AccessError> {
        match &self.limiters.per_workspace {
            None => Ok(()),
            Some(limiter) => limiter
                .check(&workspace_id.to_owned())
                .map_err(|retry_after| AccessError::RateLimited { scope: LimitScope::Workspace, retry_after }),
        }
    }
}

async fn forget_idle(limiters: Weak<Limiters>) {
    let mut tick = tokio::time::interval(FORGET_IDLE_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(limiters) = limiters.upgrade() else { return };
        limiters.forget_idle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(1800)), 1800);
    }
}
