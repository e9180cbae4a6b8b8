//! The parallel `GetCards` calls of one request.

use std::sync::Arc;
use std::time::Duration;

use cardmesh_proto::{GetCardsRequest, GetCardsResponse};
use tonic::Code;
use tower::ServiceExt;
use tracing::field::Empty;
use tracing::Instrument;

use super::failure::CallFailure;
use super::stack::CardCall;
use super::Backends;

/// One call to make.
pub struct ServiceCall {
    /// Index of the service in [`Backends`].
    pub service: usize,
    /// The service's configured name ([`crate::discovery::service_names`]), for spans and metrics.
    pub name: Arc<str>,
    pub request: GetCardsRequest,
}

/// The answer of one service to one request.
pub struct ServiceAnswer {
    /// Index of the service in [`Backends`].
    pub service: usize,
    /// The service's configured name.
    pub name: Arc<str>,
    pub result: Result<GetCardsResponse, CallFailure>,
    /// How long the call took, retries included.
    pub elapsed: Duration,
}

/// Calls every service of `calls` in parallel, each through its own stack (deadline per
/// attempt, limit, retry, breaker). While tracing is on, each call has its own
/// `card_service_call` span, whose trace context goes along in the gRPC metadata; while it
/// is off there is none (the stack's one log line names the service itself). `budget`
/// bounds everything: a call still running then is abandoned and reported as
/// [`CallFailure::Timeout`].
pub async fn call_services(backends: &Backends, calls: Vec<ServiceCall>, budget: Duration) -> Vec<ServiceAnswer> {
    let budget_until = tokio::time::Instant::now() + budget;
    let futures = calls.into_iter().map(|ServiceCall { service, name, request }| {
        let span = cardmesh_telemetry::span_if_tracing(|| {
            tracing::info_span!(
                "card_service_call",
                otel.kind = "client",
                rpc.system = "grpc",
                rpc.method = "cardmesh.v1.CardService/GetCards",
                service = %name,
                keys = request.card_keys.len(),
                outcome = Empty,
                rpc.grpc.status_code = Empty,
                otel.status_code = Empty,
            )
        });
        let record = span.clone();
        async move {
            let started = tokio::time::Instant::now();
            let result = match backends.get(service) {
                None => Err(CallFailure::Unreachable("no such service".into())),
                Some(backend) => {
                    let call = backend.stack().oneshot(CardCall { service: name.clone(), request, budget_until });
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
