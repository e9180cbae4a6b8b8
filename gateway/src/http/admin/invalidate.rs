//! `POST /admin/invalidate` (admin listener): drop a customer's cached cards. Authenticated
//! by the admin token (`Authorization: Bearer <token>`, compared in constant time); answers
//! 404 `not_found` while no token is configured.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::plain::is_valid_key;

/// The invalidation request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Invalidate {
    customer_id: String,
    /// The cards to drop; all of the customer's cards when absent.
    #[serde(default)]
    card_keys: Option<Vec<String>>,
}

/// `{"invalidated":{"customerId":…,"cardKeys":[…] | "all"}}`, or the error envelope:
/// 404 `not_found` (no admin token configured), 401 `invalid_admin_token`, 400
/// `invalid_body`, 409 `cache_disabled`, 503 `cache_unavailable`.
pub async fn invalidate(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GatewayError> {
    let token = gateway.config().admin_token.as_ref().ok_or(GatewayError::AdminOff)?;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(presented.as_bytes().ct_eq(token.expose().as_bytes())) {
        return Err(GatewayError::InvalidAdminToken);
    }
    let request: Invalidate = serde_json::from_slice(&body).map_err(|e| {
        GatewayError::InvalidAdminBody(format!("expected {{\"customerId\": \"…\", \"cardKeys\": [\"…\"]?}}: {e}"))
    })?;
    if request.customer_id.trim().is_empty() {
        return Err(GatewayError::InvalidAdminBody("customerId must not be empty".into()));
    }
    if let Some(bad) = request.card_keys.iter().flatten().find(|k| !is_valid_key(k)) {
        return Err(GatewayError::InvalidAdminBody(format!("card key {bad:?} is not [a-zA-Z0-9_-]+")));
    }
    let cache = gateway.cache().ok_or(GatewayError::CacheDisabled)?;
    cache
        .invalidate(&request.customer_id, request.card_keys.as_deref())
        .await
        .map_err(|e| GatewayError::CacheUnavailable { cause: e.to_string() })?;
    tracing::info!(customer_id = %request.customer_id, card_keys = ?request.card_keys, "cache invalidated");
    let cards = match &request.card_keys {
        Some(keys) => json!(keys),
        None => json!("all"),
    };
    Ok(Json(json!({ "invalidated": { "customerId": request.customer_id, "cardKeys": cards } })))
}
