//! Running a provider: [`serve`] (the whole process) and [`serve_on`] (a bound listener).

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;

use anyhow::{bail, Context};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::StreamExt;
use tonic::transport::Server;

use crate::proto::card_service_server::CardServiceServer;
use crate::{CardProvider, CardServer, CardSpec, ServerTls};

/// Environment variable with the address to listen on.
pub const LISTEN_ENV: &str = "CARDMESH_SERVICE_LISTEN";
/// The address [`serve`] listens on when [`LISTEN_ENV`] is unset.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:50051";
/// Environment variable selecting the log format: `json` for JSON lines.
const LOG_FORMAT_ENV: &str = "CARDMESH_LOG_FORMAT";

/// Runs `provider` as a card service process until SIGTERM or SIGINT (Ctrl-C).
///
/// - listens on `CARDMESH_SERVICE_LISTEN` (default `0.0.0.0:50051`);
/// - serves TLS when `CARDMESH_SERVICE_TLS_CERT_FILE` and `CARDMESH_SERVICE_TLS_KEY_FILE`
///   are set, requiring client certificates that chain to
///   `CARDMESH_SERVICE_TLS_CLIENT_CA_FILE` when that is set too (see [`ServerTls`]);
/// - installs a `tracing` subscriber (fmt, filtered by `RUST_LOG`, default `info`; JSON
///   lines with `CARDMESH_LOG_FORMAT=json`) unless one is already installed;
/// - serves `cardmesh.v1.CardService` and the gRPC health service (`grpc.health.v1.Health`,
///   `SERVING` for `""` and `cardmesh.v1.CardService`);
/// - on a signal, reports `NOT_SERVING`, stops accepting connections and lets in-flight
///   calls finish.
pub async fn serve<P: CardProvider>(provider: P) -> anyhow::Result<()> {
    init_tracing();
    let addr = listen_addr(std::env::var(LISTEN_ENV).ok())?;
    let tls = ServerTls::from_env()?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ({LISTEN_ENV})"))?;
    run(provider, listener, tls, shutdown_signal()).await
}

/// Serves `provider` on an already-bound `listener` until `shutdown` completes, then
/// drains in-flight calls and returns. Same services as [`serve`]; it does not install a
/// tracing subscriber nor listen for signals.
///
/// Fails before serving when [`CardProvider::cards`] has an invalid or duplicate key.
pub async fn serve_on<P: CardProvider>(
    provider: P,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run(provider, listener, None, shutdown).await
}

/// [`serve_on`] over TLS: the service presents `tls`'s certificate and, when `tls` requires
/// client certificates, refuses clients without one that chains to its CA. A failed
/// handshake closes that connection only.
pub async fn serve_tls_on<P: CardProvider>(
    provider: P,
    listener: TcpListener,
    tls: ServerTls,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run(provider, listener, Some(tls), shutdown).await
}

async fn run<P: CardProvider>(
    provider: P,
    listener: TcpListener,
    tls: Option<ServerTls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let specs = provider.cards();
    check_specs(&specs).with_context(|| format!("card service {:?}", provider.name()))?;
    let local = listener
        .local_addr()
        .context("listener has no local address")?;
    let name = provider.name().to_owned();

    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_serving::<CardServiceServer<CardServer<P>>>()
        .await;
    let shutdown = async move {
        shutdown.await;
        reporter
            .set_not_serving::<CardServiceServer<CardServer<P>>>()
            .await;
        reporter
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
    };

    let keys: Vec<&str> = specs.iter().map(|spec| spec.key.as_str()).collect();
    let mtls = tls.as_ref().is_some_and(ServerTls::requires_client_certs);
    tracing::info!(service = %name, listen = %local, cards = ?keys, tls = tls.is_some(), mtls, "card service listening");

    let incoming = TcpListenerStream::new(listener).map(|conn| {
        conn.inspect(|stream| {
            // Latency matters more than throughput for small card answers.
            let _ = stream.set_nodelay(true);
        })
    });
    let mut server = Server::builder();
    if let Some(tls) = &tls {
        server = server
            .tls_config(tls.server_config())
            .with_context(|| format!("card service {name:?}: the TLS certificate or key cannot be used"))?;
    }
    server
        .add_service(health)
        .add_service(CardServer::new(provider).into_service())
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .with_context(|| format!("card service {name:?} on {local} failed"))?;

    tracing::info!(service = %name, "card service stopped");
    Ok(())
}

/// The address to listen on: `value` (from [`LISTEN_ENV`]) or [`DEFAULT_LISTEN`].
fn listen_addr(value: Option<String>) -> anyhow::Result<SocketAddr> {
    let value = value.filter(|v| !v.trim().is_empty());
    let text = value.as_deref().unwrap_or(DEFAULT_LISTEN).trim();
    text.parse()
        .with_context(|| format!("{LISTEN_ENV}={text:?} is not an address like 0.0.0.0:50051"))
}

/// Rejects card keys outside `[a-zA-Z0-9_-]+` and keys declared twice.
fn check_specs(specs: &[CardSpec]) -> anyhow::Result<()> {
    let mut seen = HashSet::new();
    for spec in specs {
        let valid = !spec.key.is_empty()
            && spec
                .key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            bail!("card key {:?} does not match [a-zA-Z0-9_-]+", spec.key);
        }
        if !seen.insert(spec.key.as_str()) {
            bail!("card key {:?} is declared twice", spec.key);
        }
    }
    Ok(())
}

/// Installs the fmt subscriber filtered by `RUST_LOG` (default `info`), once: JSON lines
/// when `CARDMESH_LOG_FORMAT=json` (like the gateway), otherwise human-readable, coloured
/// only on a terminal.
fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;

    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var(LOG_FORMAT_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // Fails only when a subscriber is already installed, which is fine.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder
            .with_ansi(std::io::stdout().is_terminal())
            .try_init()
    };
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received, draining in-flight calls");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addr_default_and_override() {
        assert_eq!(listen_addr(None).ok(), DEFAULT_LISTEN.parse().ok());
        assert_eq!(
            listen_addr(Some(" ".into())).ok(),
            DEFAULT_LISTEN.parse().ok()
        );
        assert_eq!(
            listen_addr(Some("127.0.0.1:6000".into())).ok(),
            "127.0.0.1:6000".parse().ok()
        );
        let error = listen_addr(Some("localhost".into())).expect_err("not an address");
        assert!(format!("{error:#}").contains(LISTEN_ENV));
    }

    #[test]
    fn rejects_bad_and_duplicate_keys() {
        assert!(check_specs(&[CardSpec::new("a-b_1", "ok")]).is_ok());
        assert!(check_specs(&[CardSpec::new("a b", "space")]).is_err());
        assert!(check_specs(&[CardSpec::new("", "empty")]).is_err());
        let error = check_specs(&[CardSpec::new("a", "1"), CardSpec::new("a", "2")])
            .expect_err("duplicate");
        assert!(error.to_string().contains("twice"));
    }
}
