//! Drawing the usage card from a record. Values from the data use `plain_text`, so they are
//! never read as markdown.

use cardmesh_kit::build::{
    badge, container, divider, link_button, plain_text, row, BadgeColor, Component, ContainerContent, SpacingSize,
    TextColor, TextSize,
};

use crate::fixtures::{Metric, Usage};

/// Share of a limit from which a metric is shown yellow.
const WARN_PERCENT: u64 = 75;
/// Share of a limit from which a metric is shown red and the card is refreshed sooner.
const NEAR_LIMIT_PERCENT: u64 = 90;

/// `usage`: the period, one row per metric with a badge coloured by the share used, a
/// divider and a link to the usage report.
pub(crate) fn usage_components(usage: &Usage) -> Vec<Component> {
    let mut content: Vec<ContainerContent> = Vec::with_capacity(usage.metrics.len() + 3);
    if let Some(period) = &usage.period {
        content.push(plain_text(format!("Current period: {period}")).size(TextSize::S).color(TextColor::Muted).into());
    }
    for metric in &usage.metrics {
        let (label, color) = metric_badge(metric);
        content.push(row([plain_text(metric.label.as_str())], [badge(label).color(color)]).into());
    }
    content.push(divider().spacing(SpacingSize::M).into());
    content.push(link_button("View usage report", usage.report_url.as_str()).into());
    vec![container(content).into()]
}

/// Whether any metric has used at least 90 % of its limit.
pub(crate) fn near_limit(usage: &Usage) -> bool {
    usage.metrics.iter().any(|metric| percent_used(metric).is_some_and(|p| p >= NEAR_LIMIT_PERCENT))
}

/// `593 of 1000` coloured green below 75 %, yellow below 90 %, red from 90 %; a metric
/// without a limit shows `12840 (no limit)` in grey.
fn metric_badge(metric: &Metric) -> (String, BadgeColor) {
    match (metric.limit, percent_used(metric)) {
        (Some(limit), Some(percent)) => {
            let color = if percent >= NEAR_LIMIT_PERCENT {
                BadgeColor::Red
            } else if percent >= WARN_PERCENT {
                BadgeColor::Yellow
            } else {
                BadgeColor::Green
            };
            (format!("{} of {limit}", metric.used), color)
        }
        _ => (format!("{} (no limit)", metric.used), BadgeColor::Grey),
    }
}

/// Whole percent of the limit used, rounded down; `None` without a (non-zero) limit.
fn percent_used(metric: &Metric) -> Option<u64> {
    let limit = metric.limit.filter(|limit| *limit > 0)?;
    let percent = u128::from(metric.used) * 100 / u128::from(limit);
    Some(u64::try_from(percent).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(used: u64, limit: Option<u64>) -> Metric {
        Metric { label: "Events".into(), used, limit }
    }

    #[test]
    fn badge_colour_follows_share_used() {
        assert_eq!(metric_badge(&metric(593, Some(1000))), ("593 of 1000".into(), BadgeColor::Green));
        assert_eq!(metric_badge(&metric(749, Some(1000))), ("749 of 1000".into(), BadgeColor::Green));
        assert_eq!(metric_badge(&metric(750, Some(1000))), ("750 of 1000".into(), BadgeColor::Yellow));
        assert_eq!(metric_badge(&metric(900, Some(1000))), ("900 of 1000".into(), BadgeColor::Red));
        assert_eq!(metric_badge(&metric(1200, Some(1000))), ("1200 of 1000".into(), BadgeColor::Red));
        assert_eq!(metric_badge(&metric(12, None)), ("12 (no limit)".into(), BadgeColor::Grey));
        assert_eq!(percent_used(&metric(u64::MAX, Some(1))), Some(u64::MAX));
    }

    #[test]
    fn near_limit_from_ninety_percent() {
        let usage = |metrics| Usage { period: None, report_url: "https://example.com".into(), metrics };
        assert!(!near_limit(&usage(vec![metric(899, Some(1000)), metric(5, None)])));
        assert!(near_limit(&usage(vec![metric(1, Some(10)), metric(9, Some(10))])));
    }
}
