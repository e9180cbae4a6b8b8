//! The admin listener (`admin_listen`, default `127.0.0.1:9090`): `GET /metrics` in the
//! Prometheus text format, `POST /admin/invalidate` and the [card preview](crate::preview).
//! It is a listener of its own so that none of them is ever exposed where Plain's requests
//! arrive.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::gateway::Gateway;

/// The admin routes: `GET /metrics`, `POST /admin/invalidate` and the preview's routes.
pub fn admin_router(gateway: Arc<Gateway>) -> Router {
    let metrics = {
        let gateway = gateway.clone();
        cardmesh_telemetry::metrics_router(move || gateway.render_metrics())
    };
    Router::new()
        .route("/admin/invalidate", axum::routing::post(crate::http::invalidate))
        .with_state(gateway.clone())
        .merge(crate::preview::preview_router(gateway))
        .merge(metrics)
}

/// Serves [`admin_router`] on `listener` until `shutdown` completes.
pub async fn serve_admin(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "admin listener serving GET /metrics, POST /admin/invalidate and GET /preview");
    }
    axum::serve(listener, admin_router(gateway)).with_graceful_shutdown(shutdown).await
}
