//! Errors the gateway answers with, on every route of both listeners, mapped to HTTP in
//! exactly one place ([`GatewayError::status`], [`GatewayError::code`]).
//!
//! The client gets a stable `code` and a safe message in one envelope,
//! `{"error":{"code":…,"message":…}}` (plus `field` or `header` when they help). Building
//! the response has no side effect: the [`ErrorRecord`] rides in the response's extensions
//! and one layer ([`crate::http::log_errors`]) logs it, inside the request's span when the
//! response carries one ([`ErrorSpan`]).

#[cfg(any(test, feature = "test-util"))]
pub mod reference;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::access::AccessError;
use crate::actions::ActionError;
use crate::plain::RequestError;
use crate::verify::VerifyError;

/// A request the gateway refuses or cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body could not be read: {0}")]
    BodyRead(String),
    /// The body did not arrive within `server.body_read_timeout`.
    #[error("the request body did not arrive within {}", humantime::format_duration(*.limit))]
    BodyTimeout { limit: std::time::Duration },
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Signature(#[from] VerifyError),
    #[error(transparent)]
    InvalidBody(#[from] RequestError),
    #[error("no requested card could be produced: every card service involved is unreachable")]
    AllServicesUnavailable,
    /// `GET /readyz` before every configured card service has described its cards.
    /// `conflicts` are the keys one service claims while another owns them.
    #[error("{services_not_described} card service(s) have not described their cards yet")]
    NotReady { card_keys: usize, services_not_described: usize, conflicts: serde_json::Value },
    /// `GET /readyz` once a shutdown signal has arrived: the gateway still serves what reaches
    /// it until `shutdown.drain_period` ends, but new requests belong on another replica.
    #[error("the gateway is shutting down: it still serves requests until its drain period (shutdown.drain_period) ends, then stops accepting; send new requests to another replica")]
    ShuttingDown,
    /// A token-protected admin route while no token that opens it is configured.
    #[error("this admin route is off: no token that opens it is configured")]
    AdminOff,
    /// `needs` names the token(s) the route takes.
    #[error("Authorization: Bearer <token> is missing or wrong; this route takes {needs}")]
    InvalidAdminToken { needs: &'static str },
    /// The service token, on a route only the operator token opens.
    #[error("this route needs the operator token (admin.operator_token); the service token only opens POST /admin/invalidate")]
    OperatorTokenRequired,
    /// A request to the admin listener under a `Host` it does not answer to (already clipped
    /// and escaped).
    #[error("the admin listener does not answer to Host {host:?}; use its address or a loopback name, or add the name to admin.allowed_hosts (CARDMESH_ADMIN_ALLOWED_HOSTS)")]
    MisdirectedRequest { host: String },
    /// The body of an admin request is not what the route expects.
    #[error("{0}")]
    InvalidAdminBody(String),
    /// One field of an admin request's body is refused; `field` names it (JSON path).
    #[error("{field}: {message}")]
    InvalidAdminField { field: String, message: String },
    /// No route has this path.
    #[error("no such route; the card endpoint is POST / (also POST /actions/{{name}}, GET /healthz, GET /readyz)")]
    NotFound,
    /// The path exists, but not with this method; the `Allow` header lists its methods.
    #[error("{method} is not allowed on {path}; the Allow header lists the methods it takes")]
    MethodNotAllowed { method: axum::http::Method, path: String },
    #[error("the response cache is disabled; nothing to invalidate")]
    CacheDisabled,
    /// The cache store failed; `cause` goes to the log only.
    #[error("the cache store could not be reached; try again")]
    CacheUnavailable { cause: String },
    /// An invalidation names an `externalId` that could not be turned into a Plain customer.
    #[error(transparent)]
    CustomerLookup(#[from] crate::plain_client::CustomerLookupError),
    /// `POST /actions/{name}`: the action was not run, or did not succeed.
    #[error(transparent)]
    Action(#[from] ActionError),
}

/// Header of an answer that repeats the first outcome of a delivery that ran already
/// (`Cardmesh-Action-Replay: true`).
pub const ACTION_REPLAY_HEADER: &str = "cardmesh-action-replay";

impl From<crate::access::AdminRefusal> for GatewayError {
    fn from(refusal: crate::access::AdminRefusal) -> Self {
        match refusal {
            crate::access::AdminRefusal::Off => GatewayError::AdminOff,
            crate::access::AdminRefusal::InvalidToken { needs } => GatewayError::InvalidAdminToken { needs },
            crate::access::AdminRefusal::OperatorTokenRequired => GatewayError::OperatorTokenRequired,
        }
    }
}

impl GatewayError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            GatewayError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            GatewayError::BodyRead(_) | GatewayError::InvalidBody(_) => StatusCode::BAD_REQUEST,
            GatewayError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            GatewayError::Signature(_) => StatusCode::UNAUTHORIZED,
            GatewayError::Access(AccessError::MissingHeader { .. } | AccessError::WrongHeader { .. }) => {
                StatusCode::UNAUTHORIZED
            }
            // Plain retries a 429 once after 1 s and does not cache it.
            GatewayError::Access(AccessError::RateLimited { .. }) => StatusCode::TOO_MANY_REQUESTS,
            // Plain retries a 503 once after 1 s and does not cache it.
            GatewayError::AllServicesUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            GatewayError::NotReady { .. } | GatewayError::CacheUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            GatewayError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            GatewayError::AdminOff | GatewayError::NotFound => StatusCode::NOT_FOUND,
            GatewayError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            GatewayError::InvalidAdminToken { .. } => StatusCode::UNAUTHORIZED,
            GatewayError::OperatorTokenRequired => StatusCode::FORBIDDEN,
            GatewayError::MisdirectedRequest { .. } => StatusCode::MISDIRECTED_REQUEST,
            GatewayError::InvalidAdminBody(_) | GatewayError::InvalidAdminField { .. } => StatusCode::BAD_REQUEST,
            GatewayError::CacheDisabled => StatusCode::CONFLICT,
            GatewayError::CustomerLookup(e) => match e {
                crate::plain_client::CustomerLookupError::PlainApiOff => StatusCode::BAD_REQUEST,
                crate::plain_client::CustomerLookupError::Unknown(_) => StatusCode::NOT_FOUND,
                crate::plain_client::CustomerLookupError::Failed(_) => StatusCode::BAD_GATEWAY,
            },
            GatewayError::Action(e) => match e {
                ActionError::InvalidBody { .. }
                | ActionError::MissingCustomer
                | ActionError::WorkspaceMismatch
                | ActionError::CustomerNeedsPlainApi => StatusCode::BAD_REQUEST,
                ActionError::UnknownAction | ActionError::CustomerNotFound => StatusCode::NOT_FOUND,
                // Plain does not retry a 4xx: a refusal, or a service that does not run actions,
                // would be the same the next time.
                // So would Plain's refusal of the customer lookup (permissions, malformed input).
                ActionError::Refused { .. }
                | ActionError::NotImplemented
                | ActionError::CustomerLookupRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                // Plain retries a 5xx: each of these may pass, and the ledger keeps the retry
                // from running an action twice.
                ActionError::Failed { .. }
                | ActionError::ServiceUnavailable { .. }
                | ActionError::InProgress { .. }
                | ActionError::LedgerUnavailable { .. }
                | ActionError::CustomerLookupFailed { .. } => StatusCode::SERVICE_UNAVAILABLE,
            },
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            GatewayError::PayloadTooLarge { .. } => "payload_too_large",
            GatewayError::BodyRead(_) => "unreadable_body",
            GatewayError::BodyTimeout { .. } => "request_timeout",
            GatewayError::UnsupportedMediaType => "unsupported_media_type",
            GatewayError::Access(AccessError::MissingHeader { .. }) => "missing_required_header",
            GatewayError::Access(AccessError::WrongHeader { .. }) => "invalid_required_header",
            GatewayError::Access(AccessError::RateLimited { .. }) => "rate_limited",
            GatewayError::Signature(VerifyError::Missing) => "missing_signature",
            GatewayError::Signature(VerifyError::Malformed) => "malformed_signature",
            GatewayError::Signature(VerifyError::Mismatch) => "invalid_signature",
            GatewayError::Signature(VerifyError::UnknownWorkspace) => "unknown_workspace",
            GatewayError::Signature(VerifyError::Stale(_)) => "stale_request",
            GatewayError::InvalidBody(RequestError::Syntax { .. }) => "invalid_json",
            GatewayError::InvalidBody(RequestError::Field { .. }) => "invalid_field",
            GatewayError::AllServicesUnavailable => "services_unavailable",
            GatewayError::NotReady { .. } => "not_ready",
            GatewayError::ShuttingDown => "shutting_down",
            GatewayError::AdminOff | GatewayError::NotFound => "not_found",
            GatewayError::MethodNotAllowed { .. } => "method_not_allowed",
            GatewayError::InvalidAdminToken { .. } => "invalid_admin_token",
            GatewayError::OperatorTokenRequired => "operator_token_required",
            GatewayError::MisdirectedRequest { .. } => "misdirected_request",
            GatewayError::InvalidAdminBody(_) => "invalid_body",
            GatewayError::InvalidAdminField { .. } => "invalid_field",
            GatewayError::CacheDisabled => "cache_disabled",
            GatewayError::CacheUnavailable { .. } => "cache_unavailable",
            GatewayError::CustomerLookup(e) => e.code(),
            GatewayError::Action(e) => e.code(),
        }
    }

    /// How loud the log line is: server errors at `error`, refusals at `info`, except what
    /// may come in floods or polls at `debug` (429s; `/readyz` while starting or stopping).
    fn log_level(&self) -> tracing::Level {
        match self {
            GatewayError::Access(AccessError::RateLimited { .. })
            | GatewayError::NotReady { .. }
            | GatewayError::ShuttingDown => tracing::Level::DEBUG,
            // What the service decided, not a fault of the gateway: logged, not alarmed.
            GatewayError::Action(
                ActionError::Failed { .. } | ActionError::InProgress { .. } | ActionError::CustomerLookupRefused { .. },
            ) => tracing::Level::WARN,
            _ if self.status().is_server_error() => tracing::Level::ERROR,
            _ => tracing::Level::INFO,
        }
    }

    /// What the log gets beyond the client's message (never shown to the client).
    fn cause(&self) -> Option<String> {
        match self {
            GatewayError::CacheUnavailable { cause } => Some(cause.clone()),
            GatewayError::Action(e) => e.cause(),
            _ => None,
        }
    }
}

/// An error answer, as the logging layer sees it (a response extension).
#[derive(Debug, Clone)]
pub struct ErrorRecord {
    pub status: StatusCode,
    pub level: tracing::Level,
    pub code: &'static str,
    /// The message the client got.
    pub message: String,
    /// What went wrong underneath, for the log only.
    pub cause: Option<String>,
}

impl ErrorRecord {
    /// Logs the error in the current span, at its level: "request failed" for a server
    /// error, "request refused" otherwise.
    pub fn log(&self) {
        let (code, error) = (self.code, &self.message);
        match (self.level, self.status.is_server_error()) {
            (tracing::Level::ERROR, _) => match &self.cause {
                Some(cause) => tracing::error!(code, %error, %cause, "request failed"),
                None => tracing::error!(code, %error, "request failed"),
            },
            (tracing::Level::DEBUG, true) => tracing::debug!(code, %error, "request failed"),
            (tracing::Level::DEBUG, false) => tracing::debug!(code, %error, "request refused"),
            (tracing::Level::WARN, _) => tracing::warn!(code, %error, "request failed"),
            _ => tracing::info!(code, %error, "request refused"),
        }
    }
}

/// The span an error answer is logged in (a response extension): the Plain request's, set
/// by the card routes; without it the logging layer logs in its own current span.
#[derive(Debug, Clone)]
pub struct ErrorSpan(pub tracing::Span);

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut error = json!({ "code": self.code(), "message": self.to_string() });
        if let GatewayError::InvalidBody(e) = &self {
            if let Some(field) = e.field() {
                error["field"] = json!(field);
            }
        }
        let mut retry_after = None;
        match &self {
            GatewayError::Access(AccessError::MissingHeader { name } | AccessError::WrongHeader { name }) => {
                error["header"] = json!(name);
            }
            GatewayError::Access(AccessError::RateLimited { retry_after: wait, .. }) => {
                retry_after = Some(crate::access::retry_after_secs(*wait));
            }
            GatewayError::NotReady { card_keys, services_not_described, conflicts } => {
                error["cardKeys"] = json!(card_keys);
                error["servicesNotDescribed"] = json!(services_not_described);
                error["conflicts"] = conflicts.clone();
            }
            GatewayError::InvalidAdminField { field, .. } => {
                error["field"] = json!(field);
            }
            GatewayError::Action(ActionError::InvalidBody { field, .. }) => {
                error["field"] = json!(field);
            }
            GatewayError::Action(ActionError::InProgress { retry_after: wait }) => {
                retry_after = Some(crate::access::retry_after_secs(*wait));
            }
            GatewayError::Action(ActionError::Refused { reason, replayed }) => {
                error["reason"] = json!(reason);
                error["replayed"] = json!(replayed);
            }
            GatewayError::Action(ActionError::Failed { reason }) => {
                error["reason"] = json!(reason);
            }
            _ => {}
        }
        let replayed = matches!(&self, GatewayError::Action(ActionError::Refused { replayed: true, .. }));
        let record = ErrorRecord {
            status,
            level: self.log_level(),
            code: self.code(),
            message: self.to_string(),
            cause: self.cause(),
        };
        let mut response = (status, axum::Json(json!({ "error": error }))).into_response();
        response.extensions_mut().insert(record);
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        if replayed {
            response.headers_mut().insert(ACTION_REPLAY_HEADER, axum::http::HeaderValue::from_static("true"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::header::RETRY_AFTER;

    use super::*;

    fn action(error: ActionError) -> Response {
        GatewayError::Action(error).into_response()
    }

    /// Plain retries a 5xx and never a 4xx: only what a retry can fix is a 5xx.
    #[test]
    fn action_outcomes_are_5xx_only_when_a_retry_can_help() {
        let retryable = [
            ActionError::Failed { reason: "down".into() },
            ActionError::ServiceUnavailable { cause: "refused".into() },
            ActionError::InProgress { retry_after: Duration::from_secs(10) },
            ActionError::LedgerUnavailable { cause: "timeout".into() },
            ActionError::CustomerLookupFailed { cause: "timeout".into() },
        ];
        for error in retryable {
            assert_eq!(GatewayError::Action(error.clone()).status(), StatusCode::SERVICE_UNAVAILABLE, "{error:?}");
        }
        let final_answers = [
            (ActionError::Refused { reason: "no".into(), replayed: false }, StatusCode::UNPROCESSABLE_ENTITY),
            (ActionError::NotImplemented, StatusCode::UNPROCESSABLE_ENTITY),
            (ActionError::CustomerLookupRefused { cause: "FORBIDDEN".into() }, StatusCode::UNPROCESSABLE_ENTITY),
            (ActionError::UnknownAction, StatusCode::NOT_FOUND),
            (ActionError::CustomerNotFound, StatusCode::NOT_FOUND),
            (ActionError::MissingCustomer, StatusCode::BAD_REQUEST),
            (ActionError::WorkspaceMismatch, StatusCode::BAD_REQUEST),
            (ActionError::CustomerNeedsPlainApi, StatusCode::BAD_REQUEST),
        ];
        for (error, status) in final_answers {
            assert_eq!(GatewayError::Action(error.clone()).status(), status, "{error:?}");
        }
    }

    #[test]
    fn a_running_delivery_says_when_to_retry_and_a_replayed_refusal_says_so() {
        let running = action(ActionError::InProgress { retry_after: Duration::from_millis(4500) });
        assert_eq!(running.headers()[RETRY_AFTER], "5");
        let replayed = action(ActionError::Refused { reason: "no trial".into(), replayed: true });
        assert_eq!(replayed.headers()[ACTION_REPLAY_HEADER], "true");
        let first = action(ActionError::Refused { reason: "no trial".into(), replayed: false });
        assert!(first.headers().get(ACTION_REPLAY_HEADER).is_none());
        // The cause of an unavailable service is for the log, never the answer.
        let down = action(ActionError::ServiceUnavailable { cause: "http://10.0.0.7:50051 refused".into() });
        let record = down.extensions().get::<ErrorRecord>().expect("a record");
        assert_eq!(record.cause.as_deref(), Some("http://10.0.0.7:50051 refused"));
        assert!(!record.message.contains("10.0.0.7"), "{}", record.message);
    }
}
