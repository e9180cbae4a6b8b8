//! The ledger's store in this process (no Redis cache): the records of one replica only, so
//! a retry Plain sends to another replica is not recognised there.
//!
//! Entries expire by time. Two expiry-ordered indexes (running markers, outcomes) make
//! every operation O(log n): at [`MEMORY_CAPACITY`] the expired entries are dropped from
//! the front of the indexes, then the outcome closest to its end. A running marker is never
//! evicted (its delivery would lose its guard and a retry of it would run the action
//! twice): a store full of running deliveries refuses new ones.

use std::collections::{BTreeSet, HashMap};

use tokio::time::Instant;

/// Most deliveries the in-process ledger remembers; beyond it the outcomes closest to the
/// end of their window are forgotten first.
pub const MEMORY_CAPACITY: usize = 100_000;

#[derive(Debug)]
struct Entry {
    value: String,
    until: Instant,
    running: bool,
}

/// Deliveries' records, by key.
#[derive(Debug)]
pub struct MemoryRecords {
    capacity: usize,
    entries: HashMap<String, Entry>,
    running: BTreeSet<(Instant, String)>,
    outcomes: BTreeSet<(Instant, String)>,
}

impl Default for MemoryRecords {
    fn default() -> Self {
        Self::with_capacity(MEMORY_CAPACITY)
    }
}

/// The store holds `capacity` running deliveries: none can be evicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

impl MemoryRecords {
    /// A store of at most `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self { capacity, entries: HashMap::new(), running: BTreeSet::new(), outcomes: BTreeSet::new() }
    }

    /// How many entries are held (expired ones included until they are dropped).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The live value of `key`, if any.
    pub fn get(&self, key: &str, now: Instant) -> Option<&str> {
        self.entries.get(key).filter(|e| e.until > now).map(|e| e.value.as_str())
    }

    /// Sets running marker `value` on `key` until `until`, unless a live entry is there:
    /// `Ok(Some(found))` then. `Err(Full)` when the store holds only live running markers.
    pub fn claim(&mut self, key: &str, value: &str, until: Instant, now: Instant) -> Result<Option<String>, Full> {
        if let Some(found) = self.get(key, now) {
            return Ok(Some(found.to_owned()));
        }
        self.remove(key);
        if self.entries.len() >= self.capacity {
            self.drop_expired(now);
        }
        if self.entries.len() >= self.capacity {
            let Some(oldest) = self.outcomes.pop_first() else { return Err(Full) };
            self.entries.remove(&oldest.1);
        }
        self.insert(key, value, until, true);
        Ok(None)
    }

    /// Replaces `key` with outcome `value` until `until` while it holds `expected` or no live
    /// entry; `false` when another request's marker or an outcome is there.
    pub fn replace(&mut self, key: &str, expected: &str, value: &str, until: Instant, now: Instant) -> bool {
        self.replace_as(key, expected, value, until, now, false)
    }

    /// Replaces `key`'s `expected` value (an unreadable record) with running marker `value`.
    pub fn take_over(&mut self, key: &str, expected: &str, value: &str, until: Instant, now: Instant) -> bool {
        self.replace_as(key, expected, value, until, now, true)
    }

    fn replace_as(&mut self, key: &str, expected: &str, value: &str, until: Instant, now: Instant, running: bool) -> bool {
        if self.get(key, now).is_some_and(|found| found != expected) {
            return false;
        }
        self.remove(key);
        self.insert(key, value, until, running);
        true
    }

    /// Removes `key` while it holds `expected`.
    pub fn release(&mut self, key: &str, expected: &str) {
        if self.entries.get(key).is_some_and(|e| e.value == expected) {
            self.remove(key);
        }
    }

    fn insert(&mut self, key: &str, value: &str, until: Instant, running: bool) {
        let index = if running { &mut self.running } else { &mut self.outcomes };
        index.insert((until, key.to_owned()));
        self.entries.insert(key.to_owned(), Entry { value: value.to_owned(), until, running });
    }

    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.entries.remove(key) {
            let index = if entry.running { &mut self.running } else { &mut self.outcomes };
            index.remove(&(entry.until, key.to_owned()));
        }
    }

    fn drop_expired(&mut self, now: Instant) {
        for index in [&mut self.running, &mut self.outcomes] {
            while index.first().is_some_and(|(until, _)| *until <= now) {
                if let Some((_, key)) = index.pop_first() {
                    self.entries.remove(&key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_full_store_evicts_the_outcome_closest_to_its_end_never_a_running_marker() {
        let now = Instant::now();
        let mut store = MemoryRecords::with_capacity(3);
        // A running marker that ends first, then two outcomes.
        assert_eq!(store.claim("run", "running:a", now + Duration::from_secs(20), now), Ok(None));
        store.claim("late", "running:b", now + Duration::from_secs(20), now).unwrap();
        assert!(store.replace("late", "running:b", "out-late", now + Duration::from_secs(7200), now));
        store.claim("early", "running:c", now + Duration::from_secs(20), now).unwrap();
        assert!(store.replace("early", "running:c", "out-early", now + Duration::from_secs(3600), now));
        // Full: the new delivery evicts the outcome that ends first, not the running marker.
        assert_eq!(store.claim("new", "running:d", now + Duration::from_secs(20), now), Ok(None));
        assert_eq!(store.get("run", now), Some("running:a"));
        assert_eq!(store.get("early", now), None);
        assert_eq!(store.get("late", now), Some("out-late"));
        store.claim("newer", "running:e", now + Duration::from_secs(20), now).unwrap();
        assert_eq!(store.get("late", now), None);
        // Only running markers left: the next delivery is refused, none is evicted.
        assert_eq!(store.claim("refused", "running:f", now + Duration::from_secs(20), now), Err(Full));
        for key in ["run", "new", "newer"] {
            assert!(store.get(key, now).is_some_and(|v| v.starts_with("running:")), "{key}");
        }
        // Once they expire there is room again.
        let later = now + Duration::from_secs(21);
        assert_eq!(store.claim("refused", "running:f", later + Duration::from_secs(20), later), Ok(None));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn only_the_holder_of_a_marker_or_nobody_may_replace_or_release_it() {
        let now = Instant::now();
        let until = now + Duration::from_secs(20);
        let mut store = MemoryRecords::with_capacity(10);
        store.claim("k", "running:b", until, now).unwrap();
        assert!(!store.replace("k", "running:a", "stale", until, now), "another request's marker");
        store.release("k", "running:a");
        assert_eq!(store.get("k", now), Some("running:b"));
        assert!(store.replace("k", "running:b", "outcome", until, now));
        assert!(!store.replace("k", "running:a", "stale", until, now), "an outcome kept already");
        assert!(store.replace("gone", "running:a", "outcome", until, now), "absent");
    }
}
