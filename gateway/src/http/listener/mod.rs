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
//! - on shutdown the loop stops accepting, closes idle connections, lets requests in flight
//!   finish, and returns once every connection has closed.

mod body;
mod connection;
mod request;
pub mod watchdog;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

pub use body::{BodyTimeout, DeadlineBody};
pub use connection::Tls;
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
}

/// Serves `listening` on `listener` until `shutdown` completes; then stops accepting, lets
/// the requests in flight finish and returns once every connection has closed.
pub async fn serve_listener(
    listener: TcpListener,
    listening: Listening,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
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
    });
    // Validation keeps max_connections far below u32::MAX.
    let capacity = server.max_connections;
    let slots = Arc::new(Semaphore::new(capacity));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    let mut full = false;
    loop {
        let (slot, waited) = tokio::select! {
            biased;
            () = &mut shutdown => break,
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
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        let shared = shared.clone();
        let stopping = stopping.clone();
        shared.metrics.opened();
        tokio::spawn(async move {
            connection::serve(shared.clone(), stream, peer, stopping).await;
            shared.metrics.closed();
            drop(slot);
        });
    }
    drop(listener);
    stop.send_replace(true);
    // Every connection holds a slot until it has closed.
    let _all = slots.acquire_many(capacity as u32).await;
    Ok(())
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
