//! The router.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tower::util::MapResponseLayer;

use super::action_handler::action;
use super::card_handler::cards;
use crate::error::GatewayError;
use crate::gateway::Gateway;

/// The gateway's HTTP routes:
/// - `POST /` and `POST /cards`: the Plain card endpoint (traced and counted, see
///   [`crate::telemetry::request`]);
/// - `POST /actions/{name}`: a card action run from a Plain workflow (admitted as card
///   requests are, traced as `plain_action`, counted in `cardmesh_actions_total`; see
///   [`crate::actions`]);
/// - `GET /healthz`: 200 while the gateway serves;
/// - `GET /readyz`: 200 once every configured card service has described its cards,
///   503 `not_ready` (with the number still missing) before; both list the keys two
///   services claim (`conflicts`); 503 `shutting_down` once a shutdown signal has arrived
///   (the gateway still serves while it drains, see [`super::run`]);
///
/// `POST /admin/invalidate` is on the admin listener ([`super::admin_router`]); here it
/// answers 404 like any other unknown path. Any other path is `404 not_found`, another
/// method on these paths `405 method_not_allowed` with an `Allow` header, both in the JSON
/// error envelope.
pub fn app(gateway: Arc<Gateway>) -> Router {
    let body_limit = gateway.config().limits.max_body_bytes;
    let router = Router::new()
        .route("/", post(cards))
        .route("/cards", post(cards))
        // The limit applies while the body is read, before the signature check, so an
        // oversized body costs at most `max_body_bytes` of memory.
        .layer(DefaultBodyLimit::max(body_limit))
        // The `plain_request` span and the request metrics, around everything above.
        .layer(crate::telemetry::request_layer(gateway.metrics().clone()))
        // Not a card request: outside the card routes' span and metrics, with the same limit.
        .route("/actions/{name}", post(action).layer(DefaultBodyLimit::max(body_limit)))
        .route("/healthz", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/readyz", get(ready));
    super::error_fallbacks::with_error_fallbacks(router)
        .with_state(gateway)
        // Logs every error answer, of the card routes and the others alike.
        .layer(MapResponseLayer::new(super::log_errors))
}

/// `{"cardKeys": N, "servicesNotDescribed": 0, "conflicts": [...]}` once ready; before, the
/// error envelope (`not_ready`, 503) with the same figures. `conflicts` lists every key a
/// service claims while another owns it, as `{"key", "owner", "claimedBy"}` (configured
/// service names); a conflict does not make the gateway unready, the owner serves the key.
///
/// Once the gateway is shutting down it answers `shutting_down` (503) instead, whatever the
/// table says, so that load balancers stop sending it new requests.
async fn ready(State(gateway): State<Arc<Gateway>>) -> Result<Json<serde_json::Value>, GatewayError> {
    if gateway.is_shutting_down() {
        return Err(GatewayError::ShuttingDown);
    }
    let table = gateway.router().table();
    let (card_keys, services_not_described) = (table.len(), table.undescribed());
    let conflicts = json!(table.conflicts());
    if services_not_described == 0 {
        Ok(Json(json!({ "cardKeys": card_keys, "servicesNotDescribed": 0, "conflicts": conflicts })))
    } else {
        Err(GatewayError::NotReady { card_keys, services_not_described, conflicts })
    }
}
