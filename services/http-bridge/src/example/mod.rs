//! A small card endpoint speaking Plain's protocol, serving cards from fixture JSON: the
//! "existing card API" the bridge stands in front of in `docker-compose.yml` and the
//! end-to-end tests. It behaves like a careful one: it checks `Plain-Request-Signature`
//! over the raw body bytes (when it has a secret), answers every requested key (with
//! `components: null` when it has nothing) and refuses what is not a Plain request.
//!
//! Fixture: `{"customers": [{"externalId": "...", "cards": {"<key>": {"timeToLiveSeconds"?,
//! "components"}}}]}`; a customer is found by `externalId`, then by Plain's customer `id`.

mod fixture;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use crate::endpoint::request::{sign, SIGNATURE_HEADER};
pub use fixture::{Fixture, EMBEDDED_FIXTURE};

/// Listen address variable (default `0.0.0.0:8080`).
pub const LISTEN_ENV: &str = "CARDMESH_EXAMPLE_ENDPOINT_LISTEN";
/// The signing secret it requires (unset: unsigned requests are accepted).
pub const SECRET_ENV: &str = "CARDMESH_EXAMPLE_ENDPOINT_SECRET";
/// Default listen address.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";

/// The endpoint's state: the fixture's cards and the secret, if any.
pub struct ExampleEndpoint {
    cards: HashMap<String, HashMap<String, Value>>,
    secret: Option<String>,
}

impl ExampleEndpoint {
    /// An endpoint serving `fixture`, requiring signatures made with `secret` when set.
    pub fn new(fixture: Fixture, secret: Option<String>) -> Self {
        Self { cards: fixture.by_customer(), secret }
    }

    /// The router: `POST /` (cards), `GET /healthz`.
    pub fn router(self) -> Router {
        let state = Arc::new(self);
        Router::new().route("/", post(answer)).route("/healthz", get(|| async { "ok" })).with_state(state)
    }
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "code": code, "message": message } }))).into_response()
}

async fn answer(
    axum::extract::State(state): axum::extract::State<Arc<ExampleEndpoint>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(secret) = &state.secret {
        let given = headers.get(SIGNATURE_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
        let expected = sign(secret, &body);
        if !bool::from(given.ct_eq(expected.as_bytes())) {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "bad_signature",
                "Plain-Request-Signature does not match the body",
            );
        }
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "invalid_json", "the body is not JSON");
    };
    let Some(keys) = request["cardKeys"].as_array() else {
        return refuse(StatusCode::BAD_REQUEST, "invalid_request", "cardKeys must be an array of card keys");
    };
    let customer = &request["customer"];
    let found = [&customer["externalId"], &customer["id"]]
        .into_iter()
        .filter_map(Value::as_str)
        .find_map(|id| state.cards.get(id));
    let cards: Vec<Value> = keys
        .iter()
        .filter_map(Value::as_str)
        .map(|key| {
            let mut card =
                found.and_then(|cards| cards.get(key)).cloned().unwrap_or_else(|| json!({ "components": null }));
            card["key"] = Value::from(key);
            card
        })
        .collect();
    Json(json!({ "cards": cards })).into_response()
}
