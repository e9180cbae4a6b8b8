//! `POST /`: the Plain card request.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::plain::parse_request;
use crate::verify::SIGNATURE_HEADER;

/// Header telling how many cards came from the cache (for operators and tests).
pub const CACHE_HEADER: &str = "cardmesh-cache";

/// Header Plain sends with the workspace id.
const WORKSPACE_HEADER: &str = "plain-workspace-id";

/// Size limit (applied while reading), content type, signature over the raw bytes, then
/// parsing, then the cards.
pub async fn cards(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, GatewayError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            GatewayError::PayloadTooLarge { limit: gateway.config().limits.max_body_bytes }
        } else {
            GatewayError::BodyRead(rejection.body_text())
        }
    })?;
    if !is_json(&headers) {
        return Err(GatewayError::UnsupportedMediaType);
    }
    let signature = headers.get(SIGNATURE_HEADER).map(|v| v.as_bytes());
    cardmesh_telemetry::span_if_tracing(|| tracing::info_span!("verify_signature"))
        .in_scope(|| gateway.verifier().verify(signature, &body))?;
    let (request, keys) = parse_request(&body, gateway.config().limits.max_card_keys)?;
    tracing::Span::current().record("keys", keys.as_slice().len());
    let workspace_id = headers
        .get(WORKSPACE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let answer = gateway.answer(&request, &keys, workspace_id).await?;
    let cache = format!("hits={}, misses={}, stale={}", answer.hits, answer.misses, answer.stale);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::HeaderName::from_static(CACHE_HEADER), cache),
        ],
        answer.body,
    )
        .into_response())
}

/// `application/json`, with or without parameters such as `charset`.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}
