//! The answer, the last stage of a Plain request: the `{"cards":[…]}` body with how it was
//! made, as the HTTP response Plain reads ([`Answer`]'s `IntoResponse`), and what Plain now
//! holds, recorded in the served ledger ([`record_served`]).

use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::cache::{CardCache, ServedContext};
use crate::plain::CardJson;
use crate::request::assemble::CardProvenance;
use crate::request::plan::LedgerNotes;

/// Response header with the cache outcome of a card request: `hits=N, misses=N, stale=N`.
pub const CACHE_HEADER: &str = "cardmesh-cache";

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
    /// [`crate::Gateway::answer_with_provenance`].
    pub provenance: Option<Vec<CardProvenance>>,
}

impl IntoResponse for Answer {
    /// `200` with the body as JSON and the [`CACHE_HEADER`].
    fn into_response(self) -> Response {
        let cache = format!("hits={}, misses={}, stale={}", self.hits, self.misses, self.stale);
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            [(HeaderName::from_static(CACHE_HEADER), cache)],
            self.body,
        )
            .into_response()
    }
}

/// Records in the context's served-ledger entry what Plain was answered for each routed
/// card, with the TTL the answer carries (so Plain keeps it that long); one write, off the
/// request path, and none when nothing changed.
pub fn record_served(cache: &CardCache, ledger: LedgerNotes, cards: &[CardJson]) {
    let now_ms = cache.now_ms();
    let answers = ledger
        .cards
        .into_iter()
        .filter_map(|note| {
            let card = cards.iter().find(|c| c.key() == Some(note.card_key.as_str()))?;
            let served = crate::cache::record(note.last, note.asked, now_ms, card.ttl_seconds()?)?;
            Some((note.card_key, served))
        })
        .collect();
    // After a lookup that did not read the entry, only this request's answers, appended.
    if let Some(context) = ServedContext::updated(ledger.last.entry(), now_ms, answers) {
        cache.record_served(ledger.key, &context, &ledger.last);
    }
}
