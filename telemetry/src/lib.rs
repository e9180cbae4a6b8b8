//! Logs, traces and metrics shared by the cardmesh gateway and the card-service kit.
//!
//! - **Logs**: human-readable lines by default, JSON lines with `CARDMESH_LOG_FORMAT=json`,
//!   filtered by `RUST_LOG` (default `info`). Every line logged inside a request names its
//!   trace: request spans carry a `trace_id` field ([`adopt_trace`], [`record_trace_id`]),
//!   which both formats print with the line.
//! - **Traces**: OpenTelemetry spans exported over OTLP/gRPC when
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, with the
//!   standard `OTEL_*` variables for the rest ([`TelemetryEnv`]). Without an endpoint nothing
//!   is exported and nothing is propagated.
//! - **Propagation**: W3C trace context (`traceparent`) in gRPC metadata: [`inject_current`]
//!   on the client side, [`adopt_trace`] on the server side.
//! - **Metrics**: a Prometheus registry per gateway or card service (no global state, so
//!   several run side by side in one test process), served as text by [`serve_metrics`].
//! - **Scrubbing**: what other processes say (service errors, Plain's messages) is clipped,
//!   escaped and stripped of emails by [`scrub::service_text`] before it reaches a log line;
//!   names that become metric labels go through [`scrub::label`].

mod capture;
mod env;
mod init;
mod metrics;
mod propagation;
pub mod scrub;

pub use capture::CapturedLogs;
pub use env::{LogFormat, TelemetryEnv, ENV_VARS};
pub use init::{init, init_with_writer, InitError, Telemetry};
pub use metrics::{encode, latency_buckets, metrics_router, serve_metrics, CONTENT_TYPE};
pub use prometheus;
pub use propagation::{
    adopt_trace, caller_trace_id, inject_current, random_trace_id, record_trace_id, span_if_tracing, tracing_enabled,
};
