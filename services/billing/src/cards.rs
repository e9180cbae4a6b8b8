//! Drawing the billing cards from a record. Values from the data use `plain_text`, so they
//! are never read as markdown.

use cardmesh_kit::build::{
    badge, container, copy_button, date_time_iso8601, link_button, plain_text, row, text, workflow_button_key,
    BadgeColor, Component, ContainerContent, RowContent, TextColor, TextSize,
};
use time::Date;

use crate::fixtures::{Invoice, InvoiceStatus, Subscription, SubscriptionStatus};
use crate::trial;

/// What the subscription card shows about the `extend-trial` action.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TrialView<'a> {
    /// The new trial end, once the trial was extended.
    pub extended_to: Option<Date>,
    /// `workflowButtonWorkflowIdentifier.workflowKey` of the "Extend trial" button.
    pub workflow_key: &'a str,
}

/// `subscription-status`: plan and status, renewal (or end) date, billing portal link. While
/// the customer is trialing: the trial end, and an "Extend trial" workflow button until the
/// trial was extended, then "Trial extended to <date>" instead.
pub(crate) fn subscription_components(subscription: &Subscription, view: TrialView<'_>) -> Vec<Component> {
    let (label, color) = subscription_badge(subscription.status);
    let trialing = subscription.status == SubscriptionStatus::Trialing;
    let date_label = match subscription.status {
        SubscriptionStatus::Canceled => "Ends on",
        SubscriptionStatus::Trialing => "Trial ends on",
        _ => "Renews on",
    };
    let date = match view.extended_to {
        Some(until) if trialing => trial::show(until),
        _ => subscription.renews_on.clone(),
    };
    let mut content = vec![
        ContainerContent::from(row(
            [plain_text(subscription.plan.as_str()).size(TextSize::L)],
            [badge(label).color(color)],
        )),
        row([text(date_label).color(TextColor::Muted)], [plain_text(date)]).into(),
    ];
    if trialing {
        content.push(match view.extended_to {
            Some(until) => {
                plain_text(format!("Trial extended to {}", trial::show(until))).color(TextColor::Success).into()
            }
            None => workflow_button_key("Extend trial", view.workflow_key).into(),
        });
    }
    content.push(link_button("Open billing portal", subscription.portal_url.as_str()).into());
    vec![container(content).into()]
}

/// `latest-invoice`: amount and status, invoice number with a copy button, issue date, the
/// due date as a DateTime (shown in the viewer's time zone) when there is one, link.
pub(crate) fn invoice_components(invoice: &Invoice) -> Vec<Component> {
    let (label, color) = invoice_badge(invoice.status);
    let mut content = vec![
        ContainerContent::from(row(
            [plain_text(format_amount(invoice.amount_cents, &invoice.currency)).size(TextSize::L)],
            [badge(label).color(color)],
        )),
        row(
            [text("Invoice").color(TextColor::Muted)],
            [
                RowContent::from(plain_text(invoice.number.as_str())),
                copy_button(invoice.number.as_str()).tooltip("Copy invoice number").into(),
            ],
        )
        .into(),
        row([text("Issued on").color(TextColor::Muted)], [plain_text(invoice.issued_on.as_str())]).into(),
    ];
    if let Some(due_at) = &invoice.due_at {
        content.push(row([text("Due").color(TextColor::Muted)], [date_time_iso8601(due_at.as_str())]).into());
    }
    content.push(link_button("View invoice", invoice.url.as_str()).into());
    vec![container(content).into()]
}

fn subscription_badge(status: SubscriptionStatus) -> (&'static str, BadgeColor) {
    match status {
        SubscriptionStatus::Active => ("Active", BadgeColor::Green),
        SubscriptionStatus::Trialing => ("Trial", BadgeColor::Blue),
        SubscriptionStatus::PastDue => ("Past due", BadgeColor::Yellow),
        SubscriptionStatus::Unpaid => ("Unpaid", BadgeColor::Red),
        SubscriptionStatus::Canceled => ("Canceled", BadgeColor::Red),
    }
}

fn invoice_badge(status: InvoiceStatus) -> (&'static str, BadgeColor) {
    match status {
        InvoiceStatus::Paid => ("Paid", BadgeColor::Green),
        InvoiceStatus::Open => ("Open", BadgeColor::Yellow),
        InvoiceStatus::Overdue => ("Overdue", BadgeColor::Red),
        InvoiceStatus::Draft => ("Draft", BadgeColor::Grey),
        InvoiceStatus::Void => ("Void", BadgeColor::Grey),
    }
}

/// `118800, "USD"` -> `$1,188.00`; unknown currencies show their code: `CHF 49.00`.
pub(crate) fn format_amount(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let units = group_thousands(cents / 100);
    let fraction = cents % 100;
    match currency {
        "USD" => format!("{sign}${units}.{fraction:02}"),
        "EUR" => format!("{sign}€{units}.{fraction:02}"),
        "GBP" => format!("{sign}£{units}.{fraction:02}"),
        other => format!("{sign}{other} {units}.{fraction:02}"),
    }
}

/// `1234567` -> `1,234,567`.
fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_amounts() {
        assert_eq!(format_amount(118_800, "USD"), "$1,188.00");
        assert_eq!(format_amount(4_905, "EUR"), "€49.05");
        assert_eq!(format_amount(-250, "GBP"), "-£2.50");
        assert_eq!(format_amount(0, "CHF"), "CHF 0.00");
        assert_eq!(format_amount(12_345_678_900, "USD"), "$123,456,789.00");
        assert_eq!(format_amount(i64::MIN, "USD"), "-$92,233,720,368,547,758.08");
    }
}
