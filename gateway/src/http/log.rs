//! The one place error answers are logged: a layer around both listeners' routes that logs
//! the [`ErrorRecord`] an error response carries in its extensions (as in axum's
//! `error-handling` example), inside the request's span when the response carries it
//! ([`ErrorSpan`]). Handlers only build responses.

use axum::response::{IntoResponse, Response};
use tracing::Span;

use crate::error::{ErrorRecord, ErrorSpan, GatewayError};

/// Logs the error a response carries, if any: the one logging middleware, as
/// `tower::util::MapResponseLayer::new(log_errors)` around a router (plain and synchronous,
/// so the layer neither clones the router's service nor boxes a future per request).
pub fn log_errors(response: Response) -> Response {
    if let Some(record) = response.extensions().get::<ErrorRecord>() {
        match response.extensions().get::<ErrorSpan>() {
            Some(ErrorSpan(span)) => span.in_scope(|| record.log()),
            None => record.log(),
        }
    }
    response
}

/// The response to `error`, to be logged inside `span` (the Plain request's).
pub fn error_in_span(error: GatewayError, span: &Span) -> Response {
    let mut response = error.into_response();
    response.extensions_mut().insert(ErrorSpan(span.clone()));
    response
}
