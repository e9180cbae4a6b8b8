//! The stack's layers with an in-process fake service and paused time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cardmesh_proto::{GetCardsRequest, GetCardsResponse};
use tokio::time::Instant;
use tower::{BoxError, ServiceExt};

use super::{layered, CardCall};
use crate::breaker::Breaker;
use crate::config::CallPolicy;
use crate::fanout::CallFailure;

fn policy() -> CallPolicy {
    CallPolicy {
        deadline: Duration::from_secs(2),
        max_concurrency: 4,
        retry: true,
        breaker_failures: 3,
        breaker_cooldown: Duration::from_secs(10),
    }
}

fn call(budget: Duration) -> CardCall {
    CardCall { service: "svc".into(), request: GetCardsRequest::default(), budget_until: Instant::now() + budget }
}

/// A fake service: answers with `script[attempt]` (the last entry repeats), after `delay`.
fn fake(
    script: Vec<Result<(), tonic::Code>>,
    delay: Duration,
) -> (
    impl tower::Service<CardCall, Response = GetCardsResponse, Error = BoxError, Future = impl Send>
        + Clone
        + Send
        + Sync
        + 'static,
    Arc<AtomicUsize>,
) {
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let script = Arc::new(script);
    let svc = tower::service_fn(move |_call: CardCall| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let outcome = script[n.min(script.len() - 1)];
        async move {
            tokio::time::sleep(delay).await;
            match outcome {
                Ok(()) => Ok(GetCardsResponse::default()),
                Err(code) => Err(BoxError::from(tonic::Status::new(code, "fake"))),
            }
        }
    });
    (svc, attempts)
}

#[tokio::test(start_paused = true)]
async fn retries_once_when_unreachable() {
    let (svc, attempts) = fake(vec![Err(tonic::Code::Unavailable), Ok(())], Duration::from_millis(10));
    let stack = layered(svc, &policy(), Arc::new(Breaker::new(3, Duration::from_secs(10))));
    assert!(stack.oneshot(call(Duration::from_secs(10))).await.is_ok());
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn retries_at_most_once() {
    let (svc, attempts) = fake(vec![Err(tonic::Code::Unavailable)], Duration::ZERO);
    let stack = layered(svc, &policy(), Arc::new(Breaker::new(3, Duration::from_secs(10))));
    assert!(matches!(stack.oneshot(call(Duration::from_secs(10))).await, Err(CallFailure::Unreachable(_))));
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn no_retry_when_the_budget_does_not_fit_an_attempt() {
    let (svc, attempts) = fake(vec![Err(tonic::Code::Unavailable), Ok(())], Duration::ZERO);
    let stack = layered(svc, &policy(), Arc::new(Breaker::new(3, Duration::from_secs(10))));
    // 1 s left, an attempt may take 2 s.
    assert!(stack.oneshot(call(Duration::from_secs(1))).await.is_err());
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn no_retry_for_other_errors_or_when_disabled() {
    let (svc, attempts) = fake(vec![Err(tonic::Code::Internal), Ok(())], Duration::ZERO);
    let stack = layered(svc, &policy(), Arc::new(Breaker::new(3, Duration::from_secs(10))));
    assert!(matches!(stack.oneshot(call(Duration::from_secs(10))).await, Err(CallFailure::Status { .. })));
    assert_eq!(attempts.load(Ordering::SeqCst), 1);

    let (svc, attempts) = fake(vec![Err(tonic::Code::Unavailable), Ok(())], Duration::ZERO);
    let no_retry = CallPolicy { retry: false, ..policy() };
    let stack = layered(svc, &no_retry, Arc::new(Breaker::new(3, Duration::from_secs(10))));
    assert!(stack.oneshot(call(Duration::from_secs(10))).await.is_err());
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn each_attempt_has_the_deadline_and_a_timeout_is_not_retried() {
    let (svc, attempts) = fake(vec![Ok(())], Duration::from_secs(30));
    let stack = layered(svc, &policy(), Arc::new(Breaker::new(3, Duration::from_secs(10))));
    let started = Instant::now();
    let result = stack.oneshot(call(Duration::from_secs(10))).await;
    assert!(matches!(result, Err(CallFailure::Timeout(d)) if d == Duration::from_secs(2)));
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn sheds_beyond_the_concurrency_limit_and_never_retries_a_shed_call() {
    let (svc, attempts) = fake(vec![Ok(())], Duration::from_secs(1));
    let limited = CallPolicy { max_concurrency: 2, ..policy() };
    let stack = layered(svc, &limited, Arc::new(Breaker::new(3, Duration::from_secs(10))));
    let results = futures::future::join_all((0..5).map(|_| stack.clone().oneshot(call(Duration::from_secs(10))))).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let shed = results.iter().filter(|r| matches!(r, Err(CallFailure::Overloaded))).count();
    assert_eq!((ok, shed), (2, 3));
    assert_eq!(attempts.load(Ordering::SeqCst), 2, "shed calls never reach the service, nor retry");
}

#[tokio::test(start_paused = true)]
async fn breaker_opens_fails_fast_then_probes_after_the_cooldown() {
    let (svc, attempts) = fake(
        vec![Err(tonic::Code::Internal), Err(tonic::Code::Internal), Err(tonic::Code::Internal), Ok(())],
        Duration::ZERO,
    );
    let breaker = Arc::new(Breaker::new(3, Duration::from_secs(10)));
    let stack = layered(svc, &policy(), breaker.clone());
    for _ in 0..3 {
        assert!(matches!(stack.clone().oneshot(call(Duration::from_secs(10))).await, Err(CallFailure::Status { .. })));
    }
    assert!(matches!(stack.clone().oneshot(call(Duration::from_secs(10))).await, Err(CallFailure::CircuitOpen)));
    assert_eq!(attempts.load(Ordering::SeqCst), 3, "an open circuit does not call the service");
    tokio::time::advance(Duration::from_secs(11)).await;
    assert!(stack.clone().oneshot(call(Duration::from_secs(10))).await.is_ok(), "the probe goes through");
    assert!(!breaker.is_open());
    assert_eq!(attempts.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn shed_calls_do_not_open_the_breaker() {
    let (svc, _) = fake(vec![Ok(())], Duration::from_secs(1));
    let limited = CallPolicy { max_concurrency: 1, breaker_failures: 1, ..policy() };
    let breaker = Arc::new(Breaker::new(1, Duration::from_secs(10)));
    let stack = layered(svc, &limited, breaker.clone());
    let results = futures::future::join_all((0..3).map(|_| stack.clone().oneshot(call(Duration::from_secs(10))))).await;
    assert!(results.iter().any(|r| matches!(r, Err(CallFailure::Overloaded))));
    assert!(!breaker.is_open());
}

#[tokio::test(start_paused = true)]
async fn the_breaker_warning_names_the_service_without_a_span() {
    let logs = cardmesh_telemetry::CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (svc, _) = fake(vec![Err(tonic::Code::Internal)], Duration::ZERO);
    let stack = layered(
        svc,
        &CallPolicy { breaker_failures: 1, ..policy() },
        Arc::new(Breaker::new(1, Duration::from_secs(10))),
    );
    let failed = CardCall { service: "billing".into(), ..call(Duration::from_secs(10)) };
    assert!(stack.oneshot(failed).await.is_err());
    let text = logs.text();
    assert!(text.contains("circuit opened") && text.contains("service=billing"), "{text}");
}
