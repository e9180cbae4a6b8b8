//! Testing a card service the way the gateway calls it.
//!
//! [`ProviderCall`] sends `Describe` and `GetCards` through the kit's own gRPC service
//! ([`crate::CardServer`], in process, no socket): the same request checks, key order,
//! panics turned into errors and card encoding as in production. [`problems_in`] then
//! lists what Plain (or the gateway) would reject in the answer, and
//! [`assert_no_problems`] fails the test with that list. [`ProviderCall::run_action`] runs
//! an action the way the gateway does (`RunAction`) and gives back its [`ActionOutcome`].
//!
//! ```
//! use cardmesh_kit::testing::{assert_no_problems, customer, ProviderCall};
//! # use cardmesh_kit::build::text;
//! # use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec};
//! # struct Hello;
//! # #[tonic::async_trait]
//! # impl CardProvider for Hello {
//! #     fn name(&self) -> &str { "hello" }
//! #     fn cards(&self) -> Vec<CardSpec> { vec![CardSpec::new("hello", "Hello")] }
//! #     async fn card(&self, _key: &str, _ctx: &CardContext) -> Card { Card::new([text("Hi")]) }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let call = ProviderCall::new(Hello);
//! let results = call.all_cards(customer("c_1", "ada@example.com", Some("cus_1"))).await;
//! assert_no_problems(&results);
//! # }
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use tonic::Request;

use crate::proto::card_service_server::CardService;
use crate::proto::{self, card_result::Outcome};
use crate::{ActionOutcome, CardProvider, CardServer};

/// A Plain customer as the gateway sends it: Plain's `id`, the `email` (an empty string
/// stands for a customer without one, which the proto sends as absent), and the `externalId`
/// when the customer has one.
pub fn customer(id: &str, email: &str, external_id: Option<&str>) -> proto::Customer {
    proto::Customer {
        id: id.to_owned(),
        email: (!email.is_empty()).then(|| email.to_owned()),
        external_id: external_id.map(str::to_owned),
    }
}

/// A provider behind the kit's gRPC service, called in process as the gateway calls it.
pub struct ProviderCall<P> {
    server: CardServer<P>,
    /// `workspace_id` of every request (default `w_test`).
    pub workspace_id: String,
    /// Numbers the idempotency keys of [`ProviderCall::run_action`].
    deliveries: AtomicU64,
}

impl<P: CardProvider> ProviderCall<P> {
    pub fn new(provider: P) -> Self {
        Self { server: CardServer::new(provider), workspace_id: "w_test".into(), deliveries: AtomicU64::new(0) }
    }

    /// The server's metrics, to assert what a call counted.
    pub fn metrics(&self) -> &crate::ServiceMetrics {
        self.server.metrics()
    }

    /// Runs the action `name` for `customer` (no thread, not a preview) with `body` as the
    /// workflow's JSON body and a fresh idempotency key (`test-1`, `test-2`, …), as the
    /// gateway does: the outcome, scrubbed as it leaves the service. `Err` is the gRPC status
    /// the gateway would get (`NOT_FOUND` for an undeclared action, `INVALID_ARGUMENT`).
    pub async fn run_action(
        &self,
        name: &str,
        customer: proto::Customer,
        body: serde_json::Value,
    ) -> Result<ActionOutcome, tonic::Status> {
        let delivery = self.deliveries.fetch_add(1, Ordering::Relaxed) + 1;
        let request = proto::RunActionRequest {
            action: name.to_owned(),
            workspace_id: self.workspace_id.clone(),
            customer: Some(customer),
            thread: None,
            body_json: body.to_string(),
            idempotency_key: format!("test-{delivery}"),
            preview: false,
        };
        self.run_action_request(request).await
    }

    /// One `RunAction` with a request of your own (a thread, a preview run, a repeated
    /// idempotency key, a body that is not JSON).
    pub async fn run_action_request(&self, request: proto::RunActionRequest) -> Result<ActionOutcome, tonic::Status> {
        let response = self.server.run_action(Request::new(request)).await?.into_inner();
        ActionOutcome::from_proto(&response).ok_or_else(|| tonic::Status::internal("the answer carries no outcome"))
    }

    /// The `Describe` answer, as the gateway's discovery reads it.
    pub async fn describe(&self) -> proto::DescribeResponse {
        let request = Request::new(proto::DescribeRequest::default());
        self.server.describe(request).await.expect("Describe never fails").into_inner()
    }

