//! A keyed token-bucket limiter (GCRA, from `governor`).

use std::hash::Hash;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::config::RateLimit;

/// One bucket per key: `requests` per `period`, up to `burst` at once.
pub struct KeyedLimiter<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    limiter: RateLimiter<K, DashMapStateStore<K>, C, NoOpMiddleware<C::Instant>>,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// A limiter for a validated `limit`.
    pub fn new(limit: &RateLimit) -> Self {
        Self::with_clock(limit, DefaultClock::default())
    }
}

impl<K: Hash + Eq + Clone, C: Clock> KeyedLimiter<K, C> {
    /// A limiter on `clock` (tests use a fake one).
    pub fn with_clock(limit: &RateLimit, clock: C) -> Self {
        Self { limiter: RateLimiter::dashmap_with_clock(quota(limit), clock) }
    }

    /// Takes one request from `key`'s bucket, or says how long until one is available.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.limiter.check_key(key).map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }

    /// Drops the buckets that are full again (the same as never seen).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Keys with a bucket.
    #[cfg(any(test, feature = "test-util"))]
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    #[cfg(any(test, feature = "test-util"))]
    pub fn is_empty(&self) -> bool {
        self.limiter.is_empty()
    }
}

/// `requests` per `period` (validated above 0), bucket size `burst`.
fn quota(limit: &RateLimit) -> Quota {
    let interval = limit.replenish_interval().max(Duration::from_nanos(1));
    let burst = std::num::NonZeroU32::new(limit.burst_size()).unwrap_or(std::num::NonZeroU32::MIN);
    Quota::with_period(interval).unwrap_or_else(|| Quota::per_second(std::num::NonZeroU32::MIN)).allow_burst(burst)
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn limit(requests: u32, period: Duration, burst: Option<u32>) -> RateLimit {
        RateLimit { requests, period, burst }
    }

    #[test]
    fn burst_then_refusal_then_refill() {
        let clock = FakeRelativeClock::default();
        let limiter = KeyedLimiter::with_clock(&limit(2, Duration::from_secs(1), Some(3)), clock.clone());
        for _ in 0..3 {
            assert_eq!(limiter.check(&"w1"), Ok(()));
        }
        assert_eq!(limiter.check(&"w1"), Err(Duration::from_millis(500)));
        // Other keys have their own bucket.
        assert_eq!(limiter.check(&"w2"), Ok(()));
        clock.advance(Duration::from_millis(499));
        assert_eq!(limiter.check(&"w1"), Err(Duration::from_millis(1)));
        clock.advance(Duration::from_millis(1));
        assert_eq!(limiter.check(&"w1"), Ok(()));
        assert!(limiter.check(&"w1").is_err());
    }

    #[test]
    fn burst_defaults_to_requests() {
        let clock = FakeRelativeClock::default();
        let limiter = KeyedLimiter::with_clock(&limit(2, Duration::from_secs(60), None), clock);
        assert_eq!(limiter.check(&1), Ok(()));
        assert_eq!(limiter.check(&1), Ok(()));
        assert_eq!(limiter.check(&1), Err(Duration::from_secs(30)));
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let clock = FakeRelativeClock::default();
        let limiter = KeyedLimiter::with_clock(&limit(1, Duration::from_secs(1), None), clock.clone());
        limiter.check(&"a").unwrap();
        limiter.check(&"b").unwrap();
        assert_eq!(limiter.len(), 2);
        clock.advance(Duration::from_secs(2));
        limiter.forget_idle();
        assert!(limiter.is_empty());
    }
}
