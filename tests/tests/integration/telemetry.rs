//! One Plain request is one trace across processes: the gateway (in this process, with the
//! gateway's telemetry installed) and the billing service (a process of its own, started
//! through the kit's `serve` with the standard `OTEL_*` variables) export their spans to an
//! OTLP receiver inside the test. The service's span must be a child of the gateway's call
//! span, in the request's trace, and the log lines of both name that trace.

use std::sync::Arc;
use std::time::Duration;

use cardmesh_telemetry::{LogFormat, TelemetryEnv};
use cardmesh_tests::capture::CapturedLogs;
use cardmesh_tests::otlp::{OtlpReceiver, ReceivedSpan};
use cardmesh_tests::process::ServiceProcess;
use cardmesh_tests::providers::InvalidCards;
use cardmesh_tests::*;
use serde_json::Value;
use tracing_subscriber::fmt::writer::BoxMakeWriter;

/// The span named `name` exported by `service` whose attributes include `attrs`.
fn find<'a>(spans: &'a [ReceivedSpan], service: &str, name: &str, attrs: &[(&str, &str)]) -> Option<&'a ReceivedSpan> {
    spans.iter().find(|s| s.service == service && s.name == name && attrs.iter().all(|(k, v)| s.attr(k) == *v))
}

/// The `trace_id` of a JSON log line: a field of one of its spans.
fn trace_id_of(line: &Value) -> Option<&str> {
    line["spans"].as_array()?.iter().find_map(|span| span["trace_id"].as_str())
}

