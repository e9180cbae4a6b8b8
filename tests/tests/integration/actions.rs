//! Card actions, `POST /actions/{name}`, end to end in this process: real sockets, a gateway, a
//! card service with actions on real gRPC ([`ActionService`], which counts its calls), and
//! the stand-in for Plain's GraphQL API. Every request sends the guide's workflow body
//! (`docs/src/guides/card-actions.md`) with the variables filled in.

use std::time::Duration;

use cardmesh_gateway::config::{Config, Secret};
use cardmesh_telemetry::{LogFormat, TelemetryEnv};
use cardmesh_tests::action_service::*;
use cardmesh_tests::capture::CapturedLogs;
use cardmesh_tests::otlp::OtlpReceiver;
use cardmesh_tests::plain_graphql::PlainGraphQl;
use cardmesh_tests::store::Store;
use cardmesh_tests::*;

/// Long enough for a busy machine; the assertions wait on conditions, not on it.
const DEADLINE: Duration = Duration::from_secs(10);

/// A gateway in front of one [`ActionService`], with Plain's API (the stand-in) on.
struct Setup {
    service: ActionService,
    plain: PlainGraphQl,
    gw: RunningGateway,
    _store: Store,
}

impl Setup {
    async fn start(store: Store) -> Self {
        Self::start_with(store, |_| {}).await
    }

    async fn start_with(store: Store, adjust: impl FnOnce(&mut Config)) -> Self {
        let ActionStack { service, plain, gw } = ActionStack::start(|config| {
            config.cache.redis_url = store.redis_url().map(Secret::new);
            config.actions.deadline = Duration::from_secs(5);
            adjust(config);
        })
        .await;
        Self { service, plain, gw, _store: store }
    }

    async fn post(&self, action: &str, body: &str) -> ActionAnswer {
        post_action(self.gw.client(), &self.gw.url(&format!("/actions/{action}")), body, Some(SECRET)).await
    }

    /// Delivers `body` to the `HELD` action in the background, and returns once the service
    /// holds the call: the delivery's answer comes when the test lets the service go.
    async fn held_delivery(&self, body: &str) -> tokio::task::JoinHandle<ActionAnswer> {
        let (client, url, body) = (self.gw.client().clone(), self.gw.url(&format!("/actions/{HELD}")), body.to_owned());
        let first = tokio::spawn(async move { post_action(&client, &url, &body, Some(SECRET)).await });
        let service = &self.service;
        wait_until("the first delivery reached the service", DEADLINE, || async { service.calls_of(HELD) == 1 }).await;
        first
    }

    /// The subscription card as Plain's next card request gets it.
    async fn card_text(&self) -> String {
        let body = PlainBody::new(&[CARD]).customer(CUSTOMER, EMAIL, Some(EXTERNAL_ID)).thread(Some(THREAD)).build();
        let answer = self.gw.post_signed(&body).await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        answer.card(CARD)["components"][0]["componentText"]["text"].as_str().expect("text").to_owned()
    }

    /// Waits until Plain's stand-in has been asked to reload the card for the customer.
    async fn wait_for_reloads(&self, count: usize) {
        let plain = &self.plain;
        wait_until(
            "Plain asked to reload the action's card",
            DEADLINE,
            || async move { plain.reloads().len() >= count },
        )
        .await;
        for reload in self.plain.reloads() {
            let input = &reload.variables()["input"];
            assert_eq!(input["customerId"], CUSTOMER, "{input}");
            assert_eq!(input["customerCardConfigId"], CONFIG_ID, "{input}");
            assert_eq!(input["threadId"], THREAD, "{input}");
        }
    }

    fn metric(&self, series: &str) -> f64 {
        self.gw.metric_line(series)
    }
}

