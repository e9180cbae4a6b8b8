//! Where cache entries live: Redis (shared by a fleet of gateways) or memory (one gateway).
//! Both offer the same three operations, so the cache logic above them is written once.

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

/// One write: key, value, time to live.
#[derive(Debug, Clone)]
pub struct Write {
    pub key: String,
    pub value: String,
    pub ttl: Duration,
}

/// The operations the card cache needs.
#[async_trait::async_trait]
pub trait CacheStore: Send + Sync + 'static {
    /// Reads many keys in one round trip; `None` for a missing key.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError>;
    /// Writes many entries in one round trip.
    async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError>;
    /// Increments counters (creating them at 1) and keeps them for at least `ttl`.
    async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError>;
    /// A short name for logs: `redis` or `memory`.
    fn kind(&self) -> &'static str;
}
