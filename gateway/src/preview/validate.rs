//! `POST /admin/validate`: the violations of a card-API response (the "Paste JSON" tab).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::auth::require_operator;
use crate::error::GatewayError;
use crate::gateway::Gateway;
use cardmesh_rules::{validate_response, Rule, Violation};

/// The body is the response text as pasted. Always 200 once authenticated:
/// `{"valid": bool, "violations": [{"path", "message"}]}`; text that is not JSON is one
/// violation at path `$`.
pub(super) async fn validate(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, GatewayError> {
    require_operator(&gateway, &headers)?;
    let violations = violations_of(&body);
    Ok(Json(json!({ "valid": violations.is_empty(), "violations": violations })))
}

/// What the gateway's validator (`cardmesh-rules`) says about `text`.
pub fn violations_of(text: &[u8]) -> Vec<Violation> {
    match serde_json::from_slice::<Value>(text) {
        Ok(doc) => validate_response(&doc),
        Err(e) => vec![Violation::new("$", Rule::Response, format!("not valid JSON: {e}"))],
    }
}
