//! The response cache: rendered Plain cards, shared by a fleet of gateways through Redis or
//! kept in memory for one gateway.
//!
//! - one round trip per request reads every requested card plus the generation counters
//!   that make invalidation O(1);
//! - writes leave the request path: they are queued and pipelined by a background writer;
//! - every store error is a miss, never a failed request;
//! - a last good copy outlives the fresh one by the stale window, for stale-if-error;
//! - keys cover every identifier the card's service is sent ([`key`]), and each workspace's
//!   customers have their own counters and cards;
//! - a lost generation counter is a miss, never a revived card ([`entry`]);
//! - entries in Redis are sealed and every value read from it is checked ([`seal`]);
//! - a hit carries the lifetime it has left, never more ([`entry`]), and the served ledger
//!   tells Plain's reloads from its first asks and its duplicates ([`served`]);
//! - Redis may be one server, a Redis Cluster or Sentinel's primary, over TLS, with an ACL
//!   user ([`connection`]); every key may carry a namespace ([`namespace`]);
//! - with a store replicas share, a missed card is drawn by one replica: the others wait for
//!   its copy ([`claim`]).

mod claim;
mod clock;
mod connection;
mod entry;
mod key;
mod memory;
mod namespace;
mod near;
mod records;
mod redis;
mod seal;
mod served;
mod slots;
mod stats;
mod store;
#[cfg(test)]
mod tests;
mod writer;

use std::sync::Arc;
use std::time::Duration;

pub use self::redis::RedisStore;
pub use claim::{replica_token, Claimed, DrawWait};
#[cfg(feature = "test-util")]
pub use claim::{DrawMarks, FIRST_POLL, MARK_MARGIN, MAX_POLL};
pub use clock::Clock;
#[cfg(feature = "test-util")]
pub use clock::ManualClock;
pub use entry::Generations;
pub use key::{CardCacheKeys, RequestKeys};
#[cfg(feature = "test-util")]
pub use key::{card_cache_keys, CACHE_FORMAT_VERSION};
pub use memory::MemoryStore;
pub use namespace::NamespacedStore;
pub use records::SharedRecords;
pub use near::NearStore;
pub use seal::{EntrySeal, KeySource, Rejection, SealedStore};
pub use served::{record, Asked, LedgerRead, Served, ServedContext};
#[cfg(feature = "test-util")]
pub use served::asked;
pub use stats::{CacheStats, StatsSnapshot};
pub use store::{CacheStore, StoreError, Write, WriteKind};

use crate::config::{CacheSettings, Config, SigningSecrets};
use crate::plain::CardJson;

/// What the cache holds for one card at lookup time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The generations to store a freshly drawn card under.
    pub generations: Generations,
    /// The fresh copy, when there is one, with the lifetime it has left as its TTL.
    pub fresh: Option<CardJson>,
    /// How long ago the fresh copy was drawn, in milliseconds.
    pub age_ms: u64,
    /// What the gateway last answered Plain in the request's context for this card, when the
    /// lookup read the served ledger and found an entry.
    pub served: Option<Served>,
    /// Why Plain asks, by the ledger ([`Asked::First`] when it was not read). On a reload the
    /// fresh copy is left out (and counted a miss): the card is drawn from its service.
    pub asked: Asked,
}

impl Slot {
    /// Nothing cached, nothing served.
    pub fn empty() -> Self {
        Self { generations: Generations::default(), fresh: None, age_ms: 0, served: None, asked: Asked::First }
    }
}

/// Why the cache cannot be set up from the settings (which [`Config::validate`] checks, so
/// only for a config that was not validated).
#[derive(Debug, thiserror::Error)]
pub enum CacheSetupError {
    #[error("{}", .0.join("; "))]
    Settings(Vec<String>),
    #[error("cache.redis_tls: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("cache.redis_url: {0}")]
    Redis(#[from] ::redis::RedisError),
}

/// Redis did not answer at start-up, with `cache.required_to_start`.
#[derive(Debug, thiserror::Error)]
#[error(
    "cache.required_to_start: {redis} did not answer within {}: {error}. Check CARDMESH_REDIS_URL, the \
     Redis user, password and TLS settings, and that Redis is reachable from here; or unset \
     CARDMESH_CACHE_REQUIRED_TO_START to start without it (every card is a miss until Redis answers)",
    humantime::format_duration(*.waited)
)]
pub struct RedisUnavailable {
    /// Where Redis is (no credential).
    pub redis: String,
    pub waited: Duration,
    /// The last attempt's error.
    pub error: StoreError,
}

