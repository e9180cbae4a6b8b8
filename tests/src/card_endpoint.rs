//! An existing Plain-protocol card endpoint, on a real socket (127.0.0.1, port 0), that
//! answers the way card APIs in the wild do, for the http-bridge tests.
//!
//! | route | answer |
//! | --- | --- |
//! | `POST /cards` | checks `Plain-Request-Signature` over the raw body bytes (401 when wrong or missing), then `{"cards": [...]}` with the configured card of each requested key that has one (a key without one is left out) plus an extra card nobody asked for |
//! | `POST /status/{code}` | that status, with a JSON error body |
//! | `POST /slow` | a valid answer after [`CardEndpoint::SLOW`] |
//! | `POST /not-json` | 200 with an HTML page |
//! | `POST /huge` | 200 with a valid answer of 2 MiB |
//! | `POST /redirect` | 307 to `/cards` |
//!
//! Every request is recorded (path, headers, raw body, whether the signature matched).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The secret the endpoint verifies signatures with.
pub const ENDPOINT_SECRET: &str = "endpoint-signing-secret";

/// One request the endpoint received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Whether `Plain-Request-Signature` was the HMAC of `body` with [`ENDPOINT_SECRET`].
    pub signed_ok: bool,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }

    /// A header as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    /// Key → card JSON (without `key`) answered on `/cards`.
    cards: Mutex<HashMap<String, Value>>,
    received: Mutex<Vec<Received>>,
}

/// The running endpoint.
pub struct CardEndpoint {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl CardEndpoint {
    /// How long `/slow` takes to answer.
    pub const SLOW: Duration = Duration::from_secs(3);

    /// Starts the endpoint on 127.0.0.1:0, answering `cards` (key → card without `key`).
    pub async fn start(cards: impl IntoIterator<Item = (&'static str, Value)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the card endpoint");
        let shared = Arc::new(Shared::default());
        shared.cards.lock().unwrap().extend(cards.into_iter().map(|(k, v)| (k.to_owned(), v)));
        let mut endpoint = Self { addr: listener.local_addr().expect("addr"), shared, shutdown: None, task: None };
        endpoint.serve(listener);
        endpoint
    }

    fn serve(&mut self, listener: TcpListener) {
        let router = Router::new()
            .route("/cards", post(cards))
            .route("/status/{code}", post(status))
            .route("/slow", post(slow))
            .route("/not-json", post(not_json))
            .route("/huge", post(huge))
            .route("/redirect", post(redirect))
            .with_state(Arc::clone(&self.shared));
        let (tx, rx) = oneshot::channel::<()>();
        self.shutdown = Some(tx);
        self.task = Some(tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        }));
    }

    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Replaces the card answered for `key`.
    pub fn set_card(&self, key: &str, card: Value) {
        self.shared.cards.lock().unwrap().insert(key.to_owned(), card);
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Stops listening: from now on connections are refused.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for CardEndpoint {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

fn record(shared: &Shared, path: &str, headers: &HeaderMap, body: &Bytes) -> bool {
    let expected = cardmesh_gateway::verify::sign(ENDPOINT_SECRET, body);
    let signed_ok = headers.get("plain-request-signature").is_some_and(|v| v.as_bytes() == expected.as_bytes());
    shared.received.lock().unwrap().push(Received {
        path: path.to_owned(),
        headers: headers.clone(),
        body: body.clone(),
        signed_ok,
    });
    signed_ok
}

/// The answer for the keys of `body`: each configured card, plus an extra one.
fn answer_for(shared: &Shared, body: &Bytes) -> Value {
    let request: Value = serde_json::from_slice(body).unwrap_or_default();
    let known = shared.cards.lock().unwrap();
    let mut cards: Vec<Value> = request["cardKeys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|key| {
            let mut card = known.get(key)?.clone();
            card["key"] = Value::from(key);
            Some(card)
        })
        .collect();
    cards.push(json!({ "key": "not-requested", "components": [{ "componentText": { "text": "extra" } }] }));
    json!({ "cards": cards })
}

async fn cards(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !record(&shared, "/cards", &headers, &body) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": "invalid signature" }))).into_response();
    }
    axum::Json(answer_for(&shared, &body)).into_response()
}

async fn status(State(shared): State<Arc<Shared>>, Path(code): Path<u16>, headers: HeaderMap, body: Bytes) -> Response {
    record(&shared, &format!("/status/{code}"), &headers, &body);
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(json!({ "error": "something went wrong" }))).into_response()
}

async fn slow(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    record(&shared, "/slow", &headers, &body);
    // The endpoint under test is slow; the test itself waits on conditions, not on this.
    tokio::time::sleep(CardEndpoint::SLOW).await;
    axum::Json(answer_for(&shared, &body)).into_response()
}

async fn not_json(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    record(&shared, "/not-json", &headers, &body);
    ([("content-type", "text/html")], "<html><body>502 Bad Gateway</body></html>").into_response()
}

async fn huge(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    record(&shared, "/huge", &headers, &body);
    let mut answer = answer_for(&shared, &body);
    answer["padding"] = Value::from("x".repeat(2 * 1024 * 1024));
    axum::Json(answer).into_response()
}

async fn redirect(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    record(&shared, "/redirect", &headers, &body);
    (StatusCode::TEMPORARY_REDIRECT, [("location", "/cards")], "").into_response()
}
