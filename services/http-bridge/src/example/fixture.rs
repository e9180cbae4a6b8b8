//! The example endpoint's fixture file.

use std::collections::HashMap;

use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::Value;

/// The fixture built into the binary (`fixtures/example-endpoint.json`).
pub const EMBEDDED_FIXTURE: &str = include_str!("../../fixtures/example-endpoint.json");

/// `{"customers": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    customers: Vec<FixtureCustomer>,
}

/// One customer and its cards by key (each `{"timeToLiveSeconds"?, "components"}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FixtureCustomer {
    external_id: String,
    cards: HashMap<String, Value>,
}

impl Fixture {
    /// Parses fixture JSON; fails naming the problem (malformed JSON, unknown fields, a card
    /// that is not an object, a customer listed twice).
    pub fn parse(json: &str) -> anyhow::Result<Self> {
        let fixture: Fixture = serde_json::from_str(json).context("invalid example-endpoint fixture")?;
        let mut seen = std::collections::HashSet::new();
        for (i, customer) in fixture.customers.iter().enumerate() {
            if !seen.insert(customer.external_id.as_str()) {
                bail!("customers[{i}].externalId {:?} is listed twice", customer.external_id);
            }
            if let Some((key, _)) = customer.cards.iter().find(|(_, card)| !card.is_object()) {
                bail!("customers[{i}].cards.{key} must be an object {{\"components\": ...}}");
            }
        }
        Ok(fixture)
    }

    /// External id → card key → card.
    pub(super) fn by_customer(self) -> HashMap<String, HashMap<String, Value>> {
        self.customers.into_iter().map(|c| (c.external_id, c.cards)).collect()
    }
}
