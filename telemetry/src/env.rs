//! The telemetry settings of a process. The caller reads its environment (the gateway does
//! it in one place) and hands the values over through [`TelemetryEnv::from_lookup`].

/// The format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One human-readable line per event (the default).
    #[default]
    Text,
    /// One JSON object per line, with the fields of the event and of its spans.
    Json,
}

/// Every variable [`TelemetryEnv::from_lookup`] reads, with what it does. The OpenTelemetry
/// SDK also reads the other standard `OTEL_*` variables itself (`OTEL_SERVICE_NAME`,
/// `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`,
/// `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_BSP_*`).
pub const ENV_VARS: &[(&str, &str)] = &[
    ("RUST_LOG", "log filter (default: info)"),
    ("CARDMESH_LOG_FORMAT", "`json` for JSON log lines (default: text)"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTLP/gRPC collector, e.g. http://127.0.0.1:4317; tracing is off without it"),
    ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "the same for traces only; wins over OTEL_EXPORTER_OTLP_ENDPOINT"),
    ("OTEL_SDK_DISABLED", "`true` turns tracing off whatever the endpoint"),
    ("OTEL_TRACES_EXPORTER", "`none` turns tracing off whatever the endpoint"),
];

/// What the environment asks of logging and tracing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TelemetryEnv {
    /// `CARDMESH_LOG_FORMAT`: `json` (any case) for JSON lines, text otherwise.
    pub log_format: LogFormat,
    /// `RUST_LOG` (default: `info`).
    pub log_filter: Option<String>,
    /// Where spans are exported: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (default: none, tracing off).
    pub otlp_endpoint: Option<String>,
    /// `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`: tracing off even with an
    /// endpoint (default: false).
    pub disabled: bool,
}

impl TelemetryEnv {
    /// Reads the variables of [`ENV_VARS`] through `lookup` (for example
    /// `|name| std::env::var(name).ok()`). Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let log_format = match get("CARDMESH_LOG_FORMAT") {
            Some(v) if v.eq_ignore_ascii_case("json") => LogFormat::Json,
            _ => LogFormat::Text,
        };
        let disabled = get("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || get("OTEL_TRACES_EXPORTER").is_some_and(|v| v.eq_ignore_ascii_case("none"));
        Self {
            log_format,
            log_filter: get("RUST_LOG"),
            otlp_endpoint: get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| get("OTEL_EXPORTER_OTLP_ENDPOINT")),
            disabled,
        }
    }

    /// True when spans are to be exported: an endpoint is set and tracing is not disabled.
    pub fn tracing_requested(&self) -> bool {
        !self.disabled && self.otlp_endpoint.is_some()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> TelemetryEnv {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        TelemetryEnv::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn tracing_is_off_without_an_endpoint() {
        let none = env(&[("OTEL_SERVICE_NAME", "x"), ("OTEL_EXPORTER_OTLP_ENDPOINT", " ")]);
        assert!(!none.tracing_requested());
        assert_eq!(none.log_format, LogFormat::Text);
        assert_eq!(none.log_filter, None);
    }

    #[test]
    fn the_traces_endpoint_wins_and_disabling_wins_over_both() {
        let both = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4317"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:4317"),
        ]);
        assert_eq!(both.otlp_endpoint.as_deref(), Some("http://b:4317"));
        assert!(both.tracing_requested());
        let disabled = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4317"), ("OTEL_SDK_DISABLED", "TRUE")]);
        assert!(!disabled.tracing_requested());
        let none = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4317"), ("OTEL_TRACES_EXPORTER", "none")]);
        assert!(!none.tracing_requested());
    }

    #[test]
    fn log_format_and_filter() {
        let json = env(&[("CARDMESH_LOG_FORMAT", "JSON"), ("RUST_LOG", "debug,h2=info")]);
        assert_eq!(json.log_format, LogFormat::Json);
        assert_eq!(json.log_filter.as_deref(), Some("debug,h2=info"));
        assert_eq!(env(&[("CARDMESH_LOG_FORMAT", "text")]).log_format, LogFormat::Text);
    }
}
