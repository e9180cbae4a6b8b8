//! [`CardServer`]: the `cardmesh.v1.CardService` gRPC service around a [`CardProvider`].

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use tonic::{Request, Response, Status};

use crate::context::CardContext;
use crate::metrics::ServiceMetrics;
use crate::proto::card_service_server::{CardService, CardServiceServer};
use crate::proto::{self, card_result::Outcome};
use crate::{ActionContext, ActionOutcome, Card, CardProvider};

/// Answers `Describe` from [`CardProvider::cards`] and [`CardProvider::actions`], `GetCards`
/// with [`CardProvider::get_cards`], one result per requested key in request order, and
/// `RunAction` with [`CardProvider::action`].
///
/// `GetCards` without a customer is rejected with `INVALID_ARGUMENT`; so is `RunAction`
/// without an action name, a customer or an idempotency key, or with a body that is not JSON.
/// `RunAction` of a name the provider does not declare is `NOT_FOUND`. Every call is counted
/// in the server's [`ServiceMetrics`].
pub struct CardServer<P> {
    provider: Arc<P>,
    metrics: Arc<ServiceMetrics>,
}

impl<P> Clone for CardServer<P> {
    fn clone(&self) -> Self {
        Self { provider: Arc::clone(&self.provider), metrics: Arc::clone(&self.metrics) }
    }
}

impl<P> std::fmt::Debug for CardServer<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardServer").finish_non_exhaustive()
    }
}

impl<P: CardProvider> CardServer<P> {
    /// A server for `provider`.
    pub fn new(provider: P) -> Self {
        Self::from_arc(Arc::new(provider))
    }

    /// A server for a shared `provider`.
    pub fn from_arc(provider: Arc<P>) -> Self {
        let specs = provider.cards();
        let actions = provider.actions();
        let metrics = ServiceMetrics::with_actions(
            specs.iter().map(|spec| spec.key.as_str()),
            actions.iter().map(|action| action.name.as_str()),
        );
        metrics.register(provider.metrics());
        let metrics = Arc::new(metrics);
        Self { provider, metrics }
    }

    /// The server's metrics (what `GET /metrics` of the metrics listener shows).
    pub fn metrics(&self) -> &Arc<ServiceMetrics> {
        &self.metrics
    }

    /// The tonic service to add to a `tonic::transport::Server`.
    pub fn into_service(self) -> CardServiceServer<Self> {
        CardServiceServer::new(self)
    }

    /// The `Describe` answer.
    fn describe_response(&self) -> proto::DescribeResponse {
        proto::DescribeResponse {
            service_name: self.provider.name().to_owned(),
            cards: self.provider.cards().iter().map(|spec| spec.to_proto()).collect(),
            actions: self.provider.actions().iter().map(|spec| spec.to_proto()).collect(),
        }
    }

    /// Runs one action: the provider's outcome, scrubbed; a panic becomes a failure.
    async fn run(&self, request: &proto::RunActionRequest, trace_id: String) -> Result<ActionOutcome, Status> {
        let name = self.provider.name();
        let ctx = ActionContext::from_request(request, trace_id).map_err(|error| {
            self.metrics.invalid_run_action();
            Status::invalid_argument(error.to_string())
        })?;
        let declared = self.provider.actions();
        if !declared.iter().any(|spec| spec.name == ctx.action) {
            self.metrics.unknown_action();
            let known: Vec<&str> = declared.iter().map(|spec| spec.name.as_str()).collect();
            tracing::warn!(service = name, action = %cardmesh_telemetry::scrub::label(&ctx.action), known = ?known, "unknown action");
            return Err(Status::not_found(format!(
                "this service has no action {:?}",
                cardmesh_telemetry::scrub::label(&ctx.action)
            )));
        }
        let outcome = AssertUnwindSafe(self.provider.action(&ctx.action, &ctx))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| ActionOutcome::failed("the action panicked"))
            .scrubbed();
        match &outcome {
            ActionOutcome::Succeeded(_) => tracing::info!(
                service = name,
                action = %ctx.action,
                customer_id = %ctx.customer.id,
                preview = ctx.preview,
                outcome = outcome.kind(),
                "action ran"
            ),
            ActionOutcome::Refused(reason) | ActionOutcome::Failed(reason) => tracing::warn!(
                service = name,
                action = %ctx.action,
                customer_id = %ctx.customer.id,
                preview = ctx.preview,
                outcome = outcome.kind(),
                reason = %reason,
                "action did not run"
            ),
            ActionOutcome::NotImplemented => tracing::warn!(
                service = name,
                action = %ctx.action,
                "the action is declared but the provider does not implement CardProvider::action"
            ),
        }
        Ok(outcome)
    }
}

#[tonic::async_trait]
impl<P: CardProvider> CardService for CardServer<P> {
    async fn describe(
        &self,
        _request: Request<proto::DescribeRequest>,
    ) -> Result<Response<proto::DescribeResponse>, Status> {
        self.metrics.describe();
        Ok(Response::new(self.describe_response()))
    }

