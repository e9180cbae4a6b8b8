//! Assembly, the second step of answering a Plain request: turn the [plan](crate::request::plan)
//! into exactly one card per requested key, in request order.
//!
//! - a settled plan (every card from the cache or unknown) is assembled at once;
//! - otherwise the drawn cards are awaited (a little beyond the request's budget);
//! - a card that failed gets its last good copy from the cache (**stale lookup**, one more
//!   round trip, on the error path only), served with the fallback TTL, else the
//!   **fallback** card;
//! - **the 503 rule**: when every card failed because its service was unreachable (or its
//!   circuit was open, or no service has described it yet) and no stale copy was left, the
//!   answer is [`GatewayError::AllServicesUnavailable`];
//! - **size fitting** ([`fit`]): the biggest cards are replaced with fallback cards until the
//!   answer fits `limits.max_response_bytes`.
//!
//! With provenance asked for, each card's [`CardProvenance`] comes along.

mod fallback;
mod fit;
mod provenance;
mod stale;

use std::time::Duration;

use futures::future::join_all;

pub use fallback::{with_ttl, FallbackCards};
pub use provenance::{CardProvenance, Source};

use crate::cache::CardCache;
use crate::discovery::CardInfo;
use crate::error::GatewayError;
use crate::fanout::CallFailure;
use crate::plain::CardJson;
use crate::request::failure::CardFailure;
use crate::request::plan::{CardPlan, Pending};
use crate::telemetry::{GatewayMetrics, RequestSpanSlot};

/// What assembly needs from the gateway, borrowed for one request.
pub struct Assembler<'a> {
    /// The response cache, for stale copies; `None` when it is off.
    pub cache: Option<&'a CardCache>,
    pub fallback: &'a FallbackCards,
    pub metrics: &'a GatewayMetrics,
    /// The TTL a stale copy is served with (`fallback.ttl_seconds`).
    pub stale_ttl_seconds: u32,
    /// `limits.max_response_bytes`.
    pub max_response_bytes: usize,
    /// How long to wait for drawn cards: a little beyond `fanout.overall_budget`, for
    /// rendering and scheduling.
    pub wait_limit: Duration,
    /// The request's span, for what is logged on the way.
    pub span: &'a RequestSpanSlot<'a>,
}

/// One request's cards, in request order.
#[derive(Debug)]
pub struct Assembled {
    pub cards: Vec<CardJson>,
    /// Cards served as their last good copy.
    pub stale: usize,
    /// Where each card came from, when asked for.
    pub provenance: Option<Vec<CardProvenance>>,
}

/// A card that could be answered, with where it came from.
struct Got {
    card: CardJson,
    source: Source,
    service: Option<std::sync::Arc<str>>,
    call_latency: Option<Duration>,
    /// Why the card failed, when it is a stale copy or a fallback; filled only when
    /// provenance is collected.
    detail: Option<String>,
}

/// A card that could not be drawn fresh.
struct Failed {
    key: String,
    failure: CardFailure,
    /// The pending card's route and cache keys, when the key was routed.
    pending: Option<(CardInfo, crate::cache::CardCacheKeys, crate::cache::Generations)>,
    call_latency: Option<Duration>,
}