#[tokio::test]
async fn a_signed_workflow_post_runs_the_action_and_plain_reloads_the_card_with_the_new_state() {
    let setup = Setup::start(Store::Memory).await;
    // Plain drew the card before the click; the gateway keeps a copy.
    assert_eq!(setup.card_text().await, "Trial extended 0 times");
    assert_eq!(setup.card_text().await, "Trial extended 0 times", "the cached copy");

    let body = workflow_body(THREAD, EMAIL);
    let answer = setup.post(EXTEND_TRIAL, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(
        answer.json,
        serde_json::json!({
            "action": EXTEND_TRIAL, "outcome": "succeeded", "message": "Trial extended by 14 days", "replayed": false
        })
    );
    assert!(!answer.replayed);

    // The service got the customer Plain knows for the thread, the thread, and the body as sent.
    let calls = setup.service.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.action, EXTEND_TRIAL);
    assert_eq!(call.workspace_id, "w_test");
    let customer = call.customer.as_ref().expect("a customer");
    assert_eq!((customer.id.as_str(), customer.email.as_deref()), (CUSTOMER, Some(EMAIL)));
    assert_eq!(customer.external_id.as_deref(), Some(EXTERNAL_ID));
    assert_eq!(call.thread.as_ref().map(|t| t.id.as_str()), Some(THREAD));
    assert_eq!(call.body_json, body, "the body exactly as Plain sent it");
    assert_eq!(call.idempotency_key.len(), 64);
    assert!(!call.preview);
    assert_eq!(setup.plain.operations("ThreadCustomer").len(), 1, "found by the thread");

    // Plain is asked to reload the card the action changes, in the thread, for the customer...
    setup.wait_for_reloads(1).await;
    // ...and its next request gets the new state, not the cached copy.
    assert_eq!(setup.card_text().await, "Trial extended 1 times");
    assert_eq!(setup.metric("cardmesh_actions_total{action=\"extend-trial\",outcome=\"succeeded\"}"), 1.0);
    let reloaded = "cardmesh_action_reload_seconds_count";
    wait_until("the time to the reload is measured", DEADLINE, || async { setup.metric(reloaded) >= 1.0 }).await;
}

both_stores!(the_same_delivery_twice_runs_once: same_delivery_twice_runs_once_in_memory, same_delivery_twice_runs_once_in_redis);

async fn the_same_delivery_twice_runs_once(store: Store) {
    let setup = Setup::start(store).await;
    let body = workflow_body(THREAD, EMAIL);
    let first = setup.post(EXTEND_TRIAL, &body).await;
    assert_eq!((first.status, first.replayed), (200, false), "{}", first.json);
    // Plain delivers the same request again (its retry): the first outcome, marked, not run.
    let again = setup.post(EXTEND_TRIAL, &body).await;
    assert_eq!((again.status, again.replayed), (200, true), "{}", again.json);
    assert_eq!(again.json["message"], first.json["message"]);
    assert_eq!(again.json["replayed"], true);
    assert_eq!(setup.service.calls_of(EXTEND_TRIAL), 1, "ran once");
    assert_eq!(setup.metric("cardmesh_action_duplicates_total{action=\"extend-trial\"}"), 1.0);
    // Another delivery (another thread's click) is another run.
    let other = workflow_body("th_other", EMAIL);
    assert_eq!(setup.post(EXTEND_TRIAL, &other).await.status, 200);
    assert_eq!(setup.service.calls_of(EXTEND_TRIAL), 2);
}

/// Two gateways sharing one Redis: Plain's retry reaching the other replica still runs once.
#[cfg(feature = "redis")]
#[tokio::test]
async fn a_retry_that_reaches_another_replica_does_not_run_the_action_again() {
    let setup = Setup::start(Store::redis().await).await;
    // The same config: the same Redis, services and Plain.
    let other = RunningGateway::start_ready(setup.gw.gateway.config().clone()).await;
    let body = workflow_body(THREAD, EMAIL);
    assert_eq!(setup.post(EXTEND_TRIAL, &body).await.status, 200);
    let url = other.url(&format!("/actions/{EXTEND_TRIAL}"));
    let again = post_action(other.client(), &url, &body, Some(SECRET)).await;
    assert_eq!((again.status, again.replayed), (200, true), "{}", again.json);
    assert_eq!(setup.service.calls_of(EXTEND_TRIAL), 1);
}

