//! The account data: the records of a JSON fixture (loaded by `cardmesh_kit::load_fixture`)
//! and their checks.

use anyhow::ensure;
use cardmesh_kit::build::problems;
use cardmesh_kit::{ensure_filled, FixtureRecord};
use serde::Deserialize;

use crate::cards;

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

impl FixtureRecord for Record {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// Fields are filled, the URL is `https://` and the drawn card passes Plain's rules.
    fn check(&self) -> anyhow::Result<()> {
        let Some(account) = &self.account else {
            return Ok(());
        };
        ensure_filled("account.accountId", &account.account_id)?;
        ensure_filled("account.name", &account.name)?;
        ensure_filled("account.signupDate", &account.signup_date)?;
        if let Some(company) = &account.company {
            ensure_filled("account.company", company)?;
        }
        ensure!(account.admin_url.starts_with("https://"), "account.adminUrl must be an https:// URL");
        let found = problems(&cards::details_components(account));
        ensure!(found.is_empty(), "account draws an invalid card: {}", found.join("; "));
        Ok(())
    }
}