    /// One `GetCards` for `keys` and `customer` (no thread or tenant): one result per key,
    /// in order. `Err` is the gRPC status the gateway would get (e.g. `INVALID_ARGUMENT`).
    pub async fn get_cards(
        &self,
        keys: &[&str],
        customer: proto::Customer,
    ) -> Result<Vec<proto::CardResult>, tonic::Status> {
        let request = proto::GetCardsRequest {
            card_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            workspace_id: self.workspace_id.clone(),
            customer: Some(customer),
            thread: None,
            tenant: None,
        };
        self.get_cards_request(request).await
    }

    /// One `GetCards` with a request of your own (thread, tenant, unusual keys).
    pub async fn get_cards_request(
        &self,
        request: proto::GetCardsRequest,
    ) -> Result<Vec<proto::CardResult>, tonic::Status> {
        Ok(self.server.get_cards(Request::new(request)).await?.into_inner().results)
    }

    /// Every card the provider describes, for `customer`, in one `GetCards`. Panics when
    /// the call itself fails.
    pub async fn all_cards(&self, customer: proto::Customer) -> Vec<proto::CardResult> {
        let described = self.describe().await;
        let keys: Vec<&str> = described.cards.iter().map(|card| card.key.as_str()).collect();
        self.get_cards(&keys, customer).await.unwrap_or_else(|status| panic!("GetCards failed: {status}"))
    }
}

/// Everything in `results` that Plain or the gateway would not show as the card, one line
/// per problem, prefixed with the card's key: components that break Plain's rules (see
/// [`crate::build::problems`]), a card the service reported as an error, a result without
/// an outcome. "No data" is not a problem.
pub fn problems_in(results: &[proto::CardResult]) -> Vec<String> {
    let mut found = Vec::new();
    for result in results {
        let key = &result.key;
        match &result.outcome {
            Some(Outcome::Components(card)) => {
                found.extend(crate::build::problems(&card.components).into_iter().map(|p| format!("{key}: {p}")));
            }
            Some(Outcome::NoData(_)) => {}
            Some(Outcome::Error(error)) => {
                found.push(format!("{key}: the service reported an error: {}", error.reason))
            }
            None => found.push(format!("{key}: the result has no outcome")),
        }
    }
    found
}

