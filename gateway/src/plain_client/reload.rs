//! Reloads of single cards in Plain: bounded concurrency, and a storm coalesced per
//! customer, card and thread.
//!
//! A reload waits for one of `plain_api.max_concurrency` permits. While it waits, another
//! invalidation of the same card joins it rather than queueing a second call: the call is
//! sent after both invalidations, so one reload serves both. Once the call is under way, a
//! new invalidation queues a new reload (the running one may read the old data).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::{BoxFuture, FutureExt, Shared};
use serde_json::json;
use tokio::sync::{oneshot, Semaphore};

use super::configs::CardConfigs;
use super::graphql::{CallError, GraphQlClient, MutationError, RELOAD_MUTATION};
use super::metrics::ReloadMetrics;

/// The card to reload: customer, card key and thread (when the card is shown in one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReloadKey {
    pub customer_id: String,
    pub card_key: String,
    pub thread_id: Option<String>,
}

/// What one reload came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// Plain accepted the reload of config `config_id`.
    Reloaded { config_id: String },
    /// Plain has no enabled card config with this key: nothing to reload.
    UnknownCard,
    /// Plain refused the reload with a `MutationError`.
    Refused { config_id: String, error: MutationError },
    /// The call did not give an answer (HTTP, network, timeout, unreadable answer).
    Failed(CallError),
    /// The gateway stopped before the call was made.
    Abandoned,
}

impl ReloadOutcome {
    /// The stable `outcome` of the metric, the log and the invalidation's answer.
    pub fn code(&self) -> &'static str {
        match self {
            ReloadOutcome::Reloaded { .. } => "reloaded",
            ReloadOutcome::UnknownCard => "unknown_card",
            ReloadOutcome::Refused { .. } => "mutation_error",
            ReloadOutcome::Failed(e) => e.code(),
            ReloadOutcome::Abandoned => "abandoned",
        }
    }
}

type SharedOutcome = Shared<BoxFuture<'static, ReloadOutcome>>;

/// Sends reloads, at most `permits` at once.
pub struct Reloader {
    client: Arc<GraphQlClient>,
    configs: Arc<CardConfigs>,
    permits: Arc<Semaphore>,
    /// Reloads waiting for a permit, with the id that tells one queued entry from the next.
    waiting: Arc<Mutex<HashMap<ReloadKey, (u64, SharedOutcome)>>>,
    next_id: std::sync::atomic::AtomicU64,
    metrics: Arc<ReloadMetrics>,
}

impl Reloader {
    pub fn new(
        client: Arc<GraphQlClient>,
        configs: Arc<CardConfigs>,
        max_concurrency: usize,
        metrics: Arc<ReloadMetrics>,
    ) -> Self {
        Self {
            client,
            configs,
            permits: Arc::new(Semaphore::new(max_concurrency)),
            waiting: Arc::default(),
            next_id: Default::default(),
            metrics,
        }
    }

    /// Queues the reload of `key` (or joins the one waiting for it); the outcome, and
    /// whether an earlier request's reload was joined. The call runs even if the returned
    /// future is dropped.
    pub fn request(&self, key: ReloadKey) -> (SharedOutcome, bool) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, outcome)) = waiting.get(&key) {
            return (outcome.clone(), true);
        }
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let outcome: SharedOutcome = rx.map(|r| r.unwrap_or(ReloadOutcome::Abandoned)).boxed().shared();
        // Inserted before the task can run: the task removes its own entry once it holds a
        // permit, which needs this lock.
        waiting.insert(key.clone(), (id, outcome.clone()));
        let (client, configs, permits, queue, metrics) = (
            self.client.clone(),
            self.configs.clone(),
            self.permits.clone(),
            self.waiting.clone(),
            self.metrics.clone(),
        );
        tokio::spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            {
                let mut queue = queue.lock().unwrap_or_else(|e| e.into_inner());
                if queue.get(&key).is_some_and(|(entry, _)| *entry == id) {
                    queue.remove(&key);
                }
            }
            let outcome = reload(&client, &configs, &key).await;
            metrics.record(outcome.code());
            log(&key, &outcome);
            let _ = tx.send(outcome);
        });
        (outcome, false)
    }
}

/// Resolves the card's config id, then asks Plain to reload it.
async fn reload(client: &GraphQlClient, configs: &CardConfigs, key: &ReloadKey) -> ReloadOutcome {
    let config_id = match configs.id_for(client, &key.card_key).await {
        Ok(Some(id)) => id,
        Ok(None) => return ReloadOutcome::UnknownCard,
        Err(e) => return ReloadOutcome::Failed(e),
    };
    let mut input = json!({ "customerId": key.customer_id, "customerCardConfigId": config_id });
    if let Some(thread) = &key.thread_id {
        input["threadId"] = json!(thread);
    }
    let data = match client.run("ReloadCustomerCardInstance", RELOAD_MUTATION, json!({ "input": input })).await {
        Ok(data) => data,
        Err(e) => return ReloadOutcome::Failed(e),
    };
    let output = &data["reloadCustomerCardInstance"];
    if output.is_null() {
        return ReloadOutcome::Failed(CallError::InvalidResponse("no reloadCustomerCardInstance".into()));
    }
    match &output["error"] {
        serde_json::Value::Null => ReloadOutcome::Reloaded { config_id },
        error => match serde_json::from_value::<MutationError>(error.clone()) {
            Ok(error) => ReloadOutcome::Refused { config_id, error },
            Err(e) => ReloadOutcome::Failed(CallError::InvalidResponse(format!("error: {e}"))),
        },
    }
}

fn log(key: &ReloadKey, outcome: &ReloadOutcome) {
    let (customer_id, card_key, thread_id) = (&key.customer_id, &key.card_key, key.thread_id.as_deref());
    match outcome {
        ReloadOutcome::Reloaded { config_id } => {
            tracing::info!(
                customer_id,
                card_key,
                thread_id,
                config_id,
                outcome = outcome.code(),
                "Plain reloads the card"
            );
        }
        ReloadOutcome::UnknownCard => tracing::warn!(
            customer_id,
            card_key,
            outcome = outcome.code(),
            "no enabled card config in Plain has this key; nothing to reload"
        ),
        ReloadOutcome::Refused { config_id, error } => {
            use cardmesh_telemetry::scrub::{label, service_text};
            let (code, kind, message) = (label(&error.code), label(&error.kind), service_text(&error.message));
            tracing::warn!(customer_id, card_key, thread_id, config_id,
            outcome = outcome.code(), %code, %kind, %message, "Plain refused the card reload")
        }
        ReloadOutcome::Failed(e) => {
            let error = cardmesh_telemetry::scrub::service_text(&e.to_string());
            tracing::warn!(customer_id, card_key, thread_id, outcome = outcome.code(), %error, "card reload failed")
        }
        ReloadOutcome::Abandoned => {}
    }
}
