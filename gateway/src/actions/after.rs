//! After an action ran (succeeded or refused): its `changes_cards` are dropped from the cache
//! for the customer (the admin invalidation's code, [`crate::cache::CardCache::invalidate`])
//! and Plain is asked to reload them ([`crate::plain_client::PlainClient::reload_invalidated`]),
//! in the background: Plain's workflow step gets its answer without waiting for Plain's own
//! API. The time from the request to the reload request is `cardmesh_action_reload_seconds`.
//!
//! Nothing happens without a customer id confirmed by Plain's API (the cache is keyed by it,
//! and Plain's reload needs it), or when the action declares no cards.

use std::sync::Arc;

use tokio::time::Instant;
use tracing::Instrument;

use super::customer::Resolved;
use crate::cache::CardCache;
use crate::discovery::ActionInfo;
use crate::plain_client::PlainClient;
use crate::telemetry::GatewayMetrics;

/// What the reload after an action needs.
pub struct Reload {
    pub cache: Option<Arc<CardCache>>,
    pub plain: Option<Arc<PlainClient>>,
    pub metrics: Arc<GatewayMetrics>,
    /// When the action's request arrived.
    pub arrived: Instant,
}

impl Reload {
    /// Starts the invalidation and the reloads of `info`'s cards for `resolved`'s customer, in
    /// `workspace_id`, or in every workspace the cache knows when it is empty (the request
    /// named none).
    pub fn spawn(self, info: &ActionInfo, workspace_id: &str, resolved: &Resolved) {
        if info.changes_cards.is_empty() {
            return;
        }
        if !resolved.confirmed {
            tracing::warn!(
                "without Plain's API (plain_api.api_key) the action's cards are neither invalidated nor reloaded"
            );
            return;
        }
        let keys = info.changes_cards.clone();
        let workspace = (!workspace_id.is_empty()).then(|| workspace_id.to_owned());
        let customer_id = resolved.customer.id.clone();
        let thread_id = resolved.thread.as_ref().filter(|_| resolved.thread_confirmed).map(|t| t.id.clone());
        let span = tracing::info_span!("action_reload", cards = keys.len());
        tokio::spawn(
            async move {
                if let Some(cache) = &self.cache {
                    if let Err(e) = cache.invalidate(workspace.as_deref(), &customer_id, Some(&keys)).await {
                        tracing::warn!(error = %e, "could not drop the action's cards from the cache");
                    }
                }
                let Some(api) = &self.plain else { return };
                self.metrics.action_reload(self.arrived.elapsed());
                let reports = api.reload_invalidated(&customer_id, Some(&keys), thread_id.as_deref()).await;
                let reloaded = reports.iter().filter(|r| r.outcome.code() == "reloaded").count();
                tracing::info!(reloaded, asked = reports.len(), "the action's cards were reloaded in Plain");
            }
            .instrument(span),
        );
    }
}