/// Fails the test, listing every problem, unless [`problems_in`] finds none.
#[track_caller]
pub fn assert_no_problems(results: &[proto::CardResult]) {
    let found = problems_in(results);
    assert!(found.is_empty(), "the cards have problems:\n{}", found.join("\n"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{badge, text};
    use crate::{Card, CardContext, CardSpec};

    struct Mixed;

    #[tonic::async_trait]
    impl CardProvider for Mixed {
        fn name(&self) -> &str {
            "mixed"
        }
        fn cards(&self) -> Vec<CardSpec> {
            ["good", "empty-badge", "failing", "nothing"].map(|k| CardSpec::new(k, k)).into()
        }
        async fn card(&self, key: &str, _ctx: &CardContext) -> Card {
            match key {
                "good" => Card::new([text("fine")]),
                "empty-badge" => Card::new([badge("")]),
                "failing" => Card::error("backend down"),
                _ => Card::NoData,
            }
        }
    }

    #[tokio::test]
    async fn finds_what_the_gateway_would_reject() {
        let call = ProviderCall::new(Mixed);
        let results = call.all_cards(customer("c_1", "ada@example.com", None)).await;
        let keys: Vec<&str> = results.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["good", "empty-badge", "failing", "nothing"]);
        let found = problems_in(&results);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("empty-badge: components[0]"), "{found:?}");
        assert_eq!(found[1], "failing: the service reported an error: backend down");
        assert_no_problems(&results[..1]);
        let no_customer = proto::GetCardsRequest { card_keys: vec!["good".into()], ..Default::default() };
        assert_eq!(call.get_cards_request(no_customer).await.unwrap_err().code(), tonic::Code::InvalidArgument);
    }

    /// Declares an action and leaves `CardProvider::action` to its default.
    struct Unhandled;

    #[tonic::async_trait]
    impl CardProvider for Unhandled {
        fn name(&self) -> &str {
            "unhandled"
        }
        fn cards(&self) -> Vec<CardSpec> {
            vec![CardSpec::new("trial", "Trial")]
        }
        fn actions(&self) -> Vec<crate::ActionSpec> {
            vec![crate::ActionSpec::new("extend-trial", "Extends the trial")]
        }
        async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
            Card::NoData
        }
    }

    #[tokio::test]
    async fn a_declared_action_without_a_handler_is_unimplemented_not_refused() {
        // A refusal would be recorded by the gateway for its idempotency window, and the
        // button would stay refused after the handler is deployed; UNIMPLEMENTED is not.
        let call = ProviderCall::new(Unhandled);
        let status = call.run_action("extend-trial", customer("c_1", "ada@example.com", None), serde_json::json!({}));
        let status = status.await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}");
        assert!(status.message().contains("extend-trial"), "{status:?}");
        let metrics = call.metrics().render();
        assert!(
            metrics.contains(r#"cardmesh_kit_requests_total{code="unimplemented",method="RunAction"} 1"#),
            "{metrics}"
        );
        assert!(!metrics.contains(r#"outcome="refused"} 1"#), "{metrics}");
    }

    /// Extends a trial once per customer: refuses the second time, fails on request.
    #[derive(Default)]
    struct Trials(std::sync::Mutex<Vec<String>>);

    #[tonic::async_trait]
    impl CardProvider for Trials {
        fn name(&self) -> &str {
            "trials"
        }
        fn cards(&self) -> Vec<CardSpec> {
            vec![CardSpec::new("trial", "Trial")]
        }
        fn actions(&self) -> Vec<crate::ActionSpec> {
            vec![crate::ActionSpec::new("extend-trial", "Extends the trial").changes(["trial"])]
        }
        async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
            Card::NoData
        }
        async fn action(&self, _name: &str, ctx: &crate::ActionContext) -> ActionOutcome {
            if ctx.body["fail"] == true {
                return ActionOutcome::failed(format!(
                    "billing is down for {}",
                    ctx.customer.email.clone().unwrap_or_default()
                ));
            }
            if ctx.body["panic"] == true {
                panic!("boom");
            }
            let days = ctx.body["days"].as_u64().unwrap_or(14);
            let mut extended = self.0.lock().expect("lock");
            if extended.contains(&ctx.customer.id) {
                return ActionOutcome::refused("the trial was already extended");
            }
            extended.push(ctx.customer.id.clone());
            ActionOutcome::succeeded(format!("Trial extended by {days} days"))
        }
    }

    #[tokio::test]
    async fn runs_actions_as_the_gateway_does() {
        let call = ProviderCall::new(Trials::default());
        let ada = || customer("c_1", "ada@example.com", None);
        let described = call.describe().await;
        assert_eq!(described.actions.len(), 1);
        assert_eq!(described.actions[0].changes_cards, ["trial"]);

        let first = call.run_action("extend-trial", ada(), serde_json::json!({"days": 7})).await.expect("ran");
        assert_eq!(first, ActionOutcome::succeeded("Trial extended by 7 days"));
        let again = call.run_action("extend-trial", ada(), serde_json::json!({})).await.expect("ran");
        assert_eq!(again, ActionOutcome::refused("the trial was already extended"));
        let failed = call.run_action("extend-trial", ada(), serde_json::json!({"fail": true})).await.expect("ran");
        assert_eq!(failed, ActionOutcome::failed("billing is down for [email]"), "scrubbed");
        let panicked = call.run_action("extend-trial", ada(), serde_json::json!({"panic": true})).await.expect("ran");
        assert_eq!(panicked, ActionOutcome::failed("the action panicked"));

        let unknown = call.run_action("refund", ada(), serde_json::json!({})).await.expect_err("undeclared");
        assert_eq!(unknown.code(), tonic::Code::NotFound);
        assert!(unknown.message().contains("\"refund\""), "{unknown:?}");
        let no_json = proto::RunActionRequest {
            action: "extend-trial".into(),
            customer: Some(ada()),
            body_json: "{days:".into(),
            idempotency_key: "k".into(),
            ..Default::default()
        };
        assert_eq!(call.run_action_request(no_json).await.expect_err("not JSON").code(), tonic::Code::InvalidArgument);

        let metrics = call.metrics().render();
        for line in [
            r#"cardmesh_kit_actions_total{action="extend-trial",outcome="succeeded"} 1"#,
            r#"cardmesh_kit_actions_total{action="extend-trial",outcome="refused"} 1"#,
            r#"cardmesh_kit_actions_total{action="extend-trial",outcome="failed"} 2"#,
            r#"cardmesh_kit_requests_total{code="not_found",method="RunAction"} 1"#,
            r#"cardmesh_kit_requests_total{code="invalid_argument",method="RunAction"} 1"#,
            r#"cardmesh_kit_requests_total{code="ok",method="RunAction"} 4"#,
        ] {
            assert!(metrics.contains(line), "{line} in:\n{metrics}");
        }
    }
}
