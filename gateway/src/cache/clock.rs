//! The wall clock of the cache: when a card was drawn, how long it has left, when Plain was
//! answered. Replicas share what they store, so these are Unix times in milliseconds, not
//! `Instant`s; tests set the clock by hand ([`ManualClock`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Where the cache reads the time (default: the system's wall clock).
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// `SystemTime::now()`.
    #[default]
    System,
    /// A time a test sets with [`ManualClock`].
    Manual(ManualClock),
}

impl Clock {
    /// Milliseconds since the Unix epoch (0 before it).
    pub fn now_ms(&self) -> u64 {
        match self {
            Clock::System => system_ms(),
            Clock::Manual(manual) => manual.0.load(Ordering::SeqCst),
        }
    }
}

/// A clock that moves only when told to (for tests of TTL and ledger arithmetic).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock at `start_ms` (Unix milliseconds).
    pub fn at(start_ms: u64) -> Self {
        Self(Arc::new(AtomicU64::new(start_ms)))
    }

    /// A clock at the system's time now.
    pub fn now() -> Self {
        Self::at(system_ms())
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(u64::try_from(by.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// The [`Clock`] that reads this one.
    pub fn clock(&self) -> Clock {
        Clock::Manual(self.clone())
    }
}

fn system_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let manual = ManualClock::at(1_000);
        let clock = manual.clock();
        assert_eq!(clock.now_ms(), 1_000);
        manual.advance(Duration::from_millis(2_500));
        assert_eq!(clock.now_ms(), 3_500);
        assert!(Clock::System.now_ms() > 1_700_000_000_000);
    }
}
