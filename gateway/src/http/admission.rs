//! Admission: every check a Plain request passes before any card is looked up or any action
//! run, as one axum extractor per route, [`Admitted`] (cards) and [`AdmittedAction`]
//! (`POST /actions/{name}`), in this order:
//!
//! 1. [`refusal`]: the per-client-IP rate limit and the required headers, before the body
//!    is read;
//! 2. [`read_body`]: the body under its size limit and deadline (the headers are moved out
//!    of the request, not cloned);
//! 3. [`admit`]: the content type and the signature over the raw bytes ([`verify_signed`]),
//!    the parse, the replay window;
//! 4. the per-workspace rate limit ([`crate::access::Access::check_workspace`]), once the
//!    signature is verified;
//! 5. [`asker`]: who asked (Plain or `cardmesh validate --url`).
//!
//! Both extractors share every step but the body's parse: an action's body is
//! [`ActionBody`], whose `timestamp` goes through the same replay window, and step 5 is the
//! card route's alone.
//!
//! A refusal is the error's response, logged inside the request's span (by
//! [`super::log_errors`]). Nothing here is a middleware layer: an axum `from_fn` layer clones
//! the route and boxes a future on every request (what that cost on the near-cache hit
//! path: dev-docs/decisions/no-from-fn-guard.md); an extractor costs neither.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

use super::log::error_in_span;
use super::{BodyTimeout, ClientAddr};
use crate::actions::ActionBody;
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::plain::{parse_request, workspace_header, CardKeys, CardRequest};
use crate::request::plan::Asker;
use crate::telemetry::RequestSpanSlot;
use crate::verify::{SignatureVerifier, SIGNATURE_HEADER};

/// Header `cardmesh validate --url` adds (`Cardmesh-Probe: validate`): the request is
/// answered as Plain's would be, but is not Plain, so it is not kept in the served ledger
/// (see `crate::cache`). Honoured only after the signature was checked.
pub const PROBE_HEADER: &str = "cardmesh-probe";

/// A card request that passed admission, with its headers (moved out of the request).
pub struct Admitted {
    pub headers: HeaderMap,
    pub request: CardRequest,
    pub keys: CardKeys,
    pub asker: Asker,
}

impl FromRequest<Arc<Gateway>> for Admitted {
    /// The refusal's response (4xx in the JSON envelope), already in the request's span.
    type Rejection = Response;

    async fn from_request(request: Request, gateway: &Arc<Gateway>) -> Result<Self, Response> {
        let (headers, body) = headers_and_body(request, gateway).await?;
        let mut span = RequestSpanSlot::new(&headers);
        match after_body(gateway, &headers, body, &mut span) {
            Ok((request, keys, asker)) => Ok(Admitted { headers, request, keys, asker }),
            Err(error) => Err(error_in_span(error, span.get())),
        }
    }
}

/// An action request that passed admission: its headers, the raw body as signed, and the
/// fields of it the gateway reads.
pub struct AdmittedAction {
    pub headers: HeaderMap,
    pub raw: Bytes,
    pub body: ActionBody,
}

impl FromRequest<Arc<Gateway>> for AdmittedAction {
    /// The refusal's response (4xx in the JSON envelope).
    type Rejection = Response;

    async fn from_request(request: Request, gateway: &Arc<Gateway>) -> Result<Self, Response> {
        let (headers, body) = headers_and_body(request, gateway).await?;
        match after_action_body(gateway, &headers, body) {
            Ok((raw, body)) => Ok(AdmittedAction { headers, raw, body }),
            Err(error) => Err(error_in_span(error, RequestSpanSlot::new(&headers).get())),
        }
    }
}

/// Step 1, then the body as read (step 2 checks it): the refusal of step 1 is the error.
async fn headers_and_body(
    request: Request,
    gateway: &Arc<Gateway>,
) -> Result<(HeaderMap, Result<Bytes, BytesRejection>), Response> {
    if let Some(refusal) = refusal(gateway, &request) {
        return Err(refusal);
    }
    // The headers are moved out, not cloned: reading the body needs only the extensions
    // (where `DefaultBodyLimit` put the limit).
    let (mut parts, body) = request.into_parts();
    let headers = std::mem::take(&mut parts.headers);
    let body = Bytes::from_request(Request::from_parts(parts, body), &()).await;
    Ok((headers, body))
}

