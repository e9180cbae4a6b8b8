//! A stand-in for Plain's GraphQL API on a real socket (127.0.0.1, port 0): it records every
//! request and answers `customerCardConfigs` and `reloadCustomerCardInstance` the way
//! Plain's schema says, with failures chosen by customer id:
//!
//! | `customerId` | answer |
//! | --- | --- |
//! | [`MUTATION_ERROR_CUSTOMER`] | `200` with a `MutationError` |
//! | [`HTTP_500_CUSTOMER`] | `500` with a GraphQL `errors` body |
//! | [`TIMEOUT_CUSTOMER`] | never answers |
//! | any other | `200`, `customerCardInstance` loading |
//!
//! `customerByExternalId` finds the customers given to [`PlainGraphQl::add_customer`] and
//! [`PlainGraphQl::add_customer_record`]; `customerByEmail` those given an email; `thread(threadId:)`
//! the threads given to [`PlainGraphQl::add_thread`], with their customer. A thread or
//! customer it does not know is `null`, as in Plain. A request without
//! `Authorization: Bearer <the key>` gets `401`.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The API key the stand-in accepts.
pub const PLAIN_API_KEY: &str = "plainApiKey_test_123";
/// A customer whose reloads Plain refuses with a `MutationError`.
pub const MUTATION_ERROR_CUSTOMER: &str = "c_mutation_error";
/// A customer whose reloads answer HTTP 500.
pub const HTTP_500_CUSTOMER: &str = "c_http_500";
/// A customer whose reloads never answer.
pub const TIMEOUT_CUSTOMER: &str = "c_timeout";

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The JSON body: `operationName`, `query`, `variables`.
    pub body: Value,
}

impl Recorded {
    pub fn operation(&self) -> &str {
        self.body["operationName"].as_str().unwrap_or_default()
    }

    pub fn query(&self) -> &str {
        self.body["query"].as_str().unwrap_or_default()
    }

    pub fn variables(&self) -> &Value {
        &self.body["variables"]
    }
}

#[derive(Clone)]
struct Shared {
    requests: Arc<Mutex<Vec<Recorded>>>,
    configs: Arc<Mutex<Vec<(String, String)>>>,
    /// Customers with their email and external id.
    records: Arc<Mutex<Vec<CustomerRecord>>>,
    threads: Arc<Mutex<Vec<ThreadRecord>>>,
    /// Operations answered with a GraphQL error of this `extensions.code`.
    failures: Arc<Mutex<Vec<(String, String)>>>,
    /// While true, reloads wait before answering.
    held: watch::Receiver<bool>,
}

/// The running stand-in.
pub struct PlainGraphQl {
    pub addr: std::net::SocketAddr,
    shared: Shared,
    hold: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl PlainGraphQl {
    /// Answers every later `operation` with a GraphQL error whose `extensions.code` is
    /// `code` (HTTP 200, as Plain answers a permission or validation error).
    pub fn fail(&self, operation: &str, code: &str) {
        self.shared.failures.lock().unwrap().push((operation.to_owned(), code.to_owned()));
    }

    /// Starts the stand-in with card configs `key → id`.
    pub async fn start(configs: &[(&str, &str)]) -> Self {
        Self::start_on("127.0.0.1:0", configs).await
    }

    /// The same on every interface, so that containers reach it through the host's bridge
    /// gateway: use [`PlainGraphQl::url_for_containers`].
    pub async fn start_for_containers(configs: &[(&str, &str)]) -> Self {
        Self::start_on("0.0.0.0:0", configs).await
    }

    async fn start_on(addr: &str, configs: &[(&str, &str)]) -> Self {
        let listener = TcpListener::bind(addr).await.expect("bind graphql");
        let addr = listener.local_addr().expect("addr");
        let (hold, held) = watch::channel(false);
        let shared = Shared {
            requests: Arc::default(),
            configs: Arc::new(Mutex::new(configs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())),
            records: Arc::default(),
            threads: Arc::default(),
            failures: Arc::default(),
            held,
        };
        let app = Router::new().route("/graphql/v1", post(answer)).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared, hold, task }
    }

