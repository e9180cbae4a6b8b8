//! Every environment variable the kit reads, in one list (deployment checks compare the
//! variables a manifest sets against it; see `tests/tests/integration/kubernetes.rs`).

use crate::{
    FIXTURES_ENV, GATEWAY_ADMIN_TOKEN_ENV, GATEWAY_ADMIN_URL_ENV, GATEWAY_ALLOW_HTTP_ENV, LISTEN_ENV,
    METRICS_LISTEN_ENV, TLS_CERT_ENV, TLS_CLIENT_CA_ENV, TLS_KEY_ENV,
};

/// The variables a service built with the kit reads: where it listens, its metrics
/// listener, its TLS files, where it reports changes, and its fixture file. Logging and
/// tracing add [`cardmesh_telemetry::ENV_VARS`] (`RUST_LOG`, `CARDMESH_LOG_FORMAT`,
/// `OTEL_*`), which [`crate::serve`] reads too.
pub const ENV_VARS: &[&str] = &[
    LISTEN_ENV,
    METRICS_LISTEN_ENV,
    TLS_CERT_ENV,
    TLS_KEY_ENV,
    TLS_CLIENT_CA_ENV,
    GATEWAY_ADMIN_URL_ENV,
    GATEWAY_ADMIN_TOKEN_ENV,
    GATEWAY_ALLOW_HTTP_ENV,
    FIXTURES_ENV,
];
