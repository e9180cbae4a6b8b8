//! One service's answer, card by card: its results indexed by key, each validated and
//! rendered into a Plain card.

use std::collections::HashMap;

use cardmesh_proto::{card_result::Outcome, CardResult};

use crate::discovery::CardInfo;
use crate::plain::CardJson;
use crate::render;
use crate::request::failure::CardFailure;

/// Indexes one service's results by key (the first result for a key wins).
pub fn index_results(results: Vec<CardResult>) -> HashMap<String, CardResult> {
    let mut by_key = HashMap::with_capacity(results.len());
    for result in results {
        by_key.entry(result.key.clone()).or_insert(result);
    }
    by_key
}

/// Validates and renders one service result into a Plain card of at most `max_bytes`. Also
/// returns the TTL the service set for this answer, if any.
pub fn render_result(
    info: &CardInfo,
    result: Option<&CardResult>,
    max_bytes: usize,
) -> Result<(CardJson, Option<u32>), CardFailure> {
    let (card, ttl) = render_unchecked(info, result)?;
    let bytes = card.as_str().len();
    if bytes > max_bytes {
        return Err(CardFailure::TooBig { bytes, limit: max_bytes });
    }
    Ok((card, ttl))
}

fn render_unchecked(info: &CardInfo, result: Option<&CardResult>) -> Result<(CardJson, Option<u32>), CardFailure> {
    let result = result.ok_or(CardFailure::MissingResult)?;
    let ttl = result.time_to_live_seconds;
    match &result.outcome {
        Some(Outcome::Components(card)) => {
            let card = render::render_card(&info.key, ttl, &card.components).map_err(|violations| {
                let mut text = violations.iter().take(3).map(|v| v.to_string()).collect::<Vec<_>>().join("; ");
                if violations.len() > 3 {
                    text.push_str(&format!(" (and {} more)", violations.len() - 3));
                }
                CardFailure::Invalid(text)
            })?;
            Ok((card, ttl))
        }
        Some(Outcome::NoData(_)) => Ok((CardJson::new(&info.key, ttl, None), ttl)),
        Some(Outcome::Error(e)) => Err(CardFailure::Reported(cardmesh_telemetry::scrub::service_text(&e.reason))),
        None => Err(CardFailure::Invalid("the result has no outcome set".into())),
    }
}
