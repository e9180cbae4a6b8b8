//! The admin listener (`admin_listen`, default `127.0.0.1:9090`): `GET /metrics` in the
//! Prometheus text format, `POST /admin/invalidate` and the [card preview](crate::preview).
//! It is a listener of its own so that none of them is ever exposed where Plain's requests
//! arrive: Plain's port faces the internet, the admin listener belongs on an internal network.
//! Card services share that network, so the listener trusts them only as far as needed:
//! their token only invalidates ([`crate::access::AdminTokens`]), and every route answers only
//! to the `Host` names it knows ([`crate::access::AdminHosts`]).

mod invalidate;

use std::future::Future;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use tokio::net::TcpListener;
use tower::util::MapResponseLayer;

use super::listener::ListenerControl;
use crate::error::GatewayError;
use crate::gateway::Gateway;

pub use invalidate::{MAX_IDENTIFIER_CHARS, MAX_INVALIDATE_KEYS};

/// The admin routes:
/// - `GET /metrics`: every metric, Prometheus text;
/// - `POST /admin/invalidate`: drop a customer's cached cards (bearer `admin.service_token`
///   or `admin.operator_token`; 404 while neither is configured);
/// - the card preview (`crate::preview`): `GET /preview` and its assets, `GET
///   /admin/preview/keys`, `POST /admin/preview`, `POST /admin/preview/action`, `POST
///   /admin/validate` (bearer
///   `admin.operator_token`; the service token gets 403 `operator_token_required`).
///
/// Every route, `/metrics` and unknown paths included, first checks `Host`: 421
/// `misdirected_request` for a name the listener does not answer to. Errors answer with the
/// same `{"error":{"code","message"}}` envelope as the Plain routes.
pub fn admin_router(gateway: Arc<Gateway>) -> Router {
    let metrics = {
        let gateway = gateway.clone();
        cardmesh_telemetry::metrics_router(move || gateway.render_metrics())
    };
    let router = Router::new()
        .route("/admin/invalidate", post(invalidate::invalidate))
        .with_state(gateway.clone())
        .merge(crate::preview::preview_router(gateway.clone()))
        .merge(metrics);
    super::error_fallbacks::with_error_fallbacks(router)
        .layer(axum::middleware::from_fn_with_state(gateway, check_host))
        .layer(MapResponseLayer::new(super::log_errors))
}

/// Refuses a request whose `Host` the admin listener does not answer to, before any route.
async fn check_host(State(gateway): State<Arc<Gateway>>, request: Request, next: Next) -> Response {
    match gateway.access().admin_hosts().check(request.headers(), request.uri()) {
        Ok(()) => next.run(request).await,
        Err(host) => {
            GatewayError::MisdirectedRequest { host: cardmesh_telemetry::scrub::service_text(&host) }.into_response()
        }
    }
}

/// Serves [`admin_router`] on `listener` until `shutdown` completes; the requests in flight
/// then have `shutdown.grace_period` to finish.
pub async fn serve_admin(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let control = ListenerControl::new();
    let grace = gateway.config().shutdown.grace_period;
    let served = serve_admin_controlled(gateway, listener, control.clone());
    super::server::until_stopped(served, control, shutdown, grace).await
}

/// [`serve_admin`], moved through its shutdown phases by `control`.
pub async fn serve_admin_controlled(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    control: ListenerControl,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "admin listener serving GET /metrics, POST /admin/invalidate and GET /preview");
    }
    let router = admin_router(gateway.clone());
    super::serve_admin_router(&gateway, listener, router, control).await
}
