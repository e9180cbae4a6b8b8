//! Why an endpoint's answer gave no cards: [`EndpointError`], one stable code per case.

use std::time::Duration;

/// An endpoint request that failed as a whole: every key requested from that endpoint gets
/// a card error with [`EndpointError::reason`]; the other endpoints' keys are not affected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// The endpoint answered with a status other than 200 (redirects are not followed).
    #[error("the endpoint answered HTTP {0}, not 200")]
    Status(u16),
    /// No complete answer within the configured timeout.
    #[error("the endpoint did not answer within {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// The connection could not be made (refused, DNS, TLS handshake or certificate).
    #[error("cannot connect to the endpoint ({0})")]
    Connect(String),
    /// The body is bigger than `max_body_bytes`.
    #[error("the endpoint's answer is bigger than {0} bytes")]
    TooLarge(usize),
    /// The body is not JSON.
    #[error("the endpoint's answer is not JSON ({0})")]
    NotJson(String),
    /// The body is JSON but not `{ "cards": [ ... ] }`.
    #[error("the endpoint's answer is not {{ \"cards\": [ ... ] }}")]
    NotCards,
    /// The request failed another way (connection reset mid-answer, ...).
    #[error("the request to the endpoint failed ({0})")]
    Transport(String),
}

impl EndpointError {
    /// A stable code for metrics and logs.
    pub fn code(&self) -> &'static str {
        match self {
            EndpointError::Status(_) => "status",
            EndpointError::Timeout(_) => "timeout",
            EndpointError::Connect(_) => "connect",
            EndpointError::TooLarge(_) => "too_large",
            EndpointError::NotJson(_) => "not_json",
            EndpointError::NotCards => "not_cards",
            EndpointError::Transport(_) => "transport",
        }
    }

    /// Every code, for metrics created up front (`ok` is the success outcome).
    pub const CODES: [&'static str; 7] =
        ["status", "timeout", "connect", "too_large", "not_json", "not_cards", "transport"];

    /// Classifies a reqwest error. The URL is left out of the message (its query may hold
    /// a token); the message names no header and no body.
    pub(crate) fn from_reqwest(error: reqwest::Error, timeout: Duration) -> Self {
        let error = &error.without_url();
        if error.is_timeout() {
            EndpointError::Timeout(timeout)
        } else if error.is_connect() {
            EndpointError::Connect(source_chain(error))
        } else {
            EndpointError::Transport(source_chain(error))
        }
    }
}

/// The error and its sources, joined by ": " (reqwest's own message alone says little).
fn source_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
