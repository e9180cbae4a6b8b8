//! Running a provider: [`serve`] (the whole process), [`serve_on`] and
//! [`serve_on_with_metrics`] (bound listeners).

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{bail, Context};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::StreamExt;
use tonic::transport::Server;
use tower_http::trace::TraceLayer;

use crate::proto::card_service_server::CardServiceServer;
use crate::{CardProvider, CardServer, CardSpec, ServerTls};

/// Environment variable with the address to listen on.
pub const LISTEN_ENV: &str = "CARDMESH_SERVICE_LISTEN";
/// The address [`serve`] listens on when [`LISTEN_ENV`] is unset.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:50051";
/// Environment variable with the address of the metrics listener (`GET /metrics`).
///
/// Off by default: a service runs wherever its team puts it, often several on one host
/// (`cargo xtask dev` runs several), so a fixed default port would collide; turning it on is
/// one variable (`0.0.0.0:9090` in `docker-compose.yml`).
pub const METRICS_LISTEN_ENV: &str = "CARDMESH_SERVICE_METRICS_LISTEN";

/// Runs `provider` as a card service process until SIGTERM or SIGINT (Ctrl-C).
///
/// - listens on `CARDMESH_SERVICE_LISTEN` (default `0.0.0.0:50051`);
/// - serves TLS when `CARDMESH_SERVICE_TLS_CERT_FILE` and `CARDMESH_SERVICE_TLS_KEY_FILE`
///   are set, requiring client certificates that chain to
///   `CARDMESH_SERVICE_TLS_CLIENT_CA_FILE` when that is set too (see [`ServerTls`]);
/// - serves its Prometheus metrics on `GET /metrics` of `CARDMESH_SERVICE_METRICS_LISTEN`
///   when set (default: off), see [`ServiceMetrics`](crate::ServiceMetrics);
/// - installs a `tracing` subscriber (fmt, filtered by `RUST_LOG`, default `info`; JSON
///   lines with `CARDMESH_LOG_FORMAT=json`) unless one is already installed; with
///   `OTEL_EXPORTER_OTLP_ENDPOINT` set it also exports spans over OTLP/gRPC (`service.name`:
///   `OTEL_SERVICE_NAME`, else the provider's name) and joins the gateway's traces;
/// - serves `cardmesh.v1.CardService` and the gRPC health service (`grpc.health.v1.Health`,
///   `SERVING` for `""` and `cardmesh.v1.CardService`);
/// - on a signal, reports `NOT_SERVING`, stops accepting connections, lets in-flight
///   calls finish and sends the last spans.
pub async fn serve<P: CardProvider>(provider: P) -> anyhow::Result<()> {
    let env = cardmesh_telemetry::TelemetryEnv::from_lookup(|name| std::env::var(name).ok());
    let telemetry = match cardmesh_telemetry::init(&env, provider.name()) {
        Ok(telemetry) => Some(telemetry),
        Err(cardmesh_telemetry::InitError::AlreadyInstalled) => None,
        Err(error) => bail!("{error}"),
    };
    let served = serve_process(provider).await;
    if let Some(telemetry) = telemetry {
        let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    }
    served
}

async fn serve_process<P: CardProvider>(provider: P) -> anyhow::Result<()> {
    let addr = listen_addr(std::env::var(LISTEN_ENV).ok())?;
    let tls = ServerTls::from_env()?;
    let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} ({LISTEN_ENV})"))?;
    let metrics = match metrics_addr(std::env::var(METRICS_LISTEN_ENV).ok())? {
        Some(addr) => Some(
            TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} ({METRICS_LISTEN_ENV})"))?,
        ),
        None => None,
    };
    run(provider, listener, tls, metrics, shutdown_signal()).await
}

/// Serves `provider` on an already-bound `listener` until `shutdown` completes, then
/// drains in-flight calls and returns. Same services as [`serve`], without metrics
/// listener; it does not install a tracing subscriber nor listen for signals.
///
/// Fails before serving when [`CardProvider::cards`] has an invalid or duplicate key, or
/// [`CardProvider::actions`] an invalid or duplicate name or a changed card that is not a
/// card key (a changed card the provider does not draw itself is logged as a warning).
pub async fn serve_on<P: CardProvider>(
    provider: P,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run(provider, listener, None, None, shutdown).await
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
    run(provider, listener, Some(tls), None, shutdown).await
}

/// [`serve_on`], plus `GET /metrics` (Prometheus text) on `metrics`.
pub async fn serve_on_with_metrics<P: CardProvider>(
    provider: P,
    listener: TcpListener,
    metrics: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run(provider, listener, None, Some(metrics), shutdown).await
}

