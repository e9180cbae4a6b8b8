//! `POST /admin/invalidate` (admin listener): drop a customer's cached cards. Authenticated
//! by the admin token (`Authorization: Bearer <token>`, compared in constant time); answers
//! 404 `not_found` while no token is configured.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::GatewayError;
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
    /// The Plain workspace the customer belongs to (`Plain-Workspace-Id`); every workspace
    /// the gateway knows when absent (see [`crate::cache::CardCache::invalidate`]).
    #[serde(default)]
    workspace_id: Option<String>,
}

/// `{"invalidated":{"customerId":…,"cardKeys":[…] | "all","workspaces":[…]},"reloads":[…]}` (the Plain
/// reloads, [`crate::plain_api`]), or the error envelope: 404 `not_found` (no admin token
/// configured), 401 `invalid_admin_token`, 400 `invalid_body`, 409 `cache_disabled`, 503
/// `cache_unavailable`; for an `externalId`, 400 `external_id_needs_plain_api`, 404
/// `unknown_customer`, 502 `plain_unavailable`.
pub async fn invalidate(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GatewayError> {
    crate::access::require_admin_token(gateway.config(), &headers)?;
    let request: Invalidate = serde_json::from_slice(&body).map_err(|e| {
        GatewayError::InvalidAdminBody(format!(
            "expected {{\"customerId\" or \"externalId\": \"…\", \"cardKeys\": [\"…\"]?, \"threadId\": \"…\"?, \
             \"workspaceId\": \"…\"?}}: {e}"
        ))
    })?;
    let filled = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    if filled(&request.customer_id) == filled(&request.external_id)
        || (request.thread_id.is_some() && !filled(&request.thread_id))
    {
        return Err(GatewayError::InvalidAdminBody(
            "give exactly one of customerId and externalId, not empty; threadId, when given, must not be empty".into(),
        ));
    }
    if let Some(bad) = request.card_keys.iter().flatten().find(|k| !is_valid_key(k)) {
        return Err(GatewayError::InvalidAdminBody(format!("card key {bad:?} is not [a-zA-Z0-9_-]+")));
    }
    if let Some(workspace) = &request.workspace_id {
        check_workspace(gateway.config(), workspace)?;
    }
    let plain_api = gateway.plain_api().map(|api| &**api);
    let customer_id = match (&request.customer_id, &request.external_id) {
        (Some(id), _) if filled(&request.customer_id) => id.clone(),
        (_, external) => {
            crate::plain_api::customer_for_external(plain_api, external.as_deref().unwrap_or_default()).await?
        }
    };
    let cache = gateway.cache().ok_or(GatewayError::CacheDisabled)?;
    let workspaces = cache
        .invalidate(request.workspace_id.as_deref(), &customer_id, request.card_keys.as_deref())
        .await
        .map_err(|e| GatewayError::CacheUnavailable { cause: e.to_string() })?;
    tracing::info!(customer_id = %customer_id, card_keys = ?request.card_keys, ?workspaces, "cache invalidated");
    let cards = match &request.card_keys {
        Some(keys) => json!(keys),
        None => json!("all"),
    };
    let (keys, thread) = (request.card_keys.as_deref(), request.thread_id.as_deref());
    let reloads = crate::plain_api::reloads_after_invalidation(plain_api, &customer_id, keys, thread).await;
    Ok(Json(json!({
        "invalidated": { "customerId": customer_id, "cardKeys": cards, "workspaces": workspaces },
        "reloads": reloads,
    })))
}

/// A `workspaceId` must not be empty, and with per-workspace signing secrets it must be one
/// of theirs.
fn check_workspace(config: &crate::config::Config, workspace: &str) -> Result<(), GatewayError> {
    if workspace.trim().is_empty() {
        return Err(GatewayError::InvalidAdminBody("workspaceId, when given, must not be empty".into()));
    }
    match &config.signing_secrets {
        crate::config::SigningSecrets::PerWorkspace(table) if !table.contains_key(workspace) => {
            Err(GatewayError::InvalidAdminBody(format!(
                "workspaceId {workspace:?} is not one of the workspaces in signing_secrets \
                 (CARDMESH_WORKSPACE_SECRETS); leave it out to invalidate in all of them"
            )))
        }
        _ => Ok(()),
    }
}
