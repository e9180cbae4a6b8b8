//! The Prometheus metrics of one card service, served on `GET /metrics` of its metrics
//! listener (`CARDMESH_SERVICE_METRICS_LISTEN`, off by default).
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `cardmesh_kit_requests_total` | counter | `method` (`GetCards`, `Describe`), `code` (`ok`, `invalid_argument`) |
//! | `cardmesh_kit_get_cards_duration_seconds` | histogram | |
//! | `cardmesh_kit_cards_total` | counter | `card` (a declared key, or `other`), `outcome` (`components`, `no_data`, `error`) |

use std::collections::HashSet;
use std::time::Duration;

use cardmesh_telemetry::prometheus::core::Collector;
use cardmesh_telemetry::prometheus::{Histogram, HistogramOpts, IntCounterVec, Opts, Registry};

use crate::proto::card_result::Outcome;
use crate::proto::CardResult;

/// The counters and histograms of one card service. Each has its own registry, so services
/// in one process (tests) count apart.
pub struct ServiceMetrics {
    registry: Registry,
    requests: IntCounterVec,
    get_cards_duration: Histogram,
    cards: IntCounterVec,
    /// The declared card keys: the only values of the `card` label, so a caller cannot
    /// grow the metrics with made-up keys.
    declared: HashSet<String>,
}

impl ServiceMetrics {
    /// Metrics for a service declaring `keys`.
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> Self {
        let metrics = Self {
            registry: Registry::new(),
            requests: IntCounterVec::new(
                Opts::new("cardmesh_kit_requests_total", "gRPC calls answered, by method and code."),
                &["method", "code"],
            )
            .expect("valid counter"),
            get_cards_duration: Histogram::with_opts(
                HistogramOpts::new("cardmesh_kit_get_cards_duration_seconds", "Time to answer a GetCards call.")
                    .buckets(cardmesh_telemetry::latency_buckets()),
            )
            .expect("valid histogram"),
            cards: IntCounterVec::new(
                Opts::new("cardmesh_kit_cards_total", "Cards drawn, by card key and outcome."),
                &["card", "outcome"],
            )
            .expect("valid counter"),
            declared: keys.into_iter().map(str::to_owned).collect(),
        };
        let collectors: [Box<dyn Collector>; 3] =
            [Box::new(metrics.requests.clone()), Box::new(metrics.get_cards_duration.clone()), Box::new(metrics.cards.clone())];
        for collector in collectors {
            metrics.registry.register(collector).expect("metric names are unique");
        }
        metrics
    }

    /// One call of `method` answered with `code`.
    pub(crate) fn request(&self, method: &str, code: &str) {
        self.requests.with_label_values(&[method, code]).inc();
    }

    /// One `GetCards` call answered after `elapsed` with `results`.
    pub(crate) fn get_cards(&self, elapsed: Duration, results: &[CardResult]) {
        self.request("GetCards", "ok");
        self.get_cards_duration.observe(elapsed.as_secs_f64());
        for result in results {
            let card = if self.declared.contains(&result.key) { result.key.as_str() } else { "other" };
            let outcome = match &result.outcome {
                Some(Outcome::Components(_)) => "components",
                Some(Outcome::NoData(_)) => "no_data",
                Some(Outcome::Error(_)) | None => "error",
            };
            self.cards.with_label_values(&[card, outcome]).inc();
        }
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        cardmesh_telemetry::encode(&self.registry.gather())
    }
}
