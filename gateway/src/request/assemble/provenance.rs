//! Where each card of an answer came from, as data: what a page showing a request's answer
//! card by card needs (source, owning service, call latency, size, why it failed). Collected only when
//! asked for ([`crate::Gateway::answer_with_provenance`]), so the hit path does not pay
//! for it.

use std::sync::Arc;
use std::time::Duration;

/// Where one card of an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Found fresh in the cache.
    CacheHit,
    /// Drawn just now by its service (by this request or a concurrent one it joined).
    Fresh,
    /// Drawn just now; the service said it has no data for this customer.
    NoData,
    /// The service failed (`reason`, a [`crate::request::failure::CardFailure`] code): its last good
    /// copy was served, with the fallback TTL.
    Stale { reason: &'static str },
    /// The fallback card was served: the card failed (`reason`, a
    /// [`crate::request::failure::CardFailure`] code) with no stale copy left, or it was replaced
    /// because the answer was over `limits.max_response_bytes` (`response_too_big`).
    Fallback { reason: &'static str },
    /// No service owns the key: an empty card.
    UnknownKey,
}

/// One card of an answer, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardProvenance {
    /// The requested key.
    pub key: String,
    pub source: Source,
    /// The owning service's configured name ([`crate::discovery::service_names`]); `None` for an
    /// unknown or not yet routable key.
    pub service: Option<Arc<str>>,
    /// How long the `GetCards` call that drew the card took, retries included (near zero
    /// when its circuit was open); `None` for a cache hit, an unknown key, or a card whose
    /// drawing request went away or ran out of time.
    pub call_latency: Option<Duration>,
    /// Bytes of the card's JSON in the answer.
    pub bytes: usize,
    /// Why a stale or fallback card failed, in words (an invalid card's violations with
    /// their JSON paths, a call's error, the size limit it broke); `None` otherwise.
    pub detail: Option<String>,
}