#[tokio::test]
async fn a_delivery_that_is_still_running_is_503_with_retry_after_and_the_retry_gets_its_outcome() {
    let setup = Setup::start(Store::Memory).await;
    let body = workflow_body(THREAD, EMAIL);
    let first = setup.held_delivery(&body).await;
    let during = setup.post(HELD, &body).await;
    assert_eq!((during.status, during.code()), (503, "action_in_progress"), "{}", during.json);
    assert_eq!(during.retry_after.as_deref(), Some("18"), "Retry-After: the running marker's TTL");
    setup.service.release();
    assert_eq!(first.await.expect("first").status, 200);
    let after = setup.post(HELD, &body).await;
    assert_eq!((after.status, after.replayed), (200, true), "{}", after.json);
    assert_eq!(setup.service.calls_of(HELD), 1);
}

#[tokio::test]
async fn an_unknown_action_is_404_and_the_answer_names_no_action() {
    let setup = Setup::start(Store::Memory).await;
    let answer = setup.post("delete-everything", &workflow_body(THREAD, EMAIL)).await;
    assert_eq!((answer.status, answer.code()), (404, "unknown_action"), "{}", answer.json);
    assert!(!answer.json.to_string().contains(EXTEND_TRIAL), "{}", answer.json);
    assert!(setup.service.calls().is_empty());
    assert!(setup.plain.requests().is_empty(), "no customer looked up for an unknown action");
}

#[tokio::test]
async fn an_unknown_customer_is_404_and_nothing_runs() {
    let setup = Setup::start(Store::Memory).await;
    let body = workflow_body("th_nobody", "nobody@example.com");
    for _ in 0..2 {
        let answer = setup.post(EXTEND_TRIAL, &body).await;
        assert_eq!((answer.status, answer.code()), (404, "customer_not_found"), "{}", answer.json);
    }
    assert!(setup.service.calls().is_empty());
    // Both lookups were made: the first did not leave a marker behind.
    assert_eq!(setup.plain.operations("ThreadCustomer").len(), 2);
    assert_eq!(setup.plain.operations("CustomerByEmail").len(), 2);
}

#[tokio::test]
async fn without_a_thread_the_customer_is_found_by_email() {
    let setup = Setup::start(Store::Memory).await;
    let answer = setup.post(EXTEND_TRIAL, &workflow_body("", EMAIL)).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let calls = setup.service.calls();
    assert_eq!(calls[0].customer.as_ref().map(|c| c.id.as_str()), Some(CUSTOMER));
    assert_eq!(calls[0].thread, None);
    assert!(setup.plain.operations("ThreadCustomer").is_empty());
    assert_eq!(setup.plain.operations("CustomerByEmail").len(), 1);
}

#[tokio::test]
async fn a_refused_action_is_422_kept_for_retries_and_its_card_is_reloaded() {
    let setup = Setup::start(Store::Memory).await;
    let body = workflow_body(THREAD, EMAIL);
    let answer = setup.post(REFUSE, &body).await;
    assert_eq!((answer.status, answer.code()), (422, "action_refused"), "{}", answer.json);
    assert_eq!(answer.json["error"]["reason"], "no trial to extend");
    assert_eq!(answer.json["error"]["replayed"], false);
    // The card shows the refusal at its next draw: Plain is asked to reload it.
    setup.wait_for_reloads(1).await;
    let again = setup.post(REFUSE, &body).await;
    assert_eq!((again.status, again.code(), again.replayed), (422, "action_refused", true), "{}", again.json);
    assert_eq!(setup.service.calls_of(REFUSE), 1);
    assert_eq!(setup.metric("cardmesh_actions_total{action=\"refuse-me\",outcome=\"refused\"}"), 1.0);
}

/// `FAILED_PRECONDITION` (or `INVALID_ARGUMENT`) is the service's refusal as a gRPC status:
/// the same outcome as `ActionRefused`, kept and followed by the reload.
#[tokio::test]
async fn a_refusal_by_grpc_status_is_kept_and_its_card_reloaded_like_action_refused() {
    let setup = Setup::start(Store::Memory).await;
    let body = workflow_body(THREAD, EMAIL);
    let answer = setup.post(REFUSE_BY_STATUS, &body).await;
    assert_eq!((answer.status, answer.code()), (422, "action_refused"), "{}", answer.json);
    assert_eq!(answer.json["error"]["reason"], "no trial to extend");
    setup.wait_for_reloads(1).await;
    let again = setup.post(REFUSE_BY_STATUS, &body).await;
    assert_eq!((again.status, again.code(), again.replayed), (422, "action_refused", true), "{}", again.json);
    assert_eq!(setup.service.calls_of(REFUSE_BY_STATUS), 1);
}

