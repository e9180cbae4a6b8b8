//! `POST /admin/invalidate` (admin listener): drop a customer's cached cards. Authenticated
//! by the service token or the operator token (`Authorization: Bearer <token>`, compared as
//! SHA-256 digests in constant time); answers 404 `not_found` while neither is configured.

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

/// Most card keys one invalidation names: Plain's own limit of card configs per workspace
/// (25), so one call can name every card there is.
pub const MAX_INVALIDATE_KEYS: usize = cardmesh_rules::MAX_KEYS_PER_REQUEST;

/// Most characters of `customerId`, `externalId`, `threadId` and of each card key.
pub use crate::plain::MAX_IDENTIFIER_CHARS;

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

impl Invalidate {
    /// Every field within its cap: at most [`MAX_INVALIDATE_KEYS`] keys, each `[a-zA-Z0-9_-]+`,
    /// and no identifier over [`MAX_IDENTIFIER_CHARS`]. The error names the field.
    fn check_caps(&self) -> Result<(), GatewayError> {
        let refuse = |field: String, message: String| Err(GatewayError::InvalidAdminField { field, message });
        for (field, value) in [
            ("customerId", &self.customer_id),
            ("externalId", &self.external_id),
            ("threadId", &self.thread_id),
            ("workspaceId", &self.workspace_id),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > MAX_IDENTIFIER_CHARS) {
                return refuse(field.into(), format!("longer than {MAX_IDENTIFIER_CHARS} characters"));
            }
        }
        let keys = self.card_keys.as_deref().unwrap_or_default();
        if keys.len() > MAX_INVALIDATE_KEYS {
            return refuse(
                "cardKeys".into(),
                format!("{} keys; at most {MAX_INVALIDATE_KEYS} (Plain's limit of cards per workspace)", keys.len()),
            );
        }
        for (i, key) in keys.iter().enumerate() {
            if key.chars().count() > MAX_IDENTIFIER_CHARS {
                return refuse(format!("cardKeys[{i}]"), format!("longer than {MAX_IDENTIFIER_CHARS} characters"));
            }
            if !is_valid_key(key) {
                return refuse(format!("cardKeys[{i}]"), "not [a-zA-Z0-9_-]+".into());
            }
        }
        Ok(())
    }
}

/// `{"invalidated":{"customerId":…,"cardKeys":[…] | "all","workspaces":[…]},"reloads":[…]}` (the Plain
/// reloads, [`crate::plain_client`]), or the error envelope: 404 `not_found` (neither admin
/// token configured), 401 `invalid_admin_token`, 400 `invalid_body`, 400 `invalid_field` (a field
/// over its cap, named in `field`), 409 `cache_disabled`, 503 `cache_unavailable`; for an
/// `externalId`, 400 `external_id_needs_plain_api`, 404 `unknown_customer`, 502
/// `plain_unavailable`.
pub async fn invalidate(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GatewayError> {
    let role = gateway.access().admin_tokens().require_invalidate(&headers)?;
    let request: Invalidate = serde_json::from_slice(&body).map_err(|e| {
        GatewayError::InvalidAdminBody(format!(
            "expected {{\"customerId\" or \"externalId\": \"…\", \"cardKeys\": [\"…\"]?, \"threadId\": \"…\"?, \
             \"workspaceId\": \"…\"?}}: {e}"
        ))
    })?;
    request.check_caps()?;
    let filled = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    if filled(&request.customer_id) == filled(&request.external_id)
        || (request.thread_id.is_some() && !filled(&request.thread_id))
    {
        return Err(GatewayError::InvalidAdminBody(
            "give exactly one of customerId and externalId, not empty; threadId, when given, must not be empty".into(),
        ));
    }
    if let Some(workspace) = &request.workspace_id {
        check_workspace(gateway.config(), workspace)?;
    }
    let plain_api = gateway.plain_client().map(|api| &**api);
    let customer_id = match (&request.customer_id, &request.external_id) {
        (Some(id), _) if filled(&request.customer_id) => id.clone(),
        (_, external) => {
            crate::plain_client::customer_for_external(plain_api, external.as_deref().unwrap_or_default()).await?
        }
    };
    let cache = gateway.cache().ok_or(GatewayError::CacheDisabled)?;
    let workspaces = cache
        .invalidate(request.workspace_id.as_deref(), &customer_id, request.card_keys.as_deref())
        .await
        .map_err(|e| GatewayError::CacheUnavailable { cause: e.to_string() })?;
    let by = match role {
        crate::access::AdminRole::Service => "service token",
        crate::access::AdminRole::Operator => "operator token",
    };
    tracing::info!(customer_id = %customer_id, card_keys = ?request.card_keys, ?workspaces, by, "cache invalidated");
    let cards = match &request.card_keys {
        Some(keys) => json!(keys),
        None => json!("all"),
    };
    let (keys, thread) = (request.card_keys.as_deref(), request.thread_id.as_deref());
    let reloads = crate::plain_client::reloads_after_invalidation(plain_api, &customer_id, keys, thread).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Value) -> Invalidate {
        serde_json::from_value(body).unwrap()
    }

    fn refused_field(body: Value) -> String {
        match request(body).check_caps() {
            Err(GatewayError::InvalidAdminField { field, .. }) => field,
            other => panic!("expected a refused field, got {other:?}"),
        }
    }

    #[test]
    fn at_most_25_keys() {
        let keys: Vec<String> = (0..MAX_INVALIDATE_KEYS).map(|i| format!("k{i}")).collect();
        request(json!({ "customerId": "c_1", "cardKeys": keys })).check_caps().expect("25 keys");
        let keys: Vec<String> = (0..=MAX_INVALIDATE_KEYS).map(|i| format!("k{i}")).collect();
        assert_eq!(refused_field(json!({ "customerId": "c_1", "cardKeys": keys })), "cardKeys");
    }

    #[test]
    fn identifiers_are_length_capped_and_named() {
        let long = "x".repeat(MAX_IDENTIFIER_CHARS + 1);
        request(json!({ "customerId": "x".repeat(MAX_IDENTIFIER_CHARS) })).check_caps().expect("at the cap");
        assert_eq!(refused_field(json!({ "customerId": long })), "customerId");
        assert_eq!(refused_field(json!({ "externalId": long })), "externalId");
        assert_eq!(refused_field(json!({ "customerId": "c", "threadId": long })), "threadId");
        assert_eq!(refused_field(json!({ "customerId": "c", "cardKeys": ["ok", long] })), "cardKeys[1]");
        assert_eq!(refused_field(json!({ "customerId": "c", "cardKeys": ["bad key"] })), "cardKeys[0]");
    }
}
