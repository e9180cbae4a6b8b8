//! Requests that match no route, or a route but not its method: answered with the same JSON
//! error envelope as every other refusal ([`GatewayError::NotFound`],
//! [`GatewayError::MethodNotAllowed`]), never an empty body.

use axum::http::{Method, Uri};
use axum::Router;

use crate::error::GatewayError;

/// Adds both fallbacks to `router`. Call it after the last route: the method fallback only
/// reaches routes that exist by then. axum adds the `Allow` header to the 405 answer itself.
pub fn with_error_fallbacks<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .method_not_allowed_fallback(|method: Method, uri: Uri| async move {
            GatewayError::MethodNotAllowed { method, path: uri.path().to_owned() }
        })
        .fallback(|| async { GatewayError::NotFound })
}
