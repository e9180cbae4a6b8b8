//! Example card service: a usage card from a JSON fixture.
//!
//! Card `usage`: a container with one row per metric ("Events sent" / "593 of 1000",
//! coloured by the share used), a divider and a link to the usage report. Its default TTL
//! is 900 s; an answer where a metric is at 90 % of its limit or more sets a TTL of 60 s
//! with [`Card::with_ttl`], so support agents see fresh numbers while it matters.
//!
//! Data comes from `fixtures/usage.json` (embedded) or the file named by
//! `CARDMESH_FIXTURES`. A customer is found by external id, then by email.

mod cards;
mod fixtures;

use std::time::Duration;

use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec, CustomerIndex};

use fixtures::Record;

/// Key of the usage card.
pub const USAGE: &str = "usage";
/// Environment variable naming a fixture file to use instead of the embedded one.
pub use cardmesh_kit::FIXTURES_ENV;
/// Default TTL of the usage card.
pub const DEFAULT_TTL: Duration = Duration::from_secs(900);
/// TTL of an answer where a metric is near its limit.
pub const NEAR_LIMIT_TTL: Duration = Duration::from_secs(60);

const EMBEDDED: &str = include_str!("../fixtures/usage.json");

/// The usage card provider.
#[derive(Clone, Debug)]
pub struct UsageCards {
    customers: CustomerIndex<Record>,
}

impl UsageCards {
    /// Cards from the fixture file named by `CARDMESH_FIXTURES`, or the embedded fixture when
    /// it is unset or empty.
    pub fn from_env() -> anyhow::Result<Self> {
        cardmesh_kit::fixture_from_env(EMBEDDED, Self::from_fixture_json)
    }

    /// Cards from fixture JSON: `{"customers": [{"externalId", "email", "usage": {"period",
    /// "reportUrl", "metrics": [{"label", "used", "limit"}]}}]}`. Fails, naming the problem,
    /// on malformed JSON, unknown fields, non-https URLs, empty metrics, a zero limit,
    /// duplicate customers or data that would draw an invalid card.
    pub fn from_fixture_json(json: &str) -> anyhow::Result<Self> {
        Ok(Self { customers: cardmesh_kit::load_fixture("usage", json)? })
    }

    /// Cards from the fixture embedded at build time (`fixtures/usage.json`).
    pub fn embedded() -> Self {
        // Not external input: the `embedded_fixture_is_valid` test checks it.
        Self::from_fixture_json(EMBEDDED).expect("the embedded usage fixture is valid")
    }
}

#[tonic::async_trait]
impl CardProvider for UsageCards {
    fn name(&self) -> &str {
        "usage"
    }

    fn cards(&self) -> Vec<CardSpec> {
        vec![CardSpec::new(USAGE, "Usage").ttl(DEFAULT_TTL)]
    }

    async fn card(&self, key: &str, ctx: &CardContext) -> Card {
        let usage = self.customers.find(&ctx.customer).and_then(|record| record.usage.as_ref());
        match (key, usage) {
            (USAGE, Some(usage)) => {
                let card = Card::new(cards::usage_components(usage));
                if cards::near_limit(usage) {
                    card.with_ttl(NEAR_LIMIT_TTL)
                } else {
                    card
                }
            }
            _ => Card::no_data(),
        }
    }
}

#[cfg(test)]
mod tests;