/// The card cache in front of a store.
pub struct CardCache {
    store: Arc<dyn CacheStore>,
    /// The Redis store below the other layers, when Redis is used (for the start-up check).
    redis: Option<Arc<RedisStore>>,
    writer: writer::WriteQueue,
    settings: CacheSettings,
    stats: Arc<CacheStats>,
    /// The workspaces of the signing secrets' table (none with a shared list).
    configured_workspaces: Vec<String>,
    /// When cards were drawn and answers given (shared by replicas: wall-clock time).
    clock: Clock,
    /// This gateway's token in the draw marks it sets ([`claim`]).
    replica: String,
}

impl CardCache {
    /// The cache `config.cache` asks for: Redis (sealed, see [`seal`], namespaced with
    /// `namespace`, behind the near cache unless `near_ttl` is 0) when `redis_url` is set,
    /// memory otherwise, none when disabled. Must run inside a tokio runtime (it starts the
    /// writer). Connects to nothing yet.
    pub fn from_config(config: &Config) -> Result<Option<Self>, CacheSetupError> {
        let settings = &config.cache;
        if !settings.enabled {
            return Ok(None);
        }
        let stats = Arc::new(CacheStats::default());
        let mut redis_store = None;
        let store: Arc<dyn CacheStore> = match settings.redis_target().map_err(CacheSetupError::Settings)? {
            Some(target) => {
                let (seal, source) = EntrySeal::for_gateway(settings, &config.signing_secrets);
                if source == KeySource::Random {
                    tracing::warn!(
                        "no cache.entry_key and no signing secret: this gateway seals its Redis entries with a key of \
                         its own, so other replicas cannot use them; set CARDMESH_CACHE_ENTRY_KEY on every replica"
                    );
                }
                let pem = settings.redis_tls.pem()?;
                let redis = Arc::new(RedisStore::new(&target, &pem, settings)?);
                redis_store = Some(redis.clone());
                let mut store: Arc<dyn CacheStore> =
                    Arc::new(SealedStore::new(redis, seal, config.limits.max_card_bytes, stats.clone()));
                if let Some(namespace) = &settings.namespace {
                    store = Arc::new(NamespacedStore::new(store, namespace));
                }
                if !settings.near_ttl.is_zero() {
                    store = Arc::new(NearStore::new(store, settings.near_ttl, settings.near_capacity));
                }
                store
            }
            None => Arc::new(MemoryStore::new(settings.memory_capacity)),
        };
        let mut cache = Self::with_stats(store, settings.clone(), stats);
        cache.redis = redis_store;
        if let SigningSecrets::PerWorkspace(table) = &config.signing_secrets {
            cache.configured_workspaces = table.keys().cloned().collect();
        }
        Ok(Some(cache))
    }

