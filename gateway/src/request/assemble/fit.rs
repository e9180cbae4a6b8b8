//! Size fitting: an answer over `limits.max_response_bytes` loses its biggest cards to
//! fallback cards until it fits.

use super::{Assembler, CardProvenance, Source};
use crate::plain::CardJson;

/// Replaces the biggest cards with fallback cards (logging each inside the request's span,
/// counting each as a `response_too_big` fallback) until the answer fits
/// `limits.max_response_bytes`, or until no replacement would make it smaller.
pub(super) fn fit_response(
    cards: &mut [CardJson],
    mut provenance: Option<&mut [CardProvenance]>,
    with: &Assembler<'_>,
) {
    let limit = with.max_response_bytes;
    let mut total: usize = cards.iter().map(|c| c.as_str().len() + 1).sum::<usize>() + 12;
    while total > limit {
        let Some((i, _)) = cards.iter().enumerate().max_by_key(|(_, c)| c.as_str().len()) else { break };
        let key = cards[i].key().unwrap_or_default().to_owned();
        let replacement = with.fallback.card(&key);
        if replacement.as_str().len() >= cards[i].as_str().len() {
            break;
        }
        let _inside = with.span.get().enter();
        tracing::warn!(card_key = %key, bytes = cards[i].as_str().len(), limit,
            reason = "response_too_big", "serving fallback card: the answer would exceed its size limit");
        with.metrics.fallback("response_too_big");
        let bytes = cards[i].as_str().len();
        total -= bytes - replacement.as_str().len();
        cards[i] = replacement;
        if let Some(entry) = provenance.as_deref_mut().and_then(|p| p.get_mut(i)) {
            entry.source = Source::Fallback { reason: "response_too_big" };
            entry.detail =
                Some(format!("the answer would exceed its {limit}-byte limit; this {bytes}-byte card was the biggest"));
        }
    }
}
