//! The checks that run on the card routes before the body is read: the per-client-IP rate
//! limit and the required headers.

use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::log::error_in_span;
use super::ClientAddr;
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::telemetry::RequestSpanSlot;

/// Refuses the request (429 or 401, to be logged inside the request's span) or passes it on.
/// Without a known peer address (the router served without connect info) only the headers
/// are checked.
pub async fn guard(State(gateway): State<Arc<Gateway>>, request: Request, next: Next) -> Response {
    let ip = request.extensions().get::<ConnectInfo<ClientAddr>>().map(|info| info.0 .0.ip());
    if let Err(error) = gateway.access().check_client(ip, request.headers()) {
        return error_in_span(GatewayError::from(error), RequestSpanSlot::new(request.headers()).get());
    }
    next.run(request).await
}
