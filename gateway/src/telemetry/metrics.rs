//! The gateway's Prometheus metrics. Each [`GatewayMetrics`] has its own registry, so
//! gateways in one process (tests) count apart.
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `cardmesh_requests_total` | counter | `status` (HTTP status of the Plain request) |
//! | `cardmesh_request_duration_seconds` | histogram | |
//! | `cardmesh_service_calls_total` | counter | `service`, `outcome`: `ok`, `error`, `timeout`, `unreachable`, `overloaded`, `circuit_open` |
//! | `cardmesh_service_call_duration_seconds` | histogram | `service` |
//! | `cardmesh_service_cards_total` | counter | `service`, `outcome`: `ok`, `invalid_card`, `card_too_big`, `service_error`, `missing_result` |
//! | `cardmesh_fallback_cards_total` | counter | `reason`: why the card failed (`timeout`, `invalid_card`, …) |
//! | `cardmesh_cache_{hits,misses,stale,errors,dropped_writes}_total` | counter | |
//! | `cardmesh_plain_reloads_recognised_total` | counter | cards Plain asked for again while it still held the gateway's answer (an agent's reload, a discarded instance): drawn from their service |
//! | `cardmesh_plain_duplicates_total` | counter | cards asked for again within `cache.duplicate_window` of the answer (Plain's retry, two workers at once): shared the flight or the copy just drawn |
//! | `cardmesh_shared_draws_joined_total` | counter | missed cards another replica was drawing (its draw mark was set): served its copy instead of calling the service |
//! | `cardmesh_shared_draw_waits_unjoined_total` | counter | `reason`: `mark_gone` (the drawing replica failed or died: drawn here), `deadline` (stale copy or fallback), `store_error` (drawn here) |
//! | `cardmesh_shared_draw_claim_errors_total` | counter | draws claimed while the cache store failed: drawn anyway |
//! | `cardmesh_cached_card_age_seconds` | histogram | age of the cards served from the cache, from when their service was asked |
//! | `cardmesh_cache_rejected_total` | counter | `reason`: `too_large`, `malformed`, `other_key`, `forged` (values read from Redis that failed their check) |
//!
//! `service` is the service's configured name ([`crate::discovery::service_names`]: the host of
//! its endpoint, cleaned and at most 64 characters), never the name a service gives itself in
//! `Describe`, so a service can neither blow up the label's cardinality nor pass for another.
//! The connection metrics of both listeners are in [`super::connections`].

use std::time::Duration;

use cardmesh_telemetry::prometheus::core::Collector;
use cardmesh_telemetry::prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
};
use http::StatusCode;

use super::connections::{ConnectionMetrics, ListenerMetrics};
use crate::cache::{Rejection, StatsSnapshot};

/// The statuses a Plain request usually ends with: their counters are looked up once.
const USUAL_STATUSES: [StatusCode; 6] = [
    StatusCode::OK,
    StatusCode::BAD_REQUEST,
    StatusCode::UNAUTHORIZED,
    StatusCode::PAYLOAD_TOO_LARGE,
    StatusCode::UNSUPPORTED_MEDIA_TYPE,
    StatusCode::SERVICE_UNAVAILABLE,
];

/// The counters and histograms of one gateway.
pub struct GatewayMetrics {
    registry: Registry,
    requests: IntCounterVec,
    usual_requests: [IntCounter; USUAL_STATUSES.len()],
    request_duration: Histogram,
    service_calls: IntCounterVec,
    service_call_duration: HistogramVec,
    service_cards: IntCounterVec,
    fallback_cards: IntCounterVec,
    plain_reloads: IntCounter,
    plain_duplicates: IntCounter,
    shared_draws_joined: IntCounter,
    shared_draw_waits_unjoined: IntCounterVec,
    shared_draw_claim_errors: IntCounter,
    cached_card_age: Histogram,
    actions: IntCounterVec,
    action_duplicates: IntCounterVec,
    action_reload_delay: Histogram,
    connections: ConnectionMetrics,
}

