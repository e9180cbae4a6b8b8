//! A client that behaves like Plain towards a card endpoint, for end-to-end tests of what
//! agents are shown.
//!
//! What it models, from Plain's customer-card documentation:
//! - it keeps one instance per customer, card key and thread, for the `timeToLiveSeconds`
//!   it was given (or [`PlainSim::config_ttl`], the card config's default, when absent);
//! - a view sends only the keys whose instance is missing or expired;
//! - after a 5xx, a 429 or a timeout it retries once, after [`PlainSim::retry_delay`] (1 s);
//! - a missing key, a 4xx or a second failure is an integration error, kept for 5 minutes
//!   ([`PlainSim::integration_errors`]: a test asserts the gateway never causes one);
//! - [`PlainSim::reload`] is an agent pressing reload on one card: only that card is asked
//!   for; [`PlainSim::discard`] is `reloadCustomerCardInstance` dropping an instance.
//!
//! It talks HTTP to one or more gateways (round-robin, or pinned), signs like Plain
//! ([`crate::signed_post`]), and records every card it shows an agent ([`Shown`]) with when,
//! so a test can check the age of what agents saw. Time is real (Unix milliseconds): the
//! gateways' cache keeps wall-clock TTLs in Redis.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use crate::providers::unix_ms;
use crate::PlainBody;

/// How long Plain keeps an integration error.
pub const INTEGRATION_ERROR_TTL: Duration = Duration::from_secs(300);

/// Who Plain asks for: the customer, thread and tenant of an agent's view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Context {
    pub customer_id: String,
    pub email: String,
    pub thread_id: Option<String>,
    pub tenant_id: Option<String>,
}

impl Context {
    /// Customer `customer_id` (email `<id>@example.com`) in thread `thread_id`, no tenant.
    pub fn new(customer_id: &str, thread_id: &str) -> Self {
        Self {
            customer_id: customer_id.to_owned(),
            email: format!("{customer_id}@example.com"),
            thread_id: Some(thread_id.to_owned()),
            tenant_id: None,
        }
    }

    /// The same customer in another thread.
    pub fn in_thread(&self, thread_id: &str) -> Self {
        Self { thread_id: Some(thread_id.to_owned()), ..self.clone() }
    }
}

/// One card instance Plain keeps.
#[derive(Debug, Clone)]
struct Instance {
    card: Value,
    /// When it arrived (Unix ms).
    received_ms: u64,
    /// When Plain drops it (Unix ms).
    expires_ms: u64,
    /// The round trip of the request that brought it, in ms.
    round_trip_ms: u64,
    /// The gateway served it as a stale copy (its `cardmesh-cache` header said so).
    stale: bool,
}

/// A card shown to an agent.
#[derive(Debug, Clone)]
pub struct Shown {
    pub card_key: String,
    pub thread_id: Option<String>,
    pub card: Value,
    /// When it was shown (Unix ms).
    pub at_ms: u64,
    /// When Plain received it, and the round trip of that request (ms).
    pub received_ms: u64,
    pub round_trip_ms: u64,
    /// Part of an answer in which the gateway served stale copies.
    pub stale: bool,
}

impl Shown {
    /// The card's first text component.
    pub fn text(&self) -> &str {
        self.card["components"][0]["componentText"]["text"].as_str().unwrap_or_default()
    }
}

/// An integration error Plain recorded for one card.
#[derive(Debug, Clone)]
pub struct IntegrationError {
    pub card_key: String,
    pub reason: String,
}

/// One request Plain sent: the keys, the gateway it went to, and what came back.
#[derive(Debug, Clone)]
pub struct Sent {
    pub keys: Vec<String>,
    pub gateway: usize,
    /// The HTTP status, or `None` after a timeout.
    pub status: Option<u16>,
    /// The `cardmesh-cache` header.
    pub cache: String,
}

type InstanceKey = (String, String, Option<String>);

