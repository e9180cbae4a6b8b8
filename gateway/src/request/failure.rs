//! Why one requested card could not be drawn fresh. The assembly serves its stale copy or a
//! fallback card instead; the code goes to logs and metrics.

use crate::fanout::CallFailure;

/// Why a routed card could not be drawn fresh.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardFailure {
    /// The service call failed as a whole.
    #[error(transparent)]
    Call(#[from] CallFailure),
    /// The service answered, but not for this key.
    #[error("the service's answer has no result for this key")]
    MissingResult,
    /// The service reported an error for this card; its reason, scrubbed
    /// ([`cardmesh_telemetry::scrub::service_text`]).
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
    /// The draw this card waited on ended without publishing an outcome (its task panicked
    /// or was cancelled): a fault of the gateway, not of the card's service.
    #[error("the draw this card waited on ended without an outcome")]
    LeaderLost,
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
            CardFailure::LeaderLost => "leader_lost",
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
