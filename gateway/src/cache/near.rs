//! The near cache: a short-lived in-process copy of what this gateway last read from or
//! wrote to the shared store (Redis), so a customer opened again within `cache.near_ttl`
//! costs no round trip at all.
//!
//! Contract:
//! - it remembers absent keys too (a missing generation counter is the common case), so a
//!   hot customer is answered from memory alone;
//! - an entry lives at most `near_ttl`, and never longer than its TTL in the store;
//! - this gateway's own writes and invalidations update it at once; another replica's are
//!   seen after at most `near_ttl` (the price of skipping the round trip; 0 turns it off);
//! - store errors are passed through untouched and never remembered;
//! - a read missing only served-ledger entries (a thread Plain opens for a customer held
//!   here) reads just those, or none when the caller can do without
//!   ([`CacheStore::get_many_but_maybe_last`]); any other missing key reads every key again,
//!   so counters and cards always come from one moment.

use std::sync::Arc;
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;

use super::key::is_served;
use super::store::{CacheStore, StoreError, Write, WriteKind};

/// One remembered read: the value, or `None` for a key the store did not have. Checked
/// against the clock on every read (the map itself has no expiry, only a size bound: it is on
/// every request's path and must cost little more than a hash lookup).
#[derive(Clone)]
struct NearEntry {
    value: Option<Arc<str>>,
    expires: Instant,
}

/// A store with a short-lived in-process copy in front of it.
pub struct NearStore {
    inner: Arc<dyn CacheStore>,
    entries: Cache<String, NearEntry>,
    ttl: Duration,
}

impl NearStore {
    /// `inner` fronted by at most `capacity` entries, each kept at most `ttl` (above 0).
    pub fn new(inner: Arc<dyn CacheStore>, ttl: Duration, capacity: u64) -> Self {
        Self { inner, entries: Cache::new(usize::try_from(capacity).unwrap_or(usize::MAX).max(1)), ttl }
    }

    fn remember(&self, key: &str, value: Option<Arc<str>>, ttl: Duration) {
        let expires = Instant::now() + ttl.min(self.ttl);
        self.entries.insert(key.to_owned(), NearEntry { value, expires });
    }
}

