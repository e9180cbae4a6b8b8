//! Idempotency: one record per action delivery, so that Plain's retries of a delivery never
//! run the action twice, on any replica.
//!
//! - The delivery's key is [`delivery_key`]: SHA-256 over the workspace, the action's name
//!   and the raw body. Plain retries a delivery with the same body; a workflow that wants two
//!   clicks to run twice must send something that differs per click.
//! - [`ActionLedger::begin`] sets a *running* marker (`SET NX`, TTL the request's budget,
//!   [`super::ACTION_BUDGET`], plus [`RUNNING_MARGIN`]), one value per request, before the customer is looked up and the service called. A delivery
//!   that finds it is told the first one is running ([`Begin::Running`]); one that finds an
//!   outcome gets it again ([`Begin::Done`]).
//! - [`ActionLedger::finish`] replaces the marker with the outcome (succeeded or refused),
//!   kept for `actions.idempotency_window`, only while the key holds this request's marker
//!   or nothing (a request that outlived its marker never replaces the marker or outcome of
//!   another; [`ActionLedger::abandon`] likewise drops only its own). A failed call, an unavailable service or a failed
//!   lookup [`abandon`](ActionLedger::abandon)s it instead, so Plain's retry runs the action
//!   again; so does a gateway that dies mid-call, once the marker's TTL has passed.
//! - In Redis (the cache's, shared by the fleet) when the cache uses Redis, else in this
//!   process. A Redis error is not a reason to risk running an action twice: the request gets
//!   503 `idempotency_unavailable`, which Plain retries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::cache::SharedRecords;

/// Added to [`super::ACTION_BUDGET`] for the running marker's TTL: the ledger's round trips
/// around the lookup and the call.
pub const RUNNING_MARGIN: Duration = Duration::from_secs(5);

pub use super::memory_ledger::MEMORY_CAPACITY;
use super::memory_ledger::MemoryRecords;

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

/// The running marker one request set: its value is the request's own
/// (`running:<replica>:<sequence>`), so that only that request can replace or drop it.
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
    Memory(Mutex<MemoryRecords>),
    Shared(SharedRecords),
}

/// The records of action deliveries.
pub struct ActionLedger {
    store: Store,
    running_ttl: Duration,
    window: Duration,
    /// This ledger's part of every marker value (random, so per process).
    replica: String,
    /// The last request's part of a marker value.
    sequence: AtomicU64,
}

const RUNNING_PREFIX: &str = "running:";

impl ActionLedger {
    /// A ledger in this process.
    pub fn in_memory(running_ttl: Duration, window: Duration) -> Self {
        Self::with_store(Store::Memory(Mutex::default()), running_ttl, window)
    }

    /// A ledger in the cache's Redis.
    pub fn shared(records: SharedRecords, running_ttl: Duration, window: Duration) -> Self {
        Self::with_store(Store::Shared(records), running_ttl, window)
    }

    fn with_store(store: Store, running_ttl: Duration, window: Duration) -> Self {
        let replica = crate::cache::replica_token();
        Self { store, running_ttl, window, replica, sequence: AtomicU64::new(0) }
    }

