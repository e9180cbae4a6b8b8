//! Idempotency: one record per action delivery, so that Plain's retries of a delivery never
//! run the action twice, on any replica.
//!
//! - The delivery's key is [`delivery_key`]: SHA-256 over the workspace, the action's name
//!   and the raw body. Plain retries a delivery with the same body; a workflow that wants two
//!   clicks to run twice must send something that differs per click.
//! - [`ActionLedger::begin`] sets a *running* marker (`SET NX`, TTL `actions.deadline` plus
//!   [`RUNNING_MARGIN`]) before the customer is looked up and the service called. A delivery
//!   that finds it is told the first one is running ([`Begin::Running`]); one that finds an
//!   outcome gets it again ([`Begin::Done`]).
//! - [`ActionLedger::finish`] replaces the marker with the outcome (succeeded or refused),
//!   kept for `actions.idempotency_window`. A failed call, an unavailable service or a failed
//!   lookup [`abandon`](ActionLedger::abandon)s it instead, so Plain's retry runs the action
//!   again; so does a gateway that dies mid-call, once the marker's TTL has passed.
//! - In Redis (the cache's, shared by the fleet) when the cache uses Redis, else in this
//!   process. A Redis error is not a reason to risk running an action twice: the request gets
//!   503 `idempotency_unavailable`, which Plain retries.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::cache::SharedRecords;

/// Added to `actions.deadline` for the running marker's TTL: the customer lookup and the
/// gateway's own work around the call.
pub const RUNNING_MARGIN: Duration = Duration::from_secs(10);

/// Most deliveries the in-process ledger remembers; beyond it the oldest are forgotten.
pub const MEMORY_CAPACITY: usize = 100_000;

/// The idempotency key of a delivery: lowercase hex SHA-256 of the workspace, the action's
/// name and the raw body, each length-prefixed so that no two triples hash the same input.
pub fn delivery_key(workspace_id: &str, action: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [workspace_id.as_bytes(), action.as_bytes(), body] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hex::encode(hash.finalize())
}

/// The kept outcome of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Record {
    Succeeded { message: String },
    Refused { reason: String },
}

/// What [`ActionLedger::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// This delivery is the first: run it, then [`ActionLedger::finish`] or
    /// [`ActionLedger::abandon`] with this marker.
    Started(Marker),
    /// The same delivery is running now.
    Running,
    /// The same delivery ran already, with this outcome.
    Done(Record),
}

/// The running marker this gateway set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    key: String,
    value: String,
}

/// A store error (Redis did not answer).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct LedgerError(pub String);

enum Store {
    Memory(Mutex<HashMap<String, (String, Instant)>>),
    Shared(SharedRecords),
}

/// The records of action deliveries.
pub struct ActionLedger {
    store: Store,
    running_ttl: Duration,
    window: Duration,
}

const RUNNING_PREFIX: &str = "running:";

impl ActionLedger {
    /// A ledger in this process.
    pub fn in_memory(running_ttl: Duration, window: Duration) -> Self {
        Self { store: Store::Memory(Mutex::default()), running_ttl, window }
    }

    /// A ledger in the cache's Redis.
    pub fn shared(records: SharedRecords, running_ttl: Duration, window: Duration) -> Self {
        Self { store: Store::Shared(records), running_ttl, window }
    }