#[async_trait::async_trait]
impl CacheStore for NearStore {
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let now = Instant::now();
        let mut values = Vec::with_capacity(keys.len());
        let mut missing = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            match self.entries.get(key.as_str()).filter(|e| e.expires > now) {
                Some(entry) => values.push(entry.value.as_deref().map(str::to_owned)),
                None => {
                    values.push(None);
                    missing.push(i);
                }
            }
        }
        if missing.is_empty() {
            return Ok(values);
        }
        if missing.iter().all(|&i| is_served(&keys[i])) {
            // Only served-ledger entries missing, as for every thread Plain opens: read just
            // those. What they say stands on its own, while counters and cards are compared
            // with each other and so are read together.
            let wanted: Vec<String> = missing.iter().map(|&i| keys[i].clone()).collect();
            let read = self.inner.get_many(&wanted).await?;
            for (i, value) in missing.into_iter().zip(read) {
                self.remember(&keys[i], value.as_deref().map(Arc::from), self.ttl);
                values[i] = value;
            }
            return Ok(values);
        }
        // A counter or a card not remembered: read them all again, in the one round trip
        // that is needed anyway, so the generation counters and the cards a lookup compares
        // come from the same moment. An error fails the whole read, as without the near cache.
        let values = self.inner.get_many(keys).await?;
        for (key, value) in keys.iter().zip(&values) {
            self.remember(key, value.as_deref().map(Arc::from), self.ttl);
        }
        Ok(values)
    }

    async fn get_many_but_maybe_last(&self, keys: &[String]) -> Result<(Vec<Option<String>>, bool), StoreError> {
        let Some((last, others)) = keys.split_last() else { return Ok((Vec::new(), true)) };
        let now = Instant::now();
        let remembered = |key: &String| self.entries.get(key.as_str()).filter(|e| e.expires > now);
        if remembered(last).is_none() {
            // Every other key held here: answered from memory, the last key left unread.
            let others: Option<Vec<Option<String>>> =
                others.iter().map(|key| remembered(key).map(|e| e.value.as_deref().map(str::to_owned))).collect();
            if let Some(mut values) = others {
                values.push(None);
                return Ok((values, false));
            }
        }
        Ok((self.get_many(keys).await?, true))
    }

    async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError> {
        let result = self.inner.set_many(writes).await;
        for w in writes {
            match (w.kind, &result) {
                // Appended to what is remembered, as the store appends it; what is not
                // remembered stays so (the store's value is read when it is needed).
                (WriteKind::LedgerAppend, Ok(())) => {
                    if let Some(NearEntry { value, expires }) = self.entries.get(w.key.as_str()) {
                        let value = format!("{}{}", value.as_deref().unwrap_or_default(), w.value);
                        self.entries.insert(w.key.clone(), NearEntry { value: Some(Arc::from(value)), expires });
                    }
                }
                (WriteKind::LedgerAppend, Err(_)) => {
                    self.entries.remove(w.key.as_str());
                }
                // This replica's own answers are seen at once; another replica's, after at most
                // the near TTL (a ledger entry read here as absent is remembered that long).
                (WriteKind::Entry | WriteKind::Ledger, Ok(())) => {
                    self.remember(&w.key, Some(Arc::from(w.value.as_str())), w.ttl)
                }
                // A new counter may have lost to one that already existed, and after an error
                // the store may or may not hold the write: forget, read it again next time.
                (WriteKind::Entry | WriteKind::Ledger | WriteKind::NewCounter, _) => {
                    self.entries.remove(w.key.as_str());
                }
                (WriteKind::Member, _) => {}
            }
        }
        result
    }

    async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError> {
        let result = self.inner.increment(keys, ttl).await;
        // Whatever happened, the counters must be read from the store again.
        for key in keys {
            self.entries.remove(key.as_str());
        }
        result
    }

    async fn recent_members(&self, key: &str, max_age: Duration) -> Result<Vec<String>, StoreError> {
        self.inner.recent_members(key, max_age).await
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn shares_draws(&self) -> bool {
        self.inner.shares_draws()
    }

    async fn claim(&self, marks: &[String], value: &str, ttl: Duration) -> Result<Vec<Option<String>>, StoreError> {
        self.inner.claim(marks, value, ttl).await
    }

    /// Always reads the store (a copy another replica just wrote must be seen at once), and
    /// remembers what it read, so the next lookup here sees that copy too.
    async fn peek(&self, keys: &[String], mark: &str) -> Result<(Vec<Option<String>>, bool), StoreError> {
        let (values, marked) = self.inner.peek(keys, mark).await?;
        for (key, value) in keys.iter().zip(&values) {
            self.remember(key, value.as_deref().map(Arc::from), self.ttl);
        }
        Ok((values, marked))
    }

    async fn release(&self, marks: &[String], value: &str) -> Result<(), StoreError> {
        self.inner.release(marks, value).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::cache::MemoryStore;

    /// A memory store that counts reads and can be made to fail.
    struct Counted {
        store: MemoryStore,
        reads: AtomicUsize,
        read_keys: AtomicUsize,
        failing: std::sync::atomic::AtomicBool,
    }

    impl Counted {
        fn new() -> Arc<Self> {
            Arc::new(Self {
                store: MemoryStore::new(100),
                reads: AtomicUsize::new(0),
                read_keys: AtomicUsize::new(0),
                failing: false.into(),
            })
        }
    }

    #[async_trait::async_trait]
    impl CacheStore for Counted {
        async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.read_keys.fetch_add(keys.len(), Ordering::SeqCst);
            if self.failing.load(Ordering::SeqCst) {
                return Err(StoreError::Backend("down".into()));
            }
            self.store.get_many(keys).await
        }
        async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError> {
            if self.failing.load(Ordering::SeqCst) {
                return Err(StoreError::Backend("down".into()));
            }
            self.store.set_many(writes).await
        }
        async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError> {
            self.store.increment(keys, ttl).await
        }
        async fn recent_members(&self, key: &str, max_age: Duration) -> Result<Vec<String>, StoreError> {
            self.store.recent_members(key, max_age).await
        }
        fn kind(&self) -> &'static str {
            "counted"
        }
        fn shares_draws(&self) -> bool {
            self.store.shares_draws()
        }
        async fn claim(&self, marks: &[String], value: &str, ttl: Duration) -> Result<Vec<Option<String>>, StoreError> {
            self.store.claim(marks, value, ttl).await
        }
        async fn peek(&self, keys: &[String], mark: &str) -> Result<(Vec<Option<String>>, bool), StoreError> {
            self.store.peek(keys, mark).await
        }
        async fn release(&self, marks: &[String], value: &str) -> Result<(), StoreError> {
            self.store.release(marks, value).await
        }
    }

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn write(key: &str, value: &str) -> Write {
        Write::entry(key.into(), value.into(), Duration::from_secs(60))
    }

    #[tokio::test]
    async fn a_second_read_of_the_same_keys_skips_the_store_and_remembers_absent_keys() {
        let inner = Counted::new();
        inner.store.set_many(&[write("a", "1")]).await.unwrap();
        let near = NearStore::new(inner.clone(), Duration::from_secs(60), 100);

        let first = near.get_many(&keys(&["a", "b"])).await.unwrap();
        let second = near.get_many(&keys(&["a", "b"])).await.unwrap();

        assert_eq!(first, vec![Some("1".to_owned()), None]);
        assert_eq!(second, first);
        assert_eq!(inner.reads.load(Ordering::SeqCst), 1, "the second read came from memory");
    }

    #[tokio::test]
    async fn one_key_not_remembered_reads_all_keys_again_from_the_same_moment() {
        let inner = Counted::new();
        let near = NearStore::new(inner.clone(), Duration::from_secs(60), 100);
        near.get_many(&keys(&["gen", "card"])).await.unwrap();
        // Another replica moves the counter; a read with a new key must not pair the new
        // key's value with the old remembered counter.
        inner.store.set_many(&[write("gen", "1"), write("other", "x")]).await.unwrap();
        let values = near.get_many(&keys(&["gen", "other"])).await.unwrap();
        assert_eq!(values, vec![Some("1".to_owned()), Some("x".to_owned())]);
        assert_eq!(inner.read_keys.load(Ordering::SeqCst), 4, "both keys read again");
    }

    #[tokio::test]
    async fn only_ledger_entries_not_remembered_are_read_alone_for_a_new_thread() {
        let inner = Counted::new();
        let near = NearStore::new(inner.clone(), Duration::from_secs(60), 100);
        let gen = "cardmesh:v3:{w:w:c:c}:gen".to_owned();
        let card = "cardmesh:v3:{w:w:c:c}:card:usage:h".to_owned();
        let thread = |t: &str| format!("cardmesh:v3:{{w:w:c:c}}:served:={t}:");
        inner.store.set_many(&[write(&gen, "1"), write(&card, "v"), write(&thread("th_2"), "s")]).await.unwrap();
        near.get_many(&[gen.clone(), card.clone(), thread("th_1")]).await.unwrap();
        let read_keys = inner.read_keys.load(Ordering::SeqCst);

        // The same customer in another thread: the counter and the card are remembered, and
        // only the new thread's ledger entry (another replica's answer) is read.
        let values = near.get_many(&[gen.clone(), card.clone(), thread("th_2")]).await.unwrap();
        assert_eq!(values, vec![Some("1".to_owned()), Some("v".to_owned()), Some("s".to_owned())]);
        assert_eq!(inner.read_keys.load(Ordering::SeqCst) - read_keys, 1, "only the ledger entry was read");
        assert_eq!(inner.reads.load(Ordering::SeqCst), 2);

        // Remembered now: the same context again costs no read.
        near.get_many(&[gen, card, thread("th_2")]).await.unwrap();
        assert_eq!(inner.reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_last_key_alone_not_remembered_is_left_unread_when_the_caller_can_do_without_it() {
        let inner = Counted::new();
        let near = NearStore::new(inner.clone(), Duration::from_secs(60), 100);
        let (gen, card) = ("cardmesh:v3:{w:w:c:c}:gen".to_owned(), "cardmesh:v3:{w:w:c:c}:card:usage:h".to_owned());
        let thread = |t: &str| format!("cardmesh:v3:{{w:w:c:c}}:served:={t}:");
        inner.store.set_many(&[write(&gen, "1"), write(&card, "v"), write(&thread("th_2"), "s")]).await.unwrap();

        // Nothing remembered yet: every key is read, the last one included.
        let (values, read) = near.get_many_but_maybe_last(&[gen.clone(), card.clone(), thread("th_1")]).await.unwrap();
        assert_eq!((values, read), (vec![Some("1".to_owned()), Some("v".to_owned()), None], true));
        assert_eq!(inner.reads.load(Ordering::SeqCst), 1);

        // Everything but the last key remembered: no read, and the last key reported unread.
        let (values, read) = near.get_many_but_maybe_last(&[gen.clone(), card.clone(), thread("th_2")]).await.unwrap();
        assert_eq!((values, read), (vec![Some("1".to_owned()), Some("v".to_owned()), None], false));
        assert_eq!(inner.reads.load(Ordering::SeqCst), 1, "no round trip");

        // Another key not remembered: read together, from one moment, the last one included.
        let other = "cardmesh:v3:{w:w:c:c}:card:plan:h".to_owned();
        let (values, read) = near.get_many_but_maybe_last(&[gen, other, thread("th_2")]).await.unwrap();
        assert_eq!((values, read), (vec![Some("1".to_owned()), None, Some("s".to_owned())], true));
        assert_eq!(inner.reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_append_extends_what_is_remembered_and_leaves_what_is_not_to_the_store() {
        let inner = Counted::new();
        let near = NearStore::new(inner.clone(), Duration::from_secs(60), 100);
        let append = |key: &str, value: &str| Write { kind: WriteKind::LedgerAppend, ..write(key, value) };
        inner.store.set_many(&[write("held", "a=1:2")]).await.unwrap();
        near.get_many(&keys(&["held", "absent"])).await.unwrap();

        near.set_many(&[append("held", ",b=3:4"), append("absent", ",c=5:6"), append("unread", ",d=7:8")]).await.unwrap();
        let reads = inner.reads.load(Ordering::SeqCst);
        let remembered = near.get_many(&keys(&["held", "absent"])).await.unwrap();
        assert_eq!(remembered, vec![Some("a=1:2,b=3:4".to_owned()), Some(",c=5:6".to_owned())]);
        assert_eq!(inner.reads.load(Ordering::SeqCst), reads, "both from memory, as the store appended them");
        assert_eq!(near.get_many(&keys(&["unread"])).await.unwrap(), vec![Some(",d=7:8".to_owned())]);
        assert_eq!(inner.reads.load(Ordering::SeqCst), reads + 1, "not remembered: read from the store");

        // A failed append may or may not have reached the store: forgotten.
        inner.failing.store(true, Ordering::SeqCst);
        assert!(near.set_many(&[append("held", ",e=9:10")]).await.is_err());
        inner.failing.store(false, Ordering::SeqCst);
        near.get_many(&keys(&["held"])).await.unwrap();
        assert_eq!(inner.reads.load(Ordering::SeqCst), reads + 2);
    }

    #[tokio::test]
    async fn own_writes_and_increments_are_seen_at_once() {
        let inner = Counted::new();
        let near = NearStore::new(inner.clone(), Duration::from_secs(60), 100);
        assert_eq!(near.get_many(&keys(&["card", "gen"])).await.unwrap(), vec![None, None]);

        near.set_many(&[write("card", "v"), write("gen", "4")]).await.unwrap();
        near.increment(&keys(&["gen"]), Duration::from_secs(60)).await.unwrap();

        let after = near.get_many(&keys(&["card", "gen"])).await.unwrap();
        assert_eq!(after, vec![Some("v".to_owned()), Some("5".to_owned())]);
        assert_eq!(
            inner.reads.load(Ordering::SeqCst),
            2,
            "the written card came from memory, the counter from the store"
        );
    }

    #[tokio::test]
    async fn a_new_counter_is_read_from_the_store_again_since_another_may_have_won() {
        let inner = Counted::new();
        let near = NearStore::new(inner.clone(), Duration::from_secs(60), 100);
        inner.store.set_many(&[write("gen", "7")]).await.unwrap();
        assert_eq!(near.get_many(&keys(&["gen"])).await.unwrap(), vec![Some("7".to_owned())]);
        let mine = Write { kind: WriteKind::NewCounter, ..write("gen", "9") };
        near.set_many(&[mine]).await.unwrap();
        assert_eq!(near.get_many(&keys(&["gen"])).await.unwrap(), vec![Some("7".to_owned())], "the existing counter");
        assert_eq!(inner.reads.load(Ordering::SeqCst), 2, "read from the store again");
    }

    #[tokio::test]
    async fn errors_pass_through_and_are_not_remembered() {
        let inner = Counted::new();
        let near = NearStore::new(inner.clone(), Duration::from_secs(60), 100);
        inner.failing.store(true, Ordering::SeqCst);
        assert!(near.get_many(&keys(&["a"])).await.is_err());
        assert!(near.set_many(&[write("a", "x")]).await.is_err());

        inner.failing.store(false, Ordering::SeqCst);
        inner.store.set_many(&[write("a", "fresh")]).await.unwrap();
        assert_eq!(near.get_many(&keys(&["a"])).await.unwrap(), vec![Some("fresh".to_owned())]);
    }

    #[tokio::test]
    async fn an_entry_never_outlives_the_near_ttl_or_its_own_ttl() {
        let inner = Counted::new();
        let near = NearStore::new(inner.clone(), Duration::from_millis(300), 100);
        let before = Instant::now();
        near.remember("long", None, Duration::from_secs(3600));
        near.remember("short", None, Duration::from_millis(10));
        let expires = |key: &str| near.entries.get(key).unwrap().expires;
        assert!(expires("long") <= Instant::now() + Duration::from_millis(300));
        assert!(expires("long") >= before + Duration::from_millis(300));
        assert!(expires("short") <= Instant::now() + Duration::from_millis(10));

        // An expired entry is read from the store again.
        near.entries.insert("gone".into(), NearEntry { value: Some("old".into()), expires: Instant::now() });
        inner.store.set_many(&[write("gone", "new")]).await.unwrap();
        assert_eq!(near.get_many(&keys(&["gone"])).await.unwrap(), vec![Some("new".to_owned())]);
    }
}
