//! `POST /` and `POST /cards`: the Plain card request. The handler is the request's driver:
//! [admission](super::admission) step by step, then [`Gateway::answer`] (the stages of
//! [`crate::request`]), whose [`crate::request::answer::Answer`] is the response.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::admission;
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::plain::workspace_header;
use crate::telemetry::RequestSpanSlot;

/// The per-IP limit and the required headers, before the body is read
/// ([`admission::refusal`]); then the size limit (applied while reading) and the body's
/// deadline (`408 request_timeout`, set by the listener), [`admission::admit`]
/// (content type, signature over the raw bytes, parsing), the workspace's rate limit, and the
/// cards. A refusal is logged inside the request's span (by [`super::log_errors`]).
pub async fn cards(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    if let Some(refusal) = admission::refusal(&gateway, &request) {
        return refusal;
    }
    // The headers are moved out, not cloned: reading the body needs only the extensions
    // (where `DefaultBodyLimit` put the limit).
    let (mut parts, body) = request.into_parts();
    let headers = std::mem::take(&mut parts.headers);
    let body = Bytes::from_request(Request::from_parts(parts, body), &()).await;
    let mut span = RequestSpanSlot::new(&headers);
    match answer(&gateway, &headers, body, &mut span).await {
        Ok(response) => response,
        Err(error) => super::log::error_in_span(error, span.get()),
    }
}

async fn answer(
    gateway: &Gateway,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    span: &mut RequestSpanSlot<'_>,
) -> Result<Response, GatewayError> {
    let body = admission::read_body(gateway, body)?;
    let max_keys = gateway.config().limits.max_card_keys;
    let (request, keys) = admission::admit(headers, &body, gateway.verifier(), max_keys)?;
    span.set_keys(keys.as_slice().len());
    let workspace_id = workspace_header(headers);
    gateway.access().check_workspace(workspace_id)?;
    let asker = admission::asker(headers);
    Ok(gateway.answer(&request, &keys, workspace_id, span, asker).await?.into_response())
}
