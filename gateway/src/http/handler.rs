//! `POST /`: the Plain card request.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::BodyTimeout;
use crate::error::GatewayError;
use crate::gateway::{Asker, Gateway};
use crate::plain::{parse_request, workspace_header, CardKeys, CardRequest};
use crate::telemetry::RequestSpanSlot;
use crate::verify::{SignatureVerifier, SIGNATURE_HEADER};

/// Header telling how many cards came from the cache (for operators and tests).
pub const CACHE_HEADER: &str = "cardmesh-cache";

/// Header `cardmesh validate --url` adds (`Cardmesh-Probe: validate`): the request is
/// answered as Plain's would be, but is not Plain, so it is not kept in the served ledger
/// (see `crate::cache`). Honoured only after the signature was checked.
pub const PROBE_HEADER: &str = "cardmesh-probe";

/// The per-IP limit and the required headers, before the body is read
/// ([`super::guard::refusal`]); then the size limit (applied while reading) and the body's
/// deadline (`408 request_timeout`, set by the listener), [`admit`]
/// (content type, signature over the raw bytes, parsing), the workspace's rate limit, and the
/// cards. A refusal is logged inside the request's span (by [`super::log_errors`]).
pub async fn cards(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    if let Some(refusal) = super::guard::refusal(&gateway, &request) {
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
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            GatewayError::PayloadTooLarge { limit: gateway.config().limits.max_body_bytes }
        } else if let Some(BodyTimeout(limit)) = BodyTimeout::find(&rejection) {
            GatewayError::BodyTimeout { limit }
        } else {
            GatewayError::BodyRead(rejection.body_text())
        }
    })?;
    let max_keys = gateway.config().limits.max_card_keys;
    let (request, keys) = admit(headers, &body, gateway.verifier(), max_keys)?;
    span.set_keys(keys.as_slice().len());
    let workspace_id = workspace_header(headers);
    gateway.access().check_workspace(workspace_id)?;
    let asker = match headers.get(PROBE_HEADER) {
        Some(value) if value.as_bytes() == b"validate" => Asker::Probe,
        _ => Asker::Plain,
    };
    let answer = gateway.answer(&request, &keys, workspace_id, span, asker).await?;
    let cache = format!("hits={}, misses={}, stale={}", answer.hits, answer.misses, answer.stale);
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        [(header::HeaderName::from_static(CACHE_HEADER), cache)],
        answer.body,
    )
        .into_response())
}

/// Everything checked on a request whose body was read, before any card is looked up:
/// content type, workspace (with per-workspace secrets) and signature over the raw bytes,
/// then the body (at most `max_keys` distinct keys), then its timestamp (replay window). Pure and synchronous, so it can be fuzzed on its own; never panics, and every error
/// maps to a 4xx status.
pub fn admit(
    headers: &HeaderMap,
    body: &[u8],
    verifier: &SignatureVerifier,
    max_keys: usize,
) -> Result<(CardRequest, CardKeys), GatewayError> {
    if !is_json(headers) {
        return Err(GatewayError::UnsupportedMediaType);
    }
    let signature = headers.get(SIGNATURE_HEADER).map(|v| v.as_bytes());
    cardmesh_telemetry::span_if_tracing(|| tracing::info_span!("verify_signature"))
        .in_scope(|| verifier.verify(workspace_header(headers), signature, body))?;
    let (request, keys) = parse_request(body, max_keys)?;
    // The replay window reads the timestamp the parser already read, once signed.
    verifier.check_timestamp(&request.timestamp)?;
    Ok((request, keys))
}

/// `application/json`, with or without parameters such as `charset`.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}