#[tokio::test]
async fn a_failed_action_is_503_and_plains_retry_runs_it_again() {
    let setup = Setup::start(Store::Memory).await;
    let body = workflow_body(THREAD, EMAIL);
    let failed = setup.post(FAIL_ONCE, &body).await;
    assert_eq!((failed.status, failed.code()), (503, "action_failed"), "{}", failed.json);
    assert_eq!(failed.json["error"]["reason"], "billing is down");
    let retried = setup.post(FAIL_ONCE, &body).await;
    assert_eq!((retried.status, retried.replayed), (200, false), "{}", retried.json);
    assert_eq!(retried.json["message"], "done at last");
    let replayed = setup.post(FAIL_ONCE, &body).await;
    assert_eq!((replayed.status, replayed.replayed), (200, true));
    assert_eq!(setup.service.calls_of(FAIL_ONCE), 2, "the failure, then the retry; not the replay");
}

#[tokio::test]
async fn a_service_that_is_down_is_503_and_nothing_is_reloaded() {
    let mut setup = Setup::start(Store::Memory).await;
    setup.service.stop().await;
    let body = workflow_body(THREAD, EMAIL);
    let answer = setup.post(EXTEND_TRIAL, &body).await;
    assert_eq!((answer.status, answer.code()), (503, "action_service_unavailable"), "{}", answer.json);
    assert!(!answer.json.to_string().contains("127.0.0.1"), "no endpoint in the answer: {}", answer.json);
    assert_eq!(setup.metric("cardmesh_actions_total{action=\"extend-trial\",outcome=\"unavailable\"}"), 1.0);
    assert!(setup.plain.reloads().is_empty(), "nothing to reload");
}

#[tokio::test]
async fn a_service_without_run_action_is_422_not_retried() {
    let setup = Setup::start(Store::Memory).await;
    let answer = setup.post(LEGACY, &workflow_body(THREAD, EMAIL)).await;
    assert_eq!((answer.status, answer.code()), (422, "action_not_implemented"), "{}", answer.json);
    assert_eq!(setup.service.calls_of(LEGACY), 1);
}

