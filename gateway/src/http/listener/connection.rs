//! One accepted connection, from the TLS handshake (when the listener terminates TLS) to its
//! close: hyper serves it (HTTP/1.1 or HTTP/2) while its watchdog may cut it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::phase::Phase;
use super::request::Requests;
use super::watchdog::{self, Activity, Metered};
use super::Shared;
use crate::http::ClientAddr;

/// TLS termination of a listener: the acceptor and the deadline of one handshake.
#[derive(Clone)]
pub struct Tls {
    pub acceptor: TlsAcceptor,
    pub handshake_timeout: Duration,
}

/// The HTTP/1.1 and HTTP/2 connection builder of a listener. Its HTTP/1.1 header timer is a
/// second line of defence behind the watchdog: hyper starts it when a connection waits for a
/// request head, so it also runs while a kept-alive connection is idle; it is set to the
/// idle and header timeouts together, which the watchdog enforces first.
pub fn builder(header_read_timeout: Duration, idle_timeout: Duration) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_read_timeout + idle_timeout)
        .keep_alive(true);
    builder.http2().timer(hyper_util::rt::TokioTimer::new());
    builder
}

/// Serves `stream` from `peer` until it closes, is cut by its watchdog, or the listener's
/// `phase` asks it to close (see [`super::phase`]).
pub async fn serve(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr, mut phase: watch::Receiver<Phase>) {
    // Small answers go out at once rather than waiting for more to send (as before, behind TLS).
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::default());
    let io = Metered::new(stream, activity.clone());
    match &shared.tls {
        None => serve_http(&shared, io, peer, activity, phase).await,
        Some(tls) => {
            let handshake = tokio::time::timeout(tls.handshake_timeout, tls.acceptor.accept(io));
            // A handshake under way when the listener stops accepting goes on: the client may
            // have sent its request already. Only the cut ends it.
            let stream = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => {
                        tracing::warn!(%peer, %error, "TLS handshake failed");
                        shared.metrics.cut("tls_handshake");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        shared.metrics.cut("tls_handshake");
                        return;
                    }
                },
                _ = phase.wait_for(|phase| *phase == Phase::Cut) => {
                    shared.metrics.cut(SHUTDOWN_CUT);
                    return;
                }
            };
            serve_http(&shared, stream, peer, activity, phase).await;
        }
    }
}

/// The `reason` of a connection closed because the shutdown's grace period ended.
const SHUTDOWN_CUT: &str = "shutdown";

/// Serves HTTP on an established (plain or TLS) connection.
async fn serve_http<I>(
    shared: &Shared,
    io: I,
    peer: SocketAddr,
    activity: Arc<Activity>,
    mut phase: watch::Receiver<Phase>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let requests = Requests::new(
        shared.router.clone(),
        ClientAddr(peer),
        shared.requests,
        activity.clone(),
        shared.control.clone(),
    );
    let connection = shared.builder.serve_connection(TokioIo::new(io), requests);
    let watchdog = watchdog::watch(&activity, shared.watchdog, tokio::time::Instant::now());
    tokio::pin!(connection, watchdog);
    let mut graceful = false;
    loop {
        let now = *phase.borrow_and_update();
        if now == Phase::Cut {
            tracing::debug!(%peer, "connection closed: the shutdown's grace period is over");
            shared.metrics.cut(SHUTDOWN_CUT);
            return;
        }
        if !graceful && closes_gracefully(now, &activity) {
            graceful = true;
            // HTTP/2: a GOAWAY, the streams in flight finish. HTTP/1.1: keep-alive off, so the
            // connection closes after the answer in flight, or now if none is. The watchdog
            // still cuts one that stalls meanwhile.
            connection.as_mut().graceful_shutdown();
        }
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            cut = &mut watchdog => {
                tracing::debug!(%peer, reason = cut.reason(), "connection cut");
                shared.metrics.cut(cut.reason());
                return;
            }
            // The sender lives in `shared`, which outlives this connection.
            _ = phase.changed() => {}
            // A request arrived after the drain began: look again (its protocol, or the first
            // request of a connection accepted just before the stop).
            () = activity.request_while_closing(), if now != Phase::Serving && !graceful => {}
        }
    }
}

/// Whether a connection should be asked to close gracefully in `phase` (see
/// [`super::phase`]): while draining, HTTP/2 connections (a GOAWAY is race-free; HTTP/1.1
/// answers carry `Connection: close` instead); once stopped, every connection that has had a
/// request (one that has not keeps its chance to send its first).
fn closes_gracefully(phase: Phase, activity: &Activity) -> bool {
    match phase {
        Phase::Serving => false,
        Phase::Draining => activity.http2(),
        Phase::Stopped | Phase::Cut => activity.snapshot().started > 0,
    }
}
