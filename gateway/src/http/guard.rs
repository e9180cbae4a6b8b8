//! The checks that run on the card routes before the body is read: the per-client-IP rate
//! limit and the required headers.

use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::response::Response;

use super::log::error_in_span;
use super::ClientAddr;
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::telemetry::RequestSpanSlot;

/// The refusal of a request that fails these checks (429 or 401, logged inside the
/// request's span), or `None` to go on and read its body. Without a known peer address (the
/// router served without connect info) only the headers are checked.
///
/// The card handler calls it first rather than it being a middleware layer: an axum
/// `from_fn` layer clones the route and boxes a future on every request (what that cost on
/// the near-cache hit path: dev-docs/decisions/no-from-fn-guard.md).
pub fn refusal(gateway: &Arc<Gateway>, request: &Request) -> Option<Response> {
    let ip = request.extensions().get::<ConnectInfo<ClientAddr>>().map(|info| info.0 .0.ip());
    let error = gateway.access().check_client(ip, request.headers()).err()?;
    Some(error_in_span(GatewayError::from(error), RequestSpanSlot::new(request.headers()).get()))
}