impl Assembler<'_> {
    /// Assembles a settled plan (see [`crate::request::plan::Plan::is_settled`]) without waiting.
    pub fn settled(&self, plans: Vec<CardPlan<'_>>, with_provenance: bool) -> Assembled {
        let provenance = with_provenance.then(|| plans.iter().map(settled_provenance).collect());
        let cards = plans
            .into_iter()
            .filter_map(|plan| match plan {
                CardPlan::Cached { card, .. } => Some(card),
                CardPlan::Unknown(key) => Some(CardJson::new(&key, None, None)),
                CardPlan::Undiscovered(_) | CardPlan::Wait(_) => None,
            })
            .collect();
        self.finish(cards, 0, provenance)
    }

    /// Waits for the drawn cards, then serves stale copies or fallbacks for what failed.
    /// Records `cache_stale` on the current span while tracing. Must run inside the
    /// request's span.
    pub async fn wait(&self, plans: Vec<CardPlan<'_>>, with_provenance: bool) -> Result<Assembled, GatewayError> {
        let wait_limit = self.wait_limit;
        let outcomes: Vec<Result<Got, Failed>> = join_all(plans.into_iter().map(|plan| async move {
            match plan {
                CardPlan::Cached { card, info } => Ok(Got {
                    card,
                    source: Source::CacheHit,
                    service: Some(info.service_name.clone()),
                    call_latency: None,
                    detail: None,
                }),
                CardPlan::Unknown(key) => Ok(Got {
                    card: CardJson::new(&key, None, None),
                    source: Source::UnknownKey,
                    service: None,
                    call_latency: None,
                    detail: None,
                }),
                CardPlan::Undiscovered(key) => {
                    Err(Failed { key, failure: CardFailure::Undiscovered, pending: None, call_latency: None })
                }
                CardPlan::Wait(pending) => wait_for(pending, wait_limit).await,
            }
        }))
        .await;

        let mut stale_copies = stale::lookup(self.cache, &outcomes).await.into_iter();
        let mut cards = Vec::with_capacity(outcomes.len());
        let mut provenance = with_provenance.then(|| Vec::with_capacity(outcomes.len()));
        let (mut stale, mut unreachable) = (0, 0);
        let mut fallback_reasons = Vec::new();
        for outcome in outcomes {
            let got = match outcome {
                Ok(got) => got,
                Err(failed) => {
                    let copy = if failed.pending.is_some() { stale_copies.next().flatten() } else { None };
                    match copy {
                        Some(copy) => {
                            stale += 1;
                            self.served_stale(&failed, copy, with_provenance)
                        }
                        None => {
                            unreachable += usize::from(failed.failure.is_unreachable());
                            fallback_reasons.push(failed.failure.code());
                            self.served_fallback(&failed, with_provenance)
                        }
                    }
                }
            };
            if let Some(provenance) = &mut provenance {
                provenance.push(CardProvenance {
                    key: got.card.key().unwrap_or_default().to_owned(),
                    source: got.source,
                    service: got.service,
                    call_latency: got.call_latency,
                    bytes: 0,
                    detail: got.detail,
                });
            }
            cards.push(got.card);
        }
        crate::telemetry::record_on_current("cache_stale", stale);
        if !cards.is_empty() && unreachable == cards.len() {
            return Err(GatewayError::AllServicesUnavailable);
        }
        for reason in fallback_reasons {
            self.metrics.fallback(reason);
        }
        Ok(self.finish(cards, stale, provenance))
    }

    /// The stale copy of a failed card, logged (at debug level while its circuit is open:
    /// the breaker's opening was logged once).
    /// `with_detail`: say why in [`Got::detail`] (provenance only).
    fn served_stale(&self, failed: &Failed, copy: CardJson, with_detail: bool) -> Got {
        if let Some(cache) = self.cache {
            cache.stats().record_stale();
        }
        let service = failed.pending.as_ref().map_or("-", |(info, _, _)| &*info.service_name);
        let reason = failed.failure.code();
        if failed.failure.is_circuit_open() {
            tracing::debug!(card_key = %failed.key, service, reason, "serving stale card");
        } else {
            let detail = cardmesh_telemetry::scrub::service_text(&failed.failure.to_string());
            tracing::warn!(card_key = %failed.key, service, reason, %detail, "serving stale card");
        }
        Got {
            card: with_ttl(&copy, self.stale_ttl_seconds),
            source: Source::Stale { reason },
            service: failed.pending.as_ref().map(|(info, _, _)| info.service_name.clone()),
            call_latency: failed.call_latency,
            detail: with_detail.then(|| failed.failure.to_string()),
        }
    }

    /// The fallback card of a failed card, logged like [`Self::served_stale`].
    fn served_fallback(&self, failed: &Failed, with_detail: bool) -> Got {
        let service = failed.pending.as_ref().map_or("-", |(info, _, _)| &*info.service_name);
        let reason = failed.failure.code();
        if failed.failure.is_circuit_open() {
            // One line per skipped card would flood the logs for the whole outage.
            tracing::debug!(card_key = %failed.key, service, reason, "serving fallback card");
        } else {
            let detail = cardmesh_telemetry::scrub::service_text(&failed.failure.to_string());
            tracing::warn!(card_key = %failed.key, service, reason, %detail, "serving fallback card");
        }
        Got {
            card: self.fallback.card(&failed.key),
            source: Source::Fallback { reason },
            service: failed.pending.as_ref().map(|(info, _, _)| info.service_name.clone()),
            call_latency: failed.call_latency,
            detail: with_detail.then(|| failed.failure.to_string()),
        }
    }

    /// Fits the answer into its size limit and completes the provenance with each card's size.
    fn finish(&self, mut cards: Vec<CardJson>, stale: usize, mut provenance: Option<Vec<CardProvenance>>) -> Assembled {
        fit::fit_response(&mut cards, provenance.as_deref_mut(), self);
        if let Some(provenance) = &mut provenance {
            for (entry, card) in provenance.iter_mut().zip(&cards) {
                entry.bytes = card.as_str().len();
            }
        }
        Assembled { cards, stale, provenance }
    }
}

/// Waits for a pending card's flight, under `wait_limit`.
async fn wait_for(pending: Pending, wait_limit: Duration) -> Result<Got, Failed> {
    let Pending { info, keys, generations, waiter } = pending;
    let (drawn, call_latency) = match tokio::time::timeout(wait_limit, waiter.wait_published()).await {
        Ok(Some(published)) => (published.drawn, published.call_latency),
        // The leader went away without publishing: the gateway's own fault, never the
        // service's, so it neither counts towards the 503 rule nor reads as "unreachable".
        Ok(None) => (Err(CardFailure::LeaderLost), None),
        Err(_) => (Err(CardFailure::Call(CallFailure::Timeout(wait_limit))), None),
    };
    match drawn {
        Ok(card) => {
            let source = if card.is_no_data() { Source::NoData } else { Source::Fresh };
            Ok(Got { card, source, service: Some(info.service_name.clone()), call_latency, detail: None })
        }
        Err(failure) => {
            Err(Failed { key: info.key.clone(), failure, pending: Some((info, keys, generations)), call_latency })
        }
    }
}

fn settled_provenance(plan: &CardPlan<'_>) -> CardProvenance {
    let (key, source, service) = match plan {
        CardPlan::Cached { info, .. } => (info.key.clone(), Source::CacheHit, Some(info.service_name.clone())),
        CardPlan::Unknown(key) => (key.clone(), Source::UnknownKey, None),
        CardPlan::Undiscovered(key) => (key.clone(), Source::Fallback { reason: "undiscovered" }, None),
        CardPlan::Wait(p) => (p.info.key.clone(), Source::Fresh, Some(p.info.service_name.clone())),
    };
    let detail = matches!(plan, CardPlan::Undiscovered(_)).then(|| CardFailure::Undiscovered.to_string());
    CardProvenance { key, source, service, call_latency: None, bytes: 0, detail }
}

#[cfg(test)]
mod tests;
