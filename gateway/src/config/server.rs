//! Connection limits of both listeners (the Plain listener and the admin listener): how long a
//! client may take to send a request, how long a connection may stay idle, and how many may
//! be open at once. A slow or silent client is cut off after these, whatever it sends.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The most `max_connections` may be (one listener's open connections).
pub const MAX_CONNECTIONS_LIMIT: usize = 1_000_000;

/// The longest any of the timeouts may be: a slow client could hold a connection that long.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);

/// The `[server]` table: limits every connection of both listeners is held to.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// How long a client may take to send a request's head (request line and headers):
    /// counted from when the connection is ready (after the TLS handshake) for its first
    /// request, and from its first byte for a later request on a kept-alive connection.
    /// Slower connections are closed without an answer (default: 5s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's whole body, counted from when the
    /// gateway first waits for it. Slower requests are answered `408 request_timeout` and their
    /// connection is closed (default: 5s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub body_read_timeout: Duration,
    /// How long a kept-alive connection may wait with no request in flight and no byte
    /// moving before it is closed; the same bound applies to an answer the client stops
    /// reading (default: 10s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub idle_timeout: Duration,
    /// Most open connections per listener. Beyond it the gateway stops accepting: new
    /// connections wait in the kernel's accept queue until one closes (default: 1024).
    pub max_connections: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(5),
            body_read_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// Checks the connection limits; pushes one message per broken rule.
pub(super) fn validate(settings: &ServerSettings, errors: &mut Vec<String>) {
    for (field, variable, value, default) in [
        ("header_read_timeout", "CARDMESH_HEADER_READ_TIMEOUT", settings.header_read_timeout, "5s"),
        ("body_read_timeout", "CARDMESH_BODY_READ_TIMEOUT", settings.body_read_timeout, "5s"),
        ("idle_timeout", "CARDMESH_IDLE_TIMEOUT", settings.idle_timeout, "10s"),
    ] {
        if value.is_zero() || value > MAX_TIMEOUT {
            errors.push(format!(
                "server.{field}: {} must be above 0 and at most 10m, since a slow client may hold a \
                 connection that long; a few seconds is typical (default {default}; {variable})",
                humantime::format_duration(value)
            ));
        }
    }
    if settings.max_connections == 0 || settings.max_connections > MAX_CONNECTIONS_LIMIT {
        errors.push(format!(
            "server.max_connections: {} must be between 1 and {MAX_CONNECTIONS_LIMIT} (default 1024; \
             CARDMESH_MAX_CONNECTIONS)",
            settings.max_connections
        ));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::config::test_support::load_signed as load;

    #[test]
    fn defaults_are_a_few_seconds_and_a_thousand_connections() {
        let server = load(&[]).unwrap().server;
        assert_eq!(server.header_read_timeout, Duration::from_secs(5));
        assert_eq!(server.body_read_timeout, Duration::from_secs(5));
        assert_eq!(server.idle_timeout, Duration::from_secs(10));
        assert_eq!(server.max_connections, 1024);
    }

    #[test]
    fn every_limit_is_read_from_the_environment() {
        let server = load(&[
            ("CARDMESH_HEADER_READ_TIMEOUT", "300ms"),
            ("CARDMESH_BODY_READ_TIMEOUT", "2s"),
            ("CARDMESH_IDLE_TIMEOUT", "1m"),
            ("CARDMESH_MAX_CONNECTIONS", "64"),
        ])
        .unwrap()
        .server;
        assert_eq!(server.header_read_timeout, Duration::from_millis(300));
        assert_eq!(server.body_read_timeout, Duration::from_secs(2));
        assert_eq!(server.idle_timeout, Duration::from_secs(60));
        assert_eq!(server.max_connections, 64);
    }

    #[test]
    fn zero_or_endless_limits_are_refused_naming_the_field_and_the_variable() {
        let err = load(&[
            ("CARDMESH_HEADER_READ_TIMEOUT", "0s"),
            ("CARDMESH_BODY_READ_TIMEOUT", "1h"),
            ("CARDMESH_MAX_CONNECTIONS", "0"),
        ])
        .unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration:\n  - server.header_read_timeout: 0s must be above 0 and at most 10m, since a slow client may hold a connection that long; a few seconds is typical (default 5s; CARDMESH_HEADER_READ_TIMEOUT)\n  - server.body_read_timeout: 1h must be above 0 and at most 10m, since a slow client may hold a connection that long; a few seconds is typical (default 5s; CARDMESH_BODY_READ_TIMEOUT)\n  - server.max_connections: 0 must be between 1 and 1000000 (default 1024; CARDMESH_MAX_CONNECTIONS)");
        assert!(!err.contains("idle_timeout"), "{err}");
        let err = load(&[("CARDMESH_IDLE_TIMEOUT", "soon")]).unwrap_err();
        assert!(err.contains("idle_timeout"), "{err}");
    }
}
