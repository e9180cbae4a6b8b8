//! What the invalidation endpoint asks of Plain: the Plain customer behind an external id
//! (a card service knows its own ids only), and the reloads of the invalidated cards.

use serde_json::Value;

use super::{reports_json, CallError, PlainClient};

/// Why the customer of an invalidation that names an `externalId` is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerLookupError {
    #[error("externalId needs the Plain API to find the customer: set CARDMESH_PLAIN_API_KEY, or send customerId")]
    PlainApiOff,
    #[error("Plain has no customer with externalId {0:?}")]
    Unknown(String),
    #[error("the customer could not be looked up in Plain: {0}")]
    Failed(CallError),
}

impl CustomerLookupError {
    /// A stable code: `external_id_needs_plain_api`, `unknown_customer`, `plain_unavailable`.
    pub fn code(&self) -> &'static str {
        match self {
            CustomerLookupError::PlainApiOff => "external_id_needs_plain_api",
            CustomerLookupError::Unknown(_) => "unknown_customer",
            CustomerLookupError::Failed(_) => "plain_unavailable",
        }
    }
}

/// Plain's customer id for `external_id`.
pub async fn customer_for_external(
    api: Option<&PlainClient>,
    external_id: &str,
) -> Result<String, CustomerLookupError> {
    let api = api.ok_or(CustomerLookupError::PlainApiOff)?;
    match api.customer_id_for_external(external_id).await {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(CustomerLookupError::Unknown(external_id.to_owned())),
        Err(e) => {
            let error = cardmesh_telemetry::scrub::service_text(&e.to_string());
            tracing::warn!(external_id, outcome = e.code(), %error, "cannot look the customer up in Plain");
            Err(CustomerLookupError::Failed(e))
        }
    }
}

/// The `reloads` of an invalidation's answer: one report per card Plain was asked to
/// reload (see [`PlainClient::reload_invalidated`]), or `[]` while the Plain API is off.
pub async fn reloads_after_invalidation(
    api: Option<&PlainClient>,
    customer_id: &str,
    card_keys: Option<&[String]>,
    thread_id: Option<&str>,
) -> Value {
    match api {
        Some(api) => reports_json(&api.reload_invalidated(customer_id, card_keys, thread_id).await),
        None => Value::Array(Vec::new()),
    }
}
