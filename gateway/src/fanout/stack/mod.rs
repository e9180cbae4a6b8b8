//! One tower stack per card service. Each layer is there for one failure mode; the order,
//! outermost first:
//!
//! 1. **circuit breaker**: after `breaker_failures` failed calls in a row the service is not
//!    called at all for `breaker_cooldown` (its cards go straight to stale or fallback), then
//!    one probe decides. Outermost, so an open circuit costs nothing below it and a call
//!    counts once however many attempts it took.
//! 2. **retry**: at most one more attempt, only when the service was unreachable
//!    (`UNAVAILABLE`, connection refused), only when the request's budget still fits a whole
//!    attempt, and never after load shedding (a shed call means *we* are saturated; retrying
//!    would add load). Outside the limit and the timeout so each attempt gets its own.
//! 3. **load shed**: when the concurrency limit is reached, fail at once instead of queueing,
//!    so one slow service cannot hold requests (and memory) hostage.
//! 4. **concurrency limit**: at most `max_concurrency` calls in flight to this service.
//! 5. **timeout**: the per-attempt deadline. Innermost, so it times the call itself, not the
//!    wait for a permit.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use cardmesh_proto::card_service_client::CardServiceClient;
use cardmesh_proto::{GetCardsRequest, GetCardsResponse};
use tokio::time::Instant;
use tonic::transport::Channel;
use tower::util::BoxCloneSyncService;
use tower::{BoxError, Layer, Service, ServiceBuilder, ServiceExt};

use super::failure::CallFailure;
use crate::breaker::Breaker;
use crate::config::CallPolicy;

/// One call: the service's name (for the log lines of the stack), the request and the
/// instant the whole Plain request's budget runs out.
#[derive(Debug, Clone)]
pub struct CardCall {
    pub service: Arc<str>,
    pub request: GetCardsRequest,
    pub budget_until: Instant,
}

/// The assembled stack of one service.
pub type CardCallService = BoxCloneSyncService<CardCall, GetCardsResponse, CallFailure>;

/// Builds the stack for one service over `channel`.
pub fn card_call_stack(channel: Channel, policy: &CallPolicy, breaker: Arc<Breaker>) -> CardCallService {
    let deadline = policy.deadline;
    let grpc = tower::service_fn(move |call: CardCall| {
        let mut client = CardServiceClient::new(channel.clone());
        // Boxed here, once: every layer above holds this future by value, and tonic's is
        // large, so unboxed it would be copied again by each of them.
        Box::pin(async move {
            let mut request = tonic::Request::new(call.request);
            // The service sees the deadline too (grpc-timeout) and can stop early.
            request.set_timeout(deadline);
            // The call's span becomes the parent of the service's spans (when tracing is on).
            cardmesh_telemetry::inject_current(request.metadata_mut());
            client.get_cards(request).await.map(tonic::Response::into_inner).map_err(BoxError::from)
        }) as Pin<Box<dyn Future<Output = Result<GetCardsResponse, BoxError>> + Send>>
    });
    layered(grpc, policy, breaker)
}

/// The layers of the stack around any inner call (tests use in-process fakes).
pub fn layered<S>(inner: S, policy: &CallPolicy, breaker: Arc<Breaker>) -> CardCallService
where
    S: Service<CardCall, Response = GetCardsResponse, Error = BoxError> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    let deadline = policy.deadline;
    let stack = ServiceBuilder::new()
        // An open circuit skips the service. Outermost: a skipped call costs nothing below,
        // and a call counts once for the breaker however many attempts it took.
        .layer(BreakerLayer(breaker))
        // Names why an attempt failed (`CallFailure`), once, for the breaker above and for
        // logs and metrics; below it the layers still see tower's and tonic's own errors.
        .map_err(move |e: BoxError| CallFailure::classify(e, deadline))
        // One more attempt when the service was unreachable and a whole attempt fits the
        // budget. Outside the shedding, the limit and the timeout, so each attempt gets its
        // own permit and deadline, and a shed call (we are saturated) is seen and not retried.
        .retry(RetryUnreachable { enabled: policy.retry, attempt_deadline: deadline, retried: false })
        // Fails at once when the limit below is full, instead of queueing: one slow service
        // cannot hold requests (and memory) hostage.
        .load_shed()
        // At most `max_concurrency` calls in flight to this service.
        .concurrency_limit(policy.max_concurrency.max(1))
        // The per-attempt deadline. Innermost, so it times the call itself, not the wait for
        // a permit.
        .timeout(deadline)
        .service(inner);
    BoxCloneSyncService::new(stack)
}

/// Retries once when the service was unreachable and a whole attempt still fits the budget.
#[derive(Clone)]
struct RetryUnreachable {
    enabled: bool,
    attempt_deadline: Duration,
    retried: bool,
}

impl tower::retry::Policy<CardCall, GetCardsResponse, BoxError> for RetryUnreachable {
    type Future = std::future::Ready<()>;

    fn retry(&mut self, call: &mut CardCall, result: &mut Result<GetCardsResponse, BoxError>) -> Option<Self::Future> {
        let Err(error) = result else { return None };
        if !self.enabled || self.retried {
            return None;
        }
        // Shed by our own limit: never retry.
        if error.is::<tower::load_shed::error::Overloaded>() {
            return None;
        }
        let unreachable = error.downcast_ref::<tonic::Status>().is_some_and(|s| s.code() == tonic::Code::Unavailable);
        if !unreachable || Instant::now() + self.attempt_deadline > call.budget_until {
            return None;
        }
        self.retried = true;
        Some(std::future::ready(()))
    }

    fn clone_request(&mut self, call: &CardCall) -> Option<CardCall> {
        Some(call.clone())
    }
}

/// Fails fast while the breaker is open; reports each call's outcome to it.
#[derive(Clone)]
struct BreakerLayer(Arc<Breaker>);

impl<S> Layer<S> for BreakerLayer {
    type Service = BreakerService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        BreakerService { inner, breaker: self.0.clone() }
    }
}

#[derive(Clone)]
struct BreakerService<S> {
    inner: S,
    breaker: Arc<Breaker>,
}

impl<S> Service<CardCall> for BreakerService<S>
where
    S: Service<CardCall, Response = GetCardsResponse, Error = CallFailure> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = GetCardsResponse;
    type Error = CallFailure;
    type Future = Pin<Box<dyn Future<Output = Result<GetCardsResponse, CallFailure>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is decided per call below (load shedding answers at once anyway).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: CardCall) -> Self::Future {
        let breaker = self.breaker.clone();
        let inner = self.inner.clone();
        Box::pin(async move {
            if !breaker.allow() {
                return Err(CallFailure::CircuitOpen);
            }
            let service = call.service.clone();
            let result = inner.oneshot(call).await;
            match &result {
                Ok(_) => breaker.success(),
                // Our own shedding says nothing about the service's health.
                Err(CallFailure::Overloaded) => {}
                Err(_) => {
                    if breaker.failure() {
                        tracing::warn!(%service, "card service failing; circuit opened");
                    }
                }
            }
            result
        })
    }
}

#[cfg(test)]
mod tests;
