//! One existing card endpoint: its HTTP client and the call that turns a batch of keys into
//! cards.

mod error;
pub mod request;
mod response;

use std::time::{Instant, SystemTime};

use cardmesh_kit::{Card, CardContext};
use reqwest::redirect::Policy;

pub use error::EndpointError;

use crate::config::Endpoint;
use crate::metrics::EndpointMetrics;

/// An endpoint ready to be called: its checked configuration and an HTTP client that
/// follows no redirect and verifies `https` against the system roots, or the configured CA
/// only.
pub struct EndpointClient {
    config: Endpoint,
    client: reqwest::Client,
    metrics: EndpointMetrics,
}

impl EndpointClient {
    /// A client for `config`, counting into `metrics`. Fails only when the TLS setup does.
    pub fn new(config: Endpoint, metrics: EndpointMetrics) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .use_rustls_tls()
            .https_only(config.url.scheme() == "https");
        let roots = match &config.ca_pem {
            Some(pem) => reqwest::Certificate::from_pem_bundle(pem)?,
            None if config.url.scheme() == "https" => system_roots(),
            None => Vec::new(),
        };
        for certificate in roots {
            builder = builder.add_root_certificate(certificate);
        }
        let client = builder.build()?;
        Ok(Self { config, client, metrics })
    }

    /// The endpoint's configuration.
    pub fn config(&self) -> &Endpoint {
        &self.config
    }

    /// One request for all of `keys` (this endpoint's keys, as Plain batches them) and one
    /// card per key, in order. A failed request is a card error for each of `keys`.
    pub async fn fetch(&self, keys: &[String], ctx: &CardContext) -> Vec<(String, Card)> {
        let started = Instant::now();
        let outcome = self.call(keys, ctx).await;
        let code = outcome.as_ref().err().map_or("ok", EndpointError::code);
        self.metrics.observe(code, started.elapsed());
        match outcome {
            Ok(cards) => cards,
            Err(error) => {
                // What the endpoint said (status text, body excerpts) is text from elsewhere:
                // logged and passed on scrubbed (emails, control characters, length).
                let reason = cardmesh_telemetry::scrub::service_text(&error.to_string());
                tracing::warn!(
                    endpoint = %self.config.name,
                    keys = ?keys,
                    customer_id = %ctx.customer.id,
                    code = error.code(),
                    error = %reason,
                    "endpoint request failed; its cards are card errors"
                );
                keys.iter().map(|key| (key.clone(), Card::error(reason.clone()))).collect()
            }
        }
    }

    async fn call(&self, keys: &[String], ctx: &CardContext) -> Result<Vec<(String, Card)>, EndpointError> {
        let timeout = self.config.timeout;
        let body = request::body(keys, ctx, SystemTime::now());
        let headers =
            request::headers(&self.config.headers, &ctx.workspace_id, self.config.signing_secret.as_deref(), &body);
        let exchange = async {
            let response = self
                .client
                .post(self.config.url.clone())
                .headers(headers)
                .body(body)
                .send()
                .await
                .map_err(|e| EndpointError::from_reqwest(e, timeout))?;
            let status = response.status().as_u16();
            if status != 200 {
                return Err(EndpointError::Status(status));
            }
            response::read_limited(response, self.config.max_body_bytes).await
        };
        let body = tokio::time::timeout(timeout, exchange).await.map_err(|_| EndpointError::Timeout(timeout))??;
        response::cards_of(&body, keys)
    }
}

/// The system's root certificates (read once; unreadable ones are skipped with a warning).
fn system_roots() -> Vec<reqwest::Certificate> {
    static ROOTS: std::sync::OnceLock<Vec<reqwest::Certificate>> = std::sync::OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                tracing::warn!(%error, "a system root certificate cannot be read; skipped");
            }
            found.certs.iter().filter_map(|der| reqwest::Certificate::from_der(der).ok()).collect()
        })
        .clone()
}
