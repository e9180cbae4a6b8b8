//! Requests that match no route, or a route but not its method: answered with the same JSON
//! error envelope as every other refusal, never an empty body.

use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;

/// A request the router has no handler for.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// No route has this path.
    #[error("no such route; the card endpoint is POST / (also GET /healthz, GET /readyz)")]
    NotFound,
    /// The path exists, but not with this method; the `Allow` header lists the methods it takes.
    #[error("{method} is not allowed on {path}; the Allow header lists the methods it takes")]
    MethodNotAllowed { method: Method, path: String },
}

impl RouteError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            RouteError::NotFound => StatusCode::NOT_FOUND,
            RouteError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RouteError::NotFound => "not_found",
            RouteError::MethodNotAllowed { .. } => "method_not_allowed",
        }
    }
}

impl IntoResponse for RouteError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code(), "message": self.to_string() } });
        (self.status(), Json(body)).into_response()
    }
}

/// Adds both fallbacks to `router`. Call it after the last route: the method fallback only
/// reaches routes that exist by then. axum adds the `Allow` header to the 405 answer itself.
pub fn with_error_fallbacks<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .method_not_allowed_fallback(|method: Method, uri: Uri| async move {
            RouteError::MethodNotAllowed { method, path: uri.path().to_owned() }
        })
        .fallback(|| async { RouteError::NotFound })
}