    /// Waits until Redis answers `PING`, trying again every 200 ms for at most `wait` (for
    /// `cache.required_to_start`). Without Redis, at once.
    pub async fn wait_for_redis(&self, wait: Duration) -> Result<(), RedisUnavailable> {
        let Some(redis) = &self.redis else { return Ok(()) };
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let attempt = tokio::time::timeout_at(deadline, redis.check()).await;
            let error = match attempt {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(error)) => error,
                Err(_) => StoreError::Timeout(wait),
            };
            let retry = tokio::time::Instant::now() + Duration::from_millis(200);
            if retry >= deadline {
                return Err(RedisUnavailable { redis: redis.describe().to_owned(), waited: wait, error });
            }
            tracing::info!(redis = %redis.describe(), %error, "waiting for Redis (cache.required_to_start)");
            tokio::time::sleep_until(retry).await;
        }
    }

    /// A cache over any store (tests use this with their own).
    pub fn with_store(store: Arc<dyn CacheStore>, settings: CacheSettings) -> Self {
        Self::with_stats(store, settings, Arc::new(CacheStats::default()))
    }

    fn with_stats(store: Arc<dyn CacheStore>, settings: CacheSettings, stats: Arc<CacheStats>) -> Self {
        let writer = writer::WriteQueue::spawn(store.clone(), stats.clone(), settings.write_queue);
        tracing::info!(store = store.kind(), "response cache enabled");
        Self {
            store,
            redis: None,
            writer,
            settings,
            stats,
            configured_workspaces: Vec::new(),
            clock: Clock::System,
            replica: claim::replica_token(),
        }
    }

    /// The same cache reading the time from `clock` (tests move a [`ManualClock`]).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The cache's time, in Unix milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// `cache.duplicate_window`.
    pub fn duplicate_window(&self) -> Duration {
        self.settings.duplicate_window
    }

    /// How long a generation counter is kept: longer than any entry written under it.
    fn counter_ttl(&self) -> Duration {
        self.settings.max_ttl + self.settings.stale_window + Duration::from_secs(60)
    }

    /// Counters of hits, misses, stale copies served and errors.
    pub fn stats(&self) -> &CacheStats {
        &self.stats
    }

    /// `redis` or `memory`.
    pub fn kind(&self) -> &'static str {
        self.store.kind()
    }

    /// Reads the fresh copies of `cards` (all of one customer), and with `ledger` (the
    /// request's served-ledger key, see [`RequestKeys::served`]) what was last answered in
    /// the request's context, in one round trip; a card Plain reloads has no fresh copy
    /// ([`Slot::asked`]). Returns one slot per card and the context's ledger entry. A request
    /// for several cards is never a manual reload: when the near cache holds all of them, the
    /// entry is not read ([`LedgerRead::Skipped`]) and the lookup makes no round trip. A store
    /// error counts as a miss for every card, with nothing served.
    pub async fn lookup(&self, cards: &[&CardCacheKeys], ledger: Option<&str>) -> (Vec<Slot>, LedgerRead) {
        let Some(first) = cards.first() else { return (Vec::new(), LedgerRead::Entry(None)) };
        let n = cards.len();
        let mut keys = Vec::with_capacity(2 + 2 * n);
        keys.push(first.customer_generation.clone());
        keys.extend(cards.iter().map(|c| c.card_generation.clone()));
        keys.extend(cards.iter().map(|c| c.fresh.clone()));
        keys.extend(ledger.map(str::to_owned));
        let read = match ledger {
            Some(_) if n > 1 => self.store.get_many_but_maybe_last(&keys).await,
            _ => self.store.get_many(&keys).await.map(|values| (values, true)),
        };
        let (values, ledger_read) = match read {
            Ok((values, ledger_read)) if values.len() == keys.len() => (values, ledger_read),
            Ok(_) | Err(_) => {
                self.stats.record_error();
                self.stats.record_misses(n);
                return (vec![Slot::empty(); n], LedgerRead::Entry(None));
            }
        };
        let context = match ledger {
            Some(_) if !ledger_read => LedgerRead::Skipped,
            Some(_) => LedgerRead::Entry(values[1 + 2 * n].as_deref().and_then(ServedContext::decode)),
            None => LedgerRead::Entry(None),
        };
        let now_ms = self.clock.now_ms();
        // An absent counter gets a new random value (one for all the cards, for the
        // customer's), created when a card is stored under it: see `entry`.
        let customer = entry::generation(values[0].as_deref());
        let customer_value = customer.unwrap_or_else(entry::new_generation);
        let slots = (0..n)
            .map(|i| {
                let card = entry::generation(values[1 + i].as_deref());
                let generations = Generations {
                    customer: customer_value,
                    card: card.unwrap_or_else(entry::new_generation),
                    new_customer: customer.is_none(),
                    new_card: card.is_none(),
                };
                // Compared with the counters as read; an absent counter matches no entry.
                let fresh = match (values[0].as_deref(), values[1 + i].as_deref(), values[1 + n + i].as_deref()) {
                    (Some(customer), Some(card), Some(v)) => entry::decode(v, customer, card, now_ms),
                    _ => None,
                };
                // Nothing served when the ledger was not read: a first ask.
                let served = context.entry().and_then(|context| context.get(cards[i].card_key()));
                let asked = served::asked(served, now_ms, self.settings.duplicate_window);
                let fresh = fresh.filter(|_| asked != Asked::Reload);
                if fresh.is_some() {
                    self.stats.record_hits(1);
                } else {
                    self.stats.record_misses(1);
                }
                let (fresh, age_ms) = fresh.map_or((None, 0), |f| (Some(f.card), f.age_ms));
                Slot { generations, fresh, age_ms, served, asked }
            })
            .collect();
        (slots, context)
    }

    /// Queues a card of `workspace_id` drawn at `drawn_ms` ([`Self::now_ms`] when its service
    /// was asked) for storage (fresh copy for `ttl`, stale
    /// copy for `ttl` plus the stale window), after the generation counters that were absent
    /// at lookup (each created only if still absent: if another gateway created it or an
    /// invalidation moved it meanwhile, this card is simply never read). Returns at once; a
    /// full queue drops the write.
    pub fn store(
        &self,
        keys: &CardCacheKeys,
        workspace_id: &str,
        generations: Generations,
        card: &CardJson,
        ttl: Duration,
        drawn_ms: u64,
    ) {
        let ttl = ttl.min(self.settings.max_ttl);
        if ttl.is_zero() {
            return;
        }
        let new_counters = [
            (generations.new_customer, &keys.customer_generation, generations.customer),
            (generations.new_card, &keys.card_generation, generations.card),
        ];
        for (_, key, value) in new_counters.into_iter().filter(|(new, _, _)| *new) {
            let ttl = self.counter_ttl();
            self.writer.push(Write { key: key.clone(), value: value.to_string(), ttl, kind: WriteKind::NewCounter });
        }
        if generations.new_customer {
            // The customer's counter starts its life: its workspace is in the list at least
            // as long as the counter lives, so an invalidation without a workspace finds it.
            self.record_workspace(workspace_id);
        }
        let stamp = entry::Stamp { drawn_ms, ttl_seconds: u32::try_from(ttl.as_secs()).unwrap_or(u32::MAX) };
        let value = entry::encode(generations, stamp, card);
        self.writer.push(Write::entry(keys.fresh.clone(), value.clone(), ttl));
        if !self.settings.stale_window.is_zero() {
            self.writer.push(Write::entry(keys.stale(), value, ttl + self.settings.stale_window));
        }
    }

    /// Records in the served ledger, at `key` (see [`RequestKeys::served`]), what was answered
    /// to Plain in one context, kept until the last of its cards expires in Plain: the whole
    /// entry after a lookup that read it (`read` is [`LedgerRead::Entry`]), else appended to
    /// the stored entry without reading it ([`LedgerRead::Skipped`]). Returns at once; a full
    /// queue drops it.
    pub fn record_served(&self, key: String, context: &ServedContext, read: &LedgerRead) {
        let ttl = Duration::from_millis(context.expires_ms().saturating_sub(self.clock.now_ms()));
        if ttl.is_zero() {
            return;
        }
        let (value, kind) = match read {
            LedgerRead::Entry(_) => (context.encode(), WriteKind::Ledger),
            LedgerRead::Skipped => (context.appended(), WriteKind::LedgerAppend),
        };
        self.writer.push(Write { key, value, ttl, kind });
    }

    /// Records `workspace_id` as active now in the store's list of workspaces (see
    /// [`Self::invalidate`]), whenever a customer counter of that workspace is created or
    /// moved, so the list keeps a workspace at least as long as any of its counters lives.
    fn record_workspace(&self, workspace_id: &str) {
        self.writer.push(Write {
            key: key::workspaces_key(),
            value: workspace_id.to_owned(),
            ttl: Duration::ZERO,
            kind: WriteKind::Member,
        });
    }

    /// The last good copies of cards whose service failed, when still valid for their
    /// generations.
    pub async fn stale(&self, cards: &[(&CardCacheKeys, Generations)]) -> Vec<Option<CardJson>> {
        if cards.is_empty() || self.settings.stale_window.is_zero() {
            return vec![None; cards.len()];
        }
        let keys: Vec<String> = cards.iter().map(|(k, _)| k.stale()).collect();
        match self.store.get_many(&keys).await {
            Ok(values) if values.len() == keys.len() => values
                .iter()
                .zip(cards)
                .map(|(v, (_, g))| v.as_deref().and_then(|v| entry::decode_for(v, *g)))
                .collect(),
            _ => {
                self.stats.record_error();
                vec![None; cards.len()]
            }
        }
    }

    /// Invalidates all of a customer's cards (`card_keys` = `None`) or only the named ones,
    /// in O(1) per key and workspace: the generation counters move, so old entries are never
    /// read again.
    ///
    /// A customer id belongs to one Plain workspace. With `workspace_id`, only that
    /// workspace's cards are invalidated. Without it, every workspace the gateway knows: those
    /// of the signing secrets' table, and those where any gateway of the fleet created or
    /// moved a customer counter within the counters' lifetime (a sorted set in the store, see
    /// [`key::workspaces_key`]). A card is read only while its customer counter lives, so no
    /// card that can still be served is left out. Returns the workspaces invalidated, sorted.
    pub async fn invalidate(
        &self,
        workspace_id: Option<&str>,
        customer_id: &str,
        card_keys: Option<&[String]>,
    ) -> Result<Vec<String>, StoreError> {
        let keep = self.counter_ttl();
        let mut workspaces = match workspace_id {
            Some(workspace) => vec![workspace.to_owned()],
            None => {
                let mut known = self.store.recent_members(&key::workspaces_key(), keep).await?;
                known.extend(self.configured_workspaces.iter().cloned());
                known
            }
        };
        workspaces.sort();
        workspaces.dedup();
        let keys: Vec<String> = workspaces
            .iter()
            .flat_map(|workspace| match card_keys {
                None => vec![key::customer_generation_key(workspace, customer_id)],
                Some(cards) => cards.iter().map(|c| key::card_generation_key(workspace, customer_id, c)).collect(),
            })
            .collect();
        if !keys.is_empty() {
            self.store.increment(&keys, keep).await?;
        }
        for workspace in &workspaces {
            self.record_workspace(workspace);
        }
        Ok(workspaces)
    }

    /// The records replicas share beside the cache (the action ledger), when the cache is in
    /// Redis.
    pub fn shared_records(&self) -> Option<SharedRecords> {
        let redis = self.redis.clone()?;
        Some(SharedRecords::new(redis, self.settings.namespace.as_deref(), self.settings.write_timeout))
    }

    /// Waits until every queued write has been attempted (for tests and shutdown).
    pub async fn flush(&self) {
        self.writer.flush().await;
    }
}
