//! Actions over a real socket: Describe announces them, RunAction runs them with the
//! gateway's context and trace, and a bad declaration stops the service before it serves.

use std::sync::{Arc, Mutex};

use cardmesh_kit::proto::card_service_client::CardServiceClient;
use cardmesh_kit::proto::{self, run_action_response::Outcome};
use cardmesh_kit::{serve_on, ActionContext, ActionOutcome, ActionSpec, Card, CardContext, CardProvider, CardSpec};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Records the context of every action it runs.
#[derive(Clone, Default)]
struct Billing {
    seen: Arc<Mutex<Vec<ActionContext>>>,
}

#[tonic::async_trait]
impl CardProvider for Billing {
    fn name(&self) -> &str {
        "billing"
    }
    fn cards(&self) -> Vec<CardSpec> {
        vec![CardSpec::new("subscription-status", "Subscription")]
    }
    fn actions(&self) -> Vec<ActionSpec> {
        vec![ActionSpec::new("extend-trial", "Extends the trial by 14 days").changes(["subscription-status"])]
    }
    async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
        Card::NoData
    }
    async fn action(&self, _name: &str, ctx: &ActionContext) -> ActionOutcome {
        self.seen.lock().expect("lock").push(ctx.clone());
        if ctx.preview {
            return ActionOutcome::succeeded("Preview: the trial would be extended");
        }
        ActionOutcome::succeeded(format!("Trial extended by {} days", ctx.body["days"]))
    }
}

async fn start(provider: Billing) -> (CardServiceClient<tonic::transport::Channel>, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(serve_on(provider, listener, async move {
        let _ = stopped.await;
    }));
    let client = CardServiceClient::connect(format!("http://{addr}")).await.expect("connect");
    (client, stop)
}

fn run_request(action: &str) -> proto::RunActionRequest {
    proto::RunActionRequest {
        action: action.into(),
        workspace_id: "w_1".into(),
        customer: Some(proto::Customer {
            id: "c_1".into(),
            email: Some("ada@example.com".into()),
            external_id: Some("cus_1".into()),
        }),
        thread: Some(proto::Thread { id: "th_1".into(), external_id: None }),
        body_json: r#"{"days":14}"#.into(),
        idempotency_key: "idem_1".into(),
        preview: false,
    }
}

#[tokio::test]
async fn describe_announces_the_actions() {
    let (mut client, stop) = start(Billing::default()).await;
    let described = client.describe(proto::DescribeRequest {}).await.expect("describe").into_inner();
    assert_eq!(
        described.actions,
        vec![proto::ActionDefinition {
            name: "extend-trial".into(),
            description: "Extends the trial by 14 days".into(),
            changes_cards: vec!["subscription-status".into()],
        }]
    );
    let _ = stop.send(());
}

#[tokio::test]
async fn run_action_gets_the_gateways_context_and_trace() {
    let provider = Billing::default();
    let (mut client, stop) = start(provider.clone()).await;
    let mut request = tonic::Request::new(run_request("extend-trial"));
    request.metadata_mut().insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().expect("metadata value"),
    );
    let response = client.run_action(request).await.expect("run_action").into_inner();
    assert_eq!(
        response.outcome,
        Some(Outcome::Succeeded(proto::ActionSucceeded { message: "Trial extended by 14 days".into() }))
    );

    let mut preview = run_request("extend-trial");
    preview.preview = true;
    let response = client.run_action(preview).await.expect("run_action").into_inner();
    assert!(matches!(response.outcome, Some(Outcome::Succeeded(m)) if m.message.starts_with("Preview")));

    let seen = provider.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    let ctx = &seen[0];
    assert_eq!((ctx.action.as_str(), ctx.workspace_id.as_str()), ("extend-trial", "w_1"));
    assert_eq!(ctx.customer.external_id.as_deref(), Some("cus_1"));
    assert_eq!(ctx.thread.as_ref().map(|t| t.id.as_str()), Some("th_1"));
    assert_eq!(ctx.body_json, r#"{"days":14}"#);
    assert_eq!(ctx.idempotency_key, "idem_1");
    assert_eq!(ctx.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert!(!ctx.preview && seen[1].preview);
    let _ = stop.send(());
}

#[tokio::test]
async fn an_undeclared_action_or_a_bad_request_is_refused_without_running() {
    let provider = Billing::default();
    let (mut client, stop) = start(provider.clone()).await;
    let status = client.run_action(run_request("refund")).await.expect_err("undeclared");
    assert_eq!(status.code(), tonic::Code::NotFound);
    let mut no_customer = run_request("extend-trial");
    no_customer.customer = None;
    let status = client.run_action(no_customer).await.expect_err("no customer");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().contains("customer"), "{status:?}");
    assert!(provider.seen.lock().expect("lock").is_empty(), "nothing ran");
    let _ = stop.send(());
}

#[tokio::test]
async fn an_invalid_action_name_fails_before_serving() {
    struct Bad;
    #[tonic::async_trait]
    impl CardProvider for Bad {
        fn name(&self) -> &str {
            "bad"
        }
        fn cards(&self) -> Vec<CardSpec> {
            vec![CardSpec::new("ok", "Ok")]
        }
        fn actions(&self) -> Vec<ActionSpec> {
            vec![ActionSpec::new("Extend Trial", "Bad name")]
        }
        async fn card(&self, _key: &str, _ctx: &CardContext) -> Card {
            Card::NoData
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let error = serve_on(Bad, listener, std::future::pending()).await.expect_err("rejected");
    let text = format!("{error:#}");
    assert!(text.contains("\"Extend Trial\"") && text.contains("[a-z0-9][a-z0-9-]*"), "{text}");
}
