//! Serving the router until shutdown.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::listener::{serve_listener, Listening, Tls};
use crate::gateway::Gateway;

/// Serves `gateway` on `listener` until `shutdown` completes, then stops accepting and lets
/// in-flight requests finish. Runs the routing-table discovery meanwhile. Terminates TLS
/// when the gateway has a TLS configuration (`[tls]`). Connections are held to `[server]`'s
/// limits, and a body declared over `limits.max_body_bytes` is refused before it is read.
pub async fn serve(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let _discovery = gateway.router().spawn_discovery();
    let addr = listener.local_addr()?;
    let config = gateway.config();
    let tls = gateway.tls().map(|server| Tls {
        acceptor: TlsAcceptor::from(server.clone()),
        handshake_timeout: config.tls.handshake_timeout,
    });
    let mtls = config.tls.client_ca_file.is_some();
    tracing::info!(%addr, services = gateway.router().backends().len(), tls = tls.is_some(), mtls, "cardmesh gateway listening");
    let listening = Listening {
        router: super::app(gateway.clone()),
        tls,
        max_body_bytes: config.limits.max_body_bytes,
        server: config.server.clone(),
        metrics: gateway.metrics().listener("plain"),
    };
    serve_listener(listener, listening, shutdown).await
}

/// Serves `router` as the admin listener of `gateway` on `listener` until `shutdown`
/// completes: plain HTTP, `[server]`'s connection limits, and bodies declared over
/// [`crate::preview::MAX_ADMIN_BODY_BYTES`] (the largest an admin route reads) refused
/// before they are read.
pub async fn serve_admin_router(
    gateway: &Gateway,
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listening = Listening {
        router,
        tls: None,
        max_body_bytes: crate::preview::MAX_ADMIN_BODY_BYTES,
        server: gateway.config().server.clone(),
        metrics: gateway.metrics().listener("admin"),
    };
    serve_listener(listener, listening, shutdown).await
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
