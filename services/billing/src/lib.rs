//! Example card service: billing cards from a JSON fixture.
//!
//! Cards:
//! - `subscription-status`: plan, status badge, renewal date, billing portal link (TTL 300 s);
//! - `latest-invoice`: amount, status badge, invoice number with copy button, invoice link
//!   (TTL 600 s).
//!
//! Action:
//! - `extend-trial` (changes `subscription-status`): moves a trialing customer's trial end by
//!   the body's `days` (default 14, 1 to 30), once per customer; the subscription card shows
//!   an "Extend trial" workflow button (workflow key from
//!   `BILLING_EXTEND_TRIAL_WORKFLOW_KEY`, default `extend-trial`) while the customer is
//!   trialing and has not extended yet, and "Trial extended to <date>" afterwards. The
//!   extensions are kept in the process's memory, on top of the fixture.
//!
//! Data comes from `fixtures/billing.json` (embedded) or the file named by
//! `CARDMESH_FIXTURES`. A customer is found by external id, then by email.

mod cards;
mod fixtures;
mod trial;
mod watch;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use cardmesh_kit::{
    ActionContext, ActionOutcome, ActionSpec, Card, CardContext, CardProvider, CardSpec, CustomerIndex,
};

use fixtures::Record;
pub use trial::{DEFAULT_DAYS, EXTEND_TRIAL, MAX_DAYS};
pub use watch::{changed_cards_between, watch_fixture};

/// Key of the subscription card.
pub const SUBSCRIPTION_STATUS: &str = "subscription-status";
/// Key of the invoice card.
pub const LATEST_INVOICE: &str = "latest-invoice";
/// Environment variable naming a fixture file to use instead of the embedded one.
pub use cardmesh_kit::FIXTURES_ENV;
/// Environment variable with the `workflowKey` of the "Extend trial" button: the key of the
/// Plain workflow that POSTs to the gateway's `/actions/extend-trial`. Unset or empty:
/// [`DEFAULT_EXTEND_TRIAL_WORKFLOW_KEY`].
pub const EXTEND_TRIAL_WORKFLOW_KEY_ENV: &str = "BILLING_EXTEND_TRIAL_WORKFLOW_KEY";
/// The "Extend trial" button's workflow key when [`EXTEND_TRIAL_WORKFLOW_KEY_ENV`] is unset.
pub const DEFAULT_EXTEND_TRIAL_WORKFLOW_KEY: &str = "extend-trial";

const EMBEDDED: &str = include_str!("../fixtures/billing.json");

/// The billing card provider. Clones share their data, so [`watch_fixture`] can replace it
/// while the service runs.
/// The trial extensions are shared by clones too, and outlive a fixture reload.
#[derive(Clone, Debug)]
pub struct BillingCards {
    customers: Arc<RwLock<Arc<CustomerIndex<Record>>>>,
    extensions: Arc<trial::Extensions>,
    workflow_key: Arc<str>,
}

impl BillingCards {
    /// Cards from the fixture file named by `CARDMESH_FIXTURES`, or the embedded fixture when
    /// it is unset or empty; the button's workflow key from `BILLING_EXTEND_TRIAL_WORKFLOW_KEY`.
    pub fn from_env() -> anyhow::Result<Self> {
        let cards = cardmesh_kit::fixture_from_env(EMBEDDED, Self::from_fixture_json)?;
        Ok(match std::env::var(EXTEND_TRIAL_WORKFLOW_KEY_ENV) {
            Ok(key) if !key.trim().is_empty() => cards.with_workflow_key(key.trim()),
            _ => cards,
        })
    }

    /// The same cards, with `key` as the "Extend trial" button's workflow key.
    pub fn with_workflow_key(mut self, key: &str) -> Self {
        self.workflow_key = key.into();
        self
    }

    /// Cards from fixture JSON: `{"customers": [{"externalId", "email", "subscription",
    /// "latestInvoice"}]}`. Fails, naming the problem, on malformed JSON, unknown fields,
    /// non-https URLs, duplicate customers or data that would draw an invalid card.
    pub fn from_fixture_json(json: &str) -> anyhow::Result<Self> {
        Ok(Self {
            customers: Arc::new(RwLock::new(Arc::new(cardmesh_kit::load_fixture("billing", json)?))),
            extensions: Arc::default(),
            workflow_key: DEFAULT_EXTEND_TRIAL_WORKFLOW_KEY.into(),
        })
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
        let view =
            cards::TrialView { extended_to: self.extensions.extended_to(record), workflow_key: &self.workflow_key };
        let components = match key {
            SUBSCRIPTION_STATUS => record.subscription.as_ref().map(|s| cards::subscription_components(s, view)),
            LATEST_INVOICE => record.latest_invoice.as_ref().map(cards::invoice_components),
            _ => None,
        };
        components.map_or_else(Card::no_data, Card::new)
    }

    fn actions(&self) -> Vec<ActionSpec> {
        vec![ActionSpec::new(
            EXTEND_TRIAL,
            format!("Extends a trialing customer's trial by `days` (default {DEFAULT_DAYS}, at most {MAX_DAYS}), once"),
        )
        .changes([SUBSCRIPTION_STATUS])]
    }

    async fn action(&self, name: &str, ctx: &ActionContext) -> ActionOutcome {
        match name {
            EXTEND_TRIAL => {
                let customers = self.data();
                self.extensions.run(customers.find(&ctx.customer), ctx)
            }
            // The kit answers NOT_FOUND for names not in `actions()`.
            other => ActionOutcome::refused(format!("billing runs no action {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests;
