//! Waiting on a condition with a deadline: the one polling loop of the tests (never a sleep
//! as synchronisation).
//!
//! A condition answers `bool`, `Option<T>` (done with `T`) or `Result<T, E>` (done with `T`;
//! the last `E` is shown when the deadline passes). [`wait_until`] is the usual form;
//! [`Wait`] sets the polling interval, returns the timeout instead of failing
//! ([`Wait::try_until`]) and polls from synchronous code ([`Wait::until_blocking`]).

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `condition` every 20 ms until it holds, failing the test after `deadline` with
/// `what` (and the condition's last error, if it gives one). Returns what the condition
/// gave when it held.
pub async fn wait_until<F, Fut>(what: &str, deadline: Duration, condition: F) -> <Fut::Output as Condition>::Done
where
    F: FnMut() -> Fut,
    Fut: Future,
    Fut::Output: Condition,
{
    Wait::new(what, deadline).until(condition).await
}

/// The answer of one poll.
pub trait Condition {
    /// What the wait returns once the condition holds.
    type Done;
    /// `Ok` when the condition holds; else what to show if the deadline passes.
    fn check(self) -> Result<Self::Done, Option<String>>;
}

impl Condition for bool {
    type Done = ();
    fn check(self) -> Result<(), Option<String>> {
        if self {
            Ok(())
        } else {
            Err(None)
        }
    }
}

impl<T> Condition for Option<T> {
    type Done = T;
    fn check(self) -> Result<T, Option<String>> {
        self.ok_or(None)
    }
}

impl<T, E: Display> Condition for Result<T, E> {
    type Done = T;
    fn check(self) -> Result<T, Option<String>> {
        self.map_err(|e| Some(e.to_string()))
    }
}

/// A wait that ran out of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedOut {
    pub message: String,
}

impl Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// One wait: what is awaited, the deadline, the polling interval (default 20 ms).
#[derive(Debug, Clone)]
pub struct Wait<'a> {
    what: &'a str,
    deadline: Duration,
    interval: Duration,
}

impl<'a> Wait<'a> {
    pub fn new(what: &'a str, deadline: Duration) -> Self {
        Self { what, deadline, interval: Duration::from_millis(20) }
    }

    /// Polls every `interval` instead.
    pub fn every(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Polls `condition` until it holds; fails the test after the deadline.
    pub async fn until<F, Fut>(&self, condition: F) -> <Fut::Output as Condition>::Done
    where
        F: FnMut() -> Fut,
        Fut: Future,
        Fut::Output: Condition,
    {
        self.try_until(condition).await.unwrap_or_else(|timeout| panic!("{timeout}"))
    }

    /// Polls `condition` until it holds, or returns [`TimedOut`] after the deadline.
    pub async fn try_until<F, Fut>(&self, mut condition: F) -> Result<<Fut::Output as Condition>::Done, TimedOut>
    where
        F: FnMut() -> Fut,
        Fut: Future,
        Fut::Output: Condition,
    {
        let started = Instant::now();
        loop {
            match condition().await.check() {
                Ok(done) => return Ok(done),
                Err(last) => self.expired(started, last)?,
            }
            tokio::time::sleep(self.interval).await;
        }
    }

    /// [`Self::until`] for synchronous code (blocks the thread between polls).
    pub fn until_blocking<C: Condition>(&self, condition: impl FnMut() -> C) -> C::Done {
        self.try_until_blocking(condition).unwrap_or_else(|timeout| panic!("{timeout}"))
    }

    /// [`Self::try_until`] for synchronous code (blocks the thread between polls).
    pub fn try_until_blocking<C: Condition>(&self, mut condition: impl FnMut() -> C) -> Result<C::Done, TimedOut> {
        let started = Instant::now();
        loop {
            match condition().check() {
                Ok(done) => return Ok(done),
                Err(last) => self.expired(started, last)?,
            }
            std::thread::sleep(self.interval);
        }
    }

    /// `Err` once the deadline has passed since `started`.
    fn expired(&self, started: Instant, last: Option<String>) -> Result<(), TimedOut> {
        if started.elapsed() < self.deadline {
            return Ok(());
        }
        let mut message = format!("timed out after {:?} waiting for: {}", self.deadline, self.what);
        if let Some(last) = last {
            message.push_str("; last: ");
            message.push_str(&last);
        }
        Err(TimedOut { message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn returns_what_the_condition_gave_or_times_out_with_its_last_error() {
        let mut polls = 0;
        let got = wait_until("the third poll", Duration::from_secs(5), || {
            polls += 1;
            let n = polls;
            async move { (n >= 3).then_some(n) }
        })
        .await;
        assert_eq!(got, 3);

        let wait = Wait::new("never", Duration::from_millis(50)).every(Duration::from_millis(5));
        let timeout = wait.try_until(|| async { Err::<(), _>("still 503") }).await.unwrap_err();
        assert_eq!(timeout.message, "timed out after 50ms waiting for: never; last: still 503");
        assert!(wait.try_until_blocking(|| false).is_err());
        assert_eq!(wait.until_blocking(|| Some(7)), 7);
    }
}
