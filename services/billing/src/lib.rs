//! Example card service: billing cards from a JSON fixture.
//!
//! Cards:
//! - `subscription-status`: plan, status badge, renewal date, billing portal link (TTL 300 s);
//! - `latest-invoice`: amount, status badge, invoice number with copy button, invoice link
//!   (TTL 600 s).
//!
//! Data comes from `fixtures/billing.json` (embedded) or the file named by
//! `CARDMESH_FIXTURES`. A customer is found by external id, then by email.

mod cards;
mod fixtures;
mod watch;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec, CustomerIndex};

use fixtures::Record;
pub use watch::{changed_cards_between, watch_fixture};

/// Key of the subscription card.
pub const SUBSCRIPTION_STATUS: &str = "subscription-status";
/// Key of the invoice card.
pub const LATEST_INVOICE: &str = "latest-invoice";
/// Environment variable naming a fixture file to use instead of the embedded one.
pub use cardmesh_kit::FIXTURES_ENV;

const EMBEDDED: &str = include_str!("../fixtures/billing.json");

/// The billing card provider. Clones share their data, so [`watch_fixture`] can replace it
/// while the service runs.
#[derive(Clone, Debug)]
pub struct BillingCards {
    customers: Arc<RwLock<Arc<CustomerIndex<Record>>>>,
}

impl BillingCards {
    /// Cards from the fixture file named by `CARDMESH_FIXTURES`, or the embedded fixture when
    /// it is unset or empty.
    pub fn from_env() -> anyhow::Result<Self> {
        cardmesh_kit::fixture_from_env(EMBEDDED, Self::from_fixture_json)
    }

    /// Cards from fixture JSON: `{"customers": [{"externalId", "email", "subscription",
    /// "latestInvoice"}]}`. Fails, naming the problem, on malformed JSON, unknown fields,
    /// non-https URLs, duplicate customers or data that would draw an invalid card.
    pub fn from_fixture_json(json: &str) -> anyhow::Result<Self> {
        Ok(Self { customers: Arc::new(RwLock::new(Arc::new(cardmesh_kit::load_fixture("billing", json)?))) })
    }

    /// Cards from the fixture embedded at build time (`fixtures/billing.json`).
    pub fn embedded() -> Self {
        // Not external input: the `embedded_fixture_is_valid` test checks it.
        Self::from_fixture_json(EMBEDDED).expect("the embedded billing fixture is valid")
    }
}

impl BillingCards {
    /// The data as it is now.
    fn data(&self) -> Arc<CustomerIndex<Record>> {
        self.customers.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the data; the previous data is returned.
    fn replace(&self, customers: CustomerIndex<Record>) -> Arc<CustomerIndex<Record>> {
        std::mem::replace(&mut *self.customers.write().unwrap_or_else(|e| e.into_inner()), Arc::new(customers))
    }
}

#[tonic::async_trait]
impl CardProvider for BillingCards {
    fn name(&self) -> &str {
        "billing"
    }

    fn cards(&self) -> Vec<CardSpec> {
        vec![
            CardSpec::new(SUBSCRIPTION_STATUS, "Subscription").ttl(Duration::from_secs(300)),
            CardSpec::new(LATEST_INVOICE, "Latest invoice").ttl(Duration::from_secs(600)),
        ]
    }

    async fn card(&self, key: &str, ctx: &CardContext) -> Card {
        let customers = self.data();
        let Some(record) = customers.find(&ctx.customer) else {
            return Card::no_data();
        };
        let components = match key {
            SUBSCRIPTION_STATUS => record.subscription.as_ref().map(cards::subscription_components),
            LATEST_INVOICE => record.latest_invoice.as_ref().map(cards::invoice_components),
            _ => None,
        };
        components.map_or_else(Card::no_data, Card::new)
    }
}

#[cfg(test)]
mod tests;
