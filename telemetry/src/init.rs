//! Installing the process's subscriber: log lines, plus the OpenTelemetry layer when
//! tracing is requested.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Key, KeyValue};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::env::{LogFormat, TelemetryEnv};
use crate::propagation::set_tracing_enabled;

/// Why telemetry could not be set up.
#[derive(Debug)]
pub enum InitError {
    /// The OTLP exporter could not be built (for example an endpoint that is not a URL).
    Exporter(String),
    /// A global subscriber is installed already.
    AlreadyInstalled,
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::Exporter(e) => {
                write!(f, "cannot export traces (check OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:4317): {e}")
            }
            InitError::AlreadyInstalled => write!(f, "a tracing subscriber is installed already"),
        }
    }
}

impl std::error::Error for InitError {}

/// The installed telemetry. Call [`Telemetry::shutdown`] before the process exits so the
/// last spans are sent.
#[derive(Debug)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// True when spans are exported.
    pub fn tracing(&self) -> bool {
        self.provider.is_some()
    }

    /// Sends the spans that ended so far. Blocks until they are sent (or the export timed
    /// out): call it from a blocking context (`tokio::task::spawn_blocking`), never on a
    /// runtime thread the exporter needs.
    pub fn force_flush(&self) {
        if let Some(provider) = &self.provider {
            if let Err(error) = provider.force_flush() {
                tracing::warn!(%error, "could not flush the traces");
            }
        }
    }

    /// Sends the remaining spans and stops exporting, within 5 s (below the 10 s a container
    /// gets between SIGTERM and SIGKILL). Blocks like [`Telemetry::force_flush`]; the tokio
    /// runtime the exporter was built in must still be running.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider {
            if let Err(error) = provider.shutdown_with_timeout(std::time::Duration::from_secs(5)) {
                eprintln!("could not send the last traces: {error}");
            }
        }
    }
}

/// Installs the global subscriber writing logs to standard output: see
/// [`init_with_writer`].
pub fn init(env: &TelemetryEnv, service_name: &str) -> Result<Telemetry, InitError> {
    let ansi = std::io::stdout().is_terminal();
    init_with_writer(env, service_name, BoxMakeWriter::new(std::io::stdout), ansi)
}

/// Installs the global subscriber: log lines to `writer` (text, coloured when `ansi`, or
/// JSON) filtered by `RUST_LOG` (default `info`; an invalid filter falls back to `info`),
/// plus, when [`TelemetryEnv::tracing_requested`], an OpenTelemetry layer exporting spans
/// over OTLP/gRPC in batches. `service_name` is the `service.name` of the spans unless
/// `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` names one.
///
/// Must run inside a tokio runtime when tracing is requested (the exporter's gRPC channel
/// lives on it).
pub fn init_with_writer(
    env: &TelemetryEnv,
    service_name: &str,
    writer: BoxMakeWriter,
    ansi: bool,
) -> Result<Telemetry, InitError> {
    let filter =
        env.log_filter.as_deref().and_then(|f| EnvFilter::try_new(f).ok()).unwrap_or_else(|| EnvFilter::new("info"));
    let provider = match &env.otlp_endpoint {
        Some(endpoint) if env.tracing_requested() => Some(tracer_provider(endpoint, service_name)?),
        _ => None,
    };
    let fmt = match env.log_format {
        LogFormat::Text => {
            tracing_subscriber::fmt::layer().with_target(false).with_ansi(ansi).with_writer(writer).boxed()
        }
        LogFormat::Json => tracing_subscriber::fmt::layer().json().with_writer(writer).boxed(),
    };
    let otel =
        provider.as_ref().map(|p| tracing_opentelemetry::layer().with_threads(false).with_tracer(p.tracer("cardmesh")));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init()
        .map_err(|_| InitError::AlreadyInstalled)?;
    set_tracing_enabled(provider.is_some());
    if let Some(endpoint) = &env.otlp_endpoint {
        if provider.is_some() {
            tracing::info!(%endpoint, "exporting traces over OTLP");
        }
    }
    Ok(Telemetry { provider })
}

/// The provider exporting in batches to `endpoint`; the resource comes from the standard
/// variables, with `service_name` when they name no service.
fn tracer_provider(endpoint: &str, service_name: &str) -> Result<SdkTracerProvider, InitError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .map_err(|e| InitError::Exporter(e.to_string()))?;
    let detected = Resource::builder().build();
    let unnamed = detected
        .get(&Key::from_static_str("service.name"))
        .is_none_or(|name| name.as_str().starts_with("unknown_service"));
    let resource = if unnamed {
        Resource::builder().with_attribute(KeyValue::new("service.name", service_name.to_owned())).build()
    } else {
        detected
    };
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only test of this crate that installs the global subscriber.
    #[test]
    fn without_an_endpoint_nothing_is_exported() {
        let env = TelemetryEnv { otlp_endpoint: None, ..TelemetryEnv::default() };
        let telemetry = init_with_writer(&env, "test", BoxMakeWriter::new(std::io::sink), false).expect("installs");
        assert!(!telemetry.tracing());
        assert!(!crate::tracing_enabled());
        assert!(matches!(
            init_with_writer(&env, "test", BoxMakeWriter::new(std::io::sink), false),
            Err(InitError::AlreadyInstalled)
        ));
        telemetry.shutdown();
    }
}
