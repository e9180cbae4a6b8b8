//! A Plain-protocol card endpoint serving fixture JSON (see `http_bridge::example`).
//!
//! `CARDMESH_EXAMPLE_ENDPOINT_LISTEN` (default `0.0.0.0:8080`), `CARDMESH_FIXTURES` (a
//! fixture file instead of the embedded one), `CARDMESH_EXAMPLE_ENDPOINT_SECRET` (require
//! signed requests).

use anyhow::Context;
use http_bridge::example::{ExampleEndpoint, Fixture, DEFAULT_LISTEN, EMBEDDED_FIXTURE, LISTEN_ENV, SECRET_ENV};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber_init();
    let fixture = cardmesh_kit::fixture_from_env(EMBEDDED_FIXTURE, Fixture::parse)?;
    let secret = std::env::var(SECRET_ENV).ok().filter(|s| !s.is_empty());
    let listen = std::env::var(LISTEN_ENV).ok().filter(|s| !s.trim().is_empty());
    let listen = listen.as_deref().unwrap_or(DEFAULT_LISTEN).trim().to_owned();
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen} ({LISTEN_ENV})"))?;
    tracing::info!(listen = %listener.local_addr()?, signed = secret.is_some(), "example card endpoint listening");
    axum::serve(listener, ExampleEndpoint::new(fixture, secret).router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn tracing_subscriber_init() {
    let mut env = cardmesh_telemetry::TelemetryEnv::from_lookup(|name| std::env::var(name).ok());
    // It stands for someone else's API: logs only, no traces.
    env.otlp_endpoint = None;
    let _ = cardmesh_telemetry::init(&env, "http-bridge-example-endpoint");
}
