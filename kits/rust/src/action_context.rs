//! What an action runs with: [`ActionContext`], converted from a `RunActionRequest`.

use std::fmt;

use crate::context::{Customer, Thread};
use crate::proto;

/// Everything an action may use: who it is for, the body of Plain's request, and how to make
/// its effect idempotent.
#[derive(Clone, PartialEq)]
pub struct ActionContext {
    /// The action's name, as declared in [`crate::ActionSpec::name`].
    pub action: String,
    /// The `Plain-Workspace-Id` of Plain's request (empty when absent).
    pub workspace_id: String,
    /// The customer the action is for; the gateway found it from what the workflow sent.
    pub customer: Customer,
    /// The thread, when the workflow sent a thread id.
    pub thread: Option<Thread>,
    /// The JSON body of the workflow's request, parsed. Read the action's own inputs from it.
    /// `Null` when the gateway sent no body.
    pub body: serde_json::Value,
    /// The same body exactly as Plain sent it (UTF-8).
    pub body_json: String,
    /// The same for every delivery of one request (Plain's retries carry the same key). The
    /// gateway keeps each delivery's outcome (succeeded or refused) for its idempotency
    /// window, but an attempt whose outcome it did not keep (after a
    /// [`crate::ActionOutcome::Failed`], a deadline or a broken call the service may have
    /// finished, a gateway restart, or after the window) reaches the service again: make the
    /// effect idempotent with this key in your own system.
    pub idempotency_key: String,
    /// True when the action runs from the gateway's preview page against a test customer, not
    /// from Plain: change no real data.
    pub preview: bool,
    /// The trace id of the call: the gateway's, from the `traceparent` it sent, or a fresh one
    /// (32 hex digits) when it sent none.
    pub trace_id: String,
}

impl fmt::Debug for ActionContext {
    /// The body is left out: a workflow's body carries `{{ customer.email }}` and the like.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionContext")
            .field("action", &self.action)
            .field("workspace_id", &self.workspace_id)
            .field("customer", &self.customer)
            .field("thread", &self.thread)
            .field("body", &"<redacted>")
            .field("idempotency_key", &self.idempotency_key)
            .field("preview", &self.preview)
            .field("trace_id", &self.trace_id)
            .finish()
    }
}

/// Why a `RunActionRequest` cannot be turned into an [`ActionContext`]; the server answers
/// `INVALID_ARGUMENT` with this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ActionRequestError {
    MissingAction,
    MissingCustomer,
    MissingIdempotencyKey,
    /// The body is not JSON; the text is the parser's, without the body itself.
    InvalidBody(String),
}

impl fmt::Display for ActionRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionRequestError::MissingAction => f.write_str("RunActionRequest.action is required"),
            ActionRequestError::MissingCustomer => f.write_str("RunActionRequest.customer is required"),
            ActionRequestError::MissingIdempotencyKey => f.write_str("RunActionRequest.idempotency_key is required"),
            ActionRequestError::InvalidBody(error) => write!(f, "RunActionRequest.body_json is not JSON: {error}"),
        }
    }
}

impl ActionContext {
    /// The context of `request`, with `trace_id`; fails when the request names no action, no
    /// customer or no idempotency key, or its body is not JSON (an empty body reads as `Null`).
    pub(crate) fn from_request(
        request: &proto::RunActionRequest,
        trace_id: String,
    ) -> Result<Self, ActionRequestError> {
        if request.action.is_empty() {
            return Err(ActionRequestError::MissingAction);
        }
        let customer = request.customer.as_ref().ok_or(ActionRequestError::MissingCustomer)?;
        if request.idempotency_key.is_empty() {
            return Err(ActionRequestError::MissingIdempotencyKey);
        }
        let body = if request.body_json.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&request.body_json).map_err(|error| {
                ActionRequestError::InvalidBody(format!(
                    "{} at line {} column {}",
                    classify(&error),
                    error.line(),
                    error.column()
                ))
            })?
        };
        Ok(ActionContext {
            action: request.action.clone(),
            workspace_id: request.workspace_id.clone(),
            customer: Customer::from_proto(customer),
            thread: request.thread.as_ref().map(Thread::from_proto),
            body,
            body_json: request.body_json.clone(),
            idempotency_key: request.idempotency_key.clone(),
            preview: request.preview,
            trace_id,
        })
    }
}

/// What kind of JSON error `error` is, in words (serde_json's `Display` may quote the body).
fn classify(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Eof => "the body ends early",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data | serde_json::error::Category::Io => "unreadable JSON",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> proto::RunActionRequest {
        proto::RunActionRequest {
            action: "extend-trial".into(),
            workspace_id: "w_1".into(),
            customer: Some(proto::Customer {
                id: "c_1".into(),
                email: Some("ada@example.com".into()),
                external_id: Some(String::new()),
            }),
            thread: Some(proto::Thread { id: "th_1".into(), external_id: Some("T-9".into()) }),
            body_json: r#"{"days":14,"email":"ada@example.com"}"#.into(),
            idempotency_key: "idem_1".into(),
            preview: true,
        }
    }

    #[test]
    fn converts_request() {
        let ctx = ActionContext::from_request(&request(), "abc".into()).expect("valid request");
        assert_eq!(ctx.action, "extend-trial");
        assert_eq!(ctx.workspace_id, "w_1");
        assert_eq!(ctx.customer.email.as_deref(), Some("ada@example.com"));
        assert_eq!(ctx.customer.external_id, None);
        assert_eq!(ctx.thread, Some(Thread { id: "th_1".into(), external_id: Some("T-9".into()) }));
        assert_eq!(ctx.body["days"], 14);
        assert_eq!(ctx.body_json, request().body_json);
        assert_eq!(ctx.idempotency_key, "idem_1");
        assert!(ctx.preview);
        assert_eq!(ctx.trace_id, "abc");
    }

    #[test]
    fn an_empty_body_is_null() {
        let ctx =
            ActionContext::from_request(&proto::RunActionRequest { body_json: " ".into(), ..request() }, "t".into())
                .expect("valid request");
        assert_eq!(ctx.body, serde_json::Value::Null);
    }

    #[test]
    fn invalid_requests_name_the_field() {
        let cases = [
            (proto::RunActionRequest { action: String::new(), ..request() }, "RunActionRequest.action"),
            (proto::RunActionRequest { customer: None, ..request() }, "RunActionRequest.customer"),
            (
                proto::RunActionRequest { idempotency_key: String::new(), ..request() },
                "RunActionRequest.idempotency_key",
            ),
            (proto::RunActionRequest { body_json: r#"{"email":"ada@example.com""#.into(), ..request() }, "body_json"),
        ];
        for (request, field) in cases {
            let error = ActionContext::from_request(&request, "t".into()).expect_err(field).to_string();
            assert!(error.contains(field), "{error}");
            assert!(!error.contains("ada@example.com"), "{error}");
        }
    }

    #[test]
    fn debug_redacts_the_body_and_the_email() {
        let ctx = ActionContext::from_request(&request(), "t".into()).expect("valid request");
        let shown = format!("{ctx:?}");
        assert!(shown.contains("extend-trial") && shown.contains("idem_1"), "{shown}");
        assert!(!shown.contains("ada@example.com") && !shown.contains("days"), "{shown}");
    }
}