/// Steps 2 to 4 for an action: the card route's, with the action's body.
fn after_action_body(
    gateway: &Gateway,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Bytes, ActionBody), GatewayError> {
    let raw = read_body(gateway, body)?;
    let verifier = gateway.verifier();
    verify_signed(headers, &raw, verifier)?;
    let body = ActionBody::parse(&raw)?;
    verifier.check_timestamp(&body.timestamp)?;
    gateway.access().check_workspace(workspace_header(headers))?;
    Ok((raw, body))
}

/// Steps 2 to 5, on the body as read.
fn after_body(
    gateway: &Gateway,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    span: &mut RequestSpanSlot<'_>,
) -> Result<(CardRequest, CardKeys, Asker), GatewayError> {
    let body = read_body(gateway, body)?;
    let (request, keys) = admit(headers, &body, gateway.verifier(), gateway.config().limits.max_card_keys)?;
    span.set_keys(keys.as_slice().len());
    gateway.access().check_workspace(workspace_header(headers))?;
    Ok((request, keys, asker(headers)))
}

/// The refusal of a request that fails the pre-body checks (429 or 401, logged inside the
/// request's span), or `None` to go on and read its body. Without a known peer address (the
/// router served without connect info) only the headers are checked.
///
fn refusal(gateway: &Arc<Gateway>, request: &Request) -> Option<Response> {
    let ip = request.extensions().get::<ConnectInfo<ClientAddr>>().map(|info| info.0 .0.ip());
    let error = gateway.access().check_client(ip, request.headers()).err()?;
    Some(error_in_span(GatewayError::from(error), RequestSpanSlot::new(request.headers()).get()))
}

/// The body as read, or why it could not be: `413 payload_too_large` over
/// `limits.max_body_bytes`, `408 request_timeout` past the listener's body deadline, else
/// `400 body_read`.
fn read_body(gateway: &Gateway, body: Result<Bytes, BytesRejection>) -> Result<Bytes, GatewayError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            GatewayError::PayloadTooLarge { limit: gateway.config().limits.max_body_bytes }
        } else if let Some(BodyTimeout(limit)) = BodyTimeout::find(&rejection) {
            GatewayError::BodyTimeout { limit }
        } else {
            GatewayError::BodyRead(rejection.body_text())
        }
    })
}

/// Who asked: `Cardmesh-Probe: validate` marks `cardmesh validate --url`, anything else is
/// Plain. Read only after the signature was checked.
fn asker(headers: &HeaderMap) -> Asker {
    match headers.get(PROBE_HEADER) {
        Some(value) if value.as_bytes() == b"validate" => Asker::Probe,
        _ => Asker::Plain,
    }
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
    verify_signed(headers, body, verifier)?;
    let (request, keys) = parse_request(body, max_keys)?;
    // The replay window reads the timestamp the parser already read, once signed.
    verifier.check_timestamp(&request.timestamp)?;
    Ok((request, keys))
}

/// The checks of the raw bytes every Plain route makes before parsing them: the content type,
/// then the workspace (with per-workspace secrets) and the signature.
pub fn verify_signed(headers: &HeaderMap, body: &[u8], verifier: &SignatureVerifier) -> Result<(), GatewayError> {
    if !is_json(headers) {
        return Err(GatewayError::UnsupportedMediaType);
    }
    let signature = headers.get(SIGNATURE_HEADER).map(|v| v.as_bytes());
    cardmesh_telemetry::span_if_tracing(|| tracing::info_span!("verify_signature"))
        .in_scope(|| verifier.verify(workspace_header(headers), signature, body))?;
    Ok(())
}

/// `application/json`, with or without parameters such as `charset`.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}
