//! How the gateway stops on SIGTERM or Ctrl-C: a drain period during which `/readyz` answers
//! 503 while the Plain listener still accepts and serves, then a grace period for the requests
//! in flight once it has stopped accepting (see [`crate::http::run`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Kubernetes' default `terminationGracePeriodSeconds`: the kubelet kills the process this long
/// after it sent SIGTERM (the `preStop` hook's time included).
pub const KUBERNETES_TERMINATION_GRACE: Duration = Duration::from_secs(30);

/// What the process needs after the grace period to exit: sending its last spans takes at
/// most 5 s (`cardmesh_telemetry::Telemetry::shutdown`).
pub const EXIT_MARGIN: Duration = Duration::from_secs(5);

/// The most `drain_period` and `grace_period` may add up to (25 s): with [`EXIT_MARGIN`] the
/// process is gone within [`KUBERNETES_TERMINATION_GRACE`], before the kubelet kills it.
pub const MAX_SHUTDOWN: Duration = KUBERNETES_TERMINATION_GRACE.saturating_sub(EXIT_MARGIN);

/// The `[shutdown]` table.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ShutdownSettings {
    /// After SIGTERM (or Ctrl-C), how long the Plain listener still accepts connections and
    /// serves requests while `/readyz` answers 503 `shutting_down`, so that load balancers and
    /// Kubernetes' endpoints stop sending new requests before the gateway stops taking them.
    /// HTTP/1.1 answers meanwhile carry `Connection: close` and HTTP/2 connections get a
    /// GOAWAY, so clients move to new connections. `0s` stops accepting at once (default: 5s:
    /// endpoint removal reaches kube-proxy and ingress controllers within a second or two, and
    /// a load balancer probing `/readyz` every 2 s sees two failures within 5 s; longer only
    /// slows a rollout down).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub drain_period: Duration,
    /// Once the listener has stopped accepting, how long the requests in flight have to
    /// finish; connections still open then are closed and the process exits. Above 0
    /// (default: 15s, the longest a request admitted just before the stop can take with the
    /// defaults: its body within `server.body_read_timeout`, 5 s, then its work within
    /// `fanout.overall_budget`, 10 s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub grace_period: Duration,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self { drain_period: Duration::from_secs(5), grace_period: Duration::from_secs(15) }
    }
}

/// Checks the shutdown periods; pushes one message per broken rule.
pub(super) fn validate(settings: &ShutdownSettings, errors: &mut Vec<String>) {
    let ShutdownSettings { drain_period, grace_period } = *settings;
    let show = humantime::format_duration;
    if grace_period.is_zero() {
        errors.push(
            "shutdown.grace_period: 0s leaves the requests in flight no time to finish when the gateway \
             stops; a few seconds above fanout.overall_budget is typical (default 15s; CARDMESH_SHUTDOWN_GRACE)"
                .into(),
        );
    }
    let total = drain_period.saturating_add(grace_period);
    if total > MAX_SHUTDOWN {
        errors.push(format!(
            "shutdown.drain_period ({}) + shutdown.grace_period ({}) = {} is over {}: the gateway would \
             still be stopping when Kubernetes kills it ({} after SIGTERM by default, terminationGracePeriodSeconds; \
             {} of it is kept for the exit). Shorten one of them (CARDMESH_SHUTDOWN_DRAIN, CARDMESH_SHUTDOWN_GRACE; \
             defaults 5s and 15s)",
            show(drain_period),
            show(grace_period),
            show(total),
            show(MAX_SHUTDOWN),
            show(KUBERNETES_TERMINATION_GRACE),
            show(EXIT_MARGIN),
        ));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Config, EnvOverrides};
    use super::*;

    use crate::config::test_support::load_signed as load;

    #[test]
    fn defaults_drain_five_seconds_and_give_fifteen_to_requests_in_flight() {
        let shutdown = load(&[]).unwrap().shutdown;
        assert_eq!(shutdown.drain_period, Duration::from_secs(5));
        assert_eq!(shutdown.grace_period, Duration::from_secs(15));
        // With the defaults, a request admitted just before the stop fits in the grace period.
        let defaults = Config::default();
        assert!(defaults.server.body_read_timeout + defaults.fanout.overall_budget <= shutdown.grace_period);
        assert!(shutdown.drain_period + shutdown.grace_period + EXIT_MARGIN <= KUBERNETES_TERMINATION_GRACE);
        assert_eq!(MAX_SHUTDOWN, Duration::from_secs(25));
    }

    #[test]
    fn both_periods_are_read_from_the_environment_and_a_zero_drain_is_allowed() {
        let shutdown =
            load(&[("CARDMESH_SHUTDOWN_DRAIN", "0s"), ("CARDMESH_SHUTDOWN_GRACE", "2500ms")]).unwrap().shutdown;
        assert_eq!(shutdown.drain_period, Duration::ZERO);
        assert_eq!(shutdown.grace_period, Duration::from_millis(2500));
        let shutdown =
            load(&[("CARDMESH_SHUTDOWN_DRAIN", "10s"), ("CARDMESH_SHUTDOWN_GRACE", "15s")]).unwrap().shutdown;
        assert_eq!(shutdown.drain_period + shutdown.grace_period, MAX_SHUTDOWN);
    }

    #[test]
    fn periods_that_outlast_kubernetes_grace_are_refused_naming_both_fields() {
        let err = load(&[("CARDMESH_SHUTDOWN_DRAIN", "20s")]).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - shutdown.drain_period (20s) + shutdown.grace_period (15s) = 35s is over 25s: the gateway would still be stopping when Kubernetes kills it (30s after SIGTERM by default, terminationGracePeriodSeconds; 5s of it is kept for the exit). Shorten one of them (CARDMESH_SHUTDOWN_DRAIN, CARDMESH_SHUTDOWN_GRACE; defaults 5s and 15s)");
        let err = load(&[("CARDMESH_SHUTDOWN_GRACE", "0s")]).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - shutdown.grace_period: 0s leaves the requests in flight no time to finish when the gateway stops; a few seconds above fanout.overall_budget is typical (default 15s; CARDMESH_SHUTDOWN_GRACE)");
        assert!(!err.contains("drain_period"), "{err}");
        let err = load(&[("CARDMESH_SHUTDOWN_DRAIN", "soon")]).unwrap_err();
        assert!(err.contains("drain_period"), "{err}");
    }

    #[test]
    fn the_file_takes_a_shutdown_table_and_refuses_unknown_keys() {
        let dir = std::env::temp_dir().join(format!("cardmesh-shutdown-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("cardmesh.toml");
        std::fs::write(&file, "[shutdown]\ndrain_period = \"1s\"\ngrace_period = \"3s\"\n").unwrap();
        let env = EnvOverrides::from_pairs([("CARDMESH_SIGNING_SECRETS", "s")]);
        let shutdown = Config::load(Some(&file), &env).unwrap().shutdown;
        assert_eq!((shutdown.drain_period, shutdown.grace_period), (Duration::from_secs(1), Duration::from_secs(3)));
        std::fs::write(&file, "[shutdown]\ndrain = \"1s\"\n").unwrap();
        let err = Config::load(Some(&file), &env).unwrap_err().to_string();
        assert!(err.contains("drain"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
