//! With tracing off, the `plain_request` span is made only when a request logs or calls a
//! card service: every line such a request logs carries one `trace_id`, and an answer
//! straight from the cache makes no span at all.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cardmesh_gateway::config::Secret;
use cardmesh_tests::capture::CapturedLogs;
use cardmesh_tests::providers::InvalidCards;
use cardmesh_tests::*;
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Counts the `plain_request` spans made.
#[derive(Clone, Default)]
struct RequestSpans(Arc<AtomicUsize>);

impl RequestSpans {
    fn made(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl<S: tracing::Subscriber> Layer<S> for RequestSpans {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "plain_request" {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The trace ids of the lines containing `message`, in order.
fn trace_ids(logs: &str, message: &str) -> Vec<String> {
    logs.lines()
        .filter(|line| line.contains(message))
        .map(|line| {
            assert!(line.contains("plain_request{workspace_id=\"w_test\""), "not inside the request's span: {line}");
            let (_, rest) = line.split_once("trace_id=").unwrap_or_else(|| panic!("no trace_id: {line}"));
            let id: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
            assert_eq!(id.len(), 32, "{line}");
            id
        })
        .collect()
}

#[tokio::test]
async fn log_lines_of_a_request_share_its_trace_id_and_cache_hits_make_no_span() {
    // The global subscriber sees every thread's spans: only this test's, in its own process.
    if !own_process::in_own_process(
        module_path!(),
        "log_lines_of_a_request_share_its_trace_id_and_cache_hits_make_no_span",
    ) {
        return;
    }
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    let spans = RequestSpans::default();
    tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("info"))
        .with(tracing_subscriber::fmt::layer().with_writer(move || writer.clone()).with_ansi(false))
        .with(spans.clone())
        .init();

    const AUTH: &str = "Bearer request-span-test";
    let accounts = RunningService::start(accounts_service::AccountsCards::embedded()).await;
    let invalid = RunningService::start(InvalidCards).await;
    let mut config = gateway_config(&[accounts.endpoint(), invalid.endpoint()]);
    config.required_headers.insert("Authorization".into(), Secret::new(AUTH));
    let client = reqwest::Client::builder()
        .default_headers([(reqwest::header::AUTHORIZATION, AUTH.parse().unwrap())].into_iter().collect())
        .build()
        .unwrap();
    let gw = RunningGateway::start_with_client(config, client).await;
    gw.wait_ready().await;

    // Two cards fail in one request: both lines carry its one trace id, and the key count.
    let body = body_for(&["customer-details", "bad-url", "reported-error"], Some("cus_demo_1"), "ada@example.com");
    assert_eq!(gw.post_signed(&body).await.status, 200);
    let failed = trace_ids(&captured.text(), "serving fallback card");
    assert_eq!(failed.len(), 2, "{}", captured.text());
    assert_eq!(failed[0], failed[1], "one request, one trace id");
    assert!(captured.text().lines().filter(|l| l.contains("serving fallback card")).all(|l| l.contains("keys=3")));

    // All from the cache: nothing logged, no span made.
    gw.flush_cache().await;
    let before = spans.made();
    let hit = gw.post_signed(&body_for(&["customer-details"], Some("cus_demo_1"), "ada@example.com")).await;
    assert_eq!((hit.status, hit.cache_count("hits")), (200, 1));
    assert_eq!(spans.made(), before, "an answer from the cache makes no request span");

    // Refusals, by the handler (bad signature) and before the body is read (a missing
    // required header), are logged inside their own request's span.
    assert_eq!(gw.post(&body, Some("wrong-secret")).await.status, 401);
    let unauthorized = reqwest::Client::new()
        .post(gw.url("/"))
        .header("content-type", "application/json")
        .header("plain-workspace-id", "w_test")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), 401);
    let refused = trace_ids(&captured.text(), "request refused");
    assert_eq!(refused.len(), 2, "{}", captured.text());
    assert!(refused[0] != refused[1] && !refused.contains(&failed[0]), "each request has its own trace id");
}
