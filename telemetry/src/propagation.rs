//! W3C trace context between processes, and the `trace_id` field that ties log lines to
//! their trace.
//!
//! When tracing is off, [`inject_current`] does nothing, and request spans still get a
//! `trace_id`: the caller's (from an incoming `traceparent`, which costs one header lookup)
//! or a fresh random one, so the log lines of one request can be found together.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TraceId};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The field request spans declare (`trace_id = tracing::field::Empty`) for the trace id.
pub const TRACE_ID_FIELD: &str = "trace_id";

static TRACING: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_tracing_enabled(on: bool) {
    TRACING.store(on, Ordering::Relaxed);
}

/// True when this process exports spans (set by [`crate::init`]).
pub fn tracing_enabled() -> bool {
    TRACING.load(Ordering::Relaxed)
}

/// The span `make` builds when tracing is on, a disabled span otherwise: for spans that only
/// serve traces, so that they cost nothing on the hot path while tracing is off.
pub fn span_if_tracing(make: impl FnOnce() -> Span) -> Span {
    if tracing_enabled() {
        make()
    } else {
        Span::none()
    }
}

/// Adds the current span's trace context (`traceparent`) to outgoing gRPC metadata, so the
/// callee's spans become its children. Does nothing when tracing is off.
pub fn inject_current(metadata: &mut MetadataMap) {
    if !tracing_enabled() {
        return;
    }
    let cx = Span::current().context();
    TraceContextPropagator::new().inject_context(&cx, &mut MetadataInjector(metadata));
}

/// Joins `span`, a server span just created, to the caller's trace found in `headers`
/// (`traceparent`): with tracing on, the caller's span becomes its parent; either way its
/// `trace_id` field gets the caller's trace id, or a fresh one when there is none.
pub fn adopt_trace(span: &Span, headers: &http::HeaderMap) {
    if span.is_disabled() {
        return;
    }
    let remote = caller_context(headers);
    let remote_trace = remote.span().span_context().trace_id();
    if tracing_enabled() {
        if remote_trace != TraceId::INVALID {
            let _ = span.set_parent(remote);
        }
        record_trace_id(span);
    } else {
        record(span, remote_trace);
    }
}

/// The trace id for a server span made while tracing is off: the caller's, from the
/// `traceparent` in `headers`, or a fresh random one. Giving it to the span at creation
/// (`trace_id = %id`) saves recording it afterwards, as [`adopt_trace`] does.
pub fn caller_trace_id(headers: &http::HeaderMap) -> TraceId {
    or_fresh(caller_context(headers).span().span_context().trace_id())
}

/// The caller's trace context (`traceparent`), or an empty one.
fn caller_context(headers: &http::HeaderMap) -> opentelemetry::Context {
    if headers.contains_key("traceparent") {
        TraceContextPropagator::new().extract(&HeaderExtractor(headers))
    } else {
        opentelemetry::Context::new()
    }
}

/// Fills `span`'s `trace_id` field: its OpenTelemetry trace id when tracing is on, a fresh
/// random id in the same format (32 hex digits) otherwise. With tracing on, this starts the
/// span's trace, so set its parent first.
pub fn record_trace_id(span: &Span) {
    if span.is_disabled() {
        return;
    }
    let trace_id = if tracing_enabled() { span.context().span().span_context().trace_id() } else { TraceId::INVALID };
    record(span, trace_id);
}

fn record(span: &Span, trace_id: TraceId) {
    span.record(TRACE_ID_FIELD, tracing::field::display(or_fresh(trace_id)));
}

/// `trace_id`, or a fresh random one when it is [`TraceId::INVALID`] (no trace).
fn or_fresh(trace_id: TraceId) -> TraceId {
    if trace_id == TraceId::INVALID {
        random_trace_id()
    } else {
        trace_id
    }
}

/// A fresh random trace id (32 hex digits when displayed), for a request span created while
/// tracing is off: giving it at creation saves recording it afterwards.
pub fn random_trace_id() -> TraceId {
    RandomIdGenerator::default().new_trace_id()
}

struct MetadataInjector<'a>(&'a mut MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (MetadataKey::from_bytes(key.as_bytes()), MetadataValue::try_from(value)) {
            self.0.insert(key, value);
        }
    }
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_trace_id_comes_from_traceparent_or_is_fresh() {
        let mut headers = http::HeaderMap::new();
        headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
        assert_eq!(caller_trace_id(&headers).to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        let (a, b) = (caller_trace_id(&http::HeaderMap::new()), caller_trace_id(&http::HeaderMap::new()));
        assert!(a != TraceId::INVALID && a != b, "a fresh id each time: {a} {b}");
        headers.insert("traceparent", "not a trace context".parse().unwrap());
        assert_ne!(caller_trace_id(&headers), TraceId::INVALID, "a bad traceparent gets a fresh id");
    }

    #[test]
    fn nothing_is_injected_while_tracing_is_off() {
        let mut metadata = MetadataMap::new();
        let span = tracing::info_span!("call");
        let _entered = span.enter();
        inject_current(&mut metadata);
        assert!(metadata.is_empty());
    }

    /// Collects the `trace_id` recorded on spans.
    struct TraceIds(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for TraceIds {
        fn on_record(
            &self,
            _: &tracing::span::Id,
            values: &tracing::span::Record<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            struct Visit<'a>(&'a mut Vec<String>);
            impl tracing::field::Visit for Visit<'_> {
                fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                    if field.name() == TRACE_ID_FIELD {
                        self.0.push(format!("{value:?}"));
                    }
                }
            }
            values.record(&mut Visit(&mut self.0.lock().unwrap()));
        }
    }

    #[test]
    fn without_tracing_a_server_span_takes_the_callers_trace_id_or_a_fresh_one() {
        use tracing_subscriber::layer::SubscriberExt;
        let ids = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(TraceIds(ids.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let mut headers = http::HeaderMap::new();
            headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
            adopt_trace(&tracing::info_span!("server", trace_id = tracing::field::Empty), &headers);
            adopt_trace(&tracing::info_span!("server", trace_id = tracing::field::Empty), &http::HeaderMap::new());
            adopt_trace(&tracing::info_span!("server", trace_id = tracing::field::Empty), &http::HeaderMap::new());
        });
        let ids = ids.lock().unwrap();
        assert_eq!(ids.len(), 3);
        assert_eq!(ids[0], "4bf92f3577b34da6a3ce929d0e0e4736");
        for id in &ids[1..] {
            assert!(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        }
        assert_ne!(ids[1], ids[2], "each request gets its own id");
    }
}
