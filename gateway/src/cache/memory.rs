//! The in-process store: bounded, per-entry TTL (moka). It holds only what this gateway
//! wrote, so its values are not sealed or checked again.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use moka::sync::Cache;
use moka::Expiry;

use super::entry::new_generation;
use super::store::{CacheStore, StoreError, Write, WriteKind};

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

/// Most members one sorted set keeps; the oldest go first beyond it.
const MAX_MEMBERS: usize = 10_000;

/// A bounded in-process store for a single gateway (the default without Redis).
pub struct MemoryStore {
    entries: Cache<String, Entry>,
    /// Held while counters and appended ledger entries change, so concurrent increments,
    /// creations and appends are not lost.
    counters: std::sync::Mutex<()>,
    /// The sorted sets of [`WriteKind::Member`]: key → member → when it was recorded.
    members: std::sync::Mutex<HashMap<String, HashMap<String, Instant>>>,
}

impl MemoryStore {
    /// A store holding at most `capacity` entries (least recently used go first).
    pub fn new(capacity: u64) -> Self {
        Self {
            entries: Cache::builder().max_capacity(capacity).expire_after(PerEntryTtl).build(),
            counters: std::sync::Mutex::new(()),
            members: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn lock_counters(&self) -> std::sync::MutexGuard<'_, ()> {
        self.counters.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl CacheStore for MemoryStore {
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        Ok(keys.iter().map(|k| self.entries.get(k).map(|e| e.value)).collect())
    }

    async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError> {
        for w in writes {
            let entry = Entry { value: w.value.clone(), ttl: w.ttl };
            match w.kind {
                WriteKind::Entry | WriteKind::Ledger => self.entries.insert(w.key.clone(), entry),
                WriteKind::LedgerAppend => {
                    let _guard = self.lock_counters();
                    let entry = match self.entries.get(&w.key) {
                        // Kept as long as the longer of the two: never shortened.
                        Some(old) => Entry { value: old.value + &w.value, ttl: old.ttl.max(w.ttl) },
                        None => entry,
                    };
                    self.entries.insert(w.key.clone(), entry);
                }
                WriteKind::NewCounter => {
                    let _guard = self.lock_counters();
                    if !self.entries.contains_key(&w.key) {
                        self.entries.insert(w.key.clone(), entry);
                    }
                }
                WriteKind::Member => {
                    let mut sets = self.members.lock().unwrap_or_else(|e| e.into_inner());
                    let set = sets.entry(w.key.clone()).or_default();
                    set.insert(w.value.clone(), Instant::now());
                    if set.len() > MAX_MEMBERS {
                        let oldest = set.iter().min_by_key(|(_, at)| **at).map(|(m, _)| m.clone());
                        set.remove(&oldest.unwrap_or_default());
                    }
                }
            }
        }
        Ok(())
    }

    async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError> {
        let _guard = self.lock_counters();
        for key in keys {
            let current = self.entries.get(key).and_then(|e| e.value.parse::<u64>().ok());
            let next = current.unwrap_or_else(new_generation) + 1;
            self.entries.insert(key.clone(), Entry { value: next.to_string(), ttl });
        }
        Ok(())
    }

    async fn recent_members(&self, key: &str, max_age: Duration) -> Result<Vec<String>, StoreError> {
        let mut sets = self.members.lock().unwrap_or_else(|e| e.into_inner());
        let Some(set) = sets.get_mut(key) else { return Ok(Vec::new()) };
        set.retain(|_, at| at.elapsed() <= max_age);
        let mut members: Vec<String> = set.keys().cloned().collect();
        members.sort();
        Ok(members)
    }

    fn kind(&self) -> &'static str {
        "memory"
    }

    fn shares_draws(&self) -> bool {
        false
    }

    /// One gateway's store: every claim is won, since the single flight draws each card once.
    async fn claim(&self, marks: &[String], _value: &str, _ttl: Duration) -> Result<Vec<Option<String>>, StoreError> {
        Ok(vec![None; marks.len()])
    }

    async fn peek(&self, keys: &[String], _mark: &str) -> Result<(Vec<Option<String>>, bool), StoreError> {
        Ok((self.get_many(keys).await?, false))
    }

    async fn release(&self, _marks: &[String], _value: &str) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(key: &str, value: &str, kind: WriteKind) -> Write {
        Write { key: key.into(), value: value.into(), ttl: Duration::from_secs(60), kind }
    }

    #[tokio::test]
    async fn a_new_counter_never_replaces_an_existing_one() {
        let store = MemoryStore::new(100);
        store.set_many(&[write("gen", "5", WriteKind::NewCounter)]).await.unwrap();
        store.set_many(&[write("gen", "9", WriteKind::NewCounter)]).await.unwrap();
        assert_eq!(store.get_many(&["gen".into()]).await.unwrap(), vec![Some("5".into())]);
        store.set_many(&[write("card", "a", WriteKind::Entry), write("card", "b", WriteKind::Entry)]).await.unwrap();
        assert_eq!(store.get_many(&["card".into()]).await.unwrap(), vec![Some("b".into())]);
    }

    #[tokio::test]
    async fn an_absent_counter_is_incremented_from_a_random_value() {
        let store = MemoryStore::new(100);
        store.set_many(&[write("kept", "5", WriteKind::NewCounter)]).await.unwrap();
        store.increment(&["kept".into(), "gone".into()], Duration::from_secs(60)).await.unwrap();
        let values = store.get_many(&["kept".into(), "gone".into()]).await.unwrap();
        assert_eq!(values[0].as_deref(), Some("6"));
        let gone: u64 = values[1].as_deref().unwrap().parse().unwrap();
        assert!(gone > 1, "not 1, as INCR of an absent key would give: {gone}");
    }

    #[tokio::test]
    async fn members_are_listed_while_recent() {
        let store = MemoryStore::new(100);
        store
            .set_many(&[write("set", "w_b", WriteKind::Member), write("set", "w_a", WriteKind::Member)])
            .await
            .unwrap();
        assert_eq!(store.recent_members("set", Duration::from_secs(60)).await.unwrap(), ["w_a", "w_b"]);
        assert!(store.recent_members("other", Duration::from_secs(60)).await.unwrap().is_empty());
    }
}
