//! A card service with actions, written against the raw gRPC contract (not a kit), on a real
//! socket: it counts every `RunAction` call and keeps each request, so a test can tell how
//! often an action really ran.
//!
//! | action | outcome | `changes_cards` |
//! | --- | --- | --- |
//! | [`EXTEND_TRIAL`] | succeeded, `Trial extended by <days> days` (`days` of the body) | `subscription` |
//! | [`REFUSE`] | refused, `no trial to extend` | `subscription` |
//! | [`REFUSE_BY_STATUS`] | gRPC `FAILED_PRECONDITION`, `no trial to extend` | `subscription` |
//! | [`FAIL_ONCE`] | failed (`billing is down`) on the first call, succeeded after | `subscription` |
//! | [`LEGACY`] | gRPC `UNIMPLEMENTED`, as a service built before actions | none |
//! | [`HELD`] | succeeded, once [`ActionService::release`] is called | none |
//!
//! Its card `subscription` shows how many times `extend-trial` ran:
//! `Trial extended N times`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cardmesh_gateway::config::{Config, Secret};
use cardmesh_proto as proto;
use cardmesh_proto::card_service_server::{CardService, CardServiceServer};
use cardmesh_proto::run_action_response::Outcome;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::plain_graphql::{PlainGraphQl, PLAIN_API_KEY};
use crate::{gateway_config, RunningGateway, RunningService};

pub const EXTEND_TRIAL: &str = "extend-trial";
pub const REFUSE: &str = "refuse-me";
pub const REFUSE_BY_STATUS: &str = "refuse-by-status";
pub const FAIL_ONCE: &str = "fail-once";
pub const LEGACY: &str = "legacy";
pub const HELD: &str = "held";
/// The card the actions change.
pub const CARD: &str = "subscription";

#[derive(Default)]
struct State {
    calls: Mutex<Vec<proto::RunActionRequest>>,
    /// The `traceparent` metadata of each call (empty when absent).
    traceparents: Mutex<Vec<String>>,
    extended: AtomicUsize,
    failed_once: AtomicUsize,
}

#[derive(Clone)]
struct Service {
    state: Arc<State>,
    held: watch::Receiver<bool>,
}

/// The running service.
pub struct ActionService {
    pub endpoint: String,
    state: Arc<State>,
    hold: watch::Sender<bool>,
    running: RunningService,
}

impl ActionService {
    /// Serves on 127.0.0.1:0; [`HELD`] waits until [`Self::release`].
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let state = Arc::new(State::default());
        let (hold, held) = watch::channel(true);
        let service = Service { state: state.clone(), held };
        let running = RunningService::start_with(listener, |listener, shutdown| async move {
            tonic::transport::Server::builder()
                .add_service(CardServiceServer::new(service))
                .serve_with_incoming_shutdown(tokio_stream::wrappers::TcpListenerStream::new(listener), shutdown)
                .await
                .map_err(anyhow::Error::from)
        });
        Self { endpoint: running.endpoint(), state, hold, running }
    }

    /// Every `RunAction` request received, in order.
    pub fn calls(&self) -> Vec<proto::RunActionRequest> {
        self.state.calls.lock().unwrap().clone()
    }

    /// The `traceparent` of each `RunAction` call, in order (empty when absent).
    pub fn traceparents(&self) -> Vec<String> {
        self.state.traceparents.lock().unwrap().clone()
    }

    /// How many `RunAction` calls named `action`.
    pub fn calls_of(&self, action: &str) -> usize {
        self.calls().iter().filter(|c| c.action == action).count()
    }

    /// Lets [`HELD`] answer.
    pub fn release(&self) {
        self.hold.send_replace(false);
    }

    /// Stops serving: the endpoint refuses connections afterwards.
    pub async fn stop(&mut self) {
        self.running.stop().await;
    }
}

fn action(name: &str, description: &str, changes: &[&str]) -> proto::ActionDefinition {
    proto::ActionDefinition {
        name: name.into(),
        description: description.into(),
        changes_cards: changes.iter().map(|c| (*c).to_owned()).collect(),
    }
}

