//! The billing data: a JSON fixture, parsed and checked.

use anyhow::{ensure, Context};
use cardmesh_kit::build::problems;
use cardmesh_kit::CustomerIndex;
use serde::Deserialize;

use crate::cards;

/// The file: `{ "customers": [ Record, ... ] }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    customers: Vec<Record>,
}

/// One customer's billing data, found by `externalId` or `email`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Record {
    pub external_id: Option<String>,
    email: Option<String>,
    /// Absent: `subscription-status` has no data.
    pub subscription: Option<Subscription>,
    /// Absent: `latest-invoice` has no data.
    pub latest_invoice: Option<Invoice>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Subscription {
    pub plan: String,
    pub status: SubscriptionStatus,
    /// Display date (e.g. `2026-09-01`) of the next renewal, or of the end for a
    /// cancelled subscription.
    pub renews_on: String,
    /// `https://` URL of the customer's billing portal.
    pub portal_url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SubscriptionStatus {
    Trialing,
    Active,
    PastDue,
    Unpaid,
    Canceled,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Invoice {
    pub number: String,
    /// Amount in the currency's minor unit (cents).
    pub amount_cents: i64,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
    pub status: InvoiceStatus,
    pub issued_on: String,
    /// `https://` URL of the invoice.
    pub url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Overdue,
    Void,
}

/// Parses `json` and checks that every record draws valid cards.
pub(crate) fn parse(json: &str) -> anyhow::Result<CustomerIndex<Record>> {
    let file: FixtureFile =
        serde_json::from_str(json).context("billing fixture does not match the expected shape")?;
    let mut index = CustomerIndex::new();
    for (i, record) in file.customers.into_iter().enumerate() {
        check(&record).with_context(|| format!("billing fixture: customers[{i}]"))?;
        index
            .insert(
                record.external_id.as_deref(),
                record.email.as_deref(),
                record.clone(),
            )
            .with_context(|| format!("billing fixture: customers[{i}]"))?;
    }
    Ok(index)
}

/// URLs are `https://` and the drawn cards pass Plain's rules.
fn check(record: &Record) -> anyhow::Result<()> {
    if let Some(subscription) = &record.subscription {
        filled("subscription.plan", &subscription.plan)?;
        filled("subscription.renewsOn", &subscription.renews_on)?;
        ensure!(
            subscription.portal_url.starts_with("https://"),
            "subscription.portalUrl must be an https:// URL"
        );
        let found = problems(&cards::subscription_components(subscription));
        ensure!(
            found.is_empty(),
            "subscription draws an invalid card: {}",
            found.join("; ")
        );
    }
    if let Some(invoice) = &record.latest_invoice {
        filled("latestInvoice.number", &invoice.number)?;
        filled("latestInvoice.issuedOn", &invoice.issued_on)?;
        ensure!(
            invoice.url.starts_with("https://"),
            "latestInvoice.url must be an https:// URL"
        );
        ensure!(
            invoice.currency.len() == 3 && invoice.currency.chars().all(|c| c.is_ascii_uppercase()),
            "latestInvoice.currency must be a 3-letter ISO code like USD"
        );
        let found = problems(&cards::invoice_components(invoice));
        ensure!(
            found.is_empty(),
            "latestInvoice draws an invalid card: {}",
            found.join("; ")
        );
    }
    Ok(())
}

/// Fails when `value` is empty or only spaces.
fn filled(field: &str, value: &str) -> anyhow::Result<()> {
    ensure!(!value.trim().is_empty(), "{field} must not be empty");
    Ok(())
}
