//! The span of one `GetCards` call: a child of the gateway's `card_service_call` span when
//! the gateway sent its trace context (`traceparent`), with the caller's `trace_id` for
//! every log line of the call either way.

use std::sync::Arc;
use std::time::Duration;

use tower_http::classify::GrpcFailureClass;
use tower_http::trace::MakeSpan;
use tracing::field::Empty;
use tracing::Span;

/// The only traced path: health checks and `Describe` would flood the traces.
const GET_CARDS_PATH: &str = "/cardmesh.v1.CardService/GetCards";

/// Makes the `card_service_request` span of a `GetCards` call.
#[derive(Clone)]
pub(crate) struct ServerSpan {
    pub service: Arc<str>,
}

impl<B> MakeSpan<B> for ServerSpan {
    fn make_span(&mut self, request: &http::Request<B>) -> Span {
        if request.uri().path() != GET_CARDS_PATH {
            return Span::none();
        }
        let span = tracing::info_span!(
            "card_service_request",
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.method = "cardmesh.v1.CardService/GetCards",
            service = %self.service,
            keys = Empty,
            rpc.grpc.status_code = Empty,
            otel.status_code = Empty,
            trace_id = Empty,
        );
        cardmesh_telemetry::adopt_trace(&span, request.headers());
        span
    }
}

/// Records a failed call's gRPC code on its span.
pub(crate) fn record_failure(class: GrpcFailureClass, _latency: Duration, span: &Span) {
    if let GrpcFailureClass::Code(code) = class {
        span.record("rpc.grpc.status_code", code.get());
    }
    span.record("otel.status_code", "ERROR");
}