#[tonic::async_trait]
impl CardService for Service {
    async fn describe(
        &self,
        _: tonic::Request<proto::DescribeRequest>,
    ) -> Result<tonic::Response<proto::DescribeResponse>, tonic::Status> {
        Ok(tonic::Response::new(proto::DescribeResponse {
            service_name: "actions".into(),
            cards: vec![proto::CardDefinition {
                key: CARD.into(),
                title: "Subscription".into(),
                default_ttl_seconds: 300,
                scope: proto::CardScope::Customer as i32,
            }],
            actions: vec![
                action(EXTEND_TRIAL, "Extends the trial", &[CARD]),
                action(REFUSE, "Always refused", &[CARD]),
                action(REFUSE_BY_STATUS, "Always refused with a gRPC status", &[CARD]),
                action(FAIL_ONCE, "Fails, then succeeds", &[CARD]),
                action(LEGACY, "Not implemented", &[]),
                action(HELD, "Waits for the test", &[]),
            ],
        }))
    }

    async fn get_cards(
        &self,
        request: tonic::Request<proto::GetCardsRequest>,
    ) -> Result<tonic::Response<proto::GetCardsResponse>, tonic::Status> {
        let text = format!("Trial extended {} times", self.state.extended.load(Ordering::SeqCst));
        let results = request
            .into_inner()
            .card_keys
            .into_iter()
            .map(|key| proto::CardResult {
                key,
                time_to_live_seconds: None,
                outcome: Some(proto::card_result::Outcome::Components(proto::CardComponents {
                    components: vec![proto::Component {
                        component: Some(proto::component::Component::Text(proto::Text {
                            text: text.clone(),
                            ..Default::default()
                        })),
                    }],
                })),
            })
            .collect();
        Ok(tonic::Response::new(proto::GetCardsResponse { results }))
    }

    async fn run_action(
        &self,
        request: tonic::Request<proto::RunActionRequest>,
    ) -> Result<tonic::Response<proto::RunActionResponse>, tonic::Status> {
        let traceparent = request.metadata().get("traceparent").and_then(|v| v.to_str().ok()).unwrap_or_default();
        self.state.traceparents.lock().unwrap().push(traceparent.to_owned());
        let request = request.into_inner();
        self.state.calls.lock().unwrap().push(request.clone());
        let outcome = match request.action.as_str() {
            EXTEND_TRIAL => {
                self.state.extended.fetch_add(1, Ordering::SeqCst);
                let body: serde_json::Value = serde_json::from_str(&request.body_json).unwrap_or_default();
                let days = body["days"].as_u64().unwrap_or(0);
                Outcome::Succeeded(proto::ActionSucceeded { message: format!("Trial extended by {days} days") })
            }
            REFUSE => Outcome::Refused(proto::ActionRefused { reason: "no trial to extend".into() }),
            REFUSE_BY_STATUS => return Err(tonic::Status::failed_precondition("no trial to extend")),
            FAIL_ONCE if self.state.failed_once.fetch_add(1, Ordering::SeqCst) == 0 => {
                Outcome::Failed(proto::ActionFailed { reason: "billing is down".into() })
            }
            FAIL_ONCE => Outcome::Succeeded(proto::ActionSucceeded { message: "done at last".into() }),
            HELD => {
                let mut held = self.held.clone();
                let _ = held.wait_for(|held| !held).await;
                Outcome::Succeeded(proto::ActionSucceeded { message: "released".into() })
            }
            _ => return Err(tonic::Status::unimplemented("this service runs no actions")),
        };
        Ok(tonic::Response::new(proto::RunActionResponse { outcome: Some(outcome) }))
    }
}

/// Plain's customer of the action tests, as the stand-in for Plain's API knows her: by
/// thread, by email and by external id.
pub const CUSTOMER: &str = "c_ada";
pub const EMAIL: &str = "ada@example.com";
pub const EXTERNAL_ID: &str = "cus_ada";
pub const THREAD: &str = "th_ada";
/// The card config id of [`CARD`] in the stand-in.
pub const CONFIG_ID: &str = "ccc_sub";

/// A gateway in front of one [`ActionService`], with Plain's API on: the stand-in, which
/// knows the customer [`CUSTOMER`] and her thread [`THREAD`].
pub struct ActionStack {
    pub service: ActionService,
    pub plain: PlainGraphQl,
    pub gw: RunningGateway,
}

