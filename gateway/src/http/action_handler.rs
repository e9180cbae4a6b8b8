//! `POST /actions/{name}`: a card action, sent by a Plain workflow's **Send HTTP request**
//! step. [Admission](super::admission) is the handler's extractor ([`AdmittedAction`]); the
//! handler runs the action ([`crate::actions::Actions::run`]) in a spawned task, inside the
//! request's `plain_action` span, so that a connection Plain closes cannot cut it short, and
//! answers:
//!
//! - `200 {"action", "outcome": "succeeded", "message", "replayed"}`, with
//!   `Cardmesh-Action-Replay: true` when a delivery that ran already is answered again;
//! - otherwise the error envelope of [`crate::actions::ActionError`] (statuses in
//!   [`crate::error`]).

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tokio::time::Instant;
use tracing::field::Empty;
use tracing::Instrument;

use super::admission::AdmittedAction;
use crate::actions::{ActionRequest, Succeeded};
use crate::error::{GatewayError, ACTION_REPLAY_HEADER};
use crate::gateway::Gateway;
use crate::plain::workspace_header;

/// Longest action name or workspace id copied into the span (both come from the client).
const MAX_SPAN_TEXT: usize = 64;

/// Runs an admitted action request.
pub async fn action(
    State(gateway): State<Arc<Gateway>>,
    name: Result<Path<String>, PathRejection>,
    admitted: AdmittedAction,
) -> Response {
    let arrived = Instant::now();
    // A name that is not valid UTF-8 once decoded names no action: `unknown_action`, after
    // admission like any other.
    let name = name.map(|Path(name)| name).unwrap_or_default();
    let AdmittedAction { headers, raw, body } = admitted;
    let workspace_id = workspace_header(&headers);
    let clip = |text: &str| cardmesh_telemetry::scrub::label(text.get(..MAX_SPAN_TEXT).unwrap_or(text));
    let span = tracing::info_span!(
        "plain_action",
        otel.kind = "server",
        action = %clip(&name),
        workspace_id = %clip(workspace_id),
        trace_id = Empty,
        matched_by = Empty,
        replayed = Empty,
        outcome = Empty,
    );
    cardmesh_telemetry::record_trace_id(&span);
    // The action runs in a task of its own: when Plain gives up and closes the connection,
    // hyper drops this handler's future, but never the task, so the outcome is kept (or the
    // marker dropped) and the cards are reloaded all the same.
    let workspace_id = workspace_id.to_owned();
    let task = tokio::spawn(
        async move {
            let request = ActionRequest { name: &name, workspace_id: &workspace_id, raw: &raw, body: &body, arrived };
            gateway.actions().run(request).await
        }
        .instrument(span.clone()),
    );
    let result = match task.await {
        Ok(result) => result,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    };
    match result {
        Ok(succeeded) => {
            span.record("outcome", "succeeded");
            answer(succeeded)
        }
        Err(error) => {
            span.record("outcome", error.outcome());
            super::log::error_in_span(GatewayError::Action(error), &span)
        }
    }
}

/// The 200 answer of a succeeded action.
fn answer(succeeded: Succeeded) -> Response {
    let Succeeded { action, message, replayed } = succeeded;
    let mut response =
        Json(json!({ "action": action, "outcome": "succeeded", "message": message, "replayed": replayed }))
            .into_response();
    if replayed {
        response.headers_mut().insert(ACTION_REPLAY_HEADER, HeaderValue::from_static("true"));
    }
    response
}
