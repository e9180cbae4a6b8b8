//! How a listener stops: the phases it goes through, moved forward by whoever runs it
//! ([`ListenerControl`]), and the count of its requests (for the shutdown's log lines).
//!
//! - [`Phase::Serving`]: as usual.
//! - [`Phase::Draining`]: still accepting and serving, but every HTTP/1.x answer carries
//!   `Connection: close` and each HTTP/2 connection gets a GOAWAY (hyper's graceful shutdown),
//!   so clients finish what they sent and open new connections, which reach another replica
//!   once the load balancer has caught up. No idle connection is closed by the gateway here:
//!   an HTTP/1.1 client may be sending on it at that very moment, and that request would be
//!   lost. A client's own `Connection: close` after an answer is the only race-free way out.
//! - [`Phase::Stopped`]: the listener no longer accepts (its socket is closed, so new
//!   connections are refused). Every connection finishes its requests in flight and closes;
//!   a connection accepted before the stop that has not sent its first request yet still
//!   gets it served (bounded by `server.header_read_timeout`), as the client may have sent
//!   it already. Only a kept-alive connection that stayed silent through the whole drain is
//!   closed at once.
//! - [`Phase::Cut`]: the connections still open are closed now, whatever they were doing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use tokio::sync::watch;

/// Where a listener is in its shutdown; phases only move forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Accepting and serving.
    Serving,
    /// Accepting and serving; answers tell clients to move to new connections.
    Draining,
    /// Not accepting; connections finish their requests and close.
    Stopped,
    /// Connections still open are closed.
    Cut,
}

/// The requests of a listener so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCount {
    /// Requests handed to the router (or refused early with 413).
    pub started: u64,
    /// Requests whose answer was ready (or that were dropped unanswered).
    pub finished: u64,
}

impl RequestCount {
    /// Requests started and not finished.
    pub fn in_flight(&self) -> u64 {
        self.started.saturating_sub(self.finished)
    }
}

#[derive(Debug)]
struct State {
    phase: watch::Sender<Phase>,
    /// True from [`Phase::Draining`] on: read once per answer, so an atomic rather than the
    /// watch channel's lock.
    closing: AtomicBool,
    started: AtomicU64,
    finished: AtomicU64,
}

/// The handle that moves one listener through its [`Phase`]s; clones share it.
#[derive(Debug, Clone)]
pub struct ListenerControl(Arc<State>);

impl Default for ListenerControl {
    fn default() -> Self {
        Self::new()
    }
}

impl ListenerControl {
    /// A listener in [`Phase::Serving`].
    pub fn new() -> Self {
        Self(Arc::new(State {
            phase: watch::channel(Phase::Serving).0,
            closing: AtomicBool::new(false),
            started: AtomicU64::new(0),
            finished: AtomicU64::new(0),
        }))
    }

    /// The phase now.
    pub fn phase(&self) -> Phase {
        *self.0.phase.borrow()
    }

    /// Moves to [`Phase::Draining`] (unless past it already).
    pub fn drain(&self) {
        self.advance(Phase::Draining);
    }

    /// Moves to [`Phase::Stopped`]: the listener stops accepting.
    pub fn stop_accepting(&self) {
        self.advance(Phase::Stopped);
    }

    /// Moves to [`Phase::Cut`]: every connection still open is closed.
    pub fn cut(&self) {
        self.advance(Phase::Cut);
    }

    /// The listener's requests so far.
    pub fn requests(&self) -> RequestCount {
        // `finished` first, so a request that starts and ends between the loads never shows
        // as finished without having started.
        let finished = self.0.finished.load(Relaxed);
        RequestCount { started: self.0.started.load(Relaxed), finished }
    }

    /// True from [`Phase::Draining`] on: answers should close their connection.
    pub(super) fn closing(&self) -> bool {
        self.0.closing.load(Relaxed)
    }

    /// Follows the phase (connections and the accept loop).
    pub(super) fn subscribe(&self) -> watch::Receiver<Phase> {
        self.0.phase.subscribe()
    }

    /// Counts a request as started; the guard counts it finished when dropped.
    pub(super) fn start_request(&self) -> CountedRequest {
        self.0.started.fetch_add(1, Relaxed);
        CountedRequest(self.clone())
    }

    fn advance(&self, to: Phase) {
        if to >= Phase::Draining {
            self.0.closing.store(true, Relaxed);
        }
        self.0.phase.send_if_modified(|phase| {
            let moved = to > *phase;
            if moved {
                *phase = to;
            }
            moved
        });
    }
}

/// A request counted in its listener's [`RequestCount`] until dropped; it also tells the
/// answer whether to close its connection ([`ListenerControl::closing`]).
#[derive(Debug)]
pub(super) struct CountedRequest(ListenerControl);

impl CountedRequest {
    pub(super) fn closing(&self) -> bool {
        self.0.closing()
    }
}

impl Drop for CountedRequest {
    fn drop(&mut self) {
        self.0 .0.finished.fetch_add(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_only_move_forward_and_closing_starts_with_the_drain() {
        let control = ListenerControl::new();
        let mut phases = control.subscribe();
        assert_eq!((control.phase(), control.closing()), (Phase::Serving, false));
        control.stop_accepting();
        assert_eq!((control.phase(), control.closing()), (Phase::Stopped, true));
        assert!(phases.has_changed().unwrap());
        phases.borrow_and_update();
        // Back to draining is no move at all, and wakes nobody.
        control.drain();
        assert_eq!(control.phase(), Phase::Stopped);
        assert!(!phases.has_changed().unwrap());
        control.cut();
        assert_eq!(control.phase(), Phase::Cut);
        assert!(phases.has_changed().unwrap());
    }

    #[test]
    fn requests_count_from_start_to_drop() {
        let control = ListenerControl::new();
        let first = control.start_request();
        let second = control.start_request();
        assert_eq!(control.requests(), RequestCount { started: 2, finished: 0 });
        drop(first);
        assert_eq!(control.requests().in_flight(), 1);
        assert!(!second.closing());
        control.drain();
        assert!(second.closing());
        drop(second);
        assert_eq!(control.requests(), RequestCount { started: 2, finished: 2 });
    }
}
