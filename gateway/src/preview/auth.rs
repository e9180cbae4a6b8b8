//! The admin token check of the preview's JSON endpoints, and their error envelope.

use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use crate::gateway::Gateway;

/// A JSON answer with its status.
pub(super) type Reply = (StatusCode, Json<Value>);

/// `{"error":{"code","message"}}`, the envelope of every gateway error.
pub(super) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Reply {
    (status, Json(json!({ "error": { "code": code, "message": message.into() } })))
}

/// Passes when `Authorization: Bearer <admin_token>` matches (constant-time comparison);
/// 404 while no admin token is configured (the endpoints are off), 401 otherwise.
pub(super) fn require_admin(gateway: &Gateway, headers: &HeaderMap) -> Result<(), Reply> {
    let Some(token) = gateway.config().admin_token.as_ref() else {
        return Err(error(StatusCode::NOT_FOUND, "not_found", "the admin endpoint is off (no admin token)"));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if bool::from(presented.as_bytes().ct_eq(token.expose().as_bytes())) {
        Ok(())
    } else {
        Err(error(
            StatusCode::UNAUTHORIZED,
            "invalid_admin_token",
            "Authorization: Bearer <admin token> is missing or wrong",
        ))
    }
}
