//! The span of one `GetCards` or `RunAction` call: a child of the gateway's span when the
//! gateway sent its trace context (`traceparent`), with the caller's `trace_id` for every log
//! line of the call either way.

use std::sync::Arc;
use std::time::Duration;

use tower_http::classify::GrpcFailureClass;
use tower_http::trace::MakeSpan;
use tracing::field::Empty;
use tracing::Span;

/// The traced paths: health checks and `Describe` would flood the traces.
const GET_CARDS_PATH: &str = "/cardmesh.v1.CardService/GetCards";
const RUN_ACTION_PATH: &str = "/cardmesh.v1.CardService/RunAction";

/// Makes the `card_service_request` span of a `GetCards` call, and the `card_service_action`
/// span of a `RunAction` call (with the `action` name once the server read it). While
/// tracing is off, the
/// span only serves the call's log lines, so it carries only what they show (`service` and
/// `trace_id`): every other field would be formatted on every call and never shown.
#[derive(Clone)]
pub(crate) struct ServerSpan {
    pub service: Arc<str>,
}

impl<B> MakeSpan<B> for ServerSpan {
    fn make_span(&mut self, request: &http::Request<B>) -> Span {
        let path = request.uri().path();
        if path == RUN_ACTION_PATH {
            return self.action_span(request.headers());
        }
        if path != GET_CARDS_PATH {
            return Span::none();
        }
        if !cardmesh_telemetry::tracing_enabled() {
            let trace_id = cardmesh_telemetry::caller_trace_id(request.headers());
            return tracing::info_span!("card_service_request", service = %self.service, trace_id = %trace_id);
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

impl ServerSpan {
    /// The span of a `RunAction` call.
    fn action_span(&self, headers: &http::HeaderMap) -> Span {
        if !cardmesh_telemetry::tracing_enabled() {
            let trace_id = cardmesh_telemetry::caller_trace_id(headers);
            return tracing::info_span!("card_service_action", service = %self.service, trace_id = %trace_id);
        }
        let span = tracing::info_span!(
            "card_service_action",
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.method = "cardmesh.v1.CardService/RunAction",
            service = %self.service,
            action = Empty,
            rpc.grpc.status_code = Empty,
            otel.status_code = Empty,
            trace_id = Empty,
        );
        cardmesh_telemetry::adopt_trace(&span, headers);
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

#[cfg(test)]
mod tests {
    use cardmesh_telemetry::CapturedLogs;

    use super::*;

    /// What one log line inside the span made for `request` prints, with tracing off.
    fn logged_in_span(request: &http::Request<()>) -> String {
        assert!(!cardmesh_telemetry::tracing_enabled(), "no exporter in unit tests");
        let logs = CapturedLogs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = ServerSpan { service: "billing".into() }.make_span(request);
            span.in_scope(|| tracing::info!("inside the call"));
        });
        logs.text()
    }

    #[test]
    fn with_tracing_off_the_span_carries_only_what_log_lines_show() {
        let request = http::Request::post(GET_CARDS_PATH).body(()).expect("request");
        let text = logged_in_span(&request);
        let fields = text.split_once("card_service_request{").map(|(_, rest)| rest).expect(&text);
        let fields = fields.split_once('}').map(|(fields, _)| fields).expect(&text);
        let (service, trace_id) = fields.split_once(' ').expect(&text);
        assert_eq!(service, "service=billing", "{text}");
        let id = trace_id.strip_prefix("trace_id=").expect(&text);
        assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
        let health = http::Request::post("/grpc.health.v1.Health/Check").body(()).expect("request");
        assert!(!logged_in_span(&health).contains("card_service_request"));
    }

    #[test]
    fn with_tracing_off_the_span_has_the_callers_trace_id() {
        let request = http::Request::post(GET_CARDS_PATH)
            .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            .body(())
            .expect("request");
        let text = logged_in_span(&request);
        let expected = "card_service_request{service=billing trace_id=4bf92f3577b34da6a3ce929d0e0e4736}";
        assert!(text.contains(expected), "{text}");
    }

    #[test]
    fn a_run_action_call_has_its_own_span_with_the_callers_trace_id() {
        let request = http::Request::post(RUN_ACTION_PATH)
            .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            .body(())
            .expect("request");
        let text = logged_in_span(&request);
        let expected = "card_service_action{service=billing trace_id=4bf92f3577b34da6a3ce929d0e0e4736}";
        assert!(text.contains(expected), "{text}");
    }
}
