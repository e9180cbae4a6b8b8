//! The stale lookup: the last good copies of the cards whose service failed, in one round
//! trip, on the error path only.

use tracing::field::Empty;
use tracing::Instrument;

use super::{Failed, Got};
use crate::cache::{CardCache, CardCacheKeys, Generations};
use crate::plain::CardJson;

/// One entry per failed routed card of `outcomes`, in order: its stale copy, if the cache
/// still holds one for its generations. Empty without a cache or without such cards. In a
/// `cache_stale_lookup` span while tracing.
pub(super) async fn lookup(cache: Option<&CardCache>, outcomes: &[Result<Got, Failed>]) -> Vec<Option<CardJson>> {
    let keys: Vec<(&CardCacheKeys, Generations)> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().err())
        .filter_map(|f| f.pending.as_ref().map(|(_, keys, generations)| (keys, *generations)))
        .collect();
    let Some(cache) = cache.filter(|_| !keys.is_empty()) else { return Vec::new() };
    let span = cardmesh_telemetry::span_if_tracing(|| {
        tracing::info_span!("cache_stale_lookup", cards = keys.len(), found = Empty)
    });
    let found = cache.stale(&keys).instrument(span.clone()).await;
    span.record("found", found.iter().flatten().count());
    found
}
