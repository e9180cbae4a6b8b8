//! Drawing the account card from a record. Values from the data use `plain_text`, so they
//! are never read as markdown.

use cardmesh_kit::build::{
    badge, copy_button, date_time_iso8601, link_button, plain_text, row, text, user_by_email, BadgeColor, Component,
    RowContent, TextColor, TextSize,
};

use crate::fixtures::{Account, Tier};

/// `customer-details`: name and tier, company, account id with a copy button, "Customer
/// since" as a DateTime (Plain shows it in the viewer's time zone), the account owner as a
/// User (a Plain user, by email), and a link to the admin tool.
pub(crate) fn details_components(account: &Account) -> Vec<Component> {
    let (tier, color) = tier_badge(account.tier);
    let mut components: Vec<Component> =
        vec![row([plain_text(account.name.as_str()).size(TextSize::L)], [badge(tier).color(color)]).into()];
    if let Some(company) = &account.company {
        components.push(plain_text(company.as_str()).color(TextColor::Muted).into());
    }
    components.push(
        row(
            [text("Account ID").color(TextColor::Muted)],
            [
                RowContent::from(plain_text(account.account_id.as_str())),
                copy_button(account.account_id.as_str()).tooltip("Copy account ID").into(),
            ],
        )
        .into(),
    );
    components.push(
        row([text("Customer since").color(TextColor::Muted)], [date_time_iso8601(account.signup_date.as_str())]).into(),
    );
    if let Some(owner) = &account.owner_email {
        components.push(row([text("Account owner").color(TextColor::Muted)], [user_by_email(owner.as_str())]).into());
    }
    components.push(link_button("Open in admin", account.admin_url.as_str()).into());
    components
}

fn tier_badge(tier: Tier) -> (&'static str, BadgeColor) {
    match tier {
        Tier::Free => ("Free", BadgeColor::Grey),
        Tier::Starter => ("Starter", BadgeColor::Grey),
        Tier::Pro => ("Pro", BadgeColor::Green),
        Tier::Enterprise => ("Enterprise", BadgeColor::Blue),
    }
}
