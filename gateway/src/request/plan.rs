//! Planning, the first step of answering a Plain request: for every requested key, in
//! request order, decide how it is answered. Route lookup (which service owns the key),
//! cache lookup (one round trip for every routed key) and single flight (a missed card is
//! drawn once however many requests want it at the same time).
//!
//! On Plain's path the cache lookup also reads the served ledger (`crate::cache::served`):
//! a card Plain still holds an answer for, asked for again after the duplicate window, is a
//! reload, and is drawn from its service whatever the cache holds. A request for several
//! cards the near cache holds skips it (Plain reloads one card at a time).
//!
//! Planning never waits on a card service. What it decides is carried out by
//! [`crate::request::fetch`] (the cards this request leads) and [`crate::request::assemble`] (waiting, stale
//! copies, fallbacks, the 503 rule, size fitting).

use std::sync::Arc;

use tracing::field::Empty;
use tracing::Instrument;

use crate::cache::{self, Asked, CardCache, CardCacheKeys, Generations, LedgerRead, RequestKeys, Served};
use crate::discovery::{CardInfo, Lookup, RoutingTable};
use crate::plain::{CardJson, CardRequest};
use crate::request::single_flight::{Flights, Join, Leader, Waiter};
use crate::telemetry::GatewayMetrics;

/// Who sent a card request on Plain's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// Plain: kept in the served ledger, so its reloads reach the services.
    Plain,
    /// `cardmesh validate --url` (a signed request with `Cardmesh-Probe: validate`): answered
    /// exactly as Plain would be, but not counted: it holds no copy, so its asks are neither
    /// reloads nor recorded as answers Plain holds.
    Probe,
}

/// How one requested key is answered.
pub enum CardPlan<'t> {
    /// From the cache.
    Cached { card: CardJson, info: &'t CardInfo },
    /// No service owns the key: no data.
    Unknown(String),
    /// Some service has not described itself yet; the key may be one of its cards.
    Undiscovered(String),
    /// Drawn by this or a concurrent request.
    Wait(Pending),
}

impl CardPlan<'_> {
    /// Answered without waiting or failing.
    pub fn is_settled(&self) -> bool {
        matches!(self, CardPlan::Cached { .. } | CardPlan::Unknown(_))
    }
}

/// A card being drawn, with what is needed to find its stale copy.
pub struct Pending {
    pub info: CardInfo,
    pub keys: CardCacheKeys,
    pub generations: Generations,
    pub waiter: Waiter,
}

/// One card this request leads the flight of, and so must draw ([`crate::request::fetch`]).
pub struct Assignment {
    pub info: CardInfo,
    pub keys: CardCacheKeys,
    pub generations: Generations,
    pub leader: Leader,
}

/// The plan of one request.
pub struct Plan<'t> {
    /// One per requested key, in request order.
    pub cards: Vec<CardPlan<'t>>,
    /// The cards this request leads: to be drawn (by [`crate::request::fetch::draw_cards`]) for this
    /// request and every request following it.
    pub assignments: Vec<Assignment>,
    /// Cards found fresh in the cache.
    pub hits: usize,
    /// Routed cards not found fresh in the cache (drawn by this or another request).
    pub misses: usize,
    /// On Plain's path with a cache: the request's served-ledger entry as read, and what to
    /// record in it once answered.
    pub ledger: Option<LedgerNotes>,
}

/// The served ledger of the request's context, as read at planning.
pub struct LedgerNotes {
    /// The context's served-ledger key.
    pub key: String,
    /// Its entry as read (what was last answered in the context, for every card), or that it
    /// was not read (then the answers are appended to it).
    pub last: LedgerRead,
    /// One per routed card of the request.
    pub cards: Vec<LedgerNote>,
}

/// A routed card's place in the served ledger, as read at planning.
pub struct LedgerNote {
    /// The card's key.
    pub card_key: String,
    /// What was last answered for it in the request's context.
    pub last: Option<Served>,
    /// Why Plain asked.
    pub asked: Asked,
}

impl Plan<'_> {
    /// Every card is known already (the usual case: all cache hits): nothing to wait for.
    pub fn is_settled(&self) -> bool {
        self.cards.iter().all(CardPlan::is_settled)
    }
}

/// Where planning looks things up.
pub struct Planner<'a> {
    pub table: &'a RoutingTable,
    /// The response cache; `None` when it is off, and then every request draws its own
    /// cards (no flight is shared).
    pub cache: Option<&'a Arc<CardCache>>,
    pub flights: &'a Arc<Flights>,
    /// Ignore fresh cached copies: every routed card is drawn again; stale copies still stand
    /// in for failed cards. Default off; only the [card preview](crate::preview)'s Reload
    /// sets it.
    pub bypass_cache: bool,
    /// Draw every missed card alone, neither joining nor leading a flight other requests
    /// share. Only the [card preview](crate::preview) sets it: its cards must never reach
    /// Plain's answers.
    pub alone: bool,
    /// Read and keep the served ledger: only for Plain's requests (never the preview's, nor
    /// `validate --url`'s, which are not Plain and hold no copy).
    pub ledger: bool,
    /// Counts reloads, duplicates and the age of cards served from the cache.
    pub metrics: &'a GatewayMetrics,
}

