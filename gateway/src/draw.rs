//! Drawing the cards a request leads: one `GetCards` call per service, in parallel, then
//! render, cache, and publish each card to everyone waiting for it.

use std::collections::{BTreeMap, HashMap};
mod result;

use std::sync::Arc;
use std::time::Duration;

use cardmesh_proto as proto;

pub use result::{index_results, render_result};

use crate::cache::{self, CardCache, Generations};
use crate::failure::CardFailure;
use crate::fanout::{call_services, Backends, ServiceCall};
use crate::flight::{Leader, Published};
use crate::plain::CardRequest;
use crate::route::CardInfo;
use crate::telemetry::GatewayMetrics;

/// Limits and defaults that apply while drawing.
#[derive(Debug, Clone, Copy)]
pub struct DrawSettings {
    /// TTL of a card whose service sets none.
    pub default_ttl: Duration,
    /// Largest rendered card.
    pub max_card_bytes: usize,
}

/// One card this request must draw.
pub struct Assignment {
    pub info: CardInfo,
    pub keys: cache::CardCacheKeys,
    pub generations: Generations,
    pub leader: Leader,
}

/// Everything one background draw needs (owned: the draw outlives the request that
/// started it, so that a client going away does not cancel a call others wait for).
pub struct DrawJob {
    /// The card services.
    pub backends: Backends,
    /// Where good cards are stored; `None` when the cache is off.
    pub cache: Option<Arc<CardCache>>,
    pub settings: DrawSettings,
    /// The Plain request the cards are drawn for.
    pub request: CardRequest,
    /// `Plain-Workspace-Id` of the request (empty when absent).
    pub workspace_id: String,
    /// The cards this request leads.
    pub assignments: Vec<Assignment>,
    /// The budget of all the service calls (`fanout.overall_budget`).
    pub deadline: Duration,
    /// Counts the calls and the cards' outcomes.
    pub metrics: Arc<GatewayMetrics>,
}

/// Calls the services of `job.assignments` (one call each, in parallel, under
/// `job.deadline`), renders every card, queues the good ones for the cache and publishes
/// every outcome, with the call's latency. Counts the calls and the cards' outcomes in
/// `job.metrics`.
pub async fn draw_cards(job: DrawJob) {
    let DrawJob { backends, cache, settings, request, workspace_id, assignments, deadline, metrics } = job;
    // The cards' age counts from when their services were asked.
    let drawn_ms = cache.as_ref().map_or(0, |cache| cache.now_ms());
    let mut by_service: BTreeMap<usize, Vec<Assignment>> = BTreeMap::new();
    for a in assignments {
        by_service.entry(a.info.service).or_default().push(a);
    }
    let calls = by_service
        .iter()
        .map(|(service, cards)| {
            let keys = cards.iter().map(|a| a.info.key.clone()).collect();
            ServiceCall {
                service: *service,
                name: cards[0].info.service_name.clone(),
                request: get_cards_request(&request, keys, &workspace_id),
            }
        })
        .collect();
    let answers = call_services(&backends, calls, deadline).await;
    let mut results: HashMap<usize, _> = answers
        .into_iter()
        .map(|a| {
            let outcome = a.result.as_ref().map_or_else(|failure| failure.code(), |_| "ok");
            metrics.service_call(&a.name, outcome, a.elapsed);
            (a.service, (a.result.map(|r| index_results(r.results)), a.elapsed))
        })
        .collect();

    for (service, cards) in by_service {
        let (answer, call_latency) = match results.remove(&service) {
            Some((answer, elapsed)) => (Some(answer), Some(elapsed)),
            None => (None, None),
        };
        let name = cards[0].info.service_name.clone();
        let render_span = match &answer {
            Some(Ok(_)) => cardmesh_telemetry::span_if_tracing(
                || tracing::info_span!("render_cards", service = %name, cards = cards.len(), failed = tracing::field::Empty),
            ),
            _ => tracing::Span::none(),
        };
        let mut failed = 0;
        for a in cards {
            let drawn = match &answer {
                Some(Ok(by_key)) => {
                    let _rendering = render_span.enter();
                    let rendered = render_result(&a.info, by_key.get(&a.info.key), settings.max_card_bytes);
                    let outcome = rendered.as_ref().map_or_else(CardFailure::code, |_| "ok");
                    failed += usize::from(rendered.is_err());
                    metrics.service_card(&name, outcome);
                    rendered
                }
                Some(Err(failure)) => Err(CardFailure::Call(failure.clone())),
                None => Err(CardFailure::MissingResult),
            };
            let drawn = drawn.map(|(card, ttl)| {
                // Plain is always told the TTL the gateway caches the card for, so both keep it
                // equally long and the served ledger knows when Plain's copy expires.
                let ttl_seconds = effective_ttl_seconds(ttl, a.info.default_ttl_seconds, settings.default_ttl);
                let card = if card.ttl_seconds() == Some(ttl_seconds) { card } else { card.with_ttl(ttl_seconds) };
                if let Some(cache) = &cache {
                    let ttl = Duration::from_secs(u64::from(ttl_seconds));
                    cache.store(&a.keys, &workspace_id, a.generations, &card, ttl, drawn_ms);
                }
                card
            });
            a.leader.finish_with(Published { drawn, call_latency });
        }
        render_span.record("failed", failed);
    }
}

/// The TTL of a drawn card: the one its service set in the answer, else the one its
/// `Describe` declared, else `cache.default_ttl`.
pub fn effective_ttl_seconds(answered: Option<u32>, described: Option<u32>, default_ttl: Duration) -> u32 {
    answered.or(described).unwrap_or_else(|| u32::try_from(default_ttl.as_secs()).unwrap_or(u32::MAX))
}

/// The `GetCardsRequest` for `card_keys` of one service. A customer without an email (Plain
/// sent `null` or none) gets `email: None`: absent on the wire, never an empty string.
pub fn get_cards_request(request: &CardRequest, card_keys: Vec<String>, workspace_id: &str) -> proto::GetCardsRequest {
    proto::GetCardsRequest {
        card_keys,
        workspace_id: workspace_id.to_owned(),
        customer: Some(proto::Customer {
            id: request.customer.id.clone(),
            email: request.customer.email.clone(),
            external_id: request.customer.external_id.clone(),
        }),
        thread: request.thread.as_ref().map(|t| proto::Thread { id: t.id.clone(), external_id: t.external_id.clone() }),
        tenant: request.tenant.as_ref().map(|t| proto::Tenant { id: t.id.clone(), external_id: t.external_id.clone() }),
    }
}