    /// The endpoint, for `CARDMESH_PLAIN_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/graphql/v1", self.addr)
    }

    /// The endpoint as containers started with [`crate::containers::HOST_ALIAS`] reach it.
    pub fn url_for_containers(&self) -> String {
        format!("http://{}:{}/graphql/v1", crate::containers::HOST_ALIAS, self.addr.port())
    }

    /// Everything received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The `reloadCustomerCardInstance` requests received so far.
    pub fn reloads(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.operation() == "ReloadCustomerCardInstance").collect()
    }

    /// How many `customerCardConfigs` queries were received.
    pub fn config_queries(&self) -> usize {
        self.requests().iter().filter(|r| r.operation() == "CustomerCardConfigs").count()
    }

    /// Replaces the card configs (a card added or removed in Plain).
    pub fn set_configs(&self, configs: &[(&str, &str)]) {
        *self.shared.configs.lock().unwrap() =
            configs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    }

    /// Makes `customerByExternalId(external_id)` answer the customer `id` (a record without
    /// an email).
    pub fn add_customer(&self, external_id: &str, id: &str) {
        self.add_customer_record(id, None, Some(external_id));
    }

    /// A customer `id` with `email` and `external_id`, found by email and by external id.
    pub fn add_customer_record(&self, id: &str, email: Option<&str>, external_id: Option<&str>) {
        let record = CustomerRecord {
            id: id.into(),
            email: email.map(str::to_owned),
            external_id: external_id.map(str::to_owned),
        };
        self.shared.records.lock().unwrap().push(record);
    }

    /// A thread `id` (with `external_id`) of customer `customer_id` (given to
    /// [`Self::add_customer_record`]).
    pub fn add_thread(&self, id: &str, external_id: Option<&str>, customer_id: &str) {
        let thread = (id.to_owned(), external_id.map(str::to_owned), customer_id.to_owned());
        self.shared.threads.lock().unwrap().push(thread);
    }

    /// The requests of `operation` received so far.
    pub fn operations(&self, operation: &str) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.operation() == operation).collect()
    }

    /// Makes reloads wait until [`Self::release`].
    pub fn hold(&self) {
        self.hold.send_replace(true);
    }

    /// Lets held reloads answer.
    pub fn release(&self) {
        self.hold.send_replace(false);
    }
}

/// A thread of the stand-in: its id, external id and customer's id.
type ThreadRecord = (String, Option<String>, String);

/// A customer of the stand-in, as Plain's `Customer` shows it.
#[derive(Debug, Clone)]
struct CustomerRecord {
    id: String,
    email: Option<String>,
    external_id: Option<String>,
}

impl CustomerRecord {
    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "externalId": self.external_id,
            "email": { "email": self.email.clone().unwrap_or_default() },
        })
    }
}

impl Drop for PlainGraphQl {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let recorded = Recorded { authorization: header("authorization"), content_type: header("content-type"), body };
    shared.requests.lock().unwrap().push(recorded.clone());
    if recorded.authorization.as_deref() != Some(&format!("Bearer {PLAIN_API_KEY}")) {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "errors": [{ "message": "Authentication required" }] })));
    }
    let failure = shared.failures.lock().unwrap().iter().find(|(op, _)| op == recorded.operation()).cloned();
    if let Some((operation, code)) = failure {
        let error = json!({ "message": format!("{operation} refused"), "extensions": { "code": code } });
        return (StatusCode::OK, Json(json!({ "data": null, "errors": [error] })));
    }
    match recorded.operation() {
        "CustomerCardConfigs" => {
            let configs: Vec<Value> = shared
                .configs
                .lock()
                .unwrap()
                .iter()
                .map(|(key, id)| json!({ "id": id, "key": key, "isEnabled": true }))
                .collect();
            (StatusCode::OK, Json(json!({ "data": { "customerCardConfigs": configs } })))
        }
        "CustomerByExternalId" => {
            let wanted = recorded.variables()["externalId"].as_str().unwrap_or_default();
            let records = shared.records.lock().unwrap();
            let customer = records.iter().find(|r| r.external_id.as_deref() == Some(wanted)).map(CustomerRecord::json);
            (StatusCode::OK, Json(json!({ "data": { "customerByExternalId": customer } })))
        }
        "CustomerByEmail" => {
            let wanted = recorded.variables()["email"].as_str().unwrap_or_default();
            let records = shared.records.lock().unwrap();
            let customer = records.iter().find(|r| r.email.as_deref() == Some(wanted)).map(CustomerRecord::json);
            (StatusCode::OK, Json(json!({ "data": { "customerByEmail": customer } })))
        }
        "ThreadCustomer" => {
            let wanted = recorded.variables()["threadId"].as_str().unwrap_or_default();
            let threads = shared.threads.lock().unwrap();
            let records = shared.records.lock().unwrap();
            let thread = threads.iter().find(|(id, _, _)| id == wanted).and_then(|(id, external, customer)| {
                let customer = records.iter().find(|r| &r.id == customer)?;
                Some(json!({ "id": id, "externalId": external, "customer": customer.json() }))
            });
            (StatusCode::OK, Json(json!({ "data": { "thread": thread } })))
        }
        "ReloadCustomerCardInstance" => {
            let mut held = shared.held.clone();
            let _ = held.wait_for(|held| !held).await;
            match recorded.variables()["input"]["customerId"].as_str().unwrap_or_default() {
                MUTATION_ERROR_CUSTOMER => (
                    StatusCode::OK,
                    Json(json!({ "data": { "reloadCustomerCardInstance": {
                        "customerCardInstance": null,
                        "error": {
                            "message": "Customer not found", "type": "VALIDATION", "code": "input_validation",
                            "fields": [{ "field": "customerId", "message": "Customer not found", "type": "NOT_FOUND" }]
                        }
                    }}})),
                ),
                HTTP_500_CUSTOMER => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "errors": [{ "message": "Internal server error" }] })),
                ),
                TIMEOUT_CUSTOMER => std::future::pending().await,
                _ => (
                    StatusCode::OK,
                    Json(json!({ "data": { "reloadCustomerCardInstance": {
                        "customerCardInstance": { "__typename": "CustomerCardInstanceLoading" },
                        "error": null
                    }}})),
                ),
            }
        }
        other => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "errors": [{ "message": format!("unknown operation {other:?}") }] })),
        ),
    }
}
