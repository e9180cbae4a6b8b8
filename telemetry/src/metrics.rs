//! Serving Prometheus metrics (text format) on an admin listener.

use std::future::Future;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use prometheus::proto::MetricFamily;
use prometheus::{Encoder, TextEncoder};
use tokio::net::TcpListener;

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Histogram buckets for latencies, in seconds: 1 ms to 10 s.
pub fn latency_buckets() -> Vec<f64> {
    vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
}

/// `families` in the Prometheus text format.
pub fn encode(families: &[MetricFamily]) -> String {
    let mut buf = Vec::new();
    // Encoding into memory fails only on malformed families, which registered metrics are not.
    if let Err(error) = TextEncoder::new().encode(families, &mut buf) {
        tracing::warn!(%error, "cannot encode metrics");
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// `GET /metrics`, answered by `render` (the Prometheus text).
pub fn metrics_router<F>(render: F) -> Router
where
    F: Fn() -> String + Clone + Send + Sync + 'static,
{
    Router::new().route(
        "/metrics",
        get(move || {
            let render = render.clone();
            async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], render()) }
        }),
    )
}

/// Serves [`metrics_router`] on `listener` until `shutdown` completes.
pub async fn serve_metrics<F>(
    listener: TcpListener,
    render: F,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    F: Fn() -> String + Clone + Send + Sync + 'static,
{
    axum::serve(listener, metrics_router(render)).with_graceful_shutdown(shutdown).await
}
