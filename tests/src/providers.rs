//! Card services that misbehave on purpose, for fault tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cardmesh_kit::build::{badge, link_button, text};
use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec};

/// Serves one card after sleeping `delay` (to overrun the gateway's deadline).
pub struct SlowCards {
    pub key: &'static str,
    pub delay: Duration,
}

#[tonic::async_trait]
impl CardProvider for SlowCards {
    fn name(&self) -> &str {
        "slow"
    }
    fn cards(&self) -> Vec<CardSpec> {
        vec![CardSpec::new(self.key, "Slow card")]
    }
    async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
        tokio::time::sleep(self.delay).await;
        Card::new([text("late")])
    }
}

/// Serves cards whose trees break Plain's rules, one way per key.
pub struct InvalidCards;

#[tonic::async_trait]
impl CardProvider for InvalidCards {
    fn name(&self) -> &str {
        "invalid"
    }
    fn cards(&self) -> Vec<CardSpec> {
        vec![
            CardSpec::new("label-too-long", "Label too long"),
            CardSpec::new("bad-url", "Bad URL"),
            CardSpec::new("empty-text", "Empty text"),
            CardSpec::new("reported-error", "Reported error"),
        ]
    }
    async fn card(&self, key: &str, _ctx: &CardContext) -> Card {
        match key {
            "label-too-long" => Card::new([badge("x".repeat(501))]),
            "bad-url" => Card::new([link_button("Open", "not a url")]),
            "empty-text" => Card::new([text("")]),
            _ => Card::error("database is down"),
        }
    }
}

/// Serves one simple card and counts `GetCards` keys drawn.
#[derive(Clone)]
pub struct CountingCards {
    pub name: &'static str,
    pub keys: Vec<&'static str>,
    pub calls: Arc<AtomicUsize>,
}

impl CountingCards {
    pub fn new(name: &'static str, keys: &[&'static str]) -> Self {
        Self { name, keys: keys.to_vec(), calls: Arc::new(AtomicUsize::new(0)) }
    }

    /// Cards drawn so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[tonic::async_trait]
impl CardProvider for CountingCards {
    fn name(&self) -> &str {
        self.name
    }
    fn cards(&self) -> Vec<CardSpec> {
        self.keys.iter().map(|k| CardSpec::new(*k, *k)).collect()
    }
    async fn card(&self, key: &str, ctx: &CardContext) -> Card {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Card::new([text(format!("{key} for {}", ctx.customer.id))])
    }
}
