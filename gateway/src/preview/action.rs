//! `POST /admin/preview/action`: runs a card's action against the customer being previewed,
//! marked as a preview run (`RunActionRequest.preview = true`: the service changes no real
//! data).
//!
//! Not Plain's path: no signature (the operator token instead), no idempotency record (each
//! run gets a key of its own, `preview-…`), no invalidation and no reload in Plain, and not
//! counted in `cardmesh_actions_total`. The call itself is the one Plain's deliveries make
//! ([`crate::actions::call::run_action`], under `actions.deadline`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use cardmesh_proto::{Customer, RunActionRequest, Thread};
use serde::Deserialize;
use serde_json::{json, Value};

use super::api::check_workspace;
use super::auth::require_operator;
use crate::actions::call::run_action;
use crate::actions::Record;
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::plain::MAX_IDENTIFIER_CHARS;

/// The body of `POST /admin/preview/action`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PreviewActionRequest {
    /// The action's name, as a service declares it.
    action: String,
    /// The workspace the preview draws for (checked as for `POST /admin/preview`).
    workspace_id: String,
    /// The test customer: Plain's id, email and external id, as the preview's card request.
    customer: PreviewCustomer,
    /// The thread, when the preview has one.
    #[serde(default)]
    thread: Option<PreviewThread>,
    /// The workflow's JSON body the service gets (default `{}`).
    #[serde(default)]
    body: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PreviewCustomer {
    #[serde(default)]
    id: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    external_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PreviewThread {
    id: String,
    #[serde(default)]
    external_id: Option<String>,
}

/// Numbers the preview runs of this process, for their idempotency keys.
static RUNS: AtomicU64 = AtomicU64::new(0);

/// Runs the action with `preview = true` and answers `{"action", "outcome": "succeeded" |
/// "refused", "message" | "reason", "preview": true}`. An unknown action, a failed or
/// unreachable service and a bad body are the gateway's error envelope, with the codes of
/// `POST /actions/{name}` (`unknown_action`, `action_failed`, `action_service_unavailable`,
/// `action_not_implemented`) or `invalid_body` / `invalid_field`.
pub(super) async fn run(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GatewayError> {
    require_operator(&gateway, &headers)?;
    let request: PreviewActionRequest = serde_json::from_slice(&body)
        .map_err(|e| GatewayError::InvalidAdminBody(format!("POST /admin/preview/action: {e}")))?;
    check_workspace(&gateway.config().signing_secrets, &request.workspace_id)?;
    let customer = customer(&request.customer)?;
    let thread = match &request.thread {
        Some(thread) => Some(Thread { id: id("thread.id", &thread.id, true)?, external_id: optional(&thread.external_id) }),
        None => None,
    };
    let table = gateway.router().table();
    let (info, backend) = crate::actions::route(&table, gateway.router().backends(), &request.action)?;
    let run = RUNS.fetch_add(1, Ordering::Relaxed) + 1;
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let call = RunActionRequest {
        action: info.name.clone(),
        workspace_id: request.workspace_id.clone(),
        customer: Some(customer),
        thread,
        body_json: request.body.unwrap_or_else(|| json!({})).to_string(),
        idempotency_key: format!("preview-{:x}-{run}", started.as_nanos()),
        preview: true,
    };
    let outcome = run_action(backend, call, gateway.config().actions.deadline).await?;
    tracing::info!(action = %info.name, service = %info.service_name, "preview: action ran");
    let answer = match outcome {
        Record::Succeeded { message } => {
            json!({ "action": info.name, "outcome": "succeeded", "message": message, "preview": true })
        }
        Record::Refused { reason } => {
            json!({ "action": info.name, "outcome": "refused", "reason": reason, "preview": true })
        }
    };
    Ok(Json(answer).into_response())
}

/// The customer of the request: at least one of `id`, `email`, `externalId`.
fn customer(customer: &PreviewCustomer) -> Result<Customer, GatewayError> {
    let customer = Customer {
        id: id("customer.id", &customer.id, false)?,
        email: optional(&customer.email),
        external_id: optional(&customer.external_id),
    };
    for (field, value) in [("customer.email", &customer.email), ("customer.externalId", &customer.external_id)] {
        if let Some(value) = value {
            id(field, value, true)?;
        }
    }
    if customer.id.is_empty() && customer.email.is_none() && customer.external_id.is_none() {
        return Err(GatewayError::InvalidAdminField {
            field: "customer".into(),
            message: "name the test customer by id, email or externalId".into(),
        });
    }
    Ok(customer)
}

/// `value` when it is at most [`MAX_IDENTIFIER_CHARS`] characters (and not empty when `required`).
fn id(field: &str, value: &str, required: bool) -> Result<String, GatewayError> {
    if (required && value.trim().is_empty()) || value.chars().count() > MAX_IDENTIFIER_CHARS {
        return Err(GatewayError::InvalidAdminField {
            field: field.into(),
            message: format!("must be 1 to {MAX_IDENTIFIER_CHARS} characters"),
        });
    }
    Ok(value.to_owned())
}

/// An optional text, absent when empty.
fn optional(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}