/// The simulated Plain.
pub struct PlainSim {
    client: reqwest::Client,
    gateways: Vec<String>,
    next: AtomicUsize,
    secret: String,
    workspace: String,
    /// Plain's timeout of one request (default 15 s).
    pub timeout: Duration,
    /// Delay before the one retry (default 1 s).
    pub retry_delay: Duration,
    /// TTL of an instance whose card carries none: the card config's default (default 15 s,
    /// the smallest Plain allows).
    pub config_ttl: Duration,
    instances: Mutex<HashMap<InstanceKey, Instance>>,
    errors: Mutex<HashMap<InstanceKey, (u64, IntegrationError)>>,
    shown: Mutex<Vec<Shown>>,
    sent: Mutex<Vec<Sent>>,
}

impl PlainSim {
    /// Plain in front of the card endpoints `gateways` (each a URL such as
    /// `http://127.0.0.1:PORT/`), signing with `secret`, from workspace `workspace`.
    pub fn new(gateways: Vec<String>, secret: &str, workspace: &str) -> Self {
        assert!(!gateways.is_empty(), "at least one gateway");
        Self {
            client: reqwest::Client::new(),
            gateways,
            next: AtomicUsize::new(0),
            secret: secret.to_owned(),
            workspace: workspace.to_owned(),
            timeout: Duration::from_secs(15),
            retry_delay: Duration::from_secs(1),
            config_ttl: Duration::from_secs(15),
            instances: Mutex::default(),
            errors: Mutex::default(),
            shown: Mutex::default(),
            sent: Mutex::default(),
        }
    }

    /// An agent opens `context` with the cards `keys`: Plain asks for the keys it holds no
    /// live instance (nor integration error) of, through the next gateway in turn, and shows
    /// every card it then holds. Returns what was shown.
    pub async fn view(&self, context: &Context, keys: &[&str]) -> Vec<Shown> {
        self.view_via(None, context, keys).await
    }

