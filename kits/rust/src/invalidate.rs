//! Reporting a change to the gateway: a card service whose data changed calls
//! [`Invalidator::invalidate`], and the gateway drops its cached copies of the customer's
//! cards and, with its Plain API key, makes Plain reload them.
//!
//! The call goes to `POST /admin/invalidate` on the gateway's admin listener, with the
//! gateway's service token. It is configured by:
//! - `CARDMESH_SERVICE_GATEWAY_ADMIN_URL`: the admin listener, e.g. `http://gateway:9090`;
//! - `CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN`: the gateway's service token
//!   (`CARDMESH_SERVICE_TOKEN`), which opens `POST /admin/invalidate` and nothing else;
//! - `CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP`: `true` to accept a plain `http://` URL on another
//!   host, for a private network only (Docker Compose's `internal` network).
//!
//! The token is sent to that URL only: it must be `https://` (plain `http://` is accepted on
//! loopback, or with the variable above), redirects are not followed, and the gateway's answer
//! is read up to [`MAX_ANSWER_BYTES`]. A failure is logged with the gateway's answer scrubbed
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
/// Environment variable that accepts a plain `http://` admin URL on another host (`true`).
pub const GATEWAY_ALLOW_HTTP_ENV: &str = "CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP";
/// The largest answer of the gateway read, in bytes: an invalidation's answer lists one reload
/// per card, a few KiB at most.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

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
    /// The URL answered something that is not the gateway's answer: a redirect (not followed,
    /// so the token goes nowhere else) or an answer over [`MAX_ANSWER_BYTES`]. Not retried.
    #[error("the gateway's answer cannot be used: HTTP {status}, {reason}")]
    Unusable { status: u16, reason: String },
}

/// An admin URL the invalidator refuses to send the token to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url:?} cannot be the gateway's admin URL ({GATEWAY_ADMIN_URL_ENV}): {reason}")]
pub struct AdminUrlError {
    pub url: String,
    pub reason: String,
}

/// Checks that the token may be sent to `admin_url`: `https://`, or `http://` on loopback
/// (`127.0.0.1`, `[::1]`, `localhost`), or `http://` anywhere with `allow_http`.
pub fn check_admin_url(admin_url: &str, allow_http: bool) -> Result<(), AdminUrlError> {
    let refuse = |reason: &str| AdminUrlError { url: admin_url.to_owned(), reason: reason.to_owned() };
    let url = reqwest::Url::parse(admin_url).map_err(|e| refuse(&format!("not a URL ({e})")))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => return Err(refuse("it names no host")),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback || allow_http => Ok(()),
        "http" => Err(refuse(&format!(
            "plain http:// to another host would send the admin token in clear text; use https://, \
             or set {GATEWAY_ALLOW_HTTP_ENV}=true on a private network"
        ))),
        other => Err(refuse(&format!("the scheme {other}:// is neither https:// nor http://"))),
    }
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
        f.debug_struct("Invalidator").field("url", &self.url).field("token", &"[redacted]").finish()
    }
}

impl Invalidator {
    /// An invalidator for the admin listener at `admin_url` (e.g. `https://gateway:9090`, or
    /// `http://127.0.0.1:9090`), authenticated with `token`: 3 attempts, 15 s each. Refuses a
    /// URL the token must not go to ([`check_admin_url`]).
    pub fn new(admin_url: &str, token: &str) -> Result<Self, AdminUrlError> {
        Self::with_timeout(admin_url, token, Duration::from_secs(15))
    }

    /// The same with another per-attempt timeout.
    pub fn with_timeout(admin_url: &str, token: &str, timeout: Duration) -> Result<Self, AdminUrlError> {
        Self::build(admin_url, token, timeout, false)
    }

    /// [`Self::new`] accepting a plain `http://` URL on any host: only on a private network,
    /// where the token may cross in clear text (as `CARDMESH_SERVICE_GATEWAY_ALLOW_HTTP`).
    pub fn allowing_http(admin_url: &str, token: &str) -> Result<Self, AdminUrlError> {
        Self::build(admin_url, token, Duration::from_secs(15), true)
    }

    fn build(admin_url: &str, token: &str, timeout: Duration, allow_http: bool) -> Result<Self, AdminUrlError> {
        check_admin_url(admin_url, allow_http)?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Ok(Self {
            http,
            url: format!("{}/admin/invalidate", admin_url.trim_end_matches('/')),
            token: token.to_owned(),
            attempts: 3,
            backoff: Duration::from_millis(200),
        })
    }

    /// Sets the number of attempts (at least 1) and the first pause between them (doubled
    /// after each attempt).
    pub fn with_retries(mut self, attempts: u32, backoff: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.backoff = backoff;
        self
    }

