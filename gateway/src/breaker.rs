//! A consecutive-failure circuit breaker: skips a failing dependency (a card service, the
//! cache store) for a cool-down, then lets one probe through.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One probe is in flight; others skip until it reports (or, should the probe never
    /// report, until another cool-down has passed).
    HalfOpen {
        since: Instant,
    },
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
        let now = tokio::time::Instant::now().into_std();
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if now >= until => {
                *state = State::HalfOpen { since: now };
                true
            }
            State::HalfOpen { since } if now >= since + self.cooldown => {
                *state = State::HalfOpen { since: now };
                true
            }
            State::Open { .. } | State::HalfOpen { .. } => false,
        }
    }

    /// True while calls are being skipped.
    pub fn is_open(&self) -> bool {
        !matches!(*self.state.lock().unwrap_or_else(|e| e.into_inner()), State::Closed { .. })
    }

    /// Reports a success: closes the breaker.
    pub fn success(&self) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Closed { failures: 0 };
    }

    /// Reports a failure; returns true when this failure opened the breaker. A failure of a
    /// call made before the breaker opened (still in flight then) neither re-opens it nor
    /// pushes its cool-down back.
    pub fn failure(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let open = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => {
                *state = State::Closed { failures: failures + 1 };
                false
            }
            State::Open { .. } => false,
            State::Closed { .. } | State::HalfOpen { .. } => true,
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

    #[tokio::test(start_paused = true)]
    async fn a_probe_that_never_reports_does_not_wedge_the_breaker() {
        let b = Breaker::new(1, Duration::from_secs(5));
        b.failure();
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(b.allow());
        assert!(!b.allow());
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(b.allow(), "another probe after a further cool-down");
    }

    #[tokio::test(start_paused = true)]
    async fn late_failures_of_calls_made_before_opening_do_not_reopen_or_extend_it() {
        let b = Breaker::new(2, Duration::from_secs(5));
        assert!(!b.failure());
        assert!(b.failure(), "the second failure opens it");
        tokio::time::advance(Duration::from_secs(4)).await;
        assert!(!b.failure(), "an in-flight call failing now does not open it again");
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(b.allow(), "the probe comes 5s after the opening, not after the late failure");
    }

    #[test]
    fn is_open_reflects_state() {
        let b = Breaker::new(1, Duration::from_secs(5));
        assert!(!b.is_open());
        b.failure();
        assert!(b.is_open());
    }
}
