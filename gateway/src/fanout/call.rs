//! The parallel `GetCards` calls of one request.

use std::time::Duration;

use cardmesh_proto::{GetCardsRequest, GetCardsResponse};
use tonic::Code;

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
}

impl CallFailure {
    /// A stable short code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            CallFailure::Unreachable(_) => "unreachable",
            CallFailure::Timeout(_) => "timeout",
            CallFailure::Status { .. } => "error",
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

/// Calls every service of `calls` (service index, request) in parallel. Each call gets
/// `deadline` (also sent to the service as `grpc-timeout`); a call still running then is
/// abandoned and reported as [`CallFailure::Timeout`].
pub async fn call_services(
    backends: &Backends,
    calls: Vec<(usize, GetCardsRequest)>,
    deadline: Duration,
) -> Vec<ServiceAnswer> {
    let futures = calls.into_iter().map(|(service, request)| async move {
        let Some(backend) = backends.get(service) else {
            return ServiceAnswer {
                service,
                result: Err(CallFailure::Unreachable("no such service".into())),
            };
        };
        let mut client = backend.client();
        let mut request = tonic::Request::new(request);
        request.set_timeout(deadline);
        let result = match tokio::time::timeout(deadline, client.get_cards(request)).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(CallFailure::from_status(status, deadline)),
            Err(_) => Err(CallFailure::Timeout(deadline)),
        };
        ServiceAnswer { service, result }
    });
    futures::future::join_all(futures).await
}