impl ActionStack {
    /// Starts the three, with `adjust` applied last to the gateway's config.
    pub async fn start(adjust: impl FnOnce(&mut Config)) -> Self {
        let service = ActionService::start().await;
        let plain = PlainGraphQl::start(&[(CARD, CONFIG_ID)]).await;
        plain.add_customer_record(CUSTOMER, Some(EMAIL), Some(EXTERNAL_ID));
        plain.add_thread(THREAD, None, CUSTOMER);
        let mut config = gateway_config(std::slice::from_ref(&service.endpoint));
        config.plain_api.api_key = Some(Secret::new(PLAIN_API_KEY));
        config.plain_api.api_url = plain.url();
        adjust(&mut config);
        let gw = RunningGateway::start_ready(config).await;
        Self { service, plain, gw }
    }
}

/// The guide that documents the workflow's request (relative to the repository root).
pub const GUIDE: &str = "docs/src/guides/card-actions.md";

/// The line above the guide's one workflow-body block.
const BODY_MARKER: &str = "<!-- workflow-body";

/// The body of the Send HTTP request step as the guide writes it, `{{ }}` variables and all:
/// the ```` ```json ```` block after the `<!-- workflow-body` comment.
pub fn workflow_template() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent");
    let guide = std::fs::read_to_string(root.join(GUIDE)).unwrap_or_else(|e| panic!("{GUIDE}: {e}"));
    let (_, after) = guide.split_once(BODY_MARKER).unwrap_or_else(|| panic!("{GUIDE} has no {BODY_MARKER}"));
    let (_, block) = after.split_once("```json\n").unwrap_or_else(|| panic!("no ```json block after the marker"));
    let (block, _) = block.split_once("\n```").expect("the block ends");
    format!("{block}\n")
}

/// The guide's workflow body with Plain's template variables filled in, as Plain sends it:
/// each `{{ name }}` replaced by its value in `variables` (a variable not given is empty).
pub fn render_workflow_body(template: &str, variables: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").map(|e| start + e).expect("a closed variable");
        let name = rest[start + 2..end].trim();
        out.push_str(variables.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The guide's body for a click in `thread_id` by the customer with `email`, in workspace
/// `w_test` (the test gateways' workspace).
pub fn workflow_body(thread_id: &str, email: &str) -> String {
    render_workflow_body(
        &workflow_template(),
        &[("thread.id", thread_id), ("customer.email", email), ("workspace.id", "w_test")],
    )
}

/// An answer of `POST /actions/{name}`.
#[derive(Debug)]
pub struct ActionAnswer {
    pub status: u16,
    pub json: serde_json::Value,
    /// `Cardmesh-Action-Replay: true` was set.
    pub replayed: bool,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
}

impl ActionAnswer {
    /// Reads the answer (its body must be JSON).
    pub async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let replayed = header("cardmesh-action-replay").as_deref() == Some("true");
        let retry_after = header("retry-after");
        let text = response.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status} is not JSON ({e}): {text}"));
        Self { status, json, replayed, retry_after }
    }

    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {}", self.json))
    }
}

/// POSTs `body` to `url` (`…/actions/<name>`) as Plain's workflow step does: JSON, from
/// workspace `w_test`, signed with `secret` (unsigned with `None`).
pub async fn post_action(client: &reqwest::Client, url: &str, body: &str, secret: Option<&str>) -> ActionAnswer {
    let request = crate::plain::signed_post(client, url, body, secret, Some("w_test"));
    ActionAnswer::from(request.send().await.expect("the request reaches the gateway")).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_in_and_the_rest_is_kept_byte_for_byte() {
        let template = "{\n  \"threadId\": \"{{ thread.id }}\",\n  \"x\": \"{{thread.title}}\",\n  \"days\": 14\n}\n";
        assert_eq!(
            render_workflow_body(template, &[("thread.id", "th_1")]),
            "{\n  \"threadId\": \"th_1\",\n  \"x\": \"\",\n  \"days\": 14\n}\n"
        );
        let body = workflow_body("th_1", "ada@example.com");
        let json: serde_json::Value = serde_json::from_str(&body).expect("the guide's body is JSON once filled in");
        assert_eq!(json["threadId"], "th_1");
        assert_eq!(json["customerEmail"], "ada@example.com");
        assert_eq!(json["workspaceId"], "w_test");
    }
}
