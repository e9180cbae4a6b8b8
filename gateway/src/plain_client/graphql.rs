//! The GraphQL operations the gateway sends to Plain, and one HTTP call.
//!
//! Operation texts, field names and error shapes are those of Plain's schema
//! (`@team-plain/graphql`): `reloadCustomerCardInstance(input: ReloadCustomerCardInstanceInput!)`
//! answers `ReloadCustomerCardInstanceOutput { customerCardInstance, error: MutationError }`,
//! and `customerCardConfigs` lists `CustomerCardConfig { id, key, isEnabled, … }`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::{PlainApiSettings, Secret};

/// The mutation that makes Plain discard its copy of a card and load it again.
pub const RELOAD_MUTATION: &str = "mutation ReloadCustomerCardInstance($input: ReloadCustomerCardInstanceInput!) {
  reloadCustomerCardInstance(input: $input) {
    customerCardInstance {
      __typename
    }
    error {
      message
      type
      code
      fields {
        field
        message
        type
      }
    }
  }
}";

/// The query that maps card keys to Plain's card config ids.
pub const CARD_CONFIGS_QUERY: &str = "query CustomerCardConfigs {
  customerCardConfigs {
    id
    key
    isEnabled
  }
}";

/// The query that finds a Plain customer by the external id Plain stores for it.
pub const CUSTOMER_BY_EXTERNAL_ID_QUERY: &str = "query CustomerByExternalId($externalId: ID!) {
  customerByExternalId(externalId: $externalId) {
    id
  }
}";

/// Plain's `MutationError`: a stable `code`, a `type` (`FORBIDDEN`, `INTERNAL`,
/// `VALIDATION`), a developer message and the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct MutationError {
    pub code: String,
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub fields: Vec<MutationFieldError>,
}

/// Plain's `MutationFieldError`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct MutationFieldError {
    pub field: String,
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One card config of `customerCardConfigs`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardConfig {
    pub id: String,
    pub key: String,
    #[serde(default = "enabled")]
    pub is_enabled: bool,
}

fn enabled() -> bool {
    true
}

/// A call to Plain that did not give an answer to read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("Plain did not answer within {0:?}")]
    Timeout(Duration),
    #[error("Plain could not be reached: {0}")]
    Network(String),
    #[error("Plain answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("Plain answered with GraphQL errors: {message}")]
    GraphQl { code: Option<String>, message: String },
    #[error("Plain's answer could not be read: {0}")]
    InvalidResponse(String),
}

impl CallError {
    /// A stable code, the `outcome` label of the metric and of the invalidation's answer.
    pub fn code(&self) -> &'static str {
        match self {
            CallError::Timeout(_) => "timeout",
            CallError::Network(_) => "network_error",
            CallError::Http { .. } => "http_error",
            CallError::GraphQl { .. } => "graphql_error",
            CallError::InvalidResponse(_) => "invalid_response",
        }
    }
}

/// The largest answer read from Plain, in bytes. Plain's answers to these operations are a few
/// hundred bytes (a card config list of at most 25 entries is a few KiB); a bigger one is
/// refused as `invalid_response` rather than read into memory.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Sends GraphQL operations to Plain with the API key as `Authorization: Bearer`. Redirects
/// are not followed (the key is sent to the configured endpoint only), and answers are read
/// up to [`MAX_ANSWER_BYTES`].
pub struct GraphQlClient {
    http: reqwest::Client,
    url: String,
    api_key: Secret,
    timeout: Duration,
}

impl GraphQlClient {
    /// A client for `settings`, or `None` while no API key is set.
    pub fn new(settings: &PlainApiSettings) -> Option<Self> {
        let api_key = settings.api_key.clone()?;
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("cardmesh-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| tracing::error!(error = %e, "cannot build the Plain API client; card reloads are off"))
            .ok()?;
        Some(Self { http, url: settings.api_url.clone(), api_key, timeout: settings.timeout })
    }

    /// Runs `query` with `variables`; the `data` of a successful answer.
    pub async fn run(&self, operation: &str, query: &str, variables: Value) -> Result<Value, CallError> {
        let body = json!({ "operationName": operation, "query": query, "variables": variables });
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(self.api_key.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|l| l.to_str().ok());
            return Err(CallError::Http {
                status: status.as_u16(),
                message: clip(&format!(
                    "a redirect to {}, not followed; set plain_api.api_url to the endpoint itself",
                    location.unwrap_or("nowhere (no Location)")
                )),
            });
        }
        let text = self.read_capped(response).await?;
        let answer: Option<Value> = serde_json::from_slice(&text).ok();
        let first_error = answer.as_ref().and_then(|a| a["errors"].as_array()).and_then(|e| e.first()).cloned();
        if !status.is_success() {
            let message = first_error.as_ref().and_then(|e| e["message"].as_str()).unwrap_or("no message");
            return Err(CallError::Http { status: status.as_u16(), message: clip(message) });
        }
        let answer = answer.ok_or_else(|| CallError::InvalidResponse("not JSON".into()))?;
        if let Some(error) = first_error {
            return Err(CallError::GraphQl {
                code: error["extensions"]["code"].as_str().map(str::to_owned),
                message: clip(error["message"].as_str().unwrap_or("no message")),
            });
        }
        match answer.get("data") {
            Some(data) if !data.is_null() => Ok(data.clone()),
            _ => Err(CallError::InvalidResponse("no data".into())),
        }
    }

    /// The answer's body, at most [`MAX_ANSWER_BYTES`] of it: a longer one is refused
    /// before more is read.
    async fn read_capped(&self, mut response: reqwest::Response) -> Result<Vec<u8>, CallError> {
        let too_large = || CallError::InvalidResponse(format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"));
        if response.content_length().is_some_and(|length| length > MAX_ANSWER_BYTES as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport_error(e))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport_error(&self, error: reqwest::Error) -> CallError {
        if error.is_timeout() {
            CallError::Timeout(self.timeout)
        } else {
            // Without the URL: it is configuration, not news, and keeps the log line short.
            CallError::Network(clip(&error.without_url().to_string()))
        }
    }
}

/// A message from Plain, fit for a log line: clipped to 200 characters, escaped, emails
/// replaced ([`cardmesh_telemetry::scrub::service_text`]).
fn clip(message: &str) -> String {
    cardmesh_telemetry::scrub::service_text(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_name_plains_fields() {
        for field in [
            "reloadCustomerCardInstance(input: $input)",
            "$input: ReloadCustomerCardInstanceInput!",
            "error {",
            "code",
            "fields {",
        ] {
            assert!(RELOAD_MUTATION.contains(field), "{field}");
        }
        assert!(CARD_CONFIGS_QUERY.contains("customerCardConfigs {"));
    }

    #[test]
    fn mutation_errors_read_plains_shape() {
        let error: MutationError = serde_json::from_value(json!({
            "message": "Customer not found", "type": "VALIDATION", "code": "input_validation",
            "fields": [{ "field": "customerId", "message": "not found", "type": "NOT_FOUND" }]
        }))
        .unwrap();
        assert_eq!((error.code.as_str(), error.kind.as_str()), ("input_validation", "VALIDATION"));
        assert_eq!(error.fields[0].kind, "NOT_FOUND");
    }

    #[test]
    fn long_messages_are_clipped() {
        assert_eq!(clip("short"), "short");
        assert_eq!(clip(&"é".repeat(300)).chars().count(), 201);
    }
}