    /// How long a running marker lives.
    pub fn running_ttl(&self) -> Duration {
        self.running_ttl
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
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let value = format!("{RUNNING_PREFIX}{}:{sequence}", self.replica);
        let (key, found) = match &self.store {
            Store::Memory(map) => {
                let key = format!("{workspace_id}\u{0}{digest}");
                let now = Instant::now();
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                let found = map.claim(&key, &value, now + self.running_ttl, now).map_err(|_| {
                    LedgerError(format!(
                        "the in-process ledger holds {MEMORY_CAPACITY} running deliveries; none is dropped"
                    ))
                })?;
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
                    // Neither a marker nor an outcome: taken over (while still there) rather
                    // than answered as running until its TTL, up to the idempotency window.
                    tracing::warn!("an action record in the store is unreadable; this delivery replaces it and runs");
                    if self.take_over(&key, &found, &value).await? {
                        Begin::Started(Marker { key, value })
                    } else {
                        Begin::Running
                    }
                }
            },
        })
    }

    /// Sets running marker `value` on `key` while it still holds the unreadable `found`.
    async fn take_over(&self, key: &str, found: &str, value: &str) -> Result<bool, LedgerError> {
        match &self.store {
            Store::Memory(map) => {
                let now = Instant::now();
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                Ok(map.take_over(key, found, value, now + self.running_ttl, now))
            }
            Store::Shared(records) => {
                records.replace(key, found, value, self.running_ttl).await.map_err(|e| LedgerError(e.to_string()))
            }
        }
    }

    /// Keeps `record` as the delivery's outcome for the idempotency window, while the key
    /// still holds this request's marker or nothing: `Ok(false)` when another request's
    /// marker or outcome is there (this one's marker expired mid-run), which is left alone.
    pub async fn finish(&self, marker: Marker, record: &Record) -> Result<bool, LedgerError> {
        let text = serde_json::to_string(record).expect("a record serialises");
        match &self.store {
            Store::Memory(map) => {
                let now = Instant::now();
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                Ok(map.replace(&marker.key, &marker.value, &text, now + self.window, now))
            }
            Store::Shared(records) => records
                .replace(&marker.key, &marker.value, &text, self.window)
                .await
                .map_err(|e| LedgerError(e.to_string())),
        }
    }

    /// Removes the running marker while it is this request's, so that a retry of the
    /// delivery runs it again.
    pub async fn abandon(&self, marker: Marker) -> Result<(), LedgerError> {
        match &self.store {
            Store::Memory(map) => {
                map.lock().unwrap_or_else(|e| e.into_inner()).release(&marker.key, &marker.value);
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
        assert!(ledger.finish(marker, &record).await.unwrap());
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

    #[tokio::test(start_paused = true)]
    async fn a_stale_request_neither_drops_nor_overwrites_the_marker_of_the_retry_that_followed_it() {
        let ledger = ActionLedger::in_memory(Duration::from_secs(20), Duration::from_secs(3600));
        let Begin::Started(stale) = ledger.begin("w", "k").await.unwrap() else { panic!("A starts") };
        // A outlives its marker; B, a retry on the same replica, claims the delivery.
        tokio::time::advance(Duration::from_secs(21)).await;
        let Begin::Started(retry) = ledger.begin("w", "k").await.unwrap() else { panic!("B starts") };
        assert_ne!(stale, retry, "each request has its own marker");
        // A fails: B's marker stays, so a third delivery still waits.
        ledger.abandon(stale.clone()).await.unwrap();
        assert_eq!(ledger.begin("w", "k").await.unwrap(), Begin::Running);
        // A late outcome of A does not replace B's marker either.
        let late = Record::Refused { reason: "late".into() };
        assert!(!ledger.finish(stale.clone(), &late).await.unwrap());
        assert_eq!(ledger.begin("w", "k").await.unwrap(), Begin::Running);
        let record = Record::Succeeded { message: "done".into() };
        assert!(ledger.finish(retry, &record).await.unwrap());
        assert!(!ledger.finish(stale, &late).await.unwrap(), "nor B's kept outcome");
        assert_eq!(ledger.begin("w", "k").await.unwrap(), Begin::Done(record));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreadable_record_is_replaced_by_the_next_delivery_not_answered_as_running() {
        let ledger = ActionLedger::in_memory(Duration::from_secs(20), Duration::from_secs(3600));
        let Store::Memory(map) = &ledger.store else { unreachable!("in memory") };
        let now = Instant::now();
        map.lock().unwrap().replace("w\u{0}k", "", "{not json", now + Duration::from_secs(3600), now);
        let Begin::Started(marker) = ledger.begin("w", "k").await.unwrap() else { panic!("the delivery runs") };
        assert_eq!(ledger.begin("w", "k").await.unwrap(), Begin::Running, "under its own marker");
        let record = Record::Succeeded { message: "done".into() };
        assert!(ledger.finish(marker, &record).await.unwrap());
        assert_eq!(ledger.begin("w", "k").await.unwrap(), Begin::Done(record));
    }

    #[test]
    fn records_are_stored_as_tagged_json() {
        let text = serde_json::to_string(&Record::Refused { reason: "no trial".into() }).unwrap();
        assert_eq!(text, r#"{"outcome":"refused","reason":"no trial"}"#);
    }
}
