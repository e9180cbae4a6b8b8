//! The `RunAction` call to the service that declares the action: over the service's shared
//! channel (the one its `GetCards` calls use), under `actions.deadline`, with the request's
//! trace context in the call's metadata, as for `GetCards`.
//!
//! Not through the card call stack: that stack retries an unreachable service, and an
//! action is never sent twice by the gateway (Plain's retry of the delivery, guarded by the
//! ledger, is the one retry). An open circuit (the service failed its card calls repeatedly)
//! skips the call: 503, which Plain retries later.

use std::time::Duration;

use cardmesh_proto::run_action_response::Outcome;
use cardmesh_proto::RunActionRequest;
use cardmesh_telemetry::scrub::service_text;
use tonic::Code;

use super::error::ActionError;
use super::ledger::Record;
use crate::fanout::Backend;

/// Calls `RunAction` on `backend`: what the service answered, as the ledger keeps it; the
/// service's failures and every call failure are the error.
pub async fn run_action(
    backend: &Backend,
    request: RunActionRequest,
    deadline: Duration,
) -> Result<Record, ActionError> {
    if deadline.is_zero() {
        // The lookup used the whole budget: the service is not called at all.
        return Err(ActionError::ServiceUnavailable { cause: "no time left of the action's budget".into() });
    }
    if backend.circuit_open() {
        return Err(ActionError::ServiceUnavailable { cause: "circuit open after repeated failures".into() });
    }
    let mut client = backend.client();
    let mut request = tonic::Request::new(request);
    request.set_timeout(deadline);
    cardmesh_telemetry::inject_current(request.metadata_mut());
    let answer = match tokio::time::timeout(deadline, client.run_action(request)).await {
        Err(_) => {
            return Err(ActionError::ServiceUnavailable {
                cause: format!("no answer within {}", humantime::format_duration(deadline)),
            })
        }
        Ok(Err(status)) => return from_status(&status),
        Ok(Ok(answer)) => answer.into_inner(),
    };
    from_outcome(answer.outcome)
}

/// The service's outcome; text is cleaned of anything that is not for an agent's eyes.
pub fn from_outcome(outcome: Option<Outcome>) -> Result<Record, ActionError> {
    match outcome {
        Some(Outcome::Succeeded(s)) => Ok(Record::Succeeded { message: service_text(&s.message) }),
        Some(Outcome::Refused(r)) => Ok(Record::Refused { reason: service_text(&r.reason) }),
        Some(Outcome::Failed(f)) => Err(ActionError::Failed { reason: service_text(&f.reason) }),
        None => Err(ActionError::Failed { reason: "the card service answered without an outcome".into() }),
    }
}

/// A gRPC error of the call: `UNIMPLEMENTED` is a service that does not run actions (a
/// retry would not help), `NOT_FOUND` an action it no longer has; `INVALID_ARGUMENT` and
/// `FAILED_PRECONDITION` are the service's refusal, an outcome like `ActionRefused` (kept
/// for the delivery's retries, and the cards reloaded); anything else (unreachable,
/// deadline, internal) may pass.
pub fn from_status(status: &tonic::Status) -> Result<Record, ActionError> {
    let message = service_text(status.message());
    Err(match status.code() {
        Code::Unimplemented => ActionError::NotImplemented,
        Code::NotFound => ActionError::UnknownAction,
        Code::InvalidArgument | Code::FailedPrecondition => return Ok(Record::Refused { reason: message }),
        code => ActionError::ServiceUnavailable { cause: format!("gRPC {code:?}: {message}") },
    })
}

#[cfg(test)]
mod tests {
    use cardmesh_proto::{ActionFailed, ActionRefused, ActionSucceeded};

    use super::*;

    #[test]
    fn outcomes_and_statuses_map_to_what_plain_should_do() {
        let ok = from_outcome(Some(Outcome::Succeeded(ActionSucceeded { message: "Trial extended".into() })));
        assert_eq!(ok, Ok(Record::Succeeded { message: "Trial extended".into() }));
        let refused = from_outcome(Some(Outcome::Refused(ActionRefused { reason: "no trial".into() })));
        assert_eq!(refused, Ok(Record::Refused { reason: "no trial".into() }));
        let failed = from_outcome(Some(Outcome::Failed(ActionFailed { reason: "billing down".into() })));
        assert_eq!(failed, Err(ActionError::Failed { reason: "billing down".into() }));
        assert!(matches!(from_outcome(None), Err(ActionError::Failed { .. })));
        assert_eq!(from_status(&tonic::Status::unimplemented("x")), Err(ActionError::NotImplemented));
        assert_eq!(from_status(&tonic::Status::not_found("x")), Err(ActionError::UnknownAction));
        // A refusal by status is an outcome, kept and followed by the reload like ActionRefused.
        let refused = Ok(Record::Refused { reason: "no trial".into() });
        assert_eq!(from_status(&tonic::Status::invalid_argument("no trial")), refused);
        assert_eq!(from_status(&tonic::Status::failed_precondition("no trial")), refused);
        assert!(matches!(from_status(&tonic::Status::unavailable("x")), Err(ActionError::ServiceUnavailable { .. })));
        assert!(matches!(from_status(&tonic::Status::internal("x")), Err(ActionError::ServiceUnavailable { .. })));
    }
}
