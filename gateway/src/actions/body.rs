//! The body of an action request: what Plain's workflow step **Send HTTP request** sends,
//! with the workflow's template variables filled in.
//!
//! ```json
//! {
//!   "threadId": "{{ thread.id }}",
//!   "customerEmail": "{{ customer.email }}",
//!   "workspaceId": "{{ workspace.id }}"
//! }
//! ```
//!
//! - The customer is found from `threadId`, else `customerEmail`, else `customerExternalId`
//!   (Plain's variables offer no customer id nor customer external id; `customerExternalId`
//!   is for callers that know it). At least one is required. An empty string counts as
//!   absent: a variable with no value is rendered empty.
//! - `threadExternalId` (`{{ thread.externalId }}`) is passed on to the service.
//! - `workspaceId`, when sent, must be the `Plain-Workspace-Id` the request was signed for.
//! - `timestamp` is read like a card request's, for the replay window (`signature.max_age`).
//! - Every other field is the action's own input: the service reads it from the body, which
//!   it gets exactly as sent.

use serde::Deserialize;
use serde_json::Value;

use super::error::ActionError;
use crate::verify::BodyTimestamp;

/// Longest identifier read from the body (threadId, customerEmail, customerExternalId,
/// threadExternalId, workspaceId), in characters: the gateway's cap on identifiers.
pub use crate::plain::MAX_IDENTIFIER_CHARS;

/// The fields of the body the gateway reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionBody {
    pub thread_id: Option<String>,
    pub thread_external_id: Option<String>,
    pub customer_email: Option<String>,
    pub customer_external_id: Option<String>,
    pub workspace_id: Option<String>,
    pub timestamp: BodyTimestamp,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(default)]
    thread_id: Value,
    #[serde(default)]
    thread_external_id: Value,
    #[serde(default)]
    customer_email: Value,
    #[serde(default)]
    customer_external_id: Value,
    #[serde(default)]
    workspace_id: Value,
    #[serde(default)]
    timestamp: BodyTimestamp,
}

impl ActionBody {
    /// Parses and checks `raw`: a JSON object whose identifiers are strings (or `null`) of at
    /// most [`MAX_IDENTIFIER_CHARS`], naming the customer somehow.
    pub fn parse(raw: &[u8]) -> Result<Self, ActionError> {
        let value: Value = serde_json::from_slice(raw).map_err(|e| ActionError::InvalidBody {
            field: "body".into(),
            message: format!("not valid JSON: {e}"),
        })?;
        if !value.is_object() {
            return Err(ActionError::InvalidBody { field: "body".into(), message: "must be a JSON object".into() });
        }
        let wire: Wire = serde_json::from_value(value)
            .map_err(|e| ActionError::InvalidBody { field: "body".into(), message: e.to_string() })?;
        let body = Self {
            thread_id: identifier("threadId", wire.thread_id)?,
            thread_external_id: identifier("threadExternalId", wire.thread_external_id)?,
            customer_email: identifier("customerEmail", wire.customer_email)?,
            customer_external_id: identifier("customerExternalId", wire.customer_external_id)?,
            workspace_id: identifier("workspaceId", wire.workspace_id)?,
            timestamp: wire.timestamp,
        };
        if body.thread_id.is_none() && body.customer_email.is_none() && body.customer_external_id.is_none() {
            return Err(ActionError::MissingCustomer);
        }
        Ok(body)
    }

    /// Refuses a `workspaceId` other than the header's.
    pub fn check_workspace(&self, header: &str) -> Result<(), ActionError> {
        match &self.workspace_id {
            Some(workspace) if workspace != header => Err(ActionError::WorkspaceMismatch),
            _ => Ok(()),
        }
    }
}

/// A string field: `None` when absent, `null` or empty (after trimming).
fn identifier(field: &str, value: Value) -> Result<Option<String>, ActionError> {
    let refuse = |message: String| ActionError::InvalidBody { field: field.into(), message };
    match value {
        Value::Null => Ok(None),
        Value::String(text) => {
            let text = text.trim();
            if text.chars().count() > MAX_IDENTIFIER_CHARS {
                return Err(refuse(format!("longer than {MAX_IDENTIFIER_CHARS} characters")));
            }
            Ok(Some(text.to_owned()).filter(|t| !t.is_empty()))
        }
        _ => Err(refuse("must be a string".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<ActionBody, ActionError> {
        ActionBody::parse(body.as_bytes())
    }

    fn refused_field(body: &str) -> String {
        match parse(body) {
            Err(ActionError::InvalidBody { field, .. }) => field,
            other => panic!("expected a refused field, got {other:?}"),
        }
    }

    #[test]
    fn the_workflow_body_is_read_and_its_other_fields_are_left_to_the_service() {
        let body = parse(
            r#"{"threadId":"th_1","customerEmail":"ada@example.com","workspaceId":"w_1","days":14,
                "threadExternalId":"","timestamp":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(body.thread_id.as_deref(), Some("th_1"));
        assert_eq!(body.customer_email.as_deref(), Some("ada@example.com"));
        assert_eq!(body.thread_external_id, None, "an empty variable counts as absent");
        assert_eq!(body.timestamp, BodyTimestamp::Text("2026-01-01T00:00:00Z".into()));
        assert_eq!(body.check_workspace("w_1"), Ok(()));
        assert_eq!(body.check_workspace("w_2"), Err(ActionError::WorkspaceMismatch));
    }

    #[test]
    fn a_body_must_name_the_customer() {
        assert_eq!(parse(r#"{"days":14}"#), Err(ActionError::MissingCustomer));
        assert_eq!(parse(r#"{"threadId":"  ","customerEmail":null}"#), Err(ActionError::MissingCustomer));
        assert!(parse(r#"{"customerExternalId":"cus_1"}"#).is_ok());
    }

    #[test]
    fn bad_bodies_name_the_field() {
        assert_eq!(refused_field("not json"), "body");
        assert_eq!(refused_field("[1]"), "body");
        assert_eq!(refused_field(r#"{"threadId":5}"#), "threadId");
        let long = "x".repeat(MAX_IDENTIFIER_CHARS + 1);
        assert_eq!(refused_field(&format!(r#"{{"customerEmail":"{long}"}}"#)), "customerEmail");
    }
}
