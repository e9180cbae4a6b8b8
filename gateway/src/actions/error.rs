//! Why an action was not run, or did not succeed: one error per answer of
//! `POST /actions/{name}` other than 200, each with a stable code. The statuses are mapped
//! with every other error's, in [`crate::error`]: 5xx only when Plain's retry of the delivery
//! can help, a 4xx (which Plain does not retry) otherwise.

use std::time::Duration;

/// An action request the gateway refuses, or an action that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The body is not a JSON object of the documented shape; `field` names the culprit.
    #[error("{field}: {message}")]
    InvalidBody { field: String, message: String },
    /// The body names no customer: none of `threadId`, `customerEmail`, `customerExternalId`.
    #[error("the body names no customer: send threadId (\"{{{{ thread.id }}}}\") or customerEmail (\"{{{{ customer.email }}}}\"), or customerExternalId")]
    MissingCustomer,
    /// `workspaceId` in the body is not the `Plain-Workspace-Id` the request was signed for.
    #[error("workspaceId in the body is not the Plain-Workspace-Id header")]
    WorkspaceMismatch,
    /// No described card service declares an action of this name (the known names are
    /// logged, not answered).
    #[error("no card service declares this action")]
    UnknownAction,
    /// Plain has no customer for what the body names.
    #[error("Plain has no customer for the threadId, customerEmail or customerExternalId of the body")]
    CustomerNotFound,
    /// Only a thread id was sent, and without Plain's API the gateway cannot find its customer.
    #[error("the body names the customer by threadId only, which needs Plain's API (plain_api.api_key); send customerEmail too")]
    CustomerNeedsPlainApi,
    /// Plain's API did not answer the customer lookup; `cause` goes to the log only.
    #[error("the customer could not be looked up in Plain; try again")]
    CustomerLookupFailed { cause: String },
    /// Plain's API refused the customer lookup for good: a GraphQL permission or validation
    /// error (the API key's machine user may not read customers or threads, or the body's
    /// identifier is malformed), or an HTTP 4xx other than 429; `cause` goes to the log only.
    #[error("Plain refused the customer lookup (the API key's permissions, or a malformed threadId, customerEmail or customerExternalId); a retry would not help, the gateway log has Plain's error")]
    CustomerLookupRefused { cause: String },
    /// The same delivery is being run now (by this or another replica): retry after
    /// `retry_after` for its outcome.
    #[error("this delivery is being run now; retry for its outcome")]
    InProgress { retry_after: Duration },
    /// The record of deliveries could not be read or written, so the gateway cannot tell a
    /// retry from a first delivery; `cause` goes to the log only.
    #[error("the action's idempotency record could not be kept; try again")]
    LedgerUnavailable { cause: String },
    /// The service refused the action (a retry would not help). `reason` is the service's,
    /// safe to show an agent; `replayed` when this is the first outcome given again.
    #[error("the action was refused: {reason}")]
    Refused { reason: String, replayed: bool },
    /// The service could not run the action now (a retry may help).
    #[error("the action failed: {reason}")]
    Failed { reason: String },
    /// The service is down, unreachable, did not answer within `actions.deadline`, or its
    /// circuit is open; `cause` goes to the log only.
    #[error("the card service that runs this action is unavailable; try again")]
    ServiceUnavailable { cause: String },
    /// The service declares the action but does not implement `RunAction`.
    #[error("the card service that declares this action does not run actions yet (RunAction is unimplemented)")]
    NotImplemented,
}

impl ActionError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ActionError::InvalidBody { .. } => "invalid_action_body",
            ActionError::MissingCustomer => "missing_customer",
            ActionError::WorkspaceMismatch => "workspace_mismatch",
            ActionError::UnknownAction => "unknown_action",
            ActionError::CustomerNotFound => "customer_not_found",
            ActionError::CustomerNeedsPlainApi => "customer_needs_plain_api",
            ActionError::CustomerLookupFailed { .. } => "customer_lookup_failed",
            ActionError::CustomerLookupRefused { .. } => "customer_lookup_refused",
            ActionError::InProgress { .. } => "action_in_progress",
            ActionError::LedgerUnavailable { .. } => "idempotency_unavailable",
            ActionError::Refused { .. } => "action_refused",
            ActionError::Failed { .. } => "action_failed",
            ActionError::ServiceUnavailable { .. } => "action_service_unavailable",
            ActionError::NotImplemented => "action_not_implemented",
        }
    }

    /// What the log gets beyond the client's message.
    pub fn cause(&self) -> Option<String> {
        match self {
            ActionError::CustomerLookupFailed { cause }
            | ActionError::CustomerLookupRefused { cause }
            | ActionError::LedgerUnavailable { cause }
            | ActionError::ServiceUnavailable { cause } => Some(cause.clone()),
            _ => None,
        }
    }
}
