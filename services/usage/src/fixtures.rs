//! The usage data: the records of a JSON fixture (loaded by `cardmesh_kit::load_fixture`)
//! and their checks.

use anyhow::ensure;
use cardmesh_kit::build::problems;
use cardmesh_kit::FixtureRecord;
use serde::Deserialize;

use crate::cards;

/// One customer's usage, found by `externalId` or `email`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Record {
    external_id: Option<String>,
    email: Option<String>,
    /// Absent: the `usage` card has no data.
    pub usage: Option<Usage>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Usage {
    /// Display name of the current billing period, e.g. `1-30 June 2026`.
    pub period: Option<String>,
    /// `https://` URL of the full usage report.
    pub report_url: String,
    /// At least one metric.
    pub metrics: Vec<Metric>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Metric {
    pub label: String,
    pub used: u64,
    /// `null`: no limit. Otherwise at least 1.
    pub limit: Option<u64>,
}

impl FixtureRecord for Record {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// Metrics are present and sane, the URL is `https://` and the drawn card passes Plain's rules.
    fn check(&self) -> anyhow::Result<()> {
        let Some(usage) = &self.usage else {
            return Ok(());
        };
        ensure!(usage.report_url.starts_with("https://"), "usage.reportUrl must be an https:// URL");
        if let Some(period) = &usage.period {
            ensure!(!period.trim().is_empty(), "usage.period must not be empty (leave it out instead)");
        }
        ensure!(!usage.metrics.is_empty(), "usage.metrics must have at least one metric");
        for (m, metric) in usage.metrics.iter().enumerate() {
            ensure!(!metric.label.trim().is_empty(), "usage.metrics[{m}].label must not be empty");
            ensure!(metric.limit != Some(0), "usage.metrics[{m}].limit must be at least 1 (null: no limit)");
        }
        let found = problems(&cards::usage_components(usage));
        ensure!(found.is_empty(), "usage draws an invalid card: {}", found.join("; "));
        Ok(())
    }
}