    /// An invalidator from [`GATEWAY_ADMIN_URL_ENV`], [`GATEWAY_ADMIN_TOKEN_ENV`] and
    /// [`GATEWAY_ALLOW_HTTP_ENV`], or `None` when either of the first two is unset (logged at
    /// info) or the URL is refused (logged at error, with the reason): the service then
    /// reports nothing.
    pub fn from_env() -> Option<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] reading the variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let read = |name| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let allow_http = read(GATEWAY_ALLOW_HTTP_ENV)
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"));
        match (read(GATEWAY_ADMIN_URL_ENV), read(GATEWAY_ADMIN_TOKEN_ENV)) {
            (Some(url), Some(token)) => match Self::build(&url, &token, Duration::from_secs(15), allow_http) {
                Ok(invalidator) => Some(invalidator),
                Err(error) => {
                    tracing::error!(%error, "changes are not reported to the gateway");
                    None
                }
            },
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
    pub async fn invalidate(&self, customer: &CustomerRef, keys: Option<&[&str]>) -> Result<Value, InvalidateError> {
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
            let response = match self.http.post(&self.url).bearer_auth(&self.token).json(body).send().await {
                Ok(response) => response,
                Err(e) => {
                    cause = if e.is_timeout() { "timeout".to_owned() } else { e.without_url().to_string() };
                    continue;
                }
            };
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("nowhere (no Location)");
                return Err(InvalidateError::Unusable {
                    status: status.as_u16(),
                    reason: format!(
                        "a redirect to {location}, not followed: point {GATEWAY_ADMIN_URL_ENV} at the admin listener itself"
                    ),
                });
            }
            // An answer that cannot be read (or is not JSON) counts as `null`.
            let answer: Value = match read_capped(response).await {
                Ok(body) => serde_json::from_slice(&body).unwrap_or(Value::Null),
                Err(Capped::TooLarge) => {
                    return Err(InvalidateError::Unusable {
                        status: status.as_u16(),
                        reason: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
                    })
                }
                Err(Capped::Unreadable) => Value::Null,
            };
            if status.is_success() {
                return Ok(answer);
            }
            let code = answer["error"]["code"].as_str().unwrap_or("unknown").to_owned();
            if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                cause = format!("HTTP {} {code}", status.as_u16());
                continue;
            }
            return Err(InvalidateError::Refused { status: status.as_u16(), code });
        }
        Err(InvalidateError::Unreachable { attempts: self.attempts, cause })
    }
}

/// Why an answer's body was not read.
enum Capped {
    TooLarge,
    Unreadable,
}

/// The body of `response`, refused beyond [`MAX_ANSWER_BYTES`] before more is read.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, Capped> {
    if response.content_length().is_some_and(|length| length > MAX_ANSWER_BYTES as u64) {
        return Err(Capped::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| Capped::Unreadable)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(Capped::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_to_https_or_to_loopback_only() {
        for ok in ["https://gateway:9090", "http://127.0.0.1:9090", "http://[::1]:9090/", "http://localhost:9090"] {
            assert_eq!(check_admin_url(ok, false), Ok(()), "{ok}");
        }
        let err = check_admin_url("http://gateway:9090", false).unwrap_err().to_string();
        assert!(err.contains("clear text") && err.contains(GATEWAY_ALLOW_HTTP_ENV), "{err}");
        assert!(err.contains(GATEWAY_ADMIN_URL_ENV), "{err}");
        assert_eq!(check_admin_url("http://gateway:9090", true), Ok(()));
        assert!(check_admin_url("gateway:9090", true).is_err());
        assert!(check_admin_url("ftp://gateway/", true).unwrap_err().reason.contains("ftp://"));
        assert!(Invalidator::new("http://10.1.2.3:9090", "t").is_err());
        assert!(Invalidator::allowing_http("http://10.1.2.3:9090", "t").is_ok());
    }

    #[test]
    fn from_lookup_refuses_plain_http_to_another_host_unless_allowed() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        };
        const REMOTE: [(&str, &str); 2] =
            [(GATEWAY_ADMIN_URL_ENV, "http://gateway:9090"), (GATEWAY_ADMIN_TOKEN_ENV, "t")];
        assert!(Invalidator::from_lookup(env(&REMOTE)).is_none());
        const ALLOWED: [(&str, &str); 3] = [REMOTE[0], REMOTE[1], (GATEWAY_ALLOW_HTTP_ENV, "true")];
        assert_eq!(Invalidator::from_lookup(env(&ALLOWED)).unwrap().url, "http://gateway:9090/admin/invalidate");
        const TLS: [(&str, &str); 2] = [(GATEWAY_ADMIN_URL_ENV, " https://gateway:9090/ "), REMOTE[1]];
        assert!(Invalidator::from_lookup(env(&TLS)).is_some());
        assert!(Invalidator::from_lookup(env(&[])).is_none());
    }
}