#[tokio::test]
async fn a_body_that_names_no_customer_or_another_workspace_is_400() {
    let setup = Setup::start(Store::Memory).await;
    let answer = setup.post(EXTEND_TRIAL, &workflow_body("", "")).await;
    assert_eq!((answer.status, answer.code()), (400, "missing_customer"), "{}", answer.json);
    let other = workflow_body(THREAD, EMAIL).replace("\"w_test\"", "\"w_other\"");
    let answer = setup.post(EXTEND_TRIAL, &other).await;
    assert_eq!((answer.status, answer.code()), (400, "workspace_mismatch"), "{}", answer.json);
    let answer = setup.post(EXTEND_TRIAL, r#"{"threadId": 7}"#).await;
    assert_eq!((answer.status, answer.code()), (400, "invalid_action_body"), "{}", answer.json);
    assert_eq!(answer.json["error"]["field"], "threadId");
    assert!(setup.service.calls().is_empty());
}

/// The log says how the customer was found, never the email it was found by.
#[tokio::test]
async fn the_log_names_how_the_customer_matched_never_the_email() {
    if !own_process::in_own_process(module_path!(), "the_log_names_how_the_customer_matched_never_the_email") {
        return;
    }
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("info,h2=warn,hyper=warn,tower=warn,tonic=warn")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let setup = Setup::start(Store::Memory).await;
    assert_eq!(setup.post(EXTEND_TRIAL, &workflow_body(THREAD, EMAIL)).await.status, 200);
    assert_eq!(setup.post(EXTEND_TRIAL, &workflow_body("", EMAIL)).await.status, 200);
    assert_eq!(setup.post("nope", &workflow_body(THREAD, EMAIL)).await.status, 404);
    // Both reloads asked (one in the thread, one without), so the background's lines are in.
    let plain = &setup.plain;
    wait_until("both reloads asked", DEADLINE, || async { plain.reloads().len() >= 2 }).await;
    let logs = captured.text();
    assert!(logs.contains("matched_by=\"thread_id\""), "{logs}");
    assert!(logs.contains("matched_by=\"email\""), "{logs}");
    // The unknown action's line lists the names the gateway knows.
    let unknown = logs.lines().find(|l| l.contains("no card service declares this action")).expect("logged");
    assert!(unknown.contains(EXTEND_TRIAL), "{unknown}");
    assert!(!logs.contains(EMAIL), "an email in the logs:\n{logs}");
}

/// One trace from Plain's POST through the `RunAction` call (whose `traceparent` the service
/// receives) to the reload of the action's cards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_is_one_trace_from_plains_post_through_the_service_call_to_the_reload() {
    let test = "an_action_is_one_trace_from_plains_post_through_the_service_call_to_the_reload";
    if !own_process::in_own_process(module_path!(), test) {
        return;
    }
    let receiver = OtlpReceiver::start().await;
    let env = TelemetryEnv {
        log_format: LogFormat::Json,
        log_filter: Some("info".into()),
        otlp_endpoint: Some(receiver.endpoint()),
        disabled: false,
    };
    let writer = CapturedLogs::default();
    let telemetry = cardmesh_telemetry::init_with_writer(
        &env,
        cardmesh_gateway::telemetry::SERVICE_NAME,
        tracing_subscriber::fmt::writer::BoxMakeWriter::new(move || writer.clone()),
        false,
    )
    .expect("telemetry installs");
    let telemetry = std::sync::Arc::new(telemetry);
    let setup = Setup::start(Store::Memory).await;
    assert_eq!(setup.post(EXTEND_TRIAL, &workflow_body(THREAD, EMAIL)).await.status, 200);
    setup.wait_for_reloads(1).await;

    let gateway = cardmesh_gateway::telemetry::SERVICE_NAME;
    let find = |spans: &[cardmesh_tests::otlp::ReceivedSpan], name: &str| {
        spans.iter().find(|s| s.service == gateway && s.name == name).cloned()
    };
    wait_until("the action's spans are exported", DEADLINE, || {
        let telemetry = telemetry.clone();
        let spans = receiver.spans();
        async move {
            let _ = tokio::task::spawn_blocking(move || telemetry.force_flush()).await;
            ["plain_action", "action_service_call", "action_reload"].iter().all(|n| find(&spans, n).is_some())
        }
    })
    .await;
    let spans = receiver.spans();
    let action = find(&spans, "plain_action").expect("plain_action");
    assert_eq!(action.parent_span_id, "", "the request's span is the root: {action:?}");
    assert_eq!((action.attr("action"), action.attr("matched_by")), (EXTEND_TRIAL, "thread_id"), "{action:?}");
    assert_eq!(action.attr("outcome"), "succeeded", "{action:?}");
    let call = find(&spans, "action_service_call").expect("action_service_call");
    let reload = find(&spans, "action_reload").expect("action_reload");
    for span in [&call, &reload] {
        assert_eq!(span.trace_id, action.trace_id, "in the request's trace: {span:?}");
        assert_eq!(span.parent_span_id, action.span_id, "a child of the request's span: {span:?}");
    }
    // The service got the call span as its parent, as GetCards does.
    let traceparents = setup.service.traceparents();
    assert_eq!(traceparents.len(), 1);
    assert_eq!(traceparents[0], format!("00-{}-{}-01", action.trace_id, call.span_id));
}

#[tokio::test]
async fn when_plains_api_does_not_answer_the_lookup_is_503_and_nothing_runs() {
    let setup = Setup::start_with(Store::Memory, |c| {
        c.plain_api.api_url = format!("http://127.0.0.1:{}/graphql/v1", closed_port());
    })
    .await;
    let body = workflow_body(THREAD, EMAIL);
    for _ in 0..2 {
        let answer = setup.post(EXTEND_TRIAL, &body).await;
        assert_eq!((answer.status, answer.code()), (503, "customer_lookup_failed"), "{}", answer.json);
    }
    assert!(setup.service.calls().is_empty());
}

