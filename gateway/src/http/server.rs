//! Serving the router until shutdown.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::ClientAddr;
use crate::gateway::Gateway;
use crate::tls::TlsListener;

/// Serves `gateway` on `listener` until `shutdown` completes, then stops accepting and lets
/// in-flight requests finish. Runs the routing-table discovery meanwhile. Terminates TLS
/// when the gateway has a TLS configuration (`[tls]`).
pub async fn serve(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let _discovery = gateway.router().spawn_discovery();
    let addr = listener.local_addr()?;
    let tls = gateway.tls().cloned();
    let mtls = gateway.config().tls.client_ca_file.is_some();
    tracing::info!(%addr, services = gateway.router().backends().len(), tls = tls.is_some(), mtls, "cardmesh gateway listening");
    let app = super::app(gateway.clone()).into_make_service_with_connect_info::<ClientAddr>();
    match tls {
        None => axum::serve(listener, app).with_graceful_shutdown(shutdown).await,
        Some(config) => {
            let listener = TlsListener::new(listener, config, gateway.config().tls.handshake_timeout);
            axum::serve(listener, app).with_graceful_shutdown(shutdown).await
        }
    }
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