async fn run<P: CardProvider>(
    provider: P,
    listener: TcpListener,
    tls: Option<ServerTls>,
    metrics: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let specs = provider.cards();
    check_specs(&specs).with_context(|| format!("card service {:?}", provider.name()))?;
    let actions = provider.actions();
    let keys: Vec<&str> = specs.iter().map(|spec| spec.key.as_str()).collect();
    let warnings = crate::action::check_actions(&actions, &keys)
        .map_err(|error| anyhow::anyhow!("card service {:?}: {error}", provider.name()))?;
    for warning in warnings {
        tracing::warn!(service = provider.name(), "{warning}");
    }
    let actions: Vec<&str> = actions.iter().map(|action| action.name.as_str()).collect();
    let local = listener.local_addr().context("listener has no local address")?;
    let name = provider.name().to_owned();

    let (reporter, health) = tonic_health::server::health_reporter();
    reporter.set_serving::<CardServiceServer<CardServer<P>>>().await;
    let shutdown = async move {
        shutdown.await;
        reporter.set_not_serving::<CardServiceServer<CardServer<P>>>().await;
        reporter.set_service_status("", tonic_health::ServingStatus::NotServing).await;
    };

    let mtls = tls.as_ref().is_some_and(ServerTls::requires_client_certs);
    let metrics_at =
        metrics.as_ref().and_then(|l| l.local_addr().ok()).map_or_else(|| "off".to_owned(), |addr| addr.to_string());
    tracing::info!(service = %name, listen = %local, metrics = %metrics_at, cards = ?keys, actions = ?actions, tls = tls.is_some(), mtls, "card service listening");

    let server = CardServer::new(provider);
    let metrics_task = metrics.map(|listener| {
        let metrics = server.metrics().clone();
        tokio::spawn(cardmesh_telemetry::serve_metrics(listener, move || metrics.render(), std::future::pending()))
    });
    let trace = TraceLayer::new_for_grpc()
        .make_span_with(crate::trace::ServerSpan { service: Arc::from(name.as_str()) })
        .on_request(())
        .on_response(())
        .on_body_chunk(())
        .on_eos(())
        .on_failure(crate::trace::record_failure);

    let incoming = TcpListenerStream::new(listener).map(|conn| {
        conn.inspect(|stream| {
            // Latency matters more than throughput for small card answers.
            let _ = stream.set_nodelay(true);
        })
    });
    let mut builder = Server::builder();
    if let Some(tls) = &tls {
        builder = builder
            .tls_config(tls.server_config())
            .with_context(|| format!("card service {name:?}: the TLS certificate or key cannot be used"))?;
    }
    let served = builder
        .layer(trace)
        .add_service(health)
        .add_service(server.into_service())
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await;
    if let Some(task) = metrics_task {
        task.abort();
    }
    served.with_context(|| format!("card service {name:?} on {local} failed"))?;

    tracing::info!(service = %name, "card service stopped");
    Ok(())
}

/// The address to listen on: `value` (from [`LISTEN_ENV`]) or [`DEFAULT_LISTEN`].
fn listen_addr(value: Option<String>) -> anyhow::Result<SocketAddr> {
    let value = value.filter(|v| !v.trim().is_empty());
    let text = value.as_deref().unwrap_or(DEFAULT_LISTEN).trim();
    text.parse().with_context(|| format!("{LISTEN_ENV}={text:?} is not an address like 0.0.0.0:50051"))
}

/// The metrics address: `value` (from [`METRICS_LISTEN_ENV`]), or none (off).
fn metrics_addr(value: Option<String>) -> anyhow::Result<Option<SocketAddr>> {
    let Some(text) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let addr =
        text.parse().with_context(|| format!("{METRICS_LISTEN_ENV}={text:?} is not an address like 0.0.0.0:9090"))?;
    Ok(Some(addr))
}

/// Rejects card keys outside `[a-zA-Z0-9_-]+` and keys declared twice.
fn check_specs(specs: &[CardSpec]) -> anyhow::Result<()> {
    let mut seen = HashSet::new();
    for spec in specs {
        if !cardmesh_rules::is_valid_card_key(&spec.key) {
            bail!(
                "card key {:?} does not match {}: {}",
                spec.key,
                cardmesh_rules::key::CARD_KEY_PATTERN,
                cardmesh_rules::key::CARD_KEY_RULE
            );
        }
        if !seen.insert(spec.key.as_str()) {
            bail!("card key {:?} is declared twice", spec.key);
        }
    }
    Ok(())
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
        assert_eq!(listen_addr(Some(" ".into())).ok(), DEFAULT_LISTEN.parse().ok());
        assert_eq!(listen_addr(Some("127.0.0.1:6000".into())).ok(), "127.0.0.1:6000".parse().ok());
        let error = listen_addr(Some("localhost".into())).expect_err("not an address");
        assert!(format!("{error:#}").contains(LISTEN_ENV));
    }

    #[test]
    fn metrics_are_off_unless_an_address_is_set() {
        assert_eq!(metrics_addr(None).ok(), Some(None));
        assert_eq!(metrics_addr(Some("  ".into())).ok(), Some(None));
        assert_eq!(metrics_addr(Some("127.0.0.1:9464".into())).ok(), Some("127.0.0.1:9464".parse().ok()));
        let error = metrics_addr(Some("9090".into())).expect_err("not an address");
        assert!(format!("{error:#}").contains(METRICS_LISTEN_ENV));
    }

    #[test]
    fn rejects_bad_and_duplicate_keys() {
        assert!(check_specs(&[CardSpec::new("a-b_1", "ok")]).is_ok());
        assert!(check_specs(&[CardSpec::new("a b", "space")]).is_err());
        assert!(check_specs(&[CardSpec::new("", "empty")]).is_err());
        let error = check_specs(&[CardSpec::new("a", "1"), CardSpec::new("a", "2")]).expect_err("duplicate");
        assert!(error.to_string().contains("twice"));
    }
}