/// Redis holds the ledger; when it does not answer, the gateway cannot tell a retry from a
/// first delivery, so it runs nothing and asks Plain to retry.
#[tokio::test]
async fn when_the_ledgers_redis_does_not_answer_nothing_runs_and_plain_retries() {
    let setup = Setup::start_with(Store::Memory, |c| {
        c.cache.redis_url = Some(Secret::new(format!("redis://127.0.0.1:{}", closed_port())));
    })
    .await;
    let answer = setup.post(EXTEND_TRIAL, &workflow_body(THREAD, EMAIL)).await;
    assert_eq!((answer.status, answer.code()), (503, "idempotency_unavailable"), "{}", answer.json);
    assert!(setup.service.calls().is_empty());
    assert!(setup.plain.requests().is_empty(), "no lookup before the ledger answered");
}

#[tokio::test]
async fn without_plains_api_the_service_gets_the_body_email_and_a_thread_alone_is_refused() {
    let setup = Setup::start_with(Store::Memory, |c| c.plain_api.api_key = None).await;
    let answer = setup.post(EXTEND_TRIAL, &workflow_body(THREAD, EMAIL)).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let calls = setup.service.calls();
    let customer = calls[0].customer.as_ref().expect("a customer");
    assert_eq!((customer.id.as_str(), customer.email.as_deref()), ("", Some(EMAIL)), "no Plain id to give");
    assert_eq!(calls[0].thread.as_ref().map(|t| t.id.as_str()), Some(THREAD));
    let answer = setup.post(EXTEND_TRIAL, &workflow_body(THREAD, "")).await;
    assert_eq!((answer.status, answer.code()), (400, "customer_needs_plain_api"), "{}", answer.json);
    assert_eq!(setup.service.calls().len(), 1);
    assert!(setup.plain.requests().is_empty());
}

/// The ledger's records live in the cache's Redis, under the cache's namespace, with the
/// idempotency window as their TTL.
#[cfg(feature = "redis")]
#[tokio::test]
async fn the_ledger_keeps_one_record_per_delivery_under_the_caches_namespace() {
    let setup = Setup::start_with(Store::redis().await, |c| c.cache.namespace = Some("staging".into())).await;
    assert_eq!(setup.post(EXTEND_TRIAL, &workflow_body(THREAD, EMAIL)).await.status, 200);
    let Store::Redis(redis) = &setup._store else { unreachable!("a Redis store") };
    let keys = redis.cli(&["--scan", "--pattern", "*action*"]).await;
    let keys: Vec<&str> = keys.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with("staging:cardmesh:v3:action:w_test:"), "{keys:?}");
    let record = redis.cli(&["GET", keys[0]]).await;
    assert!(record.contains("\"outcome\":\"succeeded\""), "{record}");
    assert!(!record.contains(EMAIL), "{record}");
    let ttl: u64 = redis.cli(&["TTL", keys[0]]).await.trim().parse().expect("a TTL");
    assert!(ttl > 3600 && ttl <= 86_400, "the idempotency window: {ttl}");
}

/// Plain gives up (its 15 s) and closes the connection while the service runs the action:
/// the gateway still keeps the outcome, so Plain's retry gets it and the action ran once.
#[tokio::test]
async fn a_connection_closed_mid_action_still_keeps_its_outcome_for_the_retry() {
    let setup = Setup::start(Store::Memory).await;
    let body = workflow_body(THREAD, EMAIL);
    let first = setup.held_delivery(&body).await;
    // The client drops the request: its connection closes with the call in flight.
    first.abort();
    assert!(first.await.expect_err("aborted").is_cancelled());
    setup.service.release();
    let retry = wait_until("Plain's retry gets an outcome rather than 503 in progress", DEADLINE, || async {
        let answer = setup.post(HELD, &body).await;
        (answer.status != 503).then_some(answer)
    })
    .await;
    assert_eq!((retry.status, retry.replayed), (200, true), "{}", retry.json);
    assert_eq!(setup.service.calls_of(HELD), 1, "the action ran once");
}

