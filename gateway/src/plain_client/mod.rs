//! Plain's GraphQL API: after a cardmesh invalidation, make Plain reload the invalidated
//! cards, so the agent sees the new data now rather than when Plain's copy expires.
//!
//! Off unless `plain_api.api_key` (`CARDMESH_PLAIN_API_KEY`) is set. For every invalidated
//! card, `reloadCustomerCardInstance(input: { customerId, customerCardConfigId, threadId? })`
//! is sent; card keys map to config ids through `customerCardConfigs` ([`configs`]). Plain's
//! answers never fail the invalidation: each is logged with its code, counted in
//! `cardmesh_plain_reloads_total{outcome}` and reported in the invalidation's answer.

mod configs;
mod customers;
mod graphql;
mod invalidation;
pub(crate) mod metrics;
mod reload;

use std::sync::Arc;

use futures::future::join_all;
use serde_json::{json, Value};

pub use customers::PlainCustomer;
#[cfg(feature = "test-util")]
pub use customers::{PlainThread, CUSTOMER_BY_EMAIL_QUERY, CUSTOMER_RECORD_BY_EXTERNAL_ID_QUERY, THREAD_CUSTOMER_QUERY};
pub use graphql::{CallError, CUSTOMER_BY_EXTERNAL_ID_QUERY};
#[cfg(feature = "test-util")]
pub use graphql::{MutationError, MutationFieldError, CARD_CONFIGS_QUERY, MAX_ANSWER_BYTES, RELOAD_MUTATION};
pub use invalidation::{customer_for_external, reloads_after_invalidation, CustomerLookupError};
pub use reload::{ReloadKey, ReloadOutcome};

use crate::config::PlainApiSettings;

/// The card reloads of one gateway.
pub struct PlainClient {
    client: Arc<graphql::GraphQlClient>,
    configs: Arc<configs::CardConfigs>,
    reloader: reload::Reloader,
    metrics: Arc<metrics::ReloadMetrics>,
    /// External id → Plain customer id, for `plain_api.config_refresh`: a card service that
    /// reports many changes for one customer costs one lookup. Only found customers are
    /// kept, so a customer created in Plain since is found at once.
    customers: moka::sync::Cache<String, String>,
}

/// Most external ids whose Plain customer is remembered.
const REMEMBERED_CUSTOMERS: u64 = 10_000;

/// One reload the invalidation asked for, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadReport {
    /// The card; `None` when the customer's card list could not be fetched.
    pub card_key: Option<String>,
    pub thread_id: Option<String>,
    pub outcome: ReloadOutcome,
    /// True when this invalidation joined a reload another one had queued.
    pub coalesced: bool,
}

impl PlainClient {
    /// The reloads for `settings`, or `None` while no API key is set.
    pub fn new(settings: &PlainApiSettings) -> Option<Self> {
        let client = Arc::new(graphql::GraphQlClient::new(settings)?);
        let configs = Arc::new(configs::CardConfigs::new(settings.config_refresh));
        let metrics = Arc::new(metrics::ReloadMetrics::default());
        let reloader =
            reload::Reloader::new(client.clone(), configs.clone(), settings.max_concurrency, metrics.clone());
        let customers = moka::sync::Cache::builder()
            .max_capacity(REMEMBERED_CUSTOMERS)
            .time_to_live(settings.config_refresh)
            .build();
        Some(Self { client, configs, reloader, metrics, customers })
    }

    /// Asks Plain to reload the cards of `customer_id` that an invalidation dropped:
    /// `card_keys`, or every enabled card when `None`, in `thread_id` when given. Waits for
    /// the answers (each call is bounded by `plain_api.timeout`) and reports each; never fails.
    pub async fn reload_invalidated(
        &self,
        customer_id: &str,
        card_keys: Option<&[String]>,
        thread_id: Option<&str>,
    ) -> Vec<ReloadReport> {
        let keys: Vec<String> = match card_keys {
            Some(keys) => keys.to_vec(),
            None => match self.configs.all(&self.client).await {
                Ok(all) => all.into_iter().map(|(key, _)| key).collect(),
                Err(e) => {
                    self.metrics.record(e.code());
                    let error = cardmesh_telemetry::scrub::service_text(&e.to_string());
                    tracing::warn!(customer_id, outcome = e.code(), %error, "cannot list the cards to reload");
                    let outcome = ReloadOutcome::Failed(e);
                    return vec![ReloadReport {
                        card_key: None,
                        thread_id: thread_id.map(str::to_owned),
                        outcome,
                        coalesced: false,
                    }];
                }
            },
        };
        let queued: Vec<_> = keys
            .into_iter()
            .map(|card_key| {
                let key = ReloadKey {
                    customer_id: customer_id.to_owned(),
                    card_key,
                    thread_id: thread_id.map(str::to_owned),
                };
                let (outcome, coalesced) = self.reloader.request(key.clone());
                async move {
                    ReloadReport {
                        card_key: Some(key.card_key),
                        thread_id: key.thread_id,
                        outcome: outcome.await,
                        coalesced,
                    }
                }
            })
            .collect();
        join_all(queued).await
    }

    /// Plain's id of the customer whose external id is `external_id`; `None` when Plain
    /// has no such customer. Lets a card service, which knows its own ids only, report a
    /// change. Found ids are remembered for `plain_api.config_refresh`.
    pub async fn customer_id_for_external(&self, external_id: &str) -> Result<Option<String>, CallError> {
        if let Some(id) = self.customers.get(external_id) {
            return Ok(Some(id));
        }
        let data = self
            .client
            .run("CustomerByExternalId", CUSTOMER_BY_EXTERNAL_ID_QUERY, json!({ "externalId": external_id }))
            .await?;
        match &data["customerByExternalId"] {
            Value::Null => Ok(None),
            customer => match customer["id"].as_str() {
                Some(id) => {
                    self.customers.insert(external_id.to_owned(), id.to_owned());
                    Ok(Some(id.to_owned()))
                }
                None => Err(CallError::InvalidResponse("customerByExternalId has no id".into())),
            },
        }
    }

    /// `cardmesh_plain_reloads_total` in the Prometheus text format.
    pub fn render_metrics(&self) -> String {
        self.metrics.render()
    }
}

impl ReloadReport {
    /// The report as the invalidation's answer shows it:
    /// `{"cardKey", "threadId", "outcome", "coalesced", "customerCardConfigId"?, "error"?}`.
    pub fn to_json(&self) -> Value {
        let mut report = json!({
            "cardKey": self.card_key,
            "threadId": self.thread_id,
            "outcome": self.outcome.code(),
            "coalesced": self.coalesced,
        });
        match &self.outcome {
            ReloadOutcome::Reloaded { config_id } => report["customerCardConfigId"] = json!(config_id),
            ReloadOutcome::Refused { config_id, error } => {
                report["customerCardConfigId"] = json!(config_id);
                report["error"] = json!(error);
            }
            ReloadOutcome::Failed(e) => {
                report["error"] = json!({ "message": e.to_string() });
                if let CallError::Http { status, .. } = e {
                    report["error"]["status"] = json!(status);
                }
            }
            ReloadOutcome::UnknownCard | ReloadOutcome::Abandoned => {}
        }
        report
    }
}

/// The `reloads` of an invalidation's answer.
pub fn reports_json(reports: &[ReloadReport]) -> Value {
    Value::Array(reports.iter().map(ReloadReport::to_json).collect())
}
