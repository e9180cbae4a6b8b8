//! Card key → Plain card config id, from `customerCardConfigs`, cached.
//!
//! The mapping is fetched on first use, again once it is older than
//! `plain_api.config_refresh`, and at once when a key is not in it (a card added in Plain
//! since). Lookups that wait while a fetch runs use its result rather than fetching again,
//! so concurrent lookups of unknown keys cost one query.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Mutex;

use super::graphql::{CallError, CardConfig, GraphQlClient, CARD_CONFIGS_QUERY};

/// The cached mapping.
pub struct CardConfigs {
    refresh_every: Duration,
    /// One fetch at a time; readers wait for it rather than sending their own.
    loaded: Mutex<Option<Loaded>>,
}

struct Loaded {
    /// Enabled configs only: Plain does not load a disabled card.
    ids: HashMap<String, String>,
    at: Instant,
}

impl CardConfigs {
    pub fn new(refresh_every: Duration) -> Self {
        Self { refresh_every, loaded: Mutex::new(None) }
    }

    /// The config id of `key`, `None` when Plain has no enabled card with that key.
    pub async fn id_for(&self, client: &GraphQlClient, key: &str) -> Result<Option<String>, CallError> {
        let asked = Instant::now();
        let mut loaded = self.loaded.lock().await;
        if let Some(current) = loaded.as_ref() {
            let fresh = current.at.elapsed() < self.refresh_every;
            match current.ids.get(key) {
                Some(id) if fresh => return Ok(Some(id.clone())),
                // Fetched while this lookup waited: as new as a fetch of its own.
                None if current.at >= asked => return Ok(None),
                _ => {}
            }
        }
        let current = loaded.insert(fetch(client).await?);
        Ok(current.ids.get(key).cloned())
    }

    /// Every enabled card's key and config id (for "all of the customer's cards").
    pub async fn all(&self, client: &GraphQlClient) -> Result<Vec<(String, String)>, CallError> {
        let mut loaded = self.loaded.lock().await;
        let stale = loaded.as_ref().is_none_or(|l| l.at.elapsed() >= self.refresh_every);
        if stale {
            *loaded = Some(fetch(client).await?);
        }
        let mut all: Vec<(String, String)> =
            loaded.as_ref().map(|l| l.ids.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
        all.sort();
        Ok(all)
    }
}

async fn fetch(client: &GraphQlClient) -> Result<Loaded, CallError> {
    let data = client.run("CustomerCardConfigs", CARD_CONFIGS_QUERY, json!({})).await?;
    Ok(Loaded { ids: read_configs(&data)?, at: Instant::now() })
}

/// The enabled configs of a `customerCardConfigs` answer, key to id.
fn read_configs(data: &Value) -> Result<HashMap<String, String>, CallError> {
    let configs: Vec<CardConfig> = serde_json::from_value(data["customerCardConfigs"].clone())
        .map_err(|e| CallError::InvalidResponse(format!("customerCardConfigs: {e}")))?;
    Ok(configs.into_iter().filter(|c| c.is_enabled).map(|c| (c.key, c.id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_configs_are_left_out() {
        let data = json!({ "customerCardConfigs": [
            { "id": "ccc_1", "key": "usage", "isEnabled": true },
            { "id": "ccc_2", "key": "old", "isEnabled": false },
        ]});
        let ids = read_configs(&data).unwrap();
        assert_eq!(ids.get("usage").map(String::as_str), Some("ccc_1"));
        assert!(!ids.contains_key("old"));
        assert!(matches!(read_configs(&json!({})), Err(CallError::InvalidResponse(_))));
    }
}
