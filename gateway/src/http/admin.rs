//! `POST /admin/invalidate`: drop a customer's cached cards, then (with the Plain API on)
//! make Plain reload them ([`crate::plain_api`]). Authenticated by the admin token
//! (`Authorization: Bearer <token>`, compared in constant time); the route exists only when
//! a token is configured.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use crate::gateway::Gateway;
use crate::plain::is_valid_key;

/// The invalidation request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Invalidate {
    /// Plain's customer id; or `external_id`, looked up in Plain.
    #[serde(default)]
    customer_id: Option<String>,
    #[serde(default)]
    external_id: Option<String>,
    /// The cards to drop; all of the customer's cards when absent.
    #[serde(default)]
    card_keys: Option<Vec<String>>,
    /// The thread the cards are shown in, passed on to Plain's reload.
    #[serde(default)]
    thread_id: Option<String>,
}

type Reply = (StatusCode, Json<Value>);

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Reply {
    (status, Json(json!({ "error": { "code": code, "message": message.into() } })))
}

pub async fn invalidate(State(gateway): State<Arc<Gateway>>, headers: HeaderMap, body: Bytes) -> Reply {
    let Some(token) = gateway.config().admin_token.as_ref() else {
        return error(StatusCode::NOT_FOUND, "not_found", "the admin endpoint is off (no admin token)");
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(presented.as_bytes().ct_eq(token.expose().as_bytes())) {
        return error(StatusCode::UNAUTHORIZED, "invalid_admin_token", "Authorization: Bearer <admin token> is missing or wrong");
    }
    let request: Invalidate = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_body", format!("expected {{\"customerId\" or \"externalId\": \"…\", \"cardKeys\": [\"…\"]?, \"threadId\": \"…\"?}}: {e}")),
    };
    let filled = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    if filled(&request.customer_id) == filled(&request.external_id) || request.thread_id.as_ref().is_some_and(|_| !filled(&request.thread_id)) {
        return error(StatusCode::BAD_REQUEST, "invalid_body", "give exactly one of customerId and externalId, not empty; threadId, when given, must not be empty");
    }
    let plain_api = gateway.plain_api().map(|api| &**api);
    let customer_id = match (&request.customer_id, &request.external_id) {
        (Some(id), _) if filled(&request.customer_id) => id.clone(),
        (_, external) => match crate::plain_api::customer_for_external(plain_api, external.as_deref().unwrap_or_default()).await {
            Ok(id) => id,
            Err(e @ crate::plain_api::CustomerLookupError::PlainApiOff) => return error(StatusCode::BAD_REQUEST, e.code(), e.to_string()),
            Err(e @ crate::plain_api::CustomerLookupError::Unknown(_)) => return error(StatusCode::NOT_FOUND, e.code(), e.to_string()),
            Err(e @ crate::plain_api::CustomerLookupError::Failed(_)) => return error(StatusCode::BAD_GATEWAY, e.code(), e.to_string()),
        },
    };
    if let Some(bad) = request.card_keys.iter().flatten().find(|k| !is_valid_key(k)) {
        return error(StatusCode::BAD_REQUEST, "invalid_body", format!("card key {bad:?} is not [a-zA-Z0-9_-]+"));
    }
    let Some(cache) = gateway.cache() else {
        return error(StatusCode::CONFLICT, "cache_disabled", "the response cache is disabled; nothing to invalidate");
    };
    match cache.invalidate(&customer_id, request.card_keys.as_deref()).await {
        Ok(()) => {
            tracing::info!(customer_id = %customer_id, card_keys = ?request.card_keys, "cache invalidated");
            let cards = match &request.card_keys {
                Some(keys) => json!(keys),
                None => json!("all"),
            };
            let reloads = crate::plain_api::reloads_after_invalidation(plain_api, &customer_id, request.card_keys.as_deref(), request.thread_id.as_deref()).await;
            (StatusCode::OK, Json(json!({ "invalidated": { "customerId": customer_id, "cardKeys": cards }, "reloads": reloads })))
        }
        Err(e) => {
            tracing::error!(error = %e, "cache invalidation failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "cache_unavailable", "the cache store could not be reached; try again")
        }
    }
}
