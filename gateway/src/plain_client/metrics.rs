//! `cardmesh_plain_reloads_total{outcome}`: card reloads asked of Plain, by outcome
//! (`reloaded`, `mutation_error`, `unknown_card`, `timeout`, `http_error`, `network_error`,
//! `graphql_error`, `invalid_response`). Rendered after the gateway's own metrics.

use cardmesh_telemetry::prometheus::{IntCounterVec, Opts, Registry};

/// The reload counter, in a registry of its own.
pub struct ReloadMetrics {
    registry: Registry,
    reloads: IntCounterVec,
}

impl Default for ReloadMetrics {
    fn default() -> Self {
        let reloads = IntCounterVec::new(
            Opts::new("cardmesh_plain_reloads_total", "Card reloads asked of Plain after an invalidation, by outcome."),
            &["outcome"],
        )
        .expect("valid counter");
        let registry = Registry::new();
        registry.register(Box::new(reloads.clone())).expect("registered once");
        // Present from the start, so a rate over it is defined before the first reload.
        reloads.with_label_values(&["reloaded"]);
        Self { registry, reloads }
    }
}

impl ReloadMetrics {
    pub fn record(&self, outcome: &str) {
        self.reloads.with_label_values(&[outcome]).inc();
    }

    /// The counter in the Prometheus text format.
    pub fn render(&self) -> String {
        cardmesh_telemetry::encode(&self.registry.gather())
    }
}
