//! Where cache entries live: Redis (shared by a fleet of gateways) or memory (one gateway).
//! Both offer the same operations, so the cache logic above them is written once.

use std::time::Duration;

/// A failed cache operation. The cache treats it as a miss; it never fails a request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("cache store skipped: too many recent errors, retrying after a cool-down")]
    CircuitOpen,
    #[error("cache store timed out after {0:?}")]
    Timeout(Duration),
    #[error("cache store error: {0}")]
    Backend(String),
}

/// What a [`Write`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// Stores a card entry (sealed in Redis), replacing any value.
    Entry,
    /// Creates a generation counter with this value, only when it does not exist (Redis
    /// `SET NX`); an existing counter is left as it is.
    NewCounter,
    /// Records `value` (a workspace id) as active now in the sorted set `key`; `ttl` is
    /// unused.
    Member,
    /// Stores a served-ledger entry ([`super::served`]) as it is (not sealed: checked for
    /// its form when read), replacing any value.
    Ledger,
    /// Appends answers to a served-ledger entry, or starts it
    /// ([`super::served::ServedContext::appended`]), without reading it first (in Redis,
    /// `SET … NX GET`, then `APPEND` for an entry that existed), the key kept at least `ttl`
    /// (never shortened).
    LedgerAppend,
}

/// One write: key, value, time to live, and what kind of write it is.
#[derive(Debug, Clone)]
pub struct Write {
    pub key: String,
    pub value: String,
    pub ttl: Duration,
    pub kind: WriteKind,
}

impl Write {
    /// A card entry.
    pub fn entry(key: String, value: String, ttl: Duration) -> Self {
        Self { key, value, ttl, kind: WriteKind::Entry }
    }
}

/// The operations the card cache needs.
#[async_trait::async_trait]
pub trait CacheStore: Send + Sync + 'static {
    /// Reads many keys in one round trip; `None` for a missing key (or, in Redis, for a
    /// value that failed its check: see [`super::seal`]).
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError>;
    /// Reads `keys` as [`Self::get_many`] does, except that the last one may be left unread
    /// (`false`, and `None` in its place) when it alone would cost a round trip: in a near
    /// cache that holds every other key. By default every key is read (`true`).
    async fn get_many_but_maybe_last(&self, keys: &[String]) -> Result<(Vec<Option<String>>, bool), StoreError> {
        Ok((self.get_many(keys).await?, true))
    }
    /// Writes many entries in one round trip, in order.
    async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError>;
    /// Increments counters and keeps them for at least `ttl`. An absent counter is first
    /// created with a new random value (see [`super::entry::new_generation`]), so a counter
    /// that was evicted never comes back with a value it had before.
    async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError>;
    /// The members of the sorted set `key` recorded (by [`WriteKind::Member`]) within
    /// `max_age`; older members are dropped.
    async fn recent_members(&self, key: &str, max_age: Duration) -> Result<Vec<String>, StoreError>;
    /// A short name for logs: `redis` or `memory`.
    fn kind(&self) -> &'static str;

    /// True when other gateways share this store, so a missed card's draw is claimed with a
    /// draw mark first ([`super::claim`]); `false` for the store of one gateway, whose
    /// in-process single flight already draws each card once.
    ///
    /// The draw-mark methods have no default: a store that wraps another must forward them,
    /// or the gateways behind it would each draw the card (a wrapper that forgot them once
    /// turned every shared draw into one per replica).
    fn shares_draws(&self) -> bool;

    /// Claims the draw of each mark (`SET mark value NX PX ttl`, in one round trip): `None`
    /// for a mark this call set (the draw is this gateway's), else the value of the mark
    /// that was already there. A store of one gateway wins every claim.
    async fn claim(&self, marks: &[String], value: &str, ttl: Duration) -> Result<Vec<Option<String>>, StoreError>;

    /// Reads `keys` from the store itself (past any near cache, which remembers what it
    /// read) and whether `mark` is still set, in one round trip. A store of one gateway reads
    /// `keys` and has no mark.
    async fn peek(&self, keys: &[String], mark: &str) -> Result<(Vec<Option<String>>, bool), StoreError>;

    /// Removes the marks that still hold `value` (marks another gateway set since are left
    /// alone), in one round trip. A store of one gateway has none to remove.
    async fn release(&self, marks: &[String], value: &str) -> Result<(), StoreError>;
}
