//! Logs, traces and metrics of the gateway (the machinery shared with the card-service kit
//! is in `cardmesh-telemetry`).
//!
//! - logs: human-readable by default, JSON with `CARDMESH_LOG_FORMAT=json`, level by
//!   `RUST_LOG` (default `info`); every line logged inside a Plain request carries the
//!   request's `trace_id`;
//! - traces: one trace per Plain request when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (see
//!   [`request`] for the spans); the trace context travels to the card services in the
//!   `traceparent` gRPC metadata;
//! - metrics: [`GatewayMetrics`], served as Prometheus text on `GET /metrics` of the admin
//!   listener (`admin_listen`, [`crate::http::serve_admin`]).

mod connections;
mod metrics;
pub mod reference;
pub mod request;

pub use cardmesh_telemetry::{InitError, LogFormat, Telemetry, TelemetryEnv};
pub use connections::{ConnectionMetrics, ListenerMetrics};
pub use metrics::GatewayMetrics;
pub use request::{request_layer, RequestLayer, RequestSpanSlot};

/// `service.name` of the gateway's spans, unless `OTEL_SERVICE_NAME` names another.
pub const SERVICE_NAME: &str = "cardmesh-gateway";

/// Installs the gateway's logging, and tracing when `env` asks for it. Must run inside the
/// tokio runtime the gateway serves on.
pub fn init(env: &TelemetryEnv) -> Result<Telemetry, InitError> {
    cardmesh_telemetry::init(env, SERVICE_NAME)
}

/// Records `value` as `field` of the current span while tracing is on (the request span's
/// `cache_*` fields serve the traces alone); does nothing otherwise.
pub fn record_on_current(field: &str, value: usize) {
    if cardmesh_telemetry::tracing_enabled() {
        tracing::Span::current().record(field, value);
    }
}