    async fn get_cards(
        &self,
        request: Request<proto::GetCardsRequest>,
    ) -> Result<Response<proto::GetCardsResponse>, Status> {
        let started = Instant::now();
        let request = request.into_inner();
        if cardmesh_telemetry::tracing_enabled() {
            tracing::Span::current().record("keys", request.card_keys.len());
        }
        let ctx = CardContext::from_request(&request).map_err(|error| {
            self.metrics.invalid_get_cards();
            Status::invalid_argument(error.to_string())
        })?;

        let mut seen = HashSet::new();
        let unique: Vec<String> = request.card_keys.iter().filter(|key| seen.insert(key.as_str())).cloned().collect();
        let answers: HashMap<String, Card> = self.provider.get_cards(&unique, &ctx).await.into_iter().collect();
        let results = in_request_order(&request.card_keys, answers);

        for result in &results {
            if let Some(Outcome::Error(error)) = &result.outcome {
                tracing::warn!(
                    service = self.provider.name(),
                    key = %result.key,
                    customer_id = %ctx.customer.id,
                    reason = %error.reason,
                    "card could not be drawn"
                );
            }
        }
        tracing::debug!(
            service = self.provider.name(),
            keys = ?request.card_keys,
            customer_id = %ctx.customer.id,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "answered GetCards"
        );
        self.metrics.get_cards(started.elapsed(), &results);
        Ok(Response::new(proto::GetCardsResponse { results }))
    }

    async fn run_action(
        &self,
        request: Request<proto::RunActionRequest>,
    ) -> Result<Response<proto::RunActionResponse>, Status> {
        let started = Instant::now();
        let trace_id = cardmesh_telemetry::caller_trace_id(request.metadata().as_ref()).to_string();
        let request = request.into_inner();
        if cardmesh_telemetry::tracing_enabled() {
            tracing::Span::current().record("action", cardmesh_telemetry::scrub::label(&request.action));
        }
        let outcome = self.run(&request, trace_id).await?;
        self.metrics.run_action(&request.action, started.elapsed(), &outcome);
        outcome.to_proto().map(Response::new).ok_or_else(|| {
            Status::unimplemented(format!(
                "this service declares the action {:?} but does not run it",
                cardmesh_telemetry::scrub::label(&request.action)
            ))
        })
    }
}

/// One result per requested key, in the order of `keys`. A key the provider did not answer
/// becomes a card error; a repeated key gets a copy of its first result.
fn in_request_order(keys: &[String], mut answers: HashMap<String, Card>) -> Vec<proto::CardResult> {
    let mut results: Vec<proto::CardResult> = Vec::with_capacity(keys.len());
    for key in keys {
        let result = match answers.remove(key) {
            Some(card) => card.into_proto(key.clone()),
            None => match results.iter().find(|earlier| &earlier.key == key) {
                Some(earlier) => earlier.clone(),
                None => Card::error("the provider returned no answer for this key").into_proto(key.clone()),
            },
        };
        results.push(result);
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_request_order_and_fills_gaps() {
        let keys: Vec<String> = ["b", "a", "missing", "b"].iter().map(|k| k.to_string()).collect();
        let answers = HashMap::from([
            ("a".to_string(), Card::NoData),
            ("b".to_string(), Card::error("x")),
            ("extra".to_string(), Card::NoData),
        ]);
        let results = in_request_order(&keys, answers);
        let order: Vec<&str> = results.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(order, ["b", "a", "missing", "b"]);
        assert!(matches!(results[2].outcome, Some(Outcome::Error(_))));
        assert_eq!(results[0], results[3]);
    }

    struct Failing;

    #[tonic::async_trait]
    impl CardProvider for Failing {
        fn name(&self) -> &str {
            "failing"
        }
        fn cards(&self) -> Vec<crate::CardSpec> {
            vec![crate::CardSpec::new("broken", "Broken")]
        }
        async fn card(&self, _key: &str, ctx: &CardContext) -> Card {
            tracing::debug!(?ctx, "drawing");
            Card::error("backend unavailable")
        }
    }

    #[tokio::test]
    async fn logs_keys_and_customer_id_but_never_the_email() {
        let logs = cardmesh_telemetry::CapturedLogs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let request = || proto::GetCardsRequest {
            card_keys: vec!["broken".into()],
            customer: Some(proto::Customer {
                id: "c_42".into(),
                email: Some("ada@example.com".into()),
                external_id: None,
            }),
            ..Default::default()
        };
        // Tests on other threads register the same callsites, and one that finishes
        // registering after this subscriber appeared caches "nobody listens" for it. Once
        // this thread has been through every callsite, asking again settles it.
        let server = CardServer::new(Failing);
        server.get_cards(Request::new(request())).await.expect("answered");
        tracing::callsite::rebuild_interest_cache();
        logs.clear();

        let response = server.get_cards(Request::new(request())).await.expect("answered");
        assert_eq!(response.into_inner().results.len(), 1);

        let text = logs.text();
        assert!(text.contains("c_42") && text.contains("broken"), "{text}");
        assert!(text.contains("backend unavailable"), "{text}");
        assert!(!text.contains("ada@example.com"), "email leaked: {text}");
    }
}
