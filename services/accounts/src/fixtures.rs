//! The account data: a JSON fixture, parsed and checked.

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

/// One customer's account, found by `externalId` or `email`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Record {
    external_id: Option<String>,
    email: Option<String>,
    /// Absent: `customer-details` has no data.
    pub account: Option<Account>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Account {
    /// Your account id, at most 1000 characters (it gets a copy button).
    pub account_id: String,
    pub name: String,
    pub company: Option<String>,
    pub tier: Tier,
    /// When the customer signed up: an RFC 3339 date-time, e.g. `2021-03-14T09:30:00Z`.
    pub signup_date: String,
    /// Email of the account owner, a Plain user (a member of your workspace).
    #[serde(default)]
    pub owner_email: Option<String>,
    /// `https://` URL of the account in your admin tool.
    pub admin_url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Tier {
    Free,
    Starter,
    Pro,
    Enterprise,
}

/// Parses `json` and checks that every record draws a valid card.
pub(crate) fn parse(json: &str) -> anyhow::Result<CustomerIndex<Record>> {
    let file: FixtureFile =
        serde_json::from_str(json).context("accounts fixture does not match the expected shape")?;
    let mut index = CustomerIndex::new();
    for (i, record) in file.customers.into_iter().enumerate() {
        check(&record).with_context(|| format!("accounts fixture: customers[{i}]"))?;
        index
            .insert(
                record.external_id.as_deref(),
                record.email.as_deref(),
                record.clone(),
            )
            .with_context(|| format!("accounts fixture: customers[{i}]"))?;
    }
    Ok(index)
}

/// Fields are filled, the URL is `https://` and the drawn card passes Plain's rules.
fn check(record: &Record) -> anyhow::Result<()> {
    let Some(account) = &record.account else {
        return Ok(());
    };
    filled("account.accountId", &account.account_id)?;
    filled("account.name", &account.name)?;
    filled("account.signupDate", &account.signup_date)?;
    if let Some(company) = &account.company {
        filled("account.company", company)?;
    }
    ensure!(
        account.admin_url.starts_with("https://"),
        "account.adminUrl must be an https:// URL"
    );
    let found = problems(&cards::details_components(account));
    ensure!(
        found.is_empty(),
        "account draws an invalid card: {}",
        found.join("; ")
    );
    Ok(())
}

/// Fails when `value` is empty or only spaces.
fn filled(field: &str, value: &str) -> anyhow::Result<()> {
    ensure!(!value.trim().is_empty(), "{field} must not be empty");
    Ok(())
}
