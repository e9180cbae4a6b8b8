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

/// Serves `stream` from `peer` until it closes, is cut, or `stopping` turns true (then it
/// finishes the request in flight, gracefully).
pub async fn serve(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr, mut stopping: watch::Receiver<bool>) {
    // Small answers go out at once rather than waiting for more to send (as before, behind TLS).
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::default());
    let io = Metered::new(stream, activity.clone());
    match &shared.tls {
        None => serve_http(&shared, io, peer, activity, stopping).await,
        Some(tls) => {
            let handshake = tokio::time::timeout(tls.handshake_timeout, tls.acceptor.accept(io));
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
                _ = stopping.wait_for(|stop| *stop) => return,
            };
            serve_http(&shared, stream, peer, activity, stopping).await;
        }
    }
}

/// Serves HTTP on an established (plain or TLS) connection.
async fn serve_http<I>(
    shared: &Shared,
    io: I,
    peer: SocketAddr,
    activity: Arc<Activity>,
    mut stopping: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let requests = Requests::new(shared.router.clone(), ClientAddr(peer), shared.requests, activity.clone());
    let connection = shared.builder.serve_connection(TokioIo::new(io), requests);
    let watchdog = watchdog::watch(&activity, shared.watchdog, tokio::time::Instant::now());
    tokio::pin!(connection, watchdog);
    let mut graceful = false;
    loop {
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
            _ = stopping.wait_for(|stop| *stop), if !graceful => {
                graceful = true;
                // Idle connections close now, busy ones after their answer; the watchdog
                // still cuts one that stalls meanwhile.
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}
