//! A TLS listener for `axum::serve`: TCP accept, then handshakes run concurrently (so one
//! slow client does not hold up the others), each under a deadline.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Accepts TLS connections. A failed or timed-out handshake is logged (peer address and
/// reason only) and never stops the listener.
pub struct TlsListener {
    inner: tls_listener::TlsListener<TcpListener, TlsAcceptor>,
}

impl TlsListener {
    /// Wraps `listener`; handshakes slower than `handshake_timeout` are dropped.
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>, handshake_timeout: Duration) -> Self {
        let inner =
            tls_listener::builder(TlsAcceptor::from(config)).handshake_timeout(handshake_timeout).listen(listener);
        Self { inner }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, peer)) => {
                    // Latency matters more than throughput for small card answers.
                    let _ = stream.get_ref().0.set_nodelay(true);
                    return (stream, peer);
                }
                Err(tls_listener::Error::ListenerError(e)) => accept_failed(e).await,
                Err(tls_listener::Error::TlsAcceptError { error, peer_addr, .. }) => {
                    tracing::warn!(peer = %peer_addr, error = %error, "TLS handshake failed");
                }
                Err(tls_listener::Error::HandshakeTimeout { peer_addr, .. }) => {
                    tracing::debug!(peer = %peer_addr, "TLS handshake timed out");
                }
                Err(e) => tracing::warn!(error = %e, "TLS accept failed"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// As axum does for plain TCP: a connection reset before accept is nothing; anything else
/// (such as running out of file descriptors) is logged and retried after a second.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
