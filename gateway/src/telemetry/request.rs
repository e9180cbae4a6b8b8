//! The span and the metrics of one Plain request.
//!
//! A Plain request is one trace. Its spans, outermost first:
//!
//! | span | where | fields |
//! | --- | --- | --- |
//! | `plain_request` | [`request_layer`] | `workspace_id`, `keys`, `trace_id`; with tracing on also `url.path`, `status`, `cache_hits`, `cache_misses`, `cache_stale` |
//! | `verify_signature`* | the handler | |
//! | `cache_lookup`* | planning (`crate::request::plan`) | `cards`, `hits`, `misses` |
//! | `draw_cards`* | the background draw of the missed cards | `services`, `cards` |
//! | `card_service_call`* | one per service called (a client span; the service's own spans are its children) | `service`, `keys`, `outcome`, `rpc.grpc.status_code` |
//! | `render_cards`* | validating and rendering the cards of one service's answer | `service`, `cards`, `failed` |
//! | `cache_stale_lookup`* | assembly (`crate::request::assemble`): looking up stale copies, on the error path only | `cards`, `found` |
//!
//! The spans marked * exist only while tracing is on: they serve the traces alone, and the
//! hot path does not pay for them otherwise. `plain_request` also exists while tracing is
//! off, for the log lines inside it: `trace_id` is the OpenTelemetry trace id when tracing
//! is on, a random id in the same format otherwise, and every log line inside the request
//! shows it with the span's fields. While tracing is off, `plain_request` is made only when
//! the request is about to log or call a card service ([`RequestSpanSlot`]): an answer
//! straight from the cache logs nothing, and making and formatting a span it never shows
//! cost about a tenth of that answer's CPU.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::{Request, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::field::Empty;
use tracing::Span;

use super::GatewayMetrics;
use crate::plain::workspace_header;

/// Longest workspace id copied into the span; longer values are cut (the header comes from
/// the client).
const MAX_WORKSPACE_ID: usize = 64;

/// The layer in front of the Plain card routes: the `plain_request` span, then the request
/// counter and latency histogram of [`GatewayMetrics`] once the response is ready.
pub type RequestLayer =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, (), RecordResponse, (), (), ()>;

/// The [`RequestLayer`] counting into `metrics`.
pub fn request_layer(metrics: Arc<GatewayMetrics>) -> RequestLayer {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(RecordResponse(metrics))
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}

/// The workspace id of a request, as shown in its span: cut to [`MAX_WORKSPACE_ID`].
fn workspace_id(headers: &axum::http::HeaderMap) -> &str {
    let id = workspace_header(headers);
    id.get(..MAX_WORKSPACE_ID).unwrap_or(id)
}

/// Makes the `plain_request` span while tracing is on; while it is off, the span is made
/// on first use by the request's [`RequestSpanSlot`].
#[derive(Debug, Clone, Copy)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let workspace_id = workspace_id(request.headers());
        if cardmesh_telemetry::tracing_enabled() {
            let span = tracing::info_span!(
                "plain_request",
                otel.kind = "server",
                url.path = %request.uri().path(),
                workspace_id,
                keys = Empty,
                status = Empty,
                cache_hits = Empty,
                cache_misses = Empty,
                cache_stale = Empty,
                otel.status_code = Empty,
                trace_id = Empty,
            );
            cardmesh_telemetry::record_trace_id(&span);
            span
        } else {
            Span::none()
        }
    }
}

/// The `plain_request` span of one request, for the code that logs or calls card services
/// on its behalf. While tracing is on it is the current span, which [`RequestSpan`] made
/// for the trace. While tracing is off it is made by the first [`get`](Self::get), with
/// what the log lines inside it need: the workspace, the number of keys and a random
/// `trace_id`; later calls return the same span.
pub struct RequestSpanSlot<'a> {
    workspace_id: &'a str,
    keys: Option<usize>,
    span: OnceLock<Span>,
}

impl<'a> RequestSpanSlot<'a> {
    /// The slot of the request with these headers.
    pub fn new(headers: &'a axum::http::HeaderMap) -> Self {
        Self { workspace_id: workspace_id(headers), keys: None, span: OnceLock::new() }
    }

    /// The slot of an admitted request asking for `keys` keys, already recorded on the
    /// traced span (by [`Self::set_keys`] during admission).
    pub fn with_keys(headers: &'a axum::http::HeaderMap, keys: usize) -> Self {
        Self { workspace_id: workspace_id(headers), keys: Some(keys), span: OnceLock::new() }
    }

    /// Records how many keys the request asks for.
    pub fn set_keys(&mut self, keys: usize) {
        self.keys = Some(keys);
        if cardmesh_telemetry::tracing_enabled() {
            Span::current().record("keys", keys);
        }
    }

    /// The request's span.
    pub fn get(&self) -> &Span {
        self.span.get_or_init(|| {
            if cardmesh_telemetry::tracing_enabled() {
                return Span::current();
            }
            let trace_id = cardmesh_telemetry::random_trace_id();
            let workspace_id = self.workspace_id;
            match self.keys {
                Some(keys) => tracing::info_span!("plain_request", workspace_id, trace_id = %trace_id, keys),
                None => tracing::info_span!("plain_request", workspace_id, trace_id = %trace_id),
            }
        })
    }
}

/// Records the status on the span (for the trace) and counts the request.
#[derive(Clone)]
pub struct RecordResponse(Arc<GatewayMetrics>);

impl<B> OnResponse<B> for RecordResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        let status = response.status();
        if cardmesh_telemetry::tracing_enabled() {
            span.record("status", status.as_u16());
            if status.is_server_error() {
                span.record("otel.status_code", "ERROR");
            }
        }
        self.0.request(status, latency);
    }
}
