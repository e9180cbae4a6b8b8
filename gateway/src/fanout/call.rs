//! The parallel `GetCards` calls of one request.

use std::sync::Arc;
use std::time::Duration;

use cardmesh_proto::{GetCardsRequest, GetCardsResponse};
use tonic::Code;
use tower::ServiceExt;
use tracing::field::Empty;
use tracing::Instrument;

use super::stack::CardCall;
use super::Backends;

/// The message of tonic's server-side `grpc-timeout` expiry (`tonic::TimeoutExpired`).
const TONIC_TIMEOUT_EXPIRED: &str = "Timeout expired";

/// Why a service produced no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallFailure {
    /// The service could not be reached (connection refused, reset, `UNAVAILABLE`).
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// No answer within the deadline.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The service answered with another gRPC error.
    #[error("gRPC {code:?}: {message}")]
    Status { code: Code, message: String },
    /// Shed: the service already has `max_concurrency` calls in flight from this gateway.
    #[error("shed: too many calls in flight to this service")]
    Overloaded,
    /// Not called: the service failed repeatedly and its circuit is open.
    #[error("not called: circuit open after repeated failures")]
    CircuitOpen,
}

impl CallFailure {
    /// A stable short code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            CallFailure::Unreachable(_) => "unreachable",
            CallFailure::Timeout(_) => "timeout",
            CallFailure::Status { .. } => "error",
            CallFailure::Overloaded => "overloaded",
            CallFailure::CircuitOpen => "circuit_open",
        }
    }

    /// Classifies an error from the call stack.
    pub fn classify(error: tower::BoxError, deadline: Duration) -> Self {
        if error.is::<tower::timeout::error::Elapsed>() {
            return CallFailure::Timeout(deadline);
        }
        if error.is::<tower::load_shed::error::Overloaded>() {
            return CallFailure::Overloaded;
        }
        match error.downcast::<tonic::Status>() {
            Ok(status) => CallFailure::from_status(*status, deadline),
            Err(other) => CallFailure::Unreachable(other.to_string()),
        }
    }

    /// The gRPC code the call ended with, when it was made: `UNAVAILABLE` for a service
    /// that could not be reached, `DEADLINE_EXCEEDED` for a timeout.
    pub fn grpc_code(&self) -> Option<Code> {
        match self {
            CallFailure::Unreachable(_) => Some(Code::Unavailable),
            CallFailure::Timeout(_) => Some(Code::DeadlineExceeded),
            CallFailure::Status { code, .. } => Some(*code),
            CallFailure::Overloaded | CallFailure::CircuitOpen => None,
        }
    }

    fn from_status(status: tonic::Status, deadline: Duration) -> Self {
        match status.code() {
            Code::Unavailable => CallFailure::Unreachable(status.message().to_owned()),
            Code::DeadlineExceeded => CallFailure::Timeout(deadline),
            // A tonic service enforcing our grpc-timeout answers CANCELLED "Timeout expired",
            // possibly a moment before our own timer fires.
            Code::Cancelled if status.message() == TONIC_TIMEOUT_EXPIRED => CallFailure::Timeout(deadline),
            code => CallFailure::Status { code, message: status.message().to_owned() },
        }
    }
}

/// One call to make.
pub struct ServiceCall {
    /// Index of the service in [`Backends`].
    pub service: usize,
    /// The service's name (from `Describe`), for spans and metrics.
    pub name: Arc<str>,
    pub request: GetCardsRequest,
}

/// The answer of one service to one request.
pub struct ServiceAnswer {
    /// Index of the service in [`Backends`].
    pub service: usize,
    /// The service's name (from `Describe`).
    pub name: Arc<str>,
    pub result: Result<GetCardsResponse, CallFailure>,
    /// How long the call took, retries included.
    pub elapsed: Duration,
}

/// Calls every service of `calls` in parallel, each through its own stack (deadline per
/// attempt, limit, retry, breaker) and in its own `card_service_call` span, whose trace
/// context goes along in the gRPC metadata. `budget` bounds everything: a call still
/// running then is abandoned and reported as [`CallFailure::Timeout`].
pub async fn call_services(backends: &Backends, calls: Vec<ServiceCall>, budget: Duration) -> Vec<ServiceAnswer> {
    let budget_until = tokio::time::Instant::now() + budget;
    let futures = calls.into_iter().map(|ServiceCall { service, name, request }| {
        let span = tracing::info_span!(
            "card_service_call",
            otel.kind = "client",
            rpc.system = "grpc",
            rpc.method = "cardmesh.v1.CardService/GetCards",
            service = %name,
            keys = request.card_keys.len(),
            outcome = Empty,
            rpc.grpc.status_code = Empty,
            otel.status_code = Empty,
        );
        let record = span.clone();
        async move {
            let started = tokio::time::Instant::now();
            let result = match backends.get(service) {
                None => Err(CallFailure::Unreachable("no such service".into())),
                Some(backend) => {
                    let call = backend.stack().oneshot(CardCall { request, budget_until });
                    match tokio::time::timeout_at(budget_until, call).await {
                        Ok(result) => result,
                        Err(_) => Err(CallFailure::Timeout(budget)),
                    }
                }
            };
            match &result {
                Ok(_) => {
                    record.record("outcome", "ok").record("rpc.grpc.status_code", Code::Ok as i32);
                }
                Err(failure) => {
                    record.record("outcome", failure.code()).record("otel.status_code", "ERROR");
                    if let Some(code) = failure.grpc_code() {
                        record.record("rpc.grpc.status_code", code as i32);
                    }
                }
            }
            ServiceAnswer { service, name, result, elapsed: started.elapsed() }
        }
        .instrument(span)
    });
    futures::future::join_all(futures).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_side_deadline_is_a_timeout() {
        let d = Duration::from_secs(2);
        let expired = tonic::Status::from_error(Box::new(tonic::TimeoutExpired(())));
        assert_eq!(expired.message(), TONIC_TIMEOUT_EXPIRED);
        assert_eq!(CallFailure::classify(Box::new(expired), d), CallFailure::Timeout(d));
        assert_eq!(CallFailure::classify(Box::new(tonic::Status::deadline_exceeded("late")), d), CallFailure::Timeout(d));
        let other = CallFailure::classify(Box::new(tonic::Status::cancelled("shutting down")), d);
        assert_eq!(other.code(), "error");
        assert_eq!(other.grpc_code(), Some(Code::Cancelled));
    }
}
