//! Reporting a change to the gateway: a card service whose data changed calls
//! [`Invalidator::invalidate`], and the gateway drops its cached copies of the customer's
//! cards and, with its Plain API key, makes Plain reload them.
//!
//! The call goes to `POST /admin/invalidate` on the gateway's admin listener, with the
//! gateway's service token. It is configured by:
//! - `CARDMESH_SERVICE_GATEWAY_ADMIN_URL`: the admin listener, e.g. `http://gateway:9090`;
//! - `CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN`: the gateway's service token
//!   (`CARDMESH_SERVICE_TOKEN`), which opens `POST /admin/invalidate` and nothing else.
//!
//! A failure is logged with the gateway's answer scrubbed
//! ([`cardmesh_telemetry::scrub::service_text`]).
//!
//! Each attempt has a timeout (default 15 s: the gateway answers once Plain has answered its
//! reloads, each bounded by `plain_api.timeout`); network errors, timeouts, `429` and `5xx` are
//! retried (default 3 attempts in all, 200 ms then 400 ms apart). Failures are logged and
//! returned, never panicked on: a gateway that is down does not break the service.

use std::time::Duration;

use serde_json::{json, Value};

/// Environment variable with the gateway's admin listener URL.
pub const GATEWAY_ADMIN_URL_ENV: &str = "CARDMESH_SERVICE_GATEWAY_ADMIN_URL";
/// Environment variable with the gateway's service token (`CARDMESH_SERVICE_TOKEN`).
pub const GATEWAY_ADMIN_TOKEN_ENV: &str = "CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN";

/// The customer whose data changed, as the service knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerRef {
    /// Plain's customer id (`c_…`), as in [`crate::Customer::id`].
    Id(String),
    /// The external id Plain stores for the customer (the service's own id); the gateway
    /// looks the Plain customer up (it needs its Plain API key for that).
    ExternalId(String),
}

/// Why an invalidation did not go through (after the retries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidateError {
    #[error("the gateway refused the invalidation: HTTP {status} {code}")]
    Refused { status: u16, code: String },
    #[error("the gateway could not be reached after {attempts} attempts: {cause}")]
    Unreachable { attempts: u32, cause: String },
}

/// Sends invalidations to one gateway.
#[derive(Clone)]
pub struct Invalidator {
    http: reqwest::Client,
    url: String,
    token: String,
    attempts: u32,
    backoff: Duration,
}

impl std::fmt::Debug for Invalidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invalidator")
            .field("url", &self.url)
            .field("token", &"[redacted]")
            .finish()
    }
}

impl Invalidator {
    /// An invalidator for the admin listener at `admin_url` (e.g. `http://gateway:9090`),
    /// authenticated with `token`: 3 attempts, 15 s each.
    pub fn new(admin_url: &str, token: &str) -> Self {
        Self::with_timeout(admin_url, token, Duration::from_secs(15))
    }

    /// The same with another per-attempt timeout.
    pub fn with_timeout(admin_url: &str, token: &str, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        Self {
            http,
            url: format!("{}/admin/invalidate", admin_url.trim_end_matches('/')),
            token: token.to_owned(),
            attempts: 3,
            backoff: Duration::from_millis(200),
        }
    }

    /// Sets the number of attempts (at least 1) and the first pause between them (doubled
    /// after each attempt).
    pub fn with_retries(mut self, attempts: u32, backoff: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.backoff = backoff;
        self
    }

    /// An invalidator from [`GATEWAY_ADMIN_URL_ENV`] and [`GATEWAY_ADMIN_TOKEN_ENV`], or
    /// `None` (logged once) when either is unset: the service then reports nothing.
    pub fn from_env() -> Option<Self> {
        let read = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        match (read(GATEWAY_ADMIN_URL_ENV), read(GATEWAY_ADMIN_TOKEN_ENV)) {
            (Some(url), Some(token)) => Some(Self::new(url.trim(), token.trim())),
            _ => {
                tracing::info!(
                    "{GATEWAY_ADMIN_URL_ENV} or {GATEWAY_ADMIN_TOKEN_ENV} is unset: changes are not reported to the gateway"
                );
                None
            }
        }
    }

    /// Tells the gateway that `customer`'s `keys` changed (all of the customer's cards with
    /// `None`). Returns the gateway's answer (`invalidated`, and the Plain `reloads`); a
    /// failure is logged and returned, never panicked on.
    pub async fn invalidate(
        &self,
        customer: &CustomerRef,
        keys: Option<&[&str]>,
    ) -> Result<Value, InvalidateError> {
        let mut body = match customer {
            CustomerRef::Id(id) => json!({ "customerId": id }),
            CustomerRef::ExternalId(id) => json!({ "externalId": id }),
        };
        if let Some(keys) = keys {
            body["cardKeys"] = json!(keys);
        }
        let result = self.send(&body).await;
        match &result {
            Ok(_) => {
                tracing::info!(customer = ?customer, card_keys = ?keys, "change reported to the gateway")
            }
            Err(e) => {
                // The gateway's answer is text from elsewhere: logged scrubbed.
                let error = cardmesh_telemetry::scrub::service_text(&e.to_string());
                tracing::warn!(customer = ?customer, card_keys = ?keys, %error, "cannot report a change to the gateway")
            }
        }
        result
    }

    async fn send(&self, body: &Value) -> Result<Value, InvalidateError> {
        let mut pause = self.backoff;
        let mut cause = String::new();
        for attempt in 1..=self.attempts {
            if attempt > 1 {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            let response = match self
                .http
                .post(&self.url)
                .bearer_auth(&self.token)
                .json(body)
                .send()
                .await
            {
                Ok(response) => response,
                Err(e) => {
                    cause = if e.is_timeout() {
                        "timeout".to_owned()
                    } else {
                        e.without_url().to_string()
                    };
                    continue;
                }
            };
            let status = response.status();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            if status.is_success() {
                return Ok(answer);
            }
            let code = answer["error"]["code"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned();
            if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                cause = format!("HTTP {} {code}", status.as_u16());
                continue;
            }
            return Err(InvalidateError::Refused {
                status: status.as_u16(),
                code,
            });
        }
        Err(InvalidateError::Unreachable {
            attempts: self.attempts,
            cause,
        })
    }
}
