//! The Prometheus metrics of one card service, served on `GET /metrics` of its metrics
//! listener (`CARDMESH_SERVICE_METRICS_LISTEN`, off by default).
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `cardmesh_kit_requests_total` | counter | `method` (`GetCards`, `Describe`, `RunAction`), `code` (`ok`, `invalid_argument`, `not_found`) |
//! | `cardmesh_kit_get_cards_duration_seconds` | histogram | |
//! | `cardmesh_kit_cards_total` | counter | `card` (a declared key, or `other`), `outcome` (`components`, `no_data`, `error`) |
//! | `cardmesh_kit_actions_total` | counter | `action` (a declared name, or `other`), `outcome` (`succeeded`, `refused`, `failed`) |
//! | `cardmesh_kit_run_action_duration_seconds` | histogram | |
//!
//! A provider adds its own families with [`crate::CardProvider::metrics`].

use std::collections::HashMap;
use std::time::Duration;

use cardmesh_telemetry::prometheus::core::Collector;
use cardmesh_telemetry::prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts, Registry};

use crate::proto::card_result::Outcome;
use crate::proto::CardResult;
use crate::ActionOutcome;

/// The outcomes of a card, in the order of [`CardCounters`].
const OUTCOMES: [&str; 3] = ["components", "no_data", "error"];

/// The counters of one `card` label, by outcome.
type CardCounters = [IntCounter; 3];

/// The outcomes of an action, in the order of [`ActionCounters`] (see
/// [`crate::ActionOutcome::kind`]).
const ACTION_OUTCOMES: [&str; 3] = ["succeeded", "refused", "failed"];

/// The counters of one `action` label, by outcome.
type ActionCounters = [IntCounter; 3];

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
    run_action_ok: IntCounter,
    run_action_invalid: IntCounter,
    run_action_not_found: IntCounter,
    run_action_unimplemented: IntCounter,
    run_action_duration: Histogram,
    /// By declared action name, as `declared` by card key.
    actions: HashMap<String, ActionCounters>,
    other_action: ActionCounters,
}

impl ServiceMetrics {
    /// Metrics for a service declaring the cards `keys` and no action.
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> Self {
        Self::with_actions(keys, [])
    }

    /// Metrics for a service declaring the cards `keys` and the actions `actions`.
    pub fn with_actions<'a, 'b>(
        keys: impl IntoIterator<Item = &'a str>,
        actions: impl IntoIterator<Item = &'b str>,
    ) -> Self {
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
        let action_outcomes = IntCounterVec::new(
            Opts::new("cardmesh_kit_actions_total", "Actions run, by action name and outcome."),
            &["action", "outcome"],
        )
        .expect("valid counter");
        let run_action_duration = Histogram::with_opts(
            HistogramOpts::new("cardmesh_kit_run_action_duration_seconds", "Time to answer a RunAction call.")
                .buckets(cardmesh_telemetry::latency_buckets()),
        )
        .expect("valid histogram");
        let counters = |card: &str| OUTCOMES.map(|outcome| cards.with_label_values(&[card, outcome]));
        let action_counters =
            |action: &str| ACTION_OUTCOMES.map(|outcome| action_outcomes.with_label_values(&[action, outcome]));
        let metrics = Self {
            registry: Registry::new(),
            get_cards_ok: requests.with_label_values(&["GetCards", "ok"]),
            get_cards_invalid: requests.with_label_values(&["GetCards", "invalid_argument"]),
            describe_ok: requests.with_label_values(&["Describe", "ok"]),
            get_cards_duration: get_cards_duration.clone(),
            declared: keys.into_iter().map(|key| (key.to_owned(), counters(key))).collect(),
            other: counters("other"),
            run_action_ok: requests.with_label_values(&["RunAction", "ok"]),
            run_action_invalid: requests.with_label_values(&["RunAction", "invalid_argument"]),
            run_action_not_found: requests.with_label_values(&["RunAction", "not_found"]),
            run_action_unimplemented: requests.with_label_values(&["RunAction", "unimplemented"]),
            run_action_duration: run_action_duration.clone(),
            actions: actions.into_iter().map(|name| (name.to_owned(), action_counters(name))).collect(),
            other_action: action_counters("other"),
        };
        let collectors: [Box<dyn Collector>; 5] = [
            Box::new(requests),
            Box::new(get_cards_duration),
            Box::new(cards),
            Box::new(action_outcomes),
            Box::new(run_action_duration),
        ];
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

    /// One `RunAction` refused with `INVALID_ARGUMENT`.
    pub(crate) fn invalid_run_action(&self) {
        self.run_action_invalid.inc();
    }

    /// One `RunAction` for an action the service does not declare (`NOT_FOUND`).
    pub(crate) fn unknown_action(&self) {
        self.run_action_not_found.inc();
    }

    /// One `RunAction` of `action` answered after `elapsed` with `outcome`; a declared action
    /// without a handler counts as an `UNIMPLEMENTED` answer, not as an outcome.
    pub(crate) fn run_action(&self, action: &str, elapsed: Duration, outcome: &ActionOutcome) {
        // The index in `ACTION_OUTCOMES`.
        let index = match outcome {
            ActionOutcome::Succeeded(_) => 0,
            ActionOutcome::Refused(_) => 1,
            ActionOutcome::Failed(_) => 2,
            ActionOutcome::NotImplemented => {
                self.run_action_unimplemented.inc();
                return;
            }
        };
        self.run_action_ok.inc();
        self.run_action_duration.observe(elapsed.as_secs_f64());
        let counters = self.actions.get(action).unwrap_or(&self.other_action);
        counters[index].inc();
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        cardmesh_telemetry::encode(&self.registry.gather())
    }
}
