//! The watchdog of one connection: it closes a connection whose client is too slow to send a
//! request's head, that stays idle too long, or that stops reading its answer.
//!
//! It needs no timer per request and no clock read per byte. The connection's I/O
//! ([`Metered`]) and its requests ([`InFlight`]) bump counters in [`Activity`]; the watchdog
//! looks at them every quarter of the shortest limit and keeps the phase the connection is
//! in ([`Watch::observe`]):
//!
//! - **head**: no request in flight and bytes arriving (or, on a new connection, nothing yet):
//!   the request's head must be complete, i.e. a request started, within
//!   `header_read_timeout` (`HeaderTimeout`);
//! - **busy**: a request is in flight: the request body's own deadline and the request's
//!   budget bound it, the watchdog waits;
//! - **idle**: no request in flight and nothing moving: closed after `idle_timeout`
//!   (`IdleTimeout`).
//!
//! In every phase, a write that waits (the socket is full) without progress for
//! `idle_timeout` means the client stopped reading: `WriteStalled`.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::{Instant, MissedTickBehavior};

/// Why the watchdog closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// No complete request head within `header_read_timeout`.
    HeaderTimeout,
    /// No request and no byte for `idle_timeout`.
    IdleTimeout,
    /// A write waited for `idle_timeout` without the client reading anything.
    WriteStalled,
}

impl Cut {
    /// The `reason` label of `cardmesh_connections_cut_total`.
    pub fn reason(self) -> &'static str {
        match self {
            Cut::HeaderTimeout => "header_timeout",
            Cut::IdleTimeout => "idle_timeout",
            Cut::WriteStalled => "write_stalled",
        }
    }
}

/// What a connection has done so far, counted by its I/O and its requests.
#[derive(Debug, Default)]
pub struct Activity {
    /// Reads that returned bytes. Only the connection's own task reads, so a plain load and
    /// store (no read-modify-write) count it.
    reads: AtomicU64,
    /// Writes that moved bytes (same single writer).
    writes: AtomicU64,
    /// True while the last write or flush waited for room in the socket.
    write_blocked: AtomicBool,
    /// Requests handed to the router.
    started: AtomicU64,
    /// Requests whose answer (or refusal) is ready, or that were dropped.
    finished: AtomicU64,
    /// True once a request came over HTTP/2.
    http2: AtomicBool,
    /// Woken by each request that starts while the listener is shutting down, for the
    /// connection to decide again how to close ([`super::phase`]).
    closing_requests: Notify,
}

/// One look at an [`Activity`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub reads: u64,
    pub writes: u64,
    pub write_blocked: bool,
    pub started: u64,
    pub finished: u64,
}

impl Activity {
    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            reads: self.reads.load(Relaxed),
            writes: self.writes.load(Relaxed),
            write_blocked: self.write_blocked.load(Relaxed),
            // `finished` first: a request that starts and ends between the two loads then
            // never shows as finished before it started.
            finished: self.finished.load(Relaxed),
            started: self.started.load(Relaxed),
        }
    }

    /// True once a request came over HTTP/2.
    pub fn http2(&self) -> bool {
        self.http2.load(Relaxed)
    }

    /// Notes a request's protocol; tells the connection when the listener is shutting down
    /// (`closing`).
    pub fn request_arrived(&self, http2: bool, closing: bool) {
        if http2 && !self.http2.load(Relaxed) {
            self.http2.store(true, Relaxed);
        }
        if closing {
            self.closing_requests.notify_one();
        }
    }

    /// Completes once a request has started while the listener was shutting down (at once if
    /// one did since the last call).
    pub async fn request_while_closing(&self) {
        self.closing_requests.notified().await;
    }

    fn bump(counter: &AtomicU64) {
        counter.store(counter.load(Relaxed).wrapping_add(1), Relaxed);
    }

    fn set_write_blocked(&self, blocked: bool) {
        if self.write_blocked.load(Relaxed) != blocked {
            self.write_blocked.store(blocked, Relaxed);
        }
    }
}

/// A request in flight on a connection: counted from [`InFlight::start`] until dropped.
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl InFlight {
    /// Counts a request as started; the returned guard counts it finished when dropped.
    pub fn start(activity: &Arc<Activity>) -> Self {
        activity.started.fetch_add(1, Relaxed);
        Self(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Relaxed);
    }
}

