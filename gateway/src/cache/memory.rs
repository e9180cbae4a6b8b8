//! The in-process store: bounded, per-entry TTL (moka).

use std::time::{Duration, Instant};

use moka::sync::Cache;
use moka::Expiry;

use super::store::{CacheStore, StoreError, Write};

#[derive(Clone)]
struct Entry {
    value: String,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _now: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }
    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _now: Instant,
        _current: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// A bounded in-process store for a single gateway (the default without Redis).
pub struct MemoryStore {
    entries: Cache<String, Entry>,
    counters: std::sync::Mutex<()>,
}

impl MemoryStore {
    /// A store holding at most `capacity` entries (least recently used go first).
    pub fn new(capacity: u64) -> Self {
        Self {
            entries: Cache::builder().max_capacity(capacity).expire_after(PerEntryTtl).build(),
            counters: std::sync::Mutex::new(()),
        }
    }
}

#[async_trait::async_trait]
impl CacheStore for MemoryStore {
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        Ok(keys.iter().map(|k| self.entries.get(k).map(|e| e.value)).collect())
    }

    async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError> {
        for w in writes {
            self.entries.insert(w.key.clone(), Entry { value: w.value.clone(), ttl: w.ttl });
        }
        Ok(())
    }

    async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError> {
        // One lock so concurrent increments of a counter are not lost.
        let _guard = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            let next = self.entries.get(key).and_then(|e| e.value.parse::<u64>().ok()).unwrap_or(0) + 1;
            self.entries.insert(key.clone(), Entry { value: next.to_string(), ttl });
        }
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}
