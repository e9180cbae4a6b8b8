//! Why a service call produced no answer, and how an error from the call stack is classified.

use std::time::Duration;

use cardmesh_telemetry::scrub::service_text as scrub;
use tonic::Code;

/// The message of tonic's server-side `grpc-timeout` expiry (`tonic::TimeoutExpired`).
const TONIC_TIMEOUT_EXPIRED: &str = "Timeout expired";

/// Why a service produced no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallFailure {
    /// The service could not be reached (connection refused, reset, `UNAVAILABLE`). Text
    /// from elsewhere is kept as [`cardmesh_telemetry::scrub::service_text`] makes it.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// No answer within the deadline.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The service answered with another gRPC error; `message` is the service's, scrubbed
    /// ([`cardmesh_telemetry::scrub::service_text`]).
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
            Err(other) => CallFailure::Unreachable(scrub(&other.to_string())),
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
            Code::Unavailable => CallFailure::Unreachable(scrub(status.message())),
            Code::DeadlineExceeded => CallFailure::Timeout(deadline),
            // A tonic service enforcing our grpc-timeout answers CANCELLED "Timeout expired",
            // possibly a moment before our own timer fires.
            Code::Cancelled if status.message() == TONIC_TIMEOUT_EXPIRED => CallFailure::Timeout(deadline),
            code => CallFailure::Status { code, message: scrub(status.message()) },
        }
    }
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
        assert_eq!(
            CallFailure::classify(Box::new(tonic::Status::deadline_exceeded("late")), d),
            CallFailure::Timeout(d)
        );
        let other = CallFailure::classify(Box::new(tonic::Status::cancelled("shutting down")), d);
        assert_eq!(other.code(), "error");
        assert_eq!(other.grpc_code(), Some(Code::Cancelled));
    }

    #[test]
    fn what_a_service_says_is_scrubbed() {
        let d = Duration::from_secs(2);
        let said = format!("no row for ada@example.com\nINFO forged line {}", "x".repeat(500));
        let failure = CallFailure::classify(Box::new(tonic::Status::internal(said.clone())), d);
        let CallFailure::Status { message, .. } = &failure else { panic!("{failure:?}") };
        assert!(message.starts_with("no row for [email]\\nINFO forged line"), "{message}");
        assert!(message.chars().count() <= cardmesh_telemetry::scrub::MAX_SERVICE_TEXT_CHARS + 1);
        let unreachable = CallFailure::classify(Box::new(tonic::Status::unavailable(said)), d);
        assert!(!unreachable.to_string().contains('\n') && !unreachable.to_string().contains("ada@"));
    }
}
