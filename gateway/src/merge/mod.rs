//! Turns the services' answers into exactly one Plain card per requested key.

mod fallback;

use std::collections::HashMap;

use cardmesh_proto::{card_result::Outcome, CardResult};

pub use fallback::{with_ttl, FallbackCards};

use crate::fanout::CallFailure;
use crate::plain::CardJson;
use crate::render;
use crate::route::CardInfo;

/// Why a routed card could not be drawn fresh.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardFailure {
    /// The service call failed as a whole.
    #[error(transparent)]
    Call(#[from] CallFailure),
    /// The service answered, but not for this key.
    #[error("the service's answer has no result for this key")]
    MissingResult,
    /// The service reported an error for this card.
    #[error("the service reported: {0}")]
    Reported(String),
    /// The card's components break Plain's rules.
    #[error("invalid component tree: {0}")]
    Invalid(String),
    /// The rendered card is larger than `limits.max_card_bytes` (or did not fit the answer).
    #[error("the rendered card is {bytes} bytes, over the {limit}-byte limit")]
    TooBig { bytes: usize, limit: usize },
    /// The card's key was not routable because some service has not described itself yet.
    #[error("no described service owns this key yet")]
    Undiscovered,
}

impl CardFailure {
    /// A stable short code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            CardFailure::Call(call) => call.code(),
            CardFailure::MissingResult => "missing_result",
            CardFailure::Reported(_) => "service_error",
            CardFailure::Invalid(_) => "invalid_card",
            CardFailure::TooBig { .. } => "card_too_big",
            CardFailure::Undiscovered => "undiscovered",
        }
    }

    /// True when the card's service was not called because its breaker is open.
    pub fn is_circuit_open(&self) -> bool {
        matches!(self, CardFailure::Call(CallFailure::CircuitOpen))
    }

    /// True when the card failed because its service could not be reached at all; only
    /// when every card of a request failed this way does the gateway answer 503.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            CardFailure::Call(CallFailure::Unreachable(_) | CallFailure::CircuitOpen) | CardFailure::Undiscovered
        )
    }
}

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
            let rendered = render::render_checked(&card.components).map_err(|violations| {
                let mut text = violations.iter().take(3).map(|v| v.to_string()).collect::<Vec<_>>().join("; ");
                if violations.len() > 3 {
                    text.push_str(&format!(" (and {} more)", violations.len() - 3));
                }
                CardFailure::Invalid(text)
            })?;
            Ok((CardJson::new(&info.key, ttl, Some(&rendered)), ttl))
        }
        Some(Outcome::NoData(_)) => Ok((CardJson::new(&info.key, ttl, None), ttl)),
        Some(Outcome::Error(e)) => Err(CardFailure::Reported(e.reason.clone())),
        None => Err(CardFailure::Invalid("the result has no outcome set".into())),
    }
}