/// Buckets of `cardmesh_cached_card_age_seconds`: from a second to a day, Plain's TTLs.
const AGE_BUCKETS: [f64; 12] = [1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 21600.0, 86400.0];

impl Default for GatewayMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl GatewayMetrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Self {
        let buckets = cardmesh_telemetry::latency_buckets();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            IntCounterVec::new(Opts::new(name, help), labels).expect("valid counter")
        };
        let requests = counter("cardmesh_requests_total", "Plain card requests answered, by HTTP status.", &["status"]);
        let metrics = Self {
            registry: Registry::new(),
            usual_requests: USUAL_STATUSES.map(|status| requests.with_label_values(&[status.as_str()])),
            requests,
            request_duration: Histogram::with_opts(
                HistogramOpts::new("cardmesh_request_duration_seconds", "Time to answer a Plain card request.")
                    .buckets(buckets.clone()),
            )
            .expect("valid histogram"),
            service_calls: counter(
                "cardmesh_service_calls_total",
                "GetCards calls to card services, by service and outcome.",
                &["service", "outcome"],
            ),
            service_call_duration: HistogramVec::new(
                HistogramOpts::new("cardmesh_service_call_duration_seconds", "Time of GetCards calls, by service.")
                    .buckets(buckets),
                &["service"],
            )
            .expect("valid histogram"),
            service_cards: counter(
                "cardmesh_service_cards_total",
                "Cards in the answers of card services, by service and outcome of validation and rendering.",
                &["service", "outcome"],
            ),
            fallback_cards: counter(
                "cardmesh_fallback_cards_total",
                "Fallback cards served in place of a card that failed, by reason.",
                &["reason"],
            ),
            plain_reloads: IntCounter::new(
                "cardmesh_plain_reloads_recognised_total",
                "Cards Plain asked for again while it held the gateway's answer (a reload): drawn from their service.",
            )
            .expect("valid counter"),
            plain_duplicates: IntCounter::new(
                "cardmesh_plain_duplicates_total",
                "Cards Plain asked for again within cache.duplicate_window of the answer: served as one.",
            )
            .expect("valid counter"),
            shared_draws_joined: IntCounter::new(
                "cardmesh_shared_draws_joined_total",
                "Missed cards another replica was drawing: served its copy instead of calling the service.",
            )
            .expect("valid counter"),
            shared_draw_waits_unjoined: counter(
                "cardmesh_shared_draw_waits_unjoined_total",
                "Waits for another replica's draw that ended without its copy, by reason.",
                &["reason"],
            ),
            shared_draw_claim_errors: IntCounter::new(
                "cardmesh_shared_draw_claim_errors_total",
                "Draws claimed while the cache store failed: drawn anyway.",
            )
            .expect("valid counter"),
            cached_card_age: Histogram::with_opts(
                HistogramOpts::new(
                    "cardmesh_cached_card_age_seconds",
                    "Age of the cards served from the cache, from when their service was asked.",
                )
                .buckets(AGE_BUCKETS.to_vec()),
            )
            .expect("valid histogram"),
            actions: counter(
                "cardmesh_actions_total",
                "Card actions run for Plain (POST /actions/{name}), by action and outcome (succeeded, refused, failed, \
                 unavailable, not_implemented, customer_not_found, in_progress, gateway_error).",
                &["action", "outcome"],
            ),
            action_duplicates: counter(
                "cardmesh_action_duplicates_total",
                "Deliveries of an action that had run already: answered with the first outcome, not run again.",
                &["action"],
            ),
            action_reload_delay: Histogram::with_opts(
                HistogramOpts::new(
                    "cardmesh_action_reload_seconds",
                    "Time from an action's request to the reload of its cards asked of Plain.",
                )
                .buckets(cardmesh_telemetry::latency_buckets()),
            )
            .expect("valid histogram"),
            connections: ConnectionMetrics::default(),
        };
        let collectors: [Box<dyn Collector>; 15] = [
            Box::new(metrics.requests.clone()),
            Box::new(metrics.request_duration.clone()),
            Box::new(metrics.service_calls.clone()),
            Box::new(metrics.service_call_duration.clone()),
            Box::new(metrics.service_cards.clone()),
            Box::new(metrics.fallback_cards.clone()),
            Box::new(metrics.plain_reloads.clone()),
            Box::new(metrics.plain_duplicates.clone()),
            Box::new(metrics.shared_draws_joined.clone()),
            Box::new(metrics.shared_draw_waits_unjoined.clone()),
            Box::new(metrics.shared_draw_claim_errors.clone()),
            Box::new(metrics.cached_card_age.clone()),
            Box::new(metrics.actions.clone()),
            Box::new(metrics.action_duplicates.clone()),
            Box::new(metrics.action_reload_delay.clone()),
        ];
        for collector in collectors.into_iter().chain(metrics.connections.collectors()) {
            metrics.registry.register(collector).expect("metric names are unique");
        }
        metrics
    }

    /// One Plain request answered with `status` after `elapsed`.
    pub fn request(&self, status: StatusCode, elapsed: Duration) {
        match USUAL_STATUSES.iter().position(|s| *s == status) {
            Some(i) => self.usual_requests[i].inc(),
            None => self.requests.with_label_values(&[status.as_str()]).inc(),
        }
        self.request_duration.observe(elapsed.as_secs_f64());
    }

    /// One `GetCards` call to `service` that ended with `outcome` after `elapsed`.
    pub fn service_call(&self, service: &str, outcome: &str, elapsed: Duration) {
        self.service_calls.with_label_values(&[service, outcome]).inc();
        self.service_call_duration.with_label_values(&[service]).observe(elapsed.as_secs_f64());
    }

    /// One card of `service`'s answer, validated and rendered with `outcome`.
    pub fn service_card(&self, service: &str, outcome: &str) {
        self.service_cards.with_label_values(&[service, outcome]).inc();
    }

    /// The connection metrics of the listener named `listener` (`plain` or `admin`).
    pub fn listener(&self, listener: &'static str) -> ListenerMetrics {
        self.connections.listener(listener)
    }

    /// One fallback card served because of `reason`.
    pub fn fallback(&self, reason: &str) {
        self.fallback_cards.with_label_values(&[reason]).inc();
    }

    /// One card Plain reloaded (see `crate::cache::served`).
    pub fn reload(&self) {
        self.plain_reloads.inc();
    }

    /// One card Plain asked for twice within the duplicate window.
    pub fn duplicate(&self) {
        self.plain_duplicates.inc();
    }

    /// One missed card served as the copy another replica drew (see `crate::cache::claim`).
    pub fn shared_draw_joined(&self) {
        self.shared_draws_joined.inc();
    }

    /// One wait for another replica's draw that ended without its copy, for `reason`
    /// (`mark_gone`, `deadline` or `store_error`).
    pub fn shared_draw_unjoined(&self, reason: &str) {
        self.shared_draw_waits_unjoined.with_label_values(&[reason]).inc();
    }

    /// One draw claimed while the cache store failed (drawn anyway).
    pub fn shared_draw_claim_error(&self) {
        self.shared_draw_claim_errors.inc();
    }

    /// One card served from the cache, drawn `age_ms` milliseconds ago.
    pub fn cache_hit_age(&self, age_ms: u64) {
        // Precision is not at stake: ages are far below 2^52 ms.
        #[allow(clippy::cast_precision_loss)]
        self.cached_card_age.observe(age_ms as f64 / 1000.0);
    }

    /// One action request for a routed `action` that ended with `outcome`.
    pub fn action(&self, action: &str, outcome: &str) {
        self.actions.with_label_values(&[action, outcome]).inc();
    }

    /// One delivery of `action` answered with its first outcome instead of running again.
    pub fn action_duplicate(&self, action: &str) {
        self.action_duplicates.with_label_values(&[action]).inc();
    }

    /// An action's cards asked to be reloaded `elapsed` after its request arrived.
    pub fn action_reload(&self, elapsed: Duration) {
        self.action_reload_delay.observe(elapsed.as_secs_f64());
    }

    /// Every metric in the Prometheus text format, with the cache's counters when there is
    /// a cache.
    pub fn render(&self, cache: Option<StatsSnapshot>) -> String {
        let mut families = self.registry.gather();
        if let Some(stats) = cache {
            for (name, help, value) in [
                ("cardmesh_cache_hits_total", "Cards found fresh in the cache.", stats.hits),
                ("cardmesh_cache_misses_total", "Cards not found fresh in the cache.", stats.misses),
                ("cardmesh_cache_stale_total", "Stale copies served because a card's service failed.", stats.stale),
                ("cardmesh_cache_errors_total", "Cache reads that failed (each counts as misses).", stats.errors),
                (
                    "cardmesh_cache_dropped_writes_total",
                    "Cache writes dropped (queue full or store error).",
                    stats.dropped_writes,
                ),
            ] {
                let counter = IntCounter::new(name, help).expect("valid counter");
                counter.inc_by(value);
                families.extend(counter.collect());
            }
            let rejected = IntCounterVec::new(
                Opts::new(
                    "cardmesh_cache_rejected_total",
                    "Values read from Redis that failed their check and were ignored (misses), by reason.",
                ),
                &["reason"],
            )
            .expect("valid counter");
            for reason in Rejection::ALL {
                rejected.with_label_values(&[reason.code()]).inc_by(stats.rejected[reason.index()]);
            }
            families.extend(rejected.collect());
        }
        cardmesh_telemetry::encode(&families)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_was_counted() {
        let metrics = GatewayMetrics::new();
        metrics.request(StatusCode::OK, Duration::from_millis(3));
        metrics.request(StatusCode::UNAUTHORIZED, Duration::from_millis(1));
        metrics.request(StatusCode::TOO_MANY_REQUESTS, Duration::from_millis(1));
        metrics.service_call("billing", "timeout", Duration::from_millis(800));
        metrics.fallback("timeout");
        metrics.reload();
        metrics.duplicate();
        metrics.duplicate();
        metrics.cache_hit_age(4_500);
        let text = metrics.render(Some(StatsSnapshot { hits: 7, rejected: [0, 0, 0, 2], ..Default::default() }));
        for line in [
            "cardmesh_requests_total{status=\"200\"} 1",
            "cardmesh_requests_total{status=\"401\"} 1",
            "cardmesh_requests_total{status=\"429\"} 1",
            "cardmesh_requests_total{status=\"503\"} 0",
            "cardmesh_request_duration_seconds_count 3",
            "cardmesh_service_calls_total{outcome=\"timeout\",service=\"billing\"} 1",
            "cardmesh_service_call_duration_seconds_bucket{service=\"billing\",le=\"1\"} 1",
            "cardmesh_fallback_cards_total{reason=\"timeout\"} 1",
            "cardmesh_plain_reloads_recognised_total 1",
            "cardmesh_plain_duplicates_total 2",
            "cardmesh_cached_card_age_seconds_bucket{le=\"1\"} 0",
            "cardmesh_cached_card_age_seconds_bucket{le=\"5\"} 1",
            "cardmesh_cache_hits_total 7",
            "cardmesh_cache_misses_total 0",
            "cardmesh_cache_rejected_total{reason=\"forged\"} 2",
            "cardmesh_cache_rejected_total{reason=\"too_large\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} missing from:\n{text}");
        }
        assert!(!metrics.render(None).contains("cardmesh_cache_"));
    }
}
