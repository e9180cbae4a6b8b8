//! The Prometheus metrics of one card service, served on `GET /metrics` of its metrics
//! listener (`CARDMESH_SERVICE_METRICS_LISTEN`, off by default).
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `cardmesh_kit_requests_total` | counter | `method` (`GetCards`, `Describe`), `code` (`ok`, `invalid_argument`) |
//! | `cardmesh_kit_get_cards_duration_seconds` | histogram | |
//! | `cardmesh_kit_cards_total` | counter | `card` (a declared key, or `other`), `outcome` (`components`, `no_data`, `error`) |
//!
//! A provider adds its own families with [`crate::CardProvider::metrics`].

use std::collections::HashMap;
use std::time::Duration;

use cardmesh_telemetry::prometheus::core::Collector;
use cardmesh_telemetry::prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts, Registry};

use crate::proto::card_result::Outcome;
use crate::proto::CardResult;

/// The outcomes of a card, in the order of [`CardCounters`].
const OUTCOMES: [&str; 3] = ["components", "no_data", "error"];

/// The counters of one `card` label, by outcome.
type CardCounters = [IntCounter; 3];

/// The counters and histograms of one card service. Each has its own registry, so services
/// in one process (tests) count apart. Every counter is created up front (all at zero), so
/// counting is one atomic add.
pub struct ServiceMetrics {
    registry: Registry,
    get_cards_ok: IntCounter,
    get_cards_invalid: IntCounter,
    describe_ok: IntCounter,
    get_cards_duration: Histogram,
    /// By declared card key: the only values of the `card` label besides `other`, so a
    /// caller cannot grow the metrics with made-up keys.
    declared: HashMap<String, CardCounters>,
    other: CardCounters,
}

impl ServiceMetrics {
    /// Metrics for a service declaring `keys`.
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> Self {
        let requests = IntCounterVec::new(
            Opts::new("cardmesh_kit_requests_total", "gRPC calls answered, by method and code."),
            &["method", "code"],
        )
        .expect("valid counter");
        let cards = IntCounterVec::new(
            Opts::new("cardmesh_kit_cards_total", "Cards drawn, by card key and outcome."),
            &["card", "outcome"],
        )
        .expect("valid counter");
        let get_cards_duration = Histogram::with_opts(
            HistogramOpts::new("cardmesh_kit_get_cards_duration_seconds", "Time to answer a GetCards call.")
                .buckets(cardmesh_telemetry::latency_buckets()),
        )
        .expect("valid histogram");
        let counters = |card: &str| OUTCOMES.map(|outcome| cards.with_label_values(&[card, outcome]));
        let metrics = Self {
            registry: Registry::new(),
            get_cards_ok: requests.with_label_values(&["GetCards", "ok"]),
            get_cards_invalid: requests.with_label_values(&["GetCards", "invalid_argument"]),
            describe_ok: requests.with_label_values(&["Describe", "ok"]),
            get_cards_duration: get_cards_duration.clone(),
            declared: keys.into_iter().map(|key| (key.to_owned(), counters(key))).collect(),
            other: counters("other"),
        };
        let collectors: [Box<dyn Collector>; 3] = [Box::new(requests), Box::new(get_cards_duration), Box::new(cards)];
        for collector in collectors {
            metrics.registry.register(collector).expect("metric names are unique");
        }
        metrics
    }

    /// Adds a provider's own metric families (see [`crate::CardProvider::metrics`]); a
    /// family whose name is taken is left out with a warning.
    pub(crate) fn register(&self, collectors: Vec<Box<dyn Collector>>) {
        for collector in collectors {
            if let Err(error) = self.registry.register(collector) {
                tracing::warn!(%error, "a provider metric family is left out");
            }
        }
    }

    /// One `Describe` answered.
    pub(crate) fn describe(&self) {
        self.describe_ok.inc();
    }

    /// One `GetCards` refused with `INVALID_ARGUMENT`.
    pub(crate) fn invalid_get_cards(&self) {
        self.get_cards_invalid.inc();
    }

    /// One `GetCards` call answered after `elapsed` with `results`.
    pub(crate) fn get_cards(&self, elapsed: Duration, results: &[CardResult]) {
        self.get_cards_ok.inc();
        self.get_cards_duration.observe(elapsed.as_secs_f64());
        for result in results {
            let counters = self.declared.get(&result.key).unwrap_or(&self.other);
            let outcome = match &result.outcome {
                Some(Outcome::Components(_)) => 0,
                Some(Outcome::NoData(_)) => 1,
                Some(Outcome::Error(_)) | None => 2,
            };
            counters[outcome].inc();
        }
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        cardmesh_telemetry::encode(&self.registry.gather())
    }
}
