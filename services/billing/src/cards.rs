//! Drawing the billing cards from a record. Values from the data use `plain_text`, so they
//! are never read as markdown.

use cardmesh_kit::build::{
    badge, container, copy_button, date_time_iso8601, link_button, plain_text, row, text, BadgeColor, Component,
    ContainerContent, RowContent, TextColor, TextSize,
};

use crate::fixtures::{Invoice, InvoiceStatus, Subscription, SubscriptionStatus};

/// `subscription-status`: plan and status, renewal (or end) date, billing portal link.
pub(crate) fn subscription_components(subscription: &Subscription) -> Vec<Component> {
    let (label, color) = subscription_badge(subscription.status);
    let date_label = match subscription.status {
        SubscriptionStatus::Canceled => "Ends on",
        _ => "Renews on",
    };
    vec![container([
        ContainerContent::from(row(
            [plain_text(subscription.plan.as_str()).size(TextSize::L)],
            [badge(label).color(color)],
        )),
        row([text(date_label).color(TextColor::Muted)], [plain_text(subscription.renews_on.as_str())]).into(),
        link_button("Open billing portal", subscription.portal_url.as_str()).into(),
    ])
    .into()]
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
