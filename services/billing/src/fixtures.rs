//! The billing data: the records of a JSON fixture (loaded by `cardmesh_kit::load_fixture`)
//! and their checks.

use anyhow::ensure;
use cardmesh_kit::build::problems;
use cardmesh_kit::{ensure_filled, FixtureRecord};
use serde::Deserialize;

use crate::{cards, trial};

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
    /// cancelled subscription, or of the trial's end for a trialing one (then `YYYY-MM-DD`:
    /// `extend-trial` moves it).
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

impl SubscriptionStatus {
    /// The status in words, e.g. `past due`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            SubscriptionStatus::Trialing => "trialing",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::PastDue => "past due",
            SubscriptionStatus::Unpaid => "unpaid",
            SubscriptionStatus::Canceled => "canceled",
        }
    }
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
    /// When the invoice is due: an RFC 3339 date-time, e.g. `2026-04-15T17:00:00Z`.
    #[serde(default)]
    pub due_at: Option<String>,
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

impl FixtureRecord for Record {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// URLs are `https://` and the drawn cards pass Plain's rules.
    fn check(&self) -> anyhow::Result<()> {
        if let Some(subscription) = &self.subscription {
            ensure_filled("subscription.plan", &subscription.plan)?;
            ensure_filled("subscription.renewsOn", &subscription.renews_on)?;
            ensure!(subscription.portal_url.starts_with("https://"), "subscription.portalUrl must be an https:// URL");
            ensure!(
                subscription.status != SubscriptionStatus::Trialing || trial::trial_end(subscription).is_some(),
                "subscription.renewsOn of a trialing subscription must be a date like 2026-06-01 (the trial's end)"
            );
            let view = cards::TrialView { extended_to: None, workflow_key: crate::DEFAULT_EXTEND_TRIAL_WORKFLOW_KEY };
            let found = problems(&cards::subscription_components(subscription, view));
            ensure!(found.is_empty(), "subscription draws an invalid card: {}", found.join("; "));
        }
        if let Some(invoice) = &self.latest_invoice {
            ensure_filled("latestInvoice.number", &invoice.number)?;
            ensure_filled("latestInvoice.issuedOn", &invoice.issued_on)?;
            ensure!(invoice.url.starts_with("https://"), "latestInvoice.url must be an https:// URL");
            ensure!(
                invoice.currency.len() == 3 && invoice.currency.chars().all(|c| c.is_ascii_uppercase()),
                "latestInvoice.currency must be a 3-letter ISO code like USD"
            );
            let found = problems(&cards::invoice_components(invoice));
            ensure!(found.is_empty(), "latestInvoice draws an invalid card: {}", found.join("; "));
        }
        Ok(())
    }
}