/// A connection's transport, counting what moves through it into an [`Activity`].
#[derive(Debug)]
pub struct Metered<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T> Metered<T> {
    pub fn new(inner: T, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }

    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Records the outcome of a write or flush: progress, or waiting for room.
    fn wrote<R>(&self, result: &Poll<io::Result<R>>, moved: impl FnOnce(&R) -> bool) {
        match result {
            Poll::Pending => self.activity.set_write_blocked(true),
            Poll::Ready(Ok(value)) => {
                if moved(value) {
                    Activity::bump(&self.activity.writes);
                }
                self.activity.set_write_blocked(false);
            }
            Poll::Ready(Err(_)) => self.activity.set_write_blocked(false),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Metered<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            Activity::bump(&self.activity.reads);
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Metered<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(&result, |n| *n > 0);
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(&result, |n| *n > 0);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_flush(cx);
        self.wrote(&result, |()| false);
        result
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The limits the watchdog holds a connection to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
}

impl Limits {
    /// How often the watchdog looks: a quarter of the shorter limit (at least 10 ms), so a
    /// connection is cut at most that much after its limit.
    pub fn tick(&self) -> Duration {
        (self.header_read_timeout.min(self.idle_timeout) / 4).max(Duration::from_millis(10))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Head,
    Busy,
    Idle,
}

/// The watchdog's state between two looks.
#[derive(Debug)]
pub struct Watch {
    limits: Limits,
    phase: Phase,
    /// When the current phase began (as first seen).
    since: Instant,
    last: Snapshot,
    /// When a write was first seen waiting without progress.
    stalled_since: Option<Instant>,
}

impl Watch {
    /// A connection that became ready for its first request at `ready_at` (after the TLS
    /// handshake, if any), with `activity` as it was then.
    pub fn new(limits: Limits, ready_at: Instant, activity: Snapshot) -> Self {
        Self { limits, phase: Phase::Head, since: ready_at, last: activity, stalled_since: None }
    }

    /// One look at the connection's counters at `now`: the reason to cut it, or `None`.
    pub fn observe(&mut self, now: Instant, seen: Snapshot) -> Option<Cut> {
        let last = std::mem::replace(&mut self.last, seen);
        let (read, wrote) = (seen.reads != last.reads, seen.writes != last.writes);
        if seen.write_blocked && !wrote {
            let stalled_since = *self.stalled_since.get_or_insert(now);
            if now - stalled_since >= self.limits.idle_timeout {
                return Some(Cut::WriteStalled);
            }
        } else {
            self.stalled_since = None;
        }
        if seen.started != seen.finished || seen.started != last.started {
            self.phase = Phase::Busy;
            return None;
        }
        match self.phase {
            Phase::Busy => self.enter(Phase::Idle, now),
            // Still sending the last answer.
            Phase::Idle if wrote => self.since = now,
            // The next request is arriving.
            Phase::Idle if read => self.enter(Phase::Head, now),
            Phase::Idle if now - self.since >= self.limits.idle_timeout => return Some(Cut::IdleTimeout),
            Phase::Head if now - self.since >= self.limits.header_read_timeout => return Some(Cut::HeaderTimeout),
            Phase::Idle | Phase::Head => {}
        }
        None
    }

    fn enter(&mut self, phase: Phase, now: Instant) {
        self.phase = phase;
        self.since = now;
    }
}

/// Watches `activity` from `ready_at` until the connection must be cut; returns why. Never
/// returns while the connection behaves.
pub async fn watch(activity: &Activity, limits: Limits, ready_at: Instant) -> Cut {
    let tick = limits.tick();
    // Compared with the counters at zero, not with a first look: hyper may have served a whole
    // request before this future is first polled, and that request must count.
    let mut watch = Watch::new(limits, ready_at, Snapshot::default());
    let mut ticks = tokio::time::interval_at(ready_at + tick, tick);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Some(cut) = watch.observe(Instant::now(), activity.snapshot()) {
            return cut;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits =
        Limits { header_read_timeout: Duration::from_secs(5), idle_timeout: Duration::from_secs(10) };

    fn at(start: Instant, ms: u64) -> Instant {
        start + Duration::from_millis(ms)
    }

    fn requests(started: u64, finished: u64) -> Snapshot {
        Snapshot { started, finished, ..Snapshot::default() }
    }

    #[test]
    fn a_connection_that_sends_no_request_is_cut_after_the_header_timeout() {
        let start = Instant::now();
        let mut watch = Watch::new(LIMITS, start, Snapshot::default());
        assert_eq!(watch.observe(at(start, 4_900), Snapshot::default()), None);
        assert_eq!(watch.observe(at(start, 5_000), Snapshot::default()), Some(Cut::HeaderTimeout));
        // Dribbling bytes of a head does not help.
        let mut watch = Watch::new(LIMITS, start, Snapshot::default());
        for (i, ms) in (1..=4).map(|i| (i, i * 1_250)) {
            let seen = Snapshot { reads: i, ..Snapshot::default() };
            let cut = watch.observe(at(start, ms), seen);
            assert_eq!(cut, (ms >= 5_000).then_some(Cut::HeaderTimeout), "at {ms} ms");
        }
    }

    #[test]
    fn a_request_in_flight_is_never_cut_and_idleness_counts_from_its_end() {
        let start = Instant::now();
        let mut watch = Watch::new(LIMITS, start, Snapshot::default());
        assert_eq!(watch.observe(at(start, 1_000), requests(1, 0)), None);
        // A minute of work without a byte moving.
        assert_eq!(watch.observe(at(start, 60_000), requests(1, 0)), None);
        assert_eq!(watch.observe(at(start, 61_000), requests(1, 1)), None);
        assert_eq!(watch.observe(at(start, 70_000), requests(1, 1)), None);
        assert_eq!(watch.observe(at(start, 71_000), requests(1, 1)), Some(Cut::IdleTimeout));
    }

    #[test]
    fn a_request_that_starts_and_ends_between_two_looks_counts() {
        let start = Instant::now();
        let mut watch = Watch::new(LIMITS, start, Snapshot::default());
        assert_eq!(watch.observe(at(start, 4_000), requests(1, 1)), None);
        // Not cut for the head; idle from the next look.
        assert_eq!(watch.observe(at(start, 9_000), requests(1, 1)), None);
        assert_eq!(watch.observe(at(start, 18_900), requests(1, 1)), None);
        assert_eq!(watch.observe(at(start, 19_000), requests(1, 1)), Some(Cut::IdleTimeout));
    }

    #[test]
    fn the_next_head_on_a_kept_alive_connection_has_the_header_timeout_from_its_first_byte() {
        let start = Instant::now();
        let mut watch = Watch::new(LIMITS, start, Snapshot::default());
        watch.observe(at(start, 100), requests(1, 1));
        assert_eq!(watch.observe(at(start, 200), requests(1, 1)), None);
        // Idle for 9 s, then the next head starts arriving and stalls.
        let arriving = Snapshot { reads: 1, ..requests(1, 1) };
        assert_eq!(watch.observe(at(start, 9_200), arriving), None);
        assert_eq!(watch.observe(at(start, 14_100), arriving), None);
        assert_eq!(watch.observe(at(start, 14_200), arriving), Some(Cut::HeaderTimeout));
    }

    #[test]
    fn an_answer_still_being_written_is_not_idle_but_a_client_that_stops_reading_is_cut() {
        let start = Instant::now();
        let mut watch = Watch::new(LIMITS, start, Snapshot::default());
        watch.observe(at(start, 100), requests(1, 1));
        let writing = |writes| Snapshot { writes, write_blocked: true, ..requests(1, 1) };
        assert_eq!(watch.observe(at(start, 9_000), writing(1)), None);
        assert_eq!(watch.observe(at(start, 18_000), writing(2)), None);
        // No progress from here on: idle since the last byte written.
        assert_eq!(watch.observe(at(start, 19_000), writing(2)), None);
        assert_eq!(watch.observe(at(start, 27_900), writing(2)), None);
        assert_eq!(watch.observe(at(start, 28_000), writing(2)), Some(Cut::IdleTimeout));
    }

    #[test]
    fn a_stalled_write_is_cut_even_while_a_request_is_in_flight() {
        let start = Instant::now();
        let stalled = Snapshot { write_blocked: true, writes: 3, ..requests(2, 1) };
        let mut watch = Watch::new(LIMITS, start, stalled);
        assert_eq!(watch.observe(at(start, 1_000), stalled), None);
        assert_eq!(watch.observe(at(start, 11_000), stalled), Some(Cut::WriteStalled));
    }

    #[test]
    fn looks_come_a_quarter_of_the_shorter_limit_apart() {
        assert_eq!(LIMITS.tick(), Duration::from_millis(1_250));
        let short = Limits { header_read_timeout: Duration::from_millis(20), idle_timeout: Duration::from_secs(1) };
        assert_eq!(short.tick(), Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_served_before_the_first_look_counts() {
        let activity = Arc::new(Activity::default());
        drop(InFlight::start(&activity));
        Activity::bump(&activity.reads);
        let limits = Limits { header_read_timeout: Duration::from_secs(3600), ..LIMITS };
        assert_eq!(watch(&activity, limits, Instant::now()).await, Cut::IdleTimeout);
    }

    #[tokio::test(start_paused = true)]
    async fn watch_returns_the_cut_once_a_limit_has_passed() {
        let activity = Arc::new(Activity::default());
        let started = Instant::now();
        let cut = watch(&activity, LIMITS, started).await;
        assert_eq!(cut, Cut::HeaderTimeout);
        assert!(started.elapsed() >= LIMITS.header_read_timeout);

        let guard = InFlight::start(&activity);
        let (activity2, started) = (activity.clone(), Instant::now());
        let watching = tokio::spawn(async move { watch(&activity2, LIMITS, started).await });
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert!(!watching.is_finished(), "a request in flight is not cut");
        drop(guard);
        assert_eq!(watching.await.unwrap(), Cut::IdleTimeout);
    }
}
