//! The gateway's shared state and the path of one Plain request through cache, flights and
//! card services.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tracing::field::Empty;
use tracing::{Instrument, Span};

use crate::access::Access;
use crate::cache::{self, CardCache, Generations};
use crate::config::Config;
use crate::draw::{draw_cards, Assignment, DrawSettings};
use crate::error::GatewayError;
use crate::fanout::{BackendError, Backends, CallFailure};
use crate::flight::{Flights, Join};
use crate::merge::{with_ttl, CardFailure, FallbackCards};
use crate::plain::{CardJson, CardKeys, CardRequest, ResponseBody};
use crate::provenance::{CardProvenance, Source};
use crate::route::{CardInfo, CardRouter, Lookup};
use crate::telemetry::{GatewayMetrics, RequestSpanSlot};
use crate::verify::SignatureVerifier;

/// Everything a request needs, built once at startup.
pub struct Gateway {
    config: Config,
    verifier: SignatureVerifier,
    router: Arc<CardRouter>,
    fallback: FallbackCards,
    cache: Option<Arc<CardCache>>,
    flights: Arc<Flights>,
    access: Access,
    tls: Option<Arc<rustls::ServerConfig>>,
    metrics: Arc<GatewayMetrics>,
}

/// A setting that cannot be used at startup.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("services: cannot use endpoint {0}")]
    Backend(#[from] BackendError),
    #[error("tls: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("cache.redis_url: {0}")]
    Redis(#[from] redis::RedisError),
}

/// The answer to one Plain request.
#[derive(Debug)]
pub struct Answer {
    /// The `{"cards":[…]}` body.
    pub body: String,
    /// Cards served from the cache.
    pub hits: usize,
    /// Cards drawn by their services (or that failed).
    pub misses: usize,
    /// Cards served as their last good copy because their service failed.
    pub stale: usize,
    /// Where each card came from, in request order; only from
    /// [`Gateway::answer_with_provenance`].
    pub provenance: Option<Vec<CardProvenance>>,
}

/// For a card that waited for a draw, how long the service call took (`Some(None)` when no
/// call was made); `None` for a card that did not wait.
type Waited = Option<Option<Duration>>;

/// What [`Gateway::answer_with_provenance`] collects per card before the answer is sized.
struct Origin {
    source: Source,
    service: Option<Arc<str>>,
    call_latency: Option<Duration>,
    detail: Option<String>,
}

impl Origin {
    fn new(source: Source, service: Option<Arc<str>>) -> Self {
        Self { source, service, call_latency: None, detail: None }
    }
}

/// How one requested key is answered.
enum Plan {
    /// From the cache.
    Ready(CardJson),
    /// No service owns the key: no data.
    Unknown(String),
    /// Some service has not described itself yet; the key may be one of its cards.
    Undiscovered(String),
    /// Drawn by this or a concurrent request.
    Wait(Pending),
}

impl Plan {
    /// Answered without waiting or failing.
    fn is_settled(&self) -> bool {
        matches!(self, Plan::Ready(_) | Plan::Unknown(_))
    }

    /// The card of a settled plan.
    fn into_settled(self) -> Option<CardJson> {
        match self {
            Plan::Ready(card) => Some(card),
            Plan::Unknown(key) => Some(CardJson::new(&key, None, None)),
            Plan::Undiscovered(_) | Plan::Wait(_) => None,
        }
    }
}

/// A card being drawn, with what is needed to find its stale copy.
struct Pending {
    info: CardInfo,
    keys: cache::CardKeys,
    generations: Generations,
    waiter: crate::flight::Waiter,
}

/// A card that could not be drawn fresh.
struct Failed {
    key: String,
    failure: CardFailure,
    /// Service name, cache keys and generations, when the key was routed.
    routed: Option<(CardInfo, cache::CardKeys, Generations)>,
}

impl Gateway {
    /// Builds the gateway from a validated config. Services and Redis connect lazily, so
    /// the gateway starts while they are down. Must run inside a tokio runtime.
    pub fn new(config: Config) -> Result<Arc<Self>, StartupError> {
        let backends = Backends::new(&config.services, &config.fanout, &config.card_services)?;
        let router = CardRouter::new(backends, config.discovery.clone());
        let cache = CardCache::from_settings(&config.cache)?.map(Arc::new);
        let tls = crate::tls::server_config(&config.tls)?;
        Ok(Arc::new(Self {
            access: Access::new(&config),
            tls,
            verifier: SignatureVerifier::new(config.signing_secrets.clone(), config.allow_unsigned),
            fallback: FallbackCards::new(&config.fallback),
            router,
            cache,
            flights: Arc::new(Flights::default()),
            metrics: Arc::new(GatewayMetrics::new()),
            config,
        }))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn verifier(&self) -> &SignatureVerifier {
        &self.verifier
    }

    /// Required headers and rate limits.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The TLS configuration of the Plain endpoint, when it terminates TLS.
    pub fn tls(&self) -> Option<&Arc<rustls::ServerConfig>> {
        self.tls.as_ref()
    }

    pub fn router(&self) -> &Arc<CardRouter> {
        &self.router
    }

    /// The response cache, unless disabled.
    pub fn cache(&self) -> Option<&Arc<CardCache>> {
        self.cache.as_ref()
    }

    /// The gateway's counters and histograms.
    pub fn metrics(&self) -> &Arc<GatewayMetrics> {
        &self.metrics
    }

    /// Every metric, with the cache's counters, in the Prometheus text format.
    pub fn render_metrics(&self) -> String {
        self.metrics.render(self.cache.as_ref().map(|c| c.stats().snapshot()))
    }

    /// Answers one request: cached cards first (one round trip), then one call per service
    /// for the misses (shared with concurrent requests for the same cards), then stale
    /// copies or fallback cards for what failed. 503 only when every card failed because
    /// its service was unreachable and no stale copy was left.
    ///
    /// `request_span` is the request's span: made (while tracing is off) only when the
    /// answer needs more than the cache, so that what is logged on the way carries the
    /// request's trace id.
    pub async fn answer(
        &self,
        request: &CardRequest,
        keys: &CardKeys,
        workspace_id: &str,
        request_span: &RequestSpanSlot<'_>,
    ) -> Result<Answer, GatewayError> {
        self.answer_as(request, keys, workspace_id, request_span, None).await
    }

    /// [`Self::answer`], with the [`CardProvenance`] of every card in
    /// [`Answer::provenance`]: the same answer, plus where each card came from. With
    /// `bypass_cache`, fresh cached cards are not used: every routed card is drawn again
    /// (and cached again), but stale copies still stand in for failed cards.
    pub async fn answer_with_provenance(
        &self,
        request: &CardRequest,
        keys: &CardKeys,
        workspace_id: &str,
        request_span: &RequestSpanSlot<'_>,
        bypass_cache: bool,
    ) -> Result<Answer, GatewayError> {
        self.answer_as(request, keys, workspace_id, request_span, Some(bypass_cache)).await
    }

    /// `provenance`: `None` on Plain's path, `Some(bypass_cache)` to collect provenance.
    async fn answer_as(
        &self,
        request: &CardRequest,
        keys: &CardKeys,
        workspace_id: &str,
        request_span: &RequestSpanSlot<'_>,
        provenance: Option<bool>,
    ) -> Result<Answer, GatewayError> {
        let bypass_cache = provenance == Some(true);
        let mut origins: Option<Vec<Origin>> = provenance.map(|_| Vec::with_capacity(keys.as_slice().len()));
        let table = self.router.table();
        let n = keys.as_slice().len();
        let mut plans: Vec<Plan> = Vec::with_capacity(n);
        let mut routed: Vec<(usize, &CardInfo, cache::CardKeys)> = Vec::with_capacity(n);
        let mut cache_keys = cache::RequestKeys::new(workspace_id, request);
        for key in keys.as_slice() {
            if let Some(origins) = &mut origins {
                origins.push(match table.lookup(key) {
                    Lookup::Unknown => Origin::new(Source::UnknownKey, None),
                    Lookup::Undiscovered => Origin::new(Source::Fallback { reason: "undiscovered" }, None),
                    Lookup::Routed(info) => Origin::new(Source::CacheHit, Some(info.service_name.clone())),
                });
            }
            match table.lookup(key) {
                Lookup::Unknown => plans.push(Plan::Unknown(key.clone())),
                Lookup::Undiscovered => plans.push(Plan::Undiscovered(key.clone())),
                Lookup::Routed(info) => {
                    routed.push((plans.len(), info, cache_keys.card(key, info.scope)));
                    plans.push(Plan::Unknown(String::new())); // replaced below
                }
            }
        }

        // Cache lookup: one round trip for all routed keys.
        let lookup_span = match &self.cache {
            Some(_) => cardmesh_telemetry::span_if_tracing(|| {
                tracing::info_span!("cache_lookup", cards = routed.len(), hits = Empty, misses = Empty)
            }),
            None => Span::none(),
        };
        let slots = match &self.cache {
            Some(cache) => {
                cache.lookup(&routed.iter().map(|(_, _, k)| k).collect::<Vec<_>>()).instrument(lookup_span.clone()).await
            }
            None => vec![cache::Slot { generations: Generations::default(), fresh: None }; routed.len()],
        };
        let (mut hits, mut misses) = (0, 0);
        let mut assignments = Vec::new();
        for ((index, info, ckeys), slot) in routed.into_iter().zip(slots) {
            if let Some(card) = slot.fresh.filter(|_| !bypass_cache) {
                hits += 1;
                plans[index] = Plan::Ready(card);
                continue;
            }
            misses += 1;
            let info = info.clone();
            // Without a cache every request draws its own cards.
            let join = match &self.cache {
                Some(_) => self.flights.join(&ckeys.fresh),
                None => Join::Leader(Flights::solo(&ckeys.fresh)),
            };
            let waiter = match join {
                Join::Follower(waiter) => waiter,
                Join::Leader(leader) => {
                    let waiter = leader.waiter();
                    assignments.push(Assignment { info: info.clone(), keys: ckeys.clone(), generations: slot.generations, leader });
                    waiter
                }
            };
            plans[index] = Plan::Wait(Pending { info, keys: ckeys, generations: slot.generations, waiter });
        }
        lookup_span.record("hits", hits).record("misses", misses);
        if cardmesh_telemetry::tracing_enabled() {
            Span::current().record("cache_hits", hits).record("cache_misses", misses);
        }
        // Every card known already (the usual case: all cache hits): nothing to wait for,
        // and nothing to log unless the answer is too big.
        if plans.iter().all(Plan::is_settled) {
            if cardmesh_telemetry::tracing_enabled() {
                Span::current().record("cache_stale", 0);
            }
            let mut cards: Vec<CardJson> = plans.into_iter().filter_map(Plan::into_settled).collect();
            self.fit_response(&mut cards, origins.as_deref_mut(), request_span);
            let provenance = origins.map(|o| provenance_of(o, &cards, keys));
            return Ok(Answer { body: ResponseBody::build(&cards), hits, misses, stale: 0, provenance });
        }
        let span = request_span.get();

        // Draw what this request leads, in the background so that a client going away
        // does not cancel a call other requests wait for.
        if !assignments.is_empty() {
            // Without tracing the draw runs in the request's span: its log lines keep the
            // request's trace id.
            let draw_span = if cardmesh_telemetry::tracing_enabled() {
                let services = assignments.iter().map(|a| a.info.service).collect::<std::collections::BTreeSet<_>>();
                tracing::info_span!(parent: span, "draw_cards", services = services.len(), cards = assignments.len())
            } else {
                span.clone()
            };
            tokio::spawn(draw_cards(
                self.router.backends().clone(),
                self.cache.clone(),
                DrawSettings {
                    default_ttl: self.config.cache.default_ttl,
                    max_card_bytes: self.config.limits.max_card_bytes,
                },
                request.clone(),
                workspace_id.to_owned(),
                assignments,
                self.deadline(),
                self.metrics.clone(),
            )
            .instrument(draw_span));
        }

        self.assemble(plans, hits, misses, request_span, origins, keys).instrument(span.clone()).await
    }

    /// Waits for the drawn cards and puts the answer together in request order.
    async fn assemble(
        &self,
        plans: Vec<Plan>,
        hits: usize,
        misses: usize,
        span: &RequestSpanSlot<'_>,
        mut origins: Option<Vec<Origin>>,
        keys: &CardKeys,
    ) -> Result<Answer, GatewayError> {
        // A little beyond the request's budget, for rendering and scheduling.
        let wait_limit = self.deadline() + Duration::from_millis(500);
        let outcomes: Vec<(Result<CardJson, Failed>, Waited)> = join_all(plans.into_iter().map(|plan| async move {
            let mut call_latency = None;
            let outcome = match plan {
                Plan::Ready(card) => Ok(card),
                Plan::Unknown(key) => Ok(CardJson::new(&key, None, None)),
                Plan::Undiscovered(key) => Err(Failed { key, failure: CardFailure::Undiscovered, routed: None }),
                Plan::Wait(Pending { info, keys, generations, waiter }) => {
                    call_latency = Some(None);
                    let drawn = match tokio::time::timeout(wait_limit, waiter.wait_timed()).await {
                        Ok(Some((drawn, latency))) => {
                            call_latency = Some(latency);
                            drawn
                        }
                        Ok(None) => Err(CardFailure::Call(CallFailure::Unreachable(
                            "the request drawing this card went away".into(),
                        ))),
                        Err(_) => Err(CardFailure::Call(CallFailure::Timeout(wait_limit))),
                    };
                    drawn.map_err(|failure| Failed { key: info.key.clone(), failure, routed: Some((info, keys, generations)) })
                }
            };
            (outcome, call_latency)
        }))
        .await;
        let (outcomes, waited): (Vec<_>, Vec<_>) = outcomes.into_iter().unzip();
        if let Some(origins) = &mut origins {
            for ((origin, outcome), waited) in origins.iter_mut().zip(&outcomes).zip(waited) {
                // A routed card that waited for a draw (`Some`), however long its call took.
                if let Some(latency) = waited {
                    origin.source = Source::Fresh;
                    origin.call_latency = latency;
                }
                if let Err(failed) = outcome {
                    origin.detail = Some(failed.failure.to_string());
                }
            }
        }

        // Stale copies for the failed cards: one more round trip, on the error path only.
        let failed: Vec<&Failed> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
        let stale_keys: Vec<(&cache::CardKeys, Generations)> =
            failed.iter().filter_map(|f| f.routed.as_ref().map(|(_, k, g)| (k, *g))).collect();
        let mut stale_found = match &self.cache {
            Some(cache) if !stale_keys.is_empty() => {
                let span = cardmesh_telemetry::span_if_tracing(|| {
                    tracing::info_span!("cache_stale_lookup", cards = stale_keys.len(), found = Empty)
                });
                let found = cache.stale(&stale_keys).instrument(span.clone()).await;
                span.record("found", found.iter().flatten().count());
                found.into_iter()
            }
            _ => Vec::new().into_iter(),
        };

        let mut cards = Vec::with_capacity(outcomes.len());
        let (mut stale, mut unreachable) = (0, 0);
        let mut fallback_reasons = Vec::new();
        for (index, outcome) in outcomes.iter().enumerate() {
            let failed = match outcome {
                Ok(card) => {
                    cards.push(card.clone());
                    continue;
                }
                Err(failed) => failed,
            };
            let service = failed.routed.as_ref().map_or("-", |(info, _, _)| &*info.service_name);
            let stale_copy = if failed.routed.is_some() { stale_found.next().flatten() } else { None };
            if let Some(copy) = stale_copy {
                stale += 1;
                if let Some(cache) = &self.cache {
                    cache.stats().record_stale();
                }
                if failed.failure.is_circuit_open() {
                    tracing::debug!(card_key = %failed.key, service, reason = failed.failure.code(), "serving stale card");
                } else {
                    tracing::warn!(card_key = %failed.key, service, reason = failed.failure.code(),
                        detail = %failed.failure, "serving stale card");
                }
                cards.push(with_ttl(&copy, self.config.fallback.ttl_seconds));
                if let Some(origin) = origins.as_mut().and_then(|o| o.get_mut(index)) {
                    origin.source = Source::Stale { reason: failed.failure.code() };
                }
            } else {
                unreachable += usize::from(failed.failure.is_unreachable());
                fallback_reasons.push(failed.failure.code());
                if failed.failure.is_circuit_open() {
                    // The breaker's opening was logged once; one line per skipped card would
                    // flood the logs for the whole outage.
                    tracing::debug!(card_key = %failed.key, service, reason = failed.failure.code(),
                        "serving fallback card");
                } else {
                    tracing::warn!(card_key = %failed.key, service, reason = failed.failure.code(),
                        detail = %failed.failure, "serving fallback card");
                }
                cards.push(self.fallback.card(&failed.key));
                if let Some(origin) = origins.as_mut().and_then(|o| o.get_mut(index)) {
                    origin.source = Source::Fallback { reason: failed.failure.code() };
                }
            }
        }
        if cardmesh_telemetry::tracing_enabled() {
            Span::current().record("cache_stale", stale);
        }
        if !cards.is_empty() && unreachable == cards.len() {
            return Err(GatewayError::AllServicesUnavailable);
        }
        for reason in fallback_reasons {
            self.metrics.fallback(reason);
        }
        self.fit_response(&mut cards, origins.as_deref_mut(), span);
        let provenance = origins.map(|o| provenance_of(o, &cards, keys));
        Ok(Answer { body: ResponseBody::build(&cards), hits, misses, stale, provenance })
    }

    /// Replaces the biggest cards with fallback cards (logging each inside `span`, and
    /// marking it in `origins` when provenance is collected) until the answer fits
    /// `limits.max_response_bytes`.
    fn fit_response(&self, cards: &mut [CardJson], mut origins: Option<&mut [Origin]>, span: &RequestSpanSlot<'_>) {
        let limit = self.config.limits.max_response_bytes;
        let mut total: usize = cards.iter().map(|c| c.as_str().len() + 1).sum::<usize>() + 12;
        while total > limit {
            let Some((i, _)) = cards.iter().enumerate().max_by_key(|(_, c)| c.as_str().len()) else { break };
            let key = serde_json::from_str::<serde_json::Value>(cards[i].as_str())
                .ok()
                .and_then(|v| v["key"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let replacement = self.fallback.card(&key);
            if replacement.as_str().len() >= cards[i].as_str().len() {
                break;
            }
            let _inside = span.get().enter();
            tracing::warn!(card_key = %key, bytes = cards[i].as_str().len(), limit,
                reason = "response_too_big", "serving fallback card: the answer would exceed its size limit");
            self.metrics.fallback("response_too_big");
            total -= cards[i].as_str().len() - replacement.as_str().len();
            if let Some(origin) = origins.as_deref_mut().and_then(|o| o.get_mut(i)) {
                origin.source = Source::Fallback { reason: "response_too_big" };
                origin.detail = Some(format!("the answer would exceed its {limit}-byte limit; this {}-byte card was the biggest", cards[i].as_str().len()));
            }
            cards[i] = replacement;
        }
    }

    /// The budget of the service calls of one request (each attempt has its own, shorter
    /// deadline in its service's stack).
    fn deadline(&self) -> Duration {
        self.config.fanout.overall_budget
    }
}

/// The provenance of each card of the answer, in request order.
fn provenance_of(origins: Vec<Origin>, cards: &[CardJson], keys: &CardKeys) -> Vec<CardProvenance> {
    origins
        .into_iter()
        .zip(cards)
        .zip(keys.as_slice())
        .map(|((origin, card), key)| CardProvenance {
            key: key.clone(),
            source: origin.source,
            service: origin.service,
            call_latency: origin.call_latency,
            bytes: card.as_str().len(),
            detail: origin.detail,
        })
        .collect()
}
