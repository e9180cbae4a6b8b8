//! The admin listener (`admin_listen`, default `127.0.0.1:9090`): `GET /metrics` in the
//! Prometheus text format, `POST /admin/invalidate` and the [card preview](crate::preview).
//! It is a listener of its own so that none of them is ever exposed where Plain's requests arrive: Plain's port faces the internet,
//! the admin listener belongs on an internal network.

mod invalidate;

use std::future::Future;
use std::sync::Arc;

use axum::routing::post;
use axum::Router;
use tokio::net::TcpListener;
use tower::util::MapResponseLayer;

use crate::gateway::Gateway;

/// The admin routes:
/// - `GET /metrics`: every metric, Prometheus text;
/// - `POST /admin/invalidate`: drop a customer's cached cards (bearer `admin_token`; 404
///   while no token is configured);
/// - the [card preview](crate::preview): `GET /preview` and its assets, `GET
///   /admin/preview/keys`, `POST /admin/preview`, `POST /admin/validate` (bearer
///   `admin_token`).
///
/// Errors answer with the same `{"error":{"code","message"}}` envelope as the Plain routes.
pub fn admin_router(gateway: Arc<Gateway>) -> Router {
    let metrics = {
        let gateway = gateway.clone();
        cardmesh_telemetry::metrics_router(move || gateway.render_metrics())
    };
    let router = Router::new()
        .route("/admin/invalidate", post(invalidate::invalidate))
        .with_state(gateway.clone())
        .merge(crate::preview::preview_router(gateway))
        .merge(metrics);
    super::routing::with_error_fallbacks(router).layer(MapResponseLayer::new(super::log_errors))
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
    let router = admin_router(gateway.clone());
    super::serve_admin_router(&gateway, listener, router, shutdown).await
}
