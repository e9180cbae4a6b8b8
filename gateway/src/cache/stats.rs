//! Cache counters.

use std::sync::atomic::{AtomicU64, Ordering};

use super::seal::Rejection;

/// Counters of cache outcomes since start.
#[derive(Debug, Default)]
pub struct CacheStats {
    hits: AtomicU64,
    misses: AtomicU64,
    stale: AtomicU64,
    errors: AtomicU64,
    dropped_writes: AtomicU64,
    /// Values read from Redis that failed their check, by [`Rejection::index`].
    rejected: [AtomicU64; Rejection::ALL.len()],
}

/// A copy of the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsSnapshot {
    pub hits: u64,
    pub misses: u64,
    pub stale: u64,
    pub errors: u64,
    pub dropped_writes: u64,
    /// By [`Rejection::index`]; labelled with [`Rejection::code`].
    pub rejected: [u64; Rejection::ALL.len()],
}

impl CacheStats {
    pub fn record_hits(&self, n: usize) {
        self.hits.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub fn record_misses(&self, n: usize) {
        self.misses.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub fn record_stale(&self) {
        self.stale.fetch_add(1, Ordering::Relaxed);
    }
    pub fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
    pub fn record_dropped_write(&self) {
        self.dropped_writes.fetch_add(1, Ordering::Relaxed);
    }
    pub fn record_rejected(&self, reason: Rejection) {
        self.rejected[reason.index()].fetch_add(1, Ordering::Relaxed);
    }
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            stale: self.stale.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            dropped_writes: self.dropped_writes.load(Ordering::Relaxed),
            rejected: std::array::from_fn(|i| self.rejected[i].load(Ordering::Relaxed)),
        }
    }
}