impl<'a> Planner<'a> {
    /// Plans the cards `keys` of `request` from workspace `workspace_id`. Inside a
    /// `cache_lookup` span while tracing; records `cache_hits` and `cache_misses` on the
    /// current (request) span while tracing.
    pub async fn plan(&self, request: &CardRequest, keys: &[String], workspace_id: &str) -> Plan<'a> {
        let table = self.table;
        let lookups: Vec<Lookup<'a>> = keys.iter().map(|key| table.lookup(key)).collect();
        let mut request_keys = RequestKeys::new(workspace_id, request);
        let routed: Vec<CardCacheKeys> = lookups
            .iter()
            .filter_map(|lookup| match lookup {
                Lookup::Routed(info) => Some(request_keys.card(&info.key, info.scope)),
                Lookup::Unknown | Lookup::Undiscovered => None,
            })
            .collect();
        let ledger_key = (self.ledger && self.cache.is_some() && !routed.is_empty()).then(|| request_keys.served());
        let (slots, last) = self.lookup(&routed, ledger_key.as_deref()).await;

        let mut plan = Plan {
            cards: Vec::with_capacity(keys.len()),
            assignments: Vec::new(),
            hits: 0,
            misses: 0,
            ledger: ledger_key.map(|key| LedgerNotes { key, last, cards: Vec::with_capacity(routed.len()) }),
        };
        let mut routed = routed.into_iter().zip(slots);
        for (key, lookup) in keys.iter().zip(lookups) {
            let card = match lookup {
                Lookup::Unknown => CardPlan::Unknown(key.clone()),
                Lookup::Undiscovered => CardPlan::Undiscovered(key.clone()),
                Lookup::Routed(info) => {
                    let (cache_keys, slot) = routed.next().expect("one slot per routed key");
                    if let Some(ledger) = &mut plan.ledger {
                        match slot.asked {
                            Asked::Reload => self.metrics.reload(),
                            Asked::Duplicate => self.metrics.duplicate(),
                            Asked::First => {}
                        }
                        let (last, asked) = (slot.served, slot.asked);
                        ledger.cards.push(LedgerNote { card_key: info.key.clone(), last, asked });
                    }
                    self.routed(&mut plan, info, cache_keys, slot)
                }
            };
            plan.cards.push(card);
        }
        crate::telemetry::record_on_current("cache_hits", plan.hits);
        crate::telemetry::record_on_current("cache_misses", plan.misses);
        plan
    }

    /// The cache's slots of `routed`, and the context's served-ledger entry when `ledger` is
    /// its key: one round trip, in a `cache_lookup` span while tracing.
    async fn lookup(&self, routed: &[CardCacheKeys], ledger: Option<&str>) -> (Vec<cache::Slot>, LedgerRead) {
        let Some(cache) = self.cache else {
            return (vec![cache::Slot::empty(); routed.len()], LedgerRead::Entry(None));
        };
        let span = cardmesh_telemetry::span_if_tracing(|| {
            tracing::info_span!("cache_lookup", cards = routed.len(), hits = Empty, misses = Empty)
        });
        let (slots, last) = cache.lookup(&routed.iter().collect::<Vec<_>>(), ledger).instrument(span.clone()).await;
        let hits = slots.iter().filter(|s| s.fresh.is_some()).count();
        span.record("hits", hits).record("misses", slots.len() - hits);
        (slots, last)
    }

    /// The plan of a routed card: its fresh copy (unless Plain reloads it), else a wait on
    /// its flight (leading it when nobody draws the card yet).
    fn routed(&self, plan: &mut Plan<'a>, info: &'a CardInfo, keys: CardCacheKeys, slot: cache::Slot) -> CardPlan<'a> {
        // A card Plain reloads has no fresh copy (see `CardCache::lookup`).
        if let Some(card) = slot.fresh.filter(|_| !self.bypass_cache) {
            plan.hits += 1;
            self.metrics.cache_hit_age(slot.age_ms);
            return CardPlan::Cached { card, info };
        }
        plan.misses += 1;
        let join = match self.cache {
            Some(_) if !self.alone => self.flights.join(&keys.fresh),
            _ => Join::Leader(Flights::solo(&keys.fresh)),
        };
        let waiter = match join {
            Join::Follower(waiter) => waiter,
            Join::Leader(leader) => {
                let waiter = leader.waiter();
                plan.assignments.push(Assignment {
                    info: info.clone(),
                    keys: keys.clone(),
                    generations: slot.generations,
                    leader,
                });
                waiter
            }
        };
        CardPlan::Wait(Pending { info: info.clone(), keys, generations: slot.generations, waiter })
    }
}
