//! Per-endpoint metrics, served with the kit's on the service's metrics listener
//! (`CARDMESH_SERVICE_METRICS_LISTEN`, `GET /metrics`).
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `cardmesh_bridge_endpoint_requests_total` | counter | `endpoint`, `outcome` (`ok`, or an [`EndpointError`] code: `status`, `timeout`, `connect`, `too_large`, `not_json`, `not_cards`, `transport`) |
//! | `cardmesh_bridge_endpoint_request_duration_seconds` | histogram | `endpoint` |

use std::collections::HashMap;
use std::time::Duration;

use cardmesh_telemetry::prometheus::core::Collector;
use cardmesh_telemetry::prometheus::{Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts};

use crate::endpoint::EndpointError;

/// The bridge's metric families; hand them to the kit with [`BridgeMetrics::collectors`].
#[derive(Clone)]
pub struct BridgeMetrics {
    requests: IntCounterVec,
    duration: HistogramVec,
}

impl Default for BridgeMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl BridgeMetrics {
    /// Empty families.
    pub fn new() -> Self {
        let requests = IntCounterVec::new(
            Opts::new(
                "cardmesh_bridge_endpoint_requests_total",
                "Requests to existing card endpoints, by endpoint and outcome.",
            ),
            &["endpoint", "outcome"],
        )
        .expect("valid counter");
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "cardmesh_bridge_endpoint_request_duration_seconds",
                "Time from sending a request to an existing card endpoint to its read answer, by endpoint.",
            )
            .buckets(cardmesh_telemetry::latency_buckets()),
            &["endpoint"],
        )
        .expect("valid histogram");
        Self { requests, duration }
    }

    /// The counters of `endpoint`, every outcome created at zero.
    pub fn endpoint(&self, endpoint: &str) -> EndpointMetrics {
        let outcomes = std::iter::once("ok")
            .chain(EndpointError::CODES)
            .map(|outcome| (outcome, self.requests.with_label_values(&[endpoint, outcome])))
            .collect();
        EndpointMetrics { outcomes, duration: self.duration.with_label_values(&[endpoint]) }
    }

    /// The families, to register in the kit's registry.
    pub fn collectors(&self) -> Vec<Box<dyn Collector>> {
        vec![Box::new(self.requests.clone()), Box::new(self.duration.clone())]
    }
}

/// The metrics of one endpoint.
#[derive(Clone)]
pub struct EndpointMetrics {
    outcomes: HashMap<&'static str, IntCounter>,
    duration: Histogram,
}

impl EndpointMetrics {
    /// One request ended with `outcome` (`ok` or an error code) after `elapsed`.
    pub fn observe(&self, outcome: &str, elapsed: Duration) {
        if let Some(counter) = self.outcomes.get(outcome) {
            counter.inc();
        }
        self.duration.observe(elapsed.as_secs_f64());
    }
}
