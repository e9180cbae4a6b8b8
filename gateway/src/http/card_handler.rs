//! `POST /` and `POST /cards`: the Plain card request. [Admission](super::admission) is the
//! handler's extractor ([`Admitted`]); the handler hands the admitted request to
//! [`Gateway::answer`] (the stages of [`crate::request`]), whose
//! [`crate::request::answer::Answer`] is the response.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::admission::Admitted;
use crate::gateway::Gateway;
use crate::plain::workspace_header;
use crate::telemetry::RequestSpanSlot;

/// Answers an admitted card request. An error is logged inside the request's span (by
/// [`super::log_errors`]).
pub async fn cards(State(gateway): State<Arc<Gateway>>, admitted: Admitted) -> Response {
    let Admitted { headers, request, keys, asker } = admitted;
    // Admission recorded the keys on the traced span already.
    let span = RequestSpanSlot::with_keys(&headers, keys.as_slice().len());
    match gateway.answer(&request, &keys, workspace_header(&headers), &span, asker).await {
        Ok(answer) => answer.into_response(),
        Err(error) => super::log::error_in_span(error, span.get()),
    }
}
