//! The response cache: rendered Plain cards, shared by a fleet of gateways through Redis or
//! kept in memory for one gateway.
//!
//! - one round trip per request reads every requested card plus the generation counters
//!   that make invalidation O(1);
//! - writes leave the request path: they are queued and pipelined by a background writer;
//! - every store error is a miss, never a failed request;
//! - a last good copy outlives the fresh one by the stale window, for stale-if-error.

mod entry;
mod key;
mod memory;
mod near;
mod redis;
mod stats;
mod store;
mod writer;

use std::sync::Arc;
use std::time::Duration;

pub use self::redis::RedisStore;
pub use entry::Generations;
pub use key::{card_cache_keys, CardCacheKeys, RequestKeys, CACHE_FORMAT_VERSION};
pub use memory::MemoryStore;
pub use near::NearStore;
pub use stats::{CacheStats, StatsSnapshot};
pub use store::{CacheStore, StoreError, Write};

use crate::config::CacheSettings;
use crate::plain::CardJson;

/// What the cache holds for one card at lookup time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The generations to store a freshly drawn card under.
    pub generations: Generations,
    /// The fresh copy, when there is one.
    pub fresh: Option<CardJson>,
}

/// The card cache in front of a store.
pub struct CardCache {
    store: Arc<dyn CacheStore>,
    writer: writer::WriteQueue,
    settings: CacheSettings,
    stats: Arc<CacheStats>,
}

impl CardCache {
    /// The cache the settings ask for: Redis (behind the near cache unless `near_ttl` is 0)
    /// when `redis_url` is set, memory otherwise, none when disabled. Must run inside a
    /// tokio runtime (it starts the writer).
    pub fn from_settings(settings: &CacheSettings) -> Result<Option<Self>, ::redis::RedisError> {
        if !settings.enabled {
            return Ok(None);
        }
        let store: Arc<dyn CacheStore> = match &settings.redis_url {
            Some(url) => {
                let redis: Arc<dyn CacheStore> = Arc::new(RedisStore::new(url.expose(), settings)?);
                if settings.near_ttl.is_zero() {
                    redis
                } else {
                    Arc::new(NearStore::new(redis, settings.near_ttl, settings.near_capacity))
                }
            }
            None => Arc::new(MemoryStore::new(settings.memory_capacity)),
        };
        Ok(Some(Self::with_store(store, settings.clone())))
    }

    /// A cache over any store (tests use this with their own).
    pub fn with_store(store: Arc<dyn CacheStore>, settings: CacheSettings) -> Self {
        let stats = Arc::new(CacheStats::default());
        let writer = writer::WriteQueue::spawn(store.clone(), stats.clone(), settings.write_queue);
        tracing::info!(store = store.kind(), "response cache enabled");
        Self { store, writer, settings, stats }
    }

    /// Counters of hits, misses, stale copies served and errors.
    pub fn stats(&self) -> &CacheStats {
        &self.stats
    }

    /// `redis` or `memory`.
    pub fn kind(&self) -> &'static str {
        self.store.kind()
    }

    /// Reads the fresh copies of `cards` (all of one customer) in one round trip. A store
    /// error counts as a miss for every card.
    pub async fn lookup(&self, cards: &[&CardCacheKeys]) -> Vec<Slot> {
        let Some(first) = cards.first() else { return Vec::new() };
        let n = cards.len();
        let mut keys = Vec::with_capacity(1 + 2 * n);
        keys.push(first.customer_generation.clone());
        keys.extend(cards.iter().map(|c| c.card_generation.clone()));
        keys.extend(cards.iter().map(|c| c.fresh.clone()));
        let values = match self.store.get_many(&keys).await {
            Ok(values) if values.len() == keys.len() => values,
            Ok(_) | Err(_) => {
                self.stats.record_error();
                self.stats.record_misses(n);
                return vec![Slot { generations: Generations::default(), fresh: None }; n];
            }
        };
        let customer = entry::generation(values[0].as_deref());
        (0..n)
            .map(|i| {
                let generations = Generations { customer, card: entry::generation(values[1 + i].as_deref()) };
                let fresh = values[1 + n + i].as_deref().and_then(|v| entry::decode(v, generations));
                if fresh.is_some() {
                    self.stats.record_hits(1);
                } else {
                    self.stats.record_misses(1);
                }
                Slot { generations, fresh }
            })
            .collect()
    }

    /// Queues a freshly drawn card for storage (fresh copy for `ttl`, stale copy for `ttl`
    /// plus the stale window). Returns at once; a full queue drops the write.
    pub fn store(&self, keys: &CardCacheKeys, generations: Generations, card: &CardJson, ttl: Duration) {
        let ttl = ttl.min(self.settings.max_ttl);
        if ttl.is_zero() {
            return;
        }
        let value = entry::encode(generations, card);
        self.writer.push(Write { key: keys.fresh.clone(), value: value.clone(), ttl });
        if !self.settings.stale_window.is_zero() {
            self.writer.push(Write { key: keys.stale(), value, ttl: ttl + self.settings.stale_window });
        }
    }

    /// The last good copies of cards whose service failed, when still valid for their
    /// generations.
    pub async fn stale(&self, cards: &[(&CardCacheKeys, Generations)]) -> Vec<Option<CardJson>> {
        if cards.is_empty() || self.settings.stale_window.is_zero() {
            return vec![None; cards.len()];
        }
        let keys: Vec<String> = cards.iter().map(|(k, _)| k.stale()).collect();
        match self.store.get_many(&keys).await {
            Ok(values) if values.len() == keys.len() => {
                values.iter().zip(cards).map(|(v, (_, g))| v.as_deref().and_then(|v| entry::decode(v, *g))).collect()
            }
            _ => {
                self.stats.record_error();
                vec![None; cards.len()]
            }
        }
    }

    /// Invalidates all of a customer's cards (`card_keys` = `None`) or only the named ones,
    /// in O(1) per key: the generation counters move, so old entries are never read again.
    pub async fn invalidate(&self, customer_id: &str, card_keys: Option<&[String]>) -> Result<(), StoreError> {
        let keys: Vec<String> = match card_keys {
            None => vec![key::customer_generation_key(customer_id)],
            Some(cards) => cards.iter().map(|c| key::card_generation_key(customer_id, c)).collect(),
        };
        // Counters must outlive every entry written before them.
        let keep = self.settings.max_ttl + self.settings.stale_window + Duration::from_secs(60);
        self.store.increment(&keys, keep).await
    }

    /// Waits until every queued write has been attempted (for tests and shutdown).
    pub async fn flush(&self) {
        self.writer.flush().await;
    }
}
