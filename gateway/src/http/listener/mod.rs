//! Serving a router on a TCP listener with the connection limits of `[server]`: the accept
//! loop of both listeners (the Plain listener, with or without TLS, and the admin listener).
//!
//! `axum::serve` cannot set hyper's timeouts or bound connections, so each listener runs
//! this loop instead:
//! - at most `server.max_connections` connections are open: the loop takes a slot before it
//!   accepts, so beyond the cap new connections wait in the kernel's accept queue rather than
//!   being accepted and closed (each time every slot is taken counts in
//!   `cardmesh_connection_limit_reached_total`);
//! - each connection runs in its own task: the TLS handshake (under
//!   `tls.handshake_timeout`), then hyper (HTTP/1.1 and HTTP/2), watched by its
//!   [`watchdog`] (`header_read_timeout`, `idle_timeout`);
//! - each request carries the client's address (`ConnectInfo<ClientAddr>`, for the per-IP
//!   rate limit), is refused `413` before its body is read when its declared length is over
//!   the listener's limit, and has `body_read_timeout` to deliver its body
//!   ([`DeadlineBody`]);
//! - on shutdown it goes through the [`phase`]s its [`ListenerControl`] is moved through:
//!   draining (still accepting; answers tell clients to open new connections), stopped (no
//!   longer accepting; requests in flight finish), cut (connections still open are closed).
//!   It returns once every connection has closed.

mod body;
mod connection;
pub mod phase;
mod request;
pub mod watchdog;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

pub use body::{BodyTimeout, DeadlineBody};
pub use connection::Tls;
pub use phase::{ListenerControl, Phase, RequestCount};
use request::RequestLimits;

use crate::config::ServerSettings;
use crate::telemetry::ListenerMetrics;

/// One listener: what it serves and the limits its connections are held to.
pub struct Listening {
    /// The routes.
    pub router: Router,
    /// TLS termination, when the listener has it.
    pub tls: Option<Tls>,
    /// A request body declared longer than this is refused `413` before it is read.
    pub max_body_bytes: usize,
    /// The `[server]` limits.
    pub server: ServerSettings,
    /// This listener's connection metrics.
    pub metrics: ListenerMetrics,
}

/// What every connection task of a listener shares.
struct Shared {
    router: Router,
    tls: Option<Tls>,
    builder: auto::Builder<TokioExecutor>,
    requests: RequestLimits,
    watchdog: watchdog::Limits,
    metrics: ListenerMetrics,
    control: ListenerControl,
}

/// Serves `listening` on `listener` until `control` reaches [`Phase::Stopped`]; then stops
/// accepting, lets the requests in flight finish (until [`Phase::Cut`], if it comes) and
/// returns once every connection has closed.
pub async fn serve_listener(listener: TcpListener, listening: Listening, control: ListenerControl) -> io::Result<()> {
    let Listening { router, tls, max_body_bytes, server, metrics } = listening;
    let shared = Arc::new(Shared {
        router,
        tls,
        builder: connection::builder(server.header_read_timeout, server.idle_timeout),
        requests: RequestLimits { max_body_bytes, body_read_timeout: server.body_read_timeout },
        watchdog: watchdog::Limits {
            header_read_timeout: server.header_read_timeout,
            idle_timeout: server.idle_timeout,
        },
        metrics,
        control: control.clone(),
    });
    // Validation keeps max_connections far below u32::MAX.
    let capacity = server.max_connections;
    let slots = Arc::new(Semaphore::new(capacity));
    let mut phase = control.subscribe();
    let mut full = false;
    loop {
        let (slot, waited) = tokio::select! {
            biased;
            _ = stopped(&mut phase) => break,
            slot = take_slot(&slots, &shared.metrics) => slot,
        };
        if waited && !full {
            tracing::warn!(
                listener = shared.metrics.listener(),
                max_connections = capacity,
                "every connection slot is taken; the listener accepts again when one closes \
                 (server.max_connections), new connections wait in the kernel's queue meanwhile"
            );
        }
        full = waited;
        let (stream, peer) = tokio::select! {
            biased;
            _ = stopped(&mut phase) => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        spawn_connection(&shared, stream, peer, slot);
    }
    accept_queued(listener, &shared, &slots);
    // Every connection holds a slot until it has closed.
    let _all = slots.acquire_many(capacity as u32).await;
    Ok(())
}

/// Serves `stream` from `peer` in a task of its own, holding `slot` until it has closed.
fn spawn_connection(shared: &Arc<Shared>, stream: TcpStream, peer: SocketAddr, slot: OwnedSemaphorePermit) {
    let shared = shared.clone();
    let phase = shared.control.subscribe();
    shared.metrics.opened();
    tokio::spawn(async move {
        connection::serve(shared.clone(), stream, peer, phase).await;
        shared.metrics.closed();
        drop(slot);
    });
}

/// Stops accepting: first accepts the connections the kernel has already completed (their
/// clients may well have sent a request: they are served like any connection accepted before
/// the stop, while a free slot remains), then closes the socket, so that new connections are
/// refused. Only a connection completed between the last accept and the close, a few
/// microseconds, is reset by the kernel instead; the drain period keeps clients away by then.
fn accept_queued(listener: TcpListener, shared: &Arc<Shared>, slots: &Arc<Semaphore>) {
    // The standard listener is non-blocking, as tokio's was: an empty queue is `WouldBlock`.
    let Ok(listener) = listener.into_std() else { return };
    while let Ok(slot) = slots.clone().try_acquire_owned() {
        let Ok((stream, peer)) = listener.accept() else { break };
        let stream = stream.set_nonblocking(true).and_then(|()| TcpStream::from_std(stream));
        match stream {
            Ok(stream) => spawn_connection(shared, stream, peer, slot),
            Err(error) => tracing::debug!(%peer, %error, "cannot serve a connection accepted at the stop"),
        }
    }
    drop(listener);
}

/// Completes once `phase` is [`Phase::Stopped`] or later (at once if it is already).
async fn stopped(phase: &mut watch::Receiver<Phase>) {
    // The sender lives in the listener's own `Shared`, so the channel never closes here.
    let _ = phase.wait_for(|phase| *phase >= Phase::Stopped).await;
}

/// A free connection slot, and whether every slot was taken first (then it waited for one,
/// and the time the limit was reached is counted).
async fn take_slot(slots: &Arc<Semaphore>, metrics: &ListenerMetrics) -> (OwnedSemaphorePermit, bool) {
    if let Ok(slot) = slots.clone().try_acquire_owned() {
        return (slot, false);
    }
    metrics.limit_reached();
    (slots.clone().acquire_owned().await.expect("the semaphore is never closed"), true)
}

/// As `axum::serve` does: a connection reset before it was accepted is nothing; anything
/// else (such as running out of file descriptors) is logged and retried after a second.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
