//! Serving the router until shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::listener::{serve_listener, ListenerControl, Listening, Tls};
use crate::gateway::Gateway;

/// Serves `gateway` on `listener` until `shutdown` completes, then stops accepting and lets
/// in-flight requests finish for up to `shutdown.grace_period`, after which the connections
/// still open are closed. Runs the routing-table discovery meanwhile. Terminates TLS when the
/// gateway has a TLS configuration (`[tls]`). Connections are held to `[server]`'s limits,
/// and a body declared over `limits.max_body_bytes` is refused before it is read.
///
/// There is no drain here: the process's own shutdown ([`super::run`]) drains first.
pub async fn serve(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let control = ListenerControl::new();
    let grace = gateway.config().shutdown.grace_period;
    let served = serve_controlled(gateway, listener, control.clone());
    until_stopped(served, control, shutdown, grace).await
}

/// [`serve`], moved through its shutdown phases by `control` ([`ListenerControl`]): returns
/// once `control` has stopped it and every connection has closed.
pub async fn serve_controlled(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    control: ListenerControl,
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
    serve_listener(listener, listening, control).await
}

/// Serves `router` as the admin listener of `gateway` on `listener` until `control` stops
/// it: plain HTTP, `[server]`'s connection limits, and bodies declared over
/// [`crate::preview::MAX_ADMIN_BODY_BYTES`] (the largest an admin route reads) refused
/// before they are read.
pub async fn serve_admin_router(
    gateway: &Gateway,
    listener: TcpListener,
    router: Router,
    control: ListenerControl,
) -> std::io::Result<()> {
    let listening = Listening {
        router,
        tls: None,
        max_body_bytes: crate::preview::MAX_ADMIN_BODY_BYTES,
        server: gateway.config().server.clone(),
        metrics: gateway.metrics().listener("admin"),
    };
    serve_listener(listener, listening, control).await
}

/// Runs `served` (a listener moved by `control`) until it returns: once `shutdown` completes
/// it stops accepting, and `grace` later it cuts the connections still open.
pub(super) async fn until_stopped(
    served: impl Future<Output = std::io::Result<()>>,
    control: ListenerControl,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    let stopper = async {
        shutdown.await;
        control.stop_accepting();
        tokio::time::sleep(grace).await;
        control.cut();
    };
    tokio::pin!(served);
    tokio::select! {
        served = &mut served => return served,
        () = stopper => {}
    }
    // Cut: every connection task is closing now.
    served.await
}