/// A request that outlived its running marker neither replaces nor drops what another
/// request put under the delivery's key in Redis since.
#[cfg(feature = "redis")]
#[tokio::test]
async fn in_redis_a_stale_request_leaves_another_requests_marker_alone() {
    use cardmesh_gateway::actions::{Begin, Record};
    let setup = Setup::start(Store::redis().await).await;
    let Store::Redis(redis) = &setup._store else { unreachable!("a Redis store") };
    let ledger = setup.gw.gateway.actions().ledger();
    let Begin::Started(stale) = ledger.begin("w_test", "digest").await.expect("Redis answers") else {
        panic!("the first request starts")
    };
    let keys = redis.cli(&["--scan", "--pattern", "*action*"]).await;
    let key = keys.lines().find(|l| !l.is_empty()).expect("the marker's key").to_owned();
    // The marker expired and another request's marker took its place.
    redis.cli(&["SET", &key, "running:another:1", "PX", "60000"]).await;
    let record = Record::Succeeded { message: "late".into() };
    assert!(!ledger.finish(stale.clone(), &record).await.expect("Redis answers"), "not kept");
    assert_eq!(redis.cli(&["GET", &key]).await.trim(), "running:another:1");
    ledger.abandon(stale.clone()).await.expect("Redis answers");
    assert_eq!(redis.cli(&["GET", &key]).await.trim(), "running:another:1", "not dropped");
    // Once the key is empty (the other request abandoned), the late outcome is kept.
    redis.cli(&["DEL", &key]).await;
    assert!(ledger.finish(stale, &record).await.expect("Redis answers"));
    assert!(redis.cli(&["GET", &key]).await.contains("\"outcome\":\"succeeded\""));
}

/// Plain's API refuses the thread lookup (the machine user may not read threads): the email
/// still finds the customer. Refusing the email lookup too is final: 422, nothing runs.
#[tokio::test]
async fn a_refused_thread_lookup_falls_back_to_the_email_and_a_refused_lookup_is_422() {
    let setup = Setup::start(Store::Memory).await;
    setup.plain.fail("ThreadCustomer", "FORBIDDEN");
    let answer = setup.post(EXTEND_TRIAL, &workflow_body(THREAD, EMAIL)).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(setup.service.calls()[0].customer.as_ref().map(|c| c.id.as_str()), Some(CUSTOMER));
    assert_eq!(setup.plain.operations("CustomerByEmail").len(), 1, "found by the email");
    let thread = setup.service.calls()[0].thread.clone().map(|t| t.id);
    assert_eq!(thread.as_deref(), Some(THREAD), "the workflow's thread id, as sent");

    setup.plain.fail("CustomerByEmail", "FORBIDDEN");
    let refused = setup.post(EXTEND_TRIAL, &workflow_body("th_other", EMAIL)).await;
    assert_eq!((refused.status, refused.code()), (422, "customer_lookup_refused"), "{}", refused.json);
    assert_eq!(setup.service.calls_of(EXTEND_TRIAL), 1, "nothing more ran");
}

/// Without `Plain-Workspace-Id` (one global secret), the signed body's `workspaceId` is the
/// workspace: the action runs for it, and the changed card is dropped from the cache where
/// Plain's card requests (which carry the header) keep it. With neither, the card is dropped
/// in every workspace.
#[tokio::test]
async fn without_the_workspace_header_the_bodys_workspace_id_is_the_workspace() {
    let setup = Setup::start(Store::Memory).await;
    let url = setup.gw.url(&format!("/actions/{EXTEND_TRIAL}"));
    let headerless = |body: String| {
        let request = cardmesh_tests::plain::signed_post(setup.gw.client(), &url, &body, Some(SECRET), None);
        async move { ActionAnswer::from(request.send().await.expect("the request reaches the gateway")).await }
    };
    assert_eq!(setup.card_text().await, "Trial extended 0 times", "cached under w_test");
    let answer = headerless(workflow_body(THREAD, EMAIL)).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(setup.service.calls()[0].workspace_id, "w_test");
    setup.wait_for_reloads(1).await;
    assert_eq!(setup.card_text().await, "Trial extended 1 times", "the cached copy was dropped");

    let template = workflow_template().replace("{{ workspace.id }}", "");
    let no_workspace = render_workflow_body(&template, &[("thread.id", THREAD), ("customer.email", EMAIL)]);
    let answer = headerless(no_workspace.replace("\"days\": 14", "\"days\": 7")).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(setup.service.calls()[1].workspace_id, "");
    setup.wait_for_reloads(2).await;
    assert_eq!(setup.card_text().await, "Trial extended 2 times", "dropped in every workspace");
}
