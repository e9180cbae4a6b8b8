//! Errors the gateway answers a Plain request with, mapped to HTTP in exactly one place.
//!
//! The client gets a stable `code` and a safe message; the cause goes to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::access::AccessError;
use crate::plain::RequestError;
use crate::verify::VerifyError;

/// A request the gateway refuses or cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body could not be read: {0}")]
    BodyRead(String),
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
}

impl GatewayError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            GatewayError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
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
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            GatewayError::PayloadTooLarge { .. } => "payload_too_large",
            GatewayError::BodyRead(_) => "unreadable_body",
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
        }
    }
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %self, "request failed");
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            // A flood must not turn into a flood of log lines.
            tracing::debug!(code = self.code(), error = %self, "request refused");
        } else {
            tracing::info!(code = self.code(), error = %self, "request refused");
        }
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
            _ => {}
        }
        let mut response = (status, axum::Json(json!({ "error": error }))).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
