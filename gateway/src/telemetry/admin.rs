//! The admin listener (`admin_listen`, default `127.0.0.1:9090`): `GET /metrics` in the
//! Prometheus text format. It is a listener of its own so that metrics are never exposed
//! where Plain's requests arrive.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::gateway::Gateway;

/// The admin routes: `GET /metrics`.
pub fn admin_router(gateway: Arc<Gateway>) -> Router {
    cardmesh_telemetry::metrics_router(move || gateway.render_metrics())
}

/// Serves [`admin_router`] on `listener` until `shutdown` completes.
pub async fn serve_admin(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "admin listener serving GET /metrics");
    }
    axum::serve(listener, admin_router(gateway)).with_graceful_shutdown(shutdown).await
}
