//! The gateway's part of the book's metrics reference (`docs/src/reference/metrics.md`):
//! every metric the admin listener's `/metrics` can show, as that route renders it, so the
//! names, types, help texts and labels come from the code that registers them.
//!
//! The page is assembled by `cardmesh_tests::reference` with the kit's and the bridge's
//! metrics; `tests/tests/integration/docs_reference.rs` fails when it drifts.

use std::time::Duration;

use http::StatusCode;

use super::GatewayMetrics;
use crate::cache::StatsSnapshot;
use crate::plain_client::metrics::ReloadMetrics;

/// Every metric of the gateway in the Prometheus text format. A labelled family shows only
/// once it has a child, so each is touched once with example label values (the values are
/// not part of the reference, only the label names).
pub fn exposition() -> String {
    let metrics = GatewayMetrics::new();
    metrics.request(StatusCode::OK, Duration::ZERO);
    metrics.service_call("example", "ok", Duration::ZERO);
    metrics.service_card("example", "ok");
    metrics.fallback("timeout");
    metrics.action("extend-trial", "succeeded");
    metrics.action_duplicate("extend-trial");
    metrics.action_reload(Duration::ZERO);
    let listener = metrics.listener("plain");
    listener.opened();
    listener.limit_reached();
    listener.cut("header_timeout");
    let mut text = metrics.render(Some(StatsSnapshot::default()));
    text.push_str(&ReloadMetrics::default().render());
    text
}

#[cfg(test)]
mod family_tests {
    use std::collections::HashMap;

    /// Two registries declaring one name would print two `# TYPE` lines for it, which
    /// Prometheus refuses: the whole scrape fails.
    #[test]
    fn every_metric_family_of_the_admin_listener_has_a_name_of_its_own() {
        let text = super::exposition();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for line in text.lines().filter_map(|l| l.strip_prefix("# TYPE ")) {
            let name = line.split_whitespace().next().unwrap_or_default();
            *seen.entry(name).or_default() += 1;
        }
        assert!(seen.len() > 20, "{text}");
        let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).map(|(name, _)| *name).collect();
        assert!(twice.is_empty(), "metric families declared more than once: {twice:?}");
    }
}
