//! The one trait a card service implements.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;

use cardmesh_telemetry::prometheus::core::Collector;
use futures::future::join_all;
use futures::FutureExt;

use crate::{ActionContext, ActionOutcome, ActionSpec, Card, CardContext, CardSpec};

/// A card service's domain code: its name, its cards, and how to draw one card; optionally
/// its actions (what a workflow button on a card runs) and how to run one.
///
/// Serve it with [`crate::serve`] (or [`crate::serve_on`] in tests).
#[tonic::async_trait]
pub trait CardProvider: Send + Sync + 'static {
    /// A short name for logs and metrics, e.g. `"billing"`.
    fn name(&self) -> &str;

    /// The cards this provider draws. Keys must match `[a-zA-Z0-9_-]+` and be unique.
    fn cards(&self) -> Vec<CardSpec>;

    /// Draws the card `key` (one of [`CardProvider::cards`]) for `ctx`.
    ///
    /// Answer [`Card::NoData`] when the customer has nothing to show and [`Card::error`]
    /// when the data could not be fetched; the gateway applies its deadline (2 s by
    /// default) to the whole call.
    async fn card(&self, key: &str, ctx: &CardContext) -> Card;

    /// The actions this provider runs (see [`ActionSpec`]). Names match `[a-z0-9][a-z0-9-]*`
    /// (at most 64 bytes) and are unique. Default: none.
    fn actions(&self) -> Vec<ActionSpec> {
        Vec::new()
    }

    /// Runs the action `name` (one of [`CardProvider::actions`]; the server answers
    /// `NOT_FOUND` for any other name without calling this) for `ctx`.
    ///
    /// Answer [`ActionOutcome::Succeeded`] with a short message for the agent,
    /// [`ActionOutcome::Refused`] when a retry would not help (the gateway answers Plain 422)
    /// and [`ActionOutcome::Failed`] when it may (503, retried). A call that panics is
    /// answered as failed. When [`ActionContext::preview`] is set, change no real data. The
    /// default is [`ActionOutcome::NotImplemented`] (`UNIMPLEMENTED` to the gateway, which
    /// records nothing): a provider that declares actions implements this.
    async fn action(&self, name: &str, ctx: &ActionContext) -> ActionOutcome {
        let _ = (name, ctx);
        ActionOutcome::NotImplemented
    }

    /// The provider's own Prometheus metrics, served with the kit's on the same metrics
    /// listener (see [`crate::ServiceMetrics`]). Called once, when the server is built; a
    /// family whose name is already taken is left out with a warning. Default: none.
    fn metrics(&self) -> Vec<Box<dyn Collector>> {
        Vec::new()
    }

    /// Draws several cards for one customer, one answer per key, in the order of `keys`.
    ///
    /// The default runs [`CardProvider::card`] for all keys concurrently. Keys that are not
    /// in [`CardProvider::cards`] get [`Card::NoData`]; a `card` call that panics gets
    /// [`Card::Error`]. Override it to batch backend calls across keys.
    async fn get_cards(&self, keys: &[String], ctx: &CardContext) -> Vec<(String, Card)> {
        let known: HashSet<String> = self.cards().into_iter().map(|spec| spec.key).collect();
        let draws = keys.iter().map(|key| {
            let known = known.contains(key);
            async move {
                let card = if known {
                    AssertUnwindSafe(self.card(key, ctx))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|_| Card::error("the card panicked while drawing"))
                } else {
                    Card::NoData
                };
                (key.clone(), card)
            }
        });
        join_all(draws).await
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::Barrier;

    use super::*;
    use crate::build::text;
    use crate::Customer;

    /// Cards `a` and `b` each wait for the other: they finish only if drawn concurrently.
    struct Rendezvous(Barrier);

    #[tonic::async_trait]
    impl CardProvider for Rendezvous {
        fn name(&self) -> &str {
            "rendezvous"
        }
        fn cards(&self) -> Vec<CardSpec> {
            vec![CardSpec::new("a", "A"), CardSpec::new("b", "B"), CardSpec::new("boom", "Boom")]
        }
        async fn card(&self, key: &str, _ctx: &CardContext) -> Card {
            if key == "boom" {
                panic!("boom");
            }
            self.0.wait().await;
            Card::new([text(key)])
        }
    }

    fn ctx() -> CardContext {
        CardContext {
            workspace_id: String::new(),
            customer: Customer { id: "c_1".into(), email: Some("a@example.com".into()), external_id: None },
            thread: None,
            tenant: None,
        }
    }

    #[tokio::test]
    async fn draws_concurrently_in_order() {
        let provider = Rendezvous(Barrier::new(2));
        let keys = vec!["b".to_string(), "nope".to_string(), "a".to_string()];
        let answers = tokio::time::timeout(Duration::from_secs(5), provider.get_cards(&keys, &ctx()))
            .await
            .expect("cards are drawn concurrently");
        assert_eq!(
            answers,
            vec![
                ("b".to_string(), Card::new([text("b")])),
                ("nope".to_string(), Card::NoData),
                ("a".to_string(), Card::new([text("a")])),
            ]
        );
    }

    #[tokio::test]
    async fn a_panicking_card_becomes_an_error() {
        let provider = Rendezvous(Barrier::new(1));
        let answers = provider.get_cards(&["boom".to_string(), "a".to_string()], &ctx()).await;
        assert!(matches!(answers[0].1, Card::Error(_)));
        assert_eq!(answers[1].1, Card::new([text("a")]));
    }
}
