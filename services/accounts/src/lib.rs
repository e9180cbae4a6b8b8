//! Example card service: customer details from a JSON fixture.
//!
//! Card `customer-details`: name, plan tier badge, company, account id with a copy button,
//! signup date and a link to the admin tool (TTL 3600 s).
//!
//! Data comes from `fixtures/accounts.json` (embedded) or the file named by
//! `CARDMESH_FIXTURES`. A customer is found by external id, then by email.

mod cards;
mod fixtures;

use std::time::Duration;

use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec, CustomerIndex};

use fixtures::Record;

/// Key of the customer details card.
pub const CUSTOMER_DETAILS: &str = "customer-details";
/// Environment variable naming a fixture file to use instead of the embedded one.
pub use cardmesh_kit::FIXTURES_ENV;

const EMBEDDED: &str = include_str!("../fixtures/accounts.json");

/// The accounts card provider.
#[derive(Clone, Debug)]
pub struct AccountsCards {
    customers: CustomerIndex<Record>,
}

impl AccountsCards {
    /// Cards from the fixture file named by `CARDMESH_FIXTURES`, or the embedded fixture when
    /// it is unset or empty.
    pub fn from_env() -> anyhow::Result<Self> {
        cardmesh_kit::fixture_from_env(EMBEDDED, Self::from_fixture_json)
    }

    /// Cards from fixture JSON: `{"customers": [{"externalId", "email", "account":
    /// {"accountId", "name", "company", "tier", "signupDate", "adminUrl"}}]}`. Fails, naming
    /// the problem, on malformed JSON, unknown fields or tiers, empty fields, non-https URLs,
    /// duplicate customers or data that would draw an invalid card.
    pub fn from_fixture_json(json: &str) -> anyhow::Result<Self> {
        Ok(Self { customers: cardmesh_kit::load_fixture("accounts", json)? })
    }

    /// Cards from the fixture embedded at build time (`fixtures/accounts.json`).
    pub fn embedded() -> Self {
        // Not external input: the `embedded_fixture_is_valid` test checks it.
        Self::from_fixture_json(EMBEDDED).expect("the embedded accounts fixture is valid")
    }
}

#[tonic::async_trait]
impl CardProvider for AccountsCards {
    fn name(&self) -> &str {
        "accounts"
    }

    fn cards(&self) -> Vec<CardSpec> {
        vec![CardSpec::new(CUSTOMER_DETAILS, "Customer details").ttl(Duration::from_secs(3600))]
    }

    async fn card(&self, key: &str, ctx: &CardContext) -> Card {
        let account = self.customers.find(&ctx.customer).and_then(|record| record.account.as_ref());
        match (key, account) {
            (CUSTOMER_DETAILS, Some(account)) => Card::new(cards::details_components(account)),
            _ => Card::no_data(),
        }
    }
}

#[cfg(test)]
mod tests;