/// The JSON log lines of `text` whose message is `message`.
fn lines_with(text: &str, message: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == message)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_plain_request_is_one_trace_across_gateway_and_service() {
    // The gateway's telemetry is process-wide: the global subscriber, the tracer and the
    // gateway's tracing switch.
    if !own_process::in_own_process(module_path!(), "one_plain_request_is_one_trace_across_gateway_and_service") {
        return;
    }
    let receiver = OtlpReceiver::start().await;

    // This process is the gateway: its telemetry, JSON logs captured, spans to the receiver.
    let logs = CapturedLogs::default();
    let env = TelemetryEnv {
        log_format: LogFormat::Json,
        log_filter: Some("info".into()),
        otlp_endpoint: Some(receiver.endpoint()),
        disabled: false,
    };
    let writer = logs.clone();
    let telemetry = cardmesh_telemetry::init_with_writer(
        &env,
        cardmesh_gateway::telemetry::SERVICE_NAME,
        BoxMakeWriter::new(move || writer.clone()),
        false,
    )
    .expect("telemetry installs");
    let telemetry = Arc::new(telemetry);
    assert!(telemetry.tracing());

    // The billing service, in its own process with its own tracer.
    let log_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("telemetry-{}", std::process::id()));
    let billing = ServiceProcess::start(
        env!("CARGO_BIN_EXE_cardmesh-test-billing"),
        "billing",
        &log_dir,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
            ("OTEL_SERVICE_NAME", "billing-test".into()),
            ("OTEL_BSP_SCHEDULE_DELAY", "50".into()),
            ("CARDMESH_LOG_FORMAT", "json".into()),
            ("RUST_LOG", "info,cardmesh_kit=debug".into()),
        ],
    );
    // A service whose card breaks Plain's rules, for a fallback card (and its log line).
    let invalid = RunningService::start(InvalidCards).await;
    let gw = RunningGateway::start_ready(gateway_config(&[billing.endpoint(), invalid.endpoint()])).await;
    // The gateway names services by their configured endpoints.
    let (billing_name, invalid_name) = (gw.service_name(&billing.endpoint()), gw.service_name(&invalid.endpoint()));

    let answer = gw.post_signed(&demo_body(&["subscription-status", "bad-url"])).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(!is_fallback(answer.card("subscription-status")), "{}", answer.json);
    assert!(is_fallback(answer.card("bad-url")), "{}", answer.json);

    // Wait until both processes have exported the request's spans (the draw ends just
    // after the answer, so the gateway is flushed until its last spans are in).
    let gateway = cardmesh_gateway::telemetry::SERVICE_NAME;
    wait_until("the spans of the request from both processes", Duration::from_secs(20), || {
        let telemetry = telemetry.clone();
        let spans = receiver.spans();
        let (billing_name, invalid_name) = (billing_name.clone(), invalid_name.clone());
        async move {
            let _ = tokio::task::spawn_blocking(move || telemetry.force_flush()).await;
            find(&spans, "billing-test", "card_service_request", &[]).is_some()
                && find(&spans, gateway, "plain_request", &[]).is_some()
                && find(&spans, gateway, "render_cards", &[("service", &invalid_name)]).is_some()
                && find(&spans, gateway, "render_cards", &[("service", &billing_name)]).is_some()
        }
    })
    .await;
    let spans = receiver.spans();
    let dump = || spans.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join("\n");

    // The request span: workspace, keys, status, and its trace id as a field.
    let request = find(&spans, gateway, "plain_request", &[]).expect("plain_request");
    assert_eq!(request.parent_span_id, "", "the request span is the root: {request:?}");
    assert_eq!(
        (request.attr("workspace_id"), request.attr("keys"), request.attr("status")),
        ("w_test", "2", "200"),
        "{request:?}"
    );
    assert_eq!(request.attr("trace_id"), request.trace_id);
    assert_eq!((request.attr("cache_hits"), request.attr("cache_misses")), ("0", "2"), "{request:?}");
    let trace = &request.trace_id;
    for name in ["verify_signature", "cache_lookup", "draw_cards", "card_service_call", "render_cards"] {
        let span = find(&spans, gateway, name, &[]).unwrap_or_else(|| panic!("no {name} span:\n{}", dump()));
        assert_eq!(&span.trace_id, trace, "{name} is in the request's trace");
    }
    let lookup = find(&spans, gateway, "cache_lookup", &[]).expect("cache_lookup");
    assert_eq!((lookup.attr("hits"), lookup.attr("misses")), ("0", "2"), "{lookup:?}");

    // The gateway's call to billing: a client span under the request span.
    let call = find(&spans, gateway, "card_service_call", &[("service", &billing_name)])
        .unwrap_or_else(|| panic!("no call to billing:\n{}", dump()));
    assert_eq!(
        (call.attr("keys"), call.attr("outcome"), call.attr("rpc.grpc.status_code")),
        ("1", "ok", "0"),
        "{call:?}"
    );
    let mut ancestor = call;
    while ancestor.span_id != request.span_id {
        ancestor =
            spans.iter().find(|s| s.service == gateway && s.span_id == ancestor.parent_span_id).unwrap_or_else(|| {
                panic!("the call span's ancestors end before the request span at {ancestor:?}:\n{}", dump())
            });
    }

    // The service's span: same trace, child of the gateway's call span.
    let served = find(&spans, "billing-test", "card_service_request", &[]).expect("billing's span");
    assert_eq!(&served.trace_id, trace, "the service's span is in the request's trace: {served:?}");
    assert_eq!(served.parent_span_id, call.span_id, "the service's span is a child of the call span: {served:?}");
    assert_eq!((served.attr("keys"), served.attr("service")), ("1", "billing"), "{served:?}");

    // The invalid card: rendered under its own call, one failure.
    let invalid_render = find(&spans, gateway, "render_cards", &[("service", &invalid_name)]).expect("render_cards");
    assert_eq!(invalid_render.attr("failed"), "1", "{invalid_render:?}");

    // Every log line of the request, in both processes, names the trace.
    let gateway_logs = logs.text();
    let fallback = lines_with(&gateway_logs, "serving fallback card");
    assert_eq!(fallback.len(), 1, "{gateway_logs}");
    assert_eq!(trace_id_of(&fallback[0]), Some(trace.as_str()), "{}", fallback[0]);
    let answered = lines_with(&billing.stdout(), "answered GetCards");
    assert_eq!(answered.len(), 1, "{}", billing.output());
    assert_eq!(trace_id_of(&answered[0]), Some(trace.as_str()), "{}", answered[0]);

    drop(billing);
    let _ = std::fs::remove_dir_all(&log_dir);
}
