//! Skips a failing cache store for a cool-down, then lets one probe through.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    /// One probe is in flight; others skip until it reports.
    HalfOpen,
}

/// A consecutive-failure circuit breaker.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

impl Breaker {
    /// Opens after `threshold` consecutive failures, for `cooldown`.
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self { threshold: threshold.max(1), cooldown, state: Mutex::new(State::Closed { failures: 0 }) }
    }

    /// Whether an operation may run now. After the cool-down the first caller becomes the
    /// probe.
    pub fn allow(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if tokio::time::Instant::now().into_std() >= until => {
                *state = State::HalfOpen;
                true
            }
            State::Open { .. } | State::HalfOpen => false,
        }
    }

    /// Reports a success: closes the breaker.
    pub fn success(&self) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Closed { failures: 0 };
    }

    /// Reports a failure; returns true when this failure opened the breaker.
    pub fn failure(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let open = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => {
                *state = State::Closed { failures: failures + 1 };
                false
            }
            _ => true,
        };
        if open {
            *state = State::Open { until: tokio::time::Instant::now().into_std() + self.cooldown };
        }
        open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn opens_after_threshold_then_probes_once_after_cooldown() {
        let b = Breaker::new(3, Duration::from_secs(5));
        assert!(b.allow());
        assert!(!b.failure());
        assert!(!b.failure());
        assert!(b.failure());
        assert!(!b.allow());
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(b.allow(), "probe after cool-down");
        assert!(!b.allow(), "only one probe");
        b.failure();
        assert!(!b.allow(), "failed probe reopens");
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(b.allow());
        b.success();
        assert!(b.allow() && b.allow());
    }
}