    /// `redis` or `memory`.
    pub fn kind(&self) -> &'static str {
        match self.store {
            Store::Memory(_) => "memory",
            Store::Shared(_) => "redis",
        }
    }

    /// Starts delivery `digest` of `workspace_id`, unless it is running or done.
    pub async fn begin(&self, workspace_id: &str, digest: &str) -> Result<Begin, LedgerError> {
        let value = format!("{RUNNING_PREFIX}{}", crate::cache::replica_token());
        let (key, found) = match &self.store {
            Store::Memory(map) => {
                let key = format!("{workspace_id}\u{0}{digest}");
                let now = Instant::now();
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                let found = match map.get(&key) {
                    Some((found, until)) if *until > now => Some(found.clone()),
                    _ => None,
                };
                if found.is_none() {
                    if map.len() >= MEMORY_CAPACITY {
                        map.retain(|_, (_, until)| *until > now);
                    }
                    if map.len() >= MEMORY_CAPACITY {
                        let oldest = map.iter().min_by_key(|(_, (_, until))| *until).map(|(k, _)| k.clone());
                        if let Some(oldest) = oldest {
                            map.remove(&oldest);
                        }
                    }
                    map.insert(key.clone(), (value.clone(), now + self.running_ttl));
                }
                (key, found)
            }
            Store::Shared(records) => {
                let key = records.key(workspace_id, digest);
                let found = records.claim(&key, &value, self.running_ttl).await.map_err(|e| LedgerError(e.to_string()))?;
                (key, found)
            }
        };
        Ok(match found {
            None => Begin::Started(Marker { key, value }),
            Some(found) if found.starts_with(RUNNING_PREFIX) => Begin::Running,
            Some(found) => match serde_json::from_str(&found) {
                Ok(record) => Begin::Done(record),
                Err(_) => {
                    tracing::warn!("an action record in the store is unreadable; treating the delivery as running");
                    Begin::Running
                }
            },
        })
    }

    /// Keeps `record` as the delivery's outcome for the idempotency window.
    pub async fn finish(&self, marker: Marker, record: &Record) -> Result<(), LedgerError> {
        let text = serde_json::to_string(record).expect("a record serialises");
        match &self.store {
            Store::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                map.insert(marker.key, (text, Instant::now() + self.window));
                Ok(())
            }
            Store::Shared(records) => {
                records.put(&marker.key, &text, self.window).await.map_err(|e| LedgerError(e.to_string()))
            }
        }
    }

    /// Removes the running marker, so that a retry of the delivery runs it again.
    pub async fn abandon(&self, marker: Marker) -> Result<(), LedgerError> {
        match &self.store {
            Store::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                if map.get(&marker.key).is_some_and(|(value, _)| *value == marker.value) {
                    map.remove(&marker.key);
                }
                Ok(())
            }
            Store::Shared(records) => {
                records.release(&marker.key, &marker.value).await.map_err(|e| LedgerError(e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_covers_workspace_action_and_body_without_ambiguity() {
        let key = delivery_key("w_1", "extend-trial", b"{}");
        assert_eq!(key.len(), 64);
        assert_eq!(key, delivery_key("w_1", "extend-trial", b"{}"));
        assert_ne!(key, delivery_key("w_2", "extend-trial", b"{}"));
        assert_ne!(key, delivery_key("w_1", "resync", b"{}"));
        assert_ne!(key, delivery_key("w_1", "extend-trial", b"{ }"));
        // Moving bytes from one part to the next changes the key.
        assert_ne!(delivery_key("w", "ab", b"c"), delivery_key("w", "a", b"bc"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_delivery_runs_once_then_answers_its_outcome_until_the_window_ends() {
        let ledger = ActionLedger::in_memory(Duration::from_secs(20), Duration::from_secs(3600));
        let Begin::Started(marker) = ledger.begin("w", "k").await.unwrap() else { panic!("first delivery starts") };
        assert_eq!(ledger.begin("w", "k").await.unwrap(), Begin::Running);
        assert!(matches!(ledger.begin("w2", "k").await.unwrap(), Begin::Started(_)), "another workspace's");
        let record = Record::Succeeded { message: "done".into() };
        ledger.finish(marker, &record).await.unwrap();
        assert_eq!(ledger.begin("w", "k").await.unwrap(), Begin::Done(record));
        tokio::time::advance(Duration::from_secs(3601)).await;
        assert!(matches!(ledger.begin("w", "k").await.unwrap(), Begin::Started(_)), "after the window");
    }

    #[tokio::test(start_paused = true)]
    async fn an_abandoned_or_expired_marker_lets_the_retry_run() {
        let ledger = ActionLedger::in_memory(Duration::from_secs(20), Duration::from_secs(3600));
        let Begin::Started(marker) = ledger.begin("w", "k").await.unwrap() else { panic!() };
        ledger.abandon(marker).await.unwrap();
        assert!(matches!(ledger.begin("w", "k").await.unwrap(), Begin::Started(_)), "abandoned");
        // A gateway that died mid-call: its marker expires.
        tokio::time::advance(Duration::from_secs(21)).await;
        assert!(matches!(ledger.begin("w", "k").await.unwrap(), Begin::Started(_)), "expired");
    }

    #[test]
    fn records_are_stored_as_tagged_json() {
        let text = serde_json::to_string(&Record::Refused { reason: "no trial".into() }).unwrap();
        assert_eq!(text, r#"{"outcome":"refused","reason":"no trial"}"#);
    }
}
