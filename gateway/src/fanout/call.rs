//! The parallel `GetCards` calls of one request.

use std::time::Duration;

use cardmesh_proto::{GetCardsRequest, GetCardsResponse};
use tonic::Code;

use tower::ServiceExt;

use super::stack::CardCall;
use super::Backends;

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

    fn from_status(status: tonic::Status, deadline: Duration) -> Self {
        match status.code() {
            Code::Unavailable => CallFailure::Unreachable(status.message().to_owned()),
            Code::DeadlineExceeded => CallFailure::Timeout(deadline),
            code => CallFailure::Status { code, message: status.message().to_owned() },
        }
    }
}

/// The answer of one service to one request.
pub struct ServiceAnswer {
    /// Index of the service in [`Backends`].
    pub service: usize,
    pub result: Result<GetCardsResponse, CallFailure>,
}

/// Calls every service of `calls` (service index, request) in parallel, each through its
/// own stack (deadline per attempt, limit, retry, breaker). `budget` bounds everything: a
/// call still running then is abandoned and reported as [`CallFailure::Timeout`].
pub async fn call_services(
    backends: &Backends,
    calls: Vec<(usize, GetCardsRequest)>,
    budget: Duration,
) -> Vec<ServiceAnswer> {
    let budget_until = tokio::time::Instant::now() + budget;
    let futures = calls.into_iter().map(|(service, request)| async move {
        let Some(backend) = backends.get(service) else {
            return ServiceAnswer {
                service,
                result: Err(CallFailure::Unreachable("no such service".into())),
            };
        };
        let call = backend.stack().oneshot(CardCall { request, budget_until });
        let result = match tokio::time::timeout_at(budget_until, call).await {
            Ok(result) => result,
            Err(_) => Err(CallFailure::Timeout(budget)),
        };
        ServiceAnswer { service, result }
    });
    futures::future::join_all(futures).await
}
