//! Drawing the cards a request leads: one `GetCards` call per service, in parallel, then
//! render, cache, and publish each card to everyone waiting for it. With Redis, each draw
//! is claimed first, so that a card another replica is drawing is awaited rather than drawn
//! twice ([`crate::cache::CardCache::claim_draws`]).

use std::collections::{BTreeMap, HashMap};
mod render_result;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use cardmesh_proto as proto;

pub use render_result::{index_results, render_result};

use futures::FutureExt;
use tokio::time::Instant;
use tracing::Instrument;

use crate::cache::{self, CardCache, Claimed, DrawWait};
use crate::fanout::{call_services, Backends, CallFailure, ServiceCall};
use crate::plain::CardRequest;
use crate::request::failure::CardFailure;
use crate::request::plan::Assignment;
use crate::request::single_flight::Published;
use crate::telemetry::GatewayMetrics;

/// Limits and defaults that apply while drawing.
#[derive(Debug, Clone, Copy)]
pub struct DrawSettings {
    /// TTL of a card whose service sets none.
    pub default_ttl: Duration,
    /// Largest rendered card.
    pub max_card_bytes: usize,
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

/// Starts [`draw_cards`] as a task of its own, in a `draw_cards` span under `request_span`
/// while tracing (else in the request's span, so that its log lines keep the request's
/// trace id). A draw that panics drops its leaders without an outcome: every request
/// waiting on them serves a stale copy or a fallback for `leader_lost`
/// ([`crate::request::failure::CardFailure::LeaderLost`]); the panic is logged once, here.
pub fn spawn_draw(job: DrawJob, request_span: &tracing::Span) {
    let cards = job.assignments.len();
    let draw_span = if cardmesh_telemetry::tracing_enabled() {
        let services = job.assignments.iter().map(|a| a.info.service).collect::<std::collections::BTreeSet<_>>();
        tracing::info_span!(parent: request_span, "draw_cards", services = services.len(), cards)
    } else {
        request_span.clone()
    };
    let draw = async move {
        if AssertUnwindSafe(draw_cards(job)).catch_unwind().await.is_err() {
            tracing::error!(cards, reason = "leader_lost", "the background draw panicked");
        }
    };
    tokio::spawn(draw.instrument(draw_span));
}

/// Calls the services of `job.assignments` (one call each, in parallel, under
/// `job.deadline`), renders every card, queues the good ones for the cache and publishes
/// every outcome, with the call's latency. Counts the calls and the cards' outcomes in
/// `job.metrics`.
///
/// With a cache replicas share, the draws are claimed first ([`crate::cache::CardCache::claim_draws`],
/// one round trip): a card another replica is drawing is not drawn here, its copy is awaited
/// (until `job.deadline`) and published as this draw's outcome; when that replica's mark
/// goes away without a copy, the card is drawn here with the budget left.
pub async fn draw_cards(mut job: DrawJob) {
    let until = Instant::now() + job.deadline;
    let assignments = std::mem::take(&mut job.assignments);
    let Some(cache) = job.cache.clone() else {
        draw_here(&job, assignments, job.deadline).await;
        return;
    };
    let keys: Vec<&cache::CardCacheKeys> = assignments.iter().map(|a| &a.keys).collect();
    let (claimed, marks) = cache.claim_draws(&keys, job.deadline).await;
    let (mut here, mut joins) = (Vec::new(), Vec::new());
    for (assignment, claimed) in assignments.into_iter().zip(claimed) {
        match claimed {
            Claimed::Won => here.push(assignment),
            Claimed::Error => {
                job.metrics.shared_draw_claim_error();
                here.push(assignment);
            }
            Claimed::Lost { since_ms } => joins.push(join_draw(&job, &cache, assignment, since_ms, until)),
        }
    }
    let drawn_here = async {
        if !here.is_empty() {
            draw_here(&job, here, until.saturating_duration_since(Instant::now())).await;
        }
        if let Some(marks) = marks {
            cache.release_draws(marks).await;
        }
    };
    futures::join!(drawn_here, futures::future::join_all(joins));
}

/// Waits for the copy of a card another replica draws and publishes it; draws the card here
/// (with the budget left) when that replica's mark goes away without one or the store fails;
/// publishes a timeout at `until`.
async fn join_draw(job: &DrawJob, cache: &CardCache, assignment: Assignment, since_ms: u64, until: Instant) {
    let waited = cache.wait_for_draw(&assignment.keys, since_ms, until).await;
    match waited {
        DrawWait::Copy(card) => {
            job.metrics.shared_draw_joined();
            assignment.leader.finish_with(Published { drawn: Ok(card), call_latency: None });
        }
        DrawWait::Deadline => {
            job.metrics.shared_draw_unjoined(waited.reason());
            assignment.leader.finish(Err(CardFailure::Call(CallFailure::Timeout(job.deadline))));
        }
        DrawWait::MarkGone | DrawWait::StoreError => {
            job.metrics.shared_draw_unjoined(waited.reason());
            draw_here(job, vec![assignment], until.saturating_duration_since(Instant::now())).await;
        }
    }
}

/// Draws `assignments` here: one call per service under `deadline`, then render, store and
/// publish (see [`draw_cards`]).
async fn draw_here(job: &DrawJob, assignments: Vec<Assignment>, deadline: Duration) {
    let DrawJob { backends, cache, settings, request, workspace_id, metrics, .. } = job;
    let (settings, workspace_id) = (*settings, workspace_id.as_str());
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
                request: get_cards_request(request, keys, workspace_id),
            }
        })
        .collect();
    let answers = call_services(backends, calls, deadline).await;
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
                    cache.store(&a.keys, workspace_id, a.generations, &card, ttl, drawn_ms);
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