    /// [`Self::view`] through gateway `gateway` (an index into the list), retry included.
    pub async fn view_via(&self, gateway: Option<usize>, context: &Context, keys: &[&str]) -> Vec<Shown> {
        let now = unix_ms();
        let missing: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|key| {
                let at = instance_key(context, key);
                let held = self.instances.lock().unwrap().get(&at).is_some_and(|i| i.expires_ms > now);
                let failed = self.errors.lock().unwrap().get(&at).is_some_and(|(until, _)| *until > now);
                !held && !failed
            })
            .collect();
        if !missing.is_empty() {
            self.fetch(gateway, context, &missing).await;
        }
        self.show(context, keys)
    }

    /// An agent presses reload on `key` in `context`: Plain asks for that one card, whatever
    /// it holds, and shows it.
    pub async fn reload(&self, gateway: Option<usize>, context: &Context, key: &str) -> Shown {
        self.fetch(gateway, context, &[key]).await;
        self.show(context, &[key]).pop().unwrap_or_else(|| panic!("no instance of {key} after a reload"))
    }

    /// `reloadCustomerCardInstance`: Plain drops its instance of `key` in every thread of the
    /// customer of `context` (it asks again at the next view).
    pub fn discard(&self, context: &Context, key: &str) {
        self.instances
            .lock()
            .unwrap()
            .retain(|(customer, card, _), _| !(customer == &context.customer_id && card == key));
    }

    /// Every card shown so far, in order.
    pub fn shown(&self) -> Vec<Shown> {
        self.shown.lock().unwrap().clone()
    }

    /// Every request sent so far, in order (retries included).
    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    /// Every integration error recorded so far.
    pub fn integration_errors(&self) -> Vec<IntegrationError> {
        self.errors.lock().unwrap().values().map(|(_, e)| e.clone()).collect()
    }

    /// When Plain drops its instance of `key` in `context` (Unix ms), if it holds one.
    pub fn expires_ms(&self, context: &Context, key: &str) -> Option<u64> {
        self.instances.lock().unwrap().get(&instance_key(context, key)).map(|i| i.expires_ms)
    }

    fn show(&self, context: &Context, keys: &[&str]) -> Vec<Shown> {
        let now = unix_ms();
        let instances = self.instances.lock().unwrap();
        let shown: Vec<Shown> = keys
            .iter()
            .filter_map(|key| {
                let instance = instances.get(&instance_key(context, key))?;
                Some(Shown {
                    card_key: (*key).to_owned(),
                    thread_id: context.thread_id.clone(),
                    card: instance.card.clone(),
                    at_ms: now,
                    received_ms: instance.received_ms,
                    round_trip_ms: instance.round_trip_ms,
                    stale: instance.stale,
                })
            })
            .collect();
        self.shown.lock().unwrap().extend(shown.iter().cloned());
        shown
    }

    /// Sends `keys` for `context`, retrying once after a 5xx, 429 or timeout; stores the
    /// instances, or integration errors for what could not be had.
    async fn fetch(&self, gateway: Option<usize>, context: &Context, keys: &[&str]) {
        let mut body = PlainBody::new(keys).customer(&context.customer_id, &context.email, None);
        body = body.thread(context.thread_id.as_deref()).tenant(context.tenant_id.as_deref());
        let body = body.build();
        let mut attempt = 0;
        let reason = loop {
            let index = gateway.unwrap_or_else(|| self.next.fetch_add(1, Ordering::SeqCst) % self.gateways.len());
            let sent_ms = unix_ms();
            let request = crate::signed_post(
                &self.client,
                &self.gateways[index],
                &body,
                Some(&self.secret),
                Some(&self.workspace),
            );
            let outcome = tokio::time::timeout(self.timeout, async {
                let response = request.send().await.ok()?;
                let status = response.status().as_u16();
                let cache = response
                    .headers()
                    .get("cardmesh-cache")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let json: Option<Value> = response.json().await.ok();
                Some((status, cache, json))
            })
            .await;
            let (status, cache, json) = match outcome {
                Ok(Some((status, cache, json))) => (Some(status), cache, json),
                Ok(None) | Err(_) => (None, String::new(), None),
            };
            let keys_sent = keys.iter().map(|k| (*k).to_owned()).collect();
            self.sent.lock().unwrap().push(Sent { keys: keys_sent, gateway: index, status, cache: cache.clone() });
            let retryable = status.is_none_or(|s| s >= 500 || s == 429);
            match (status, json) {
                (Some(200), Some(json)) => {
                    let received_ms = unix_ms();
                    let stale = cache.split(", ").any(|part| part.starts_with("stale=") && part != "stale=0");
                    self.store(context, keys, &json, received_ms, received_ms - sent_ms, stale);
                    return;
                }
                _ if retryable && attempt == 0 => {
                    attempt += 1;
                    tokio::time::sleep(self.retry_delay).await;
                }
                (status, _) => break format!("status {status:?}"),
            }
        };
        for key in keys {
            self.record_error(context, key, &reason);
        }
    }

    fn store(&self, context: &Context, keys: &[&str], json: &Value, received_ms: u64, round_trip_ms: u64, stale: bool) {
        let cards = json["cards"].as_array().cloned().unwrap_or_default();
        for key in keys {
            let Some(card) = cards.iter().find(|c| c["key"] == *key) else {
                self.record_error(context, key, "the key is missing from the answer");
                continue;
            };
            let ttl_ms = card["timeToLiveSeconds"]
                .as_u64()
                .map_or_else(|| u64::try_from(self.config_ttl.as_millis()).unwrap_or(u64::MAX), |s| s * 1000);
            let instance =
                Instance { card: card.clone(), received_ms, expires_ms: received_ms + ttl_ms, round_trip_ms, stale };
            self.instances.lock().unwrap().insert(instance_key(context, key), instance);
        }
    }

    fn record_error(&self, context: &Context, key: &str, reason: &str) {
        let until = unix_ms() + u64::try_from(INTEGRATION_ERROR_TTL.as_millis()).unwrap_or(u64::MAX);
        let error = IntegrationError { card_key: key.to_owned(), reason: reason.to_owned() };
        self.errors.lock().unwrap().insert(instance_key(context, key), (until, error));
    }
}

fn instance_key(context: &Context, key: &str) -> InstanceKey {
    (context.customer_id.clone(), key.to_owned(), context.thread_id.clone())
}
