//! Load from this process: concurrent clients, each sending one signed Plain request in a loop
//! over its kept-alive connection, and every answer recorded with when it was sent and
//! received and what became of each requested card. It stands in for wrk, so a load test needs
//! nothing installed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::task::JoinHandle;

use crate::{is_fallback, signed_post};

/// How long one request may take before it counts as unanswered: generous, far above Plain's
/// 15 s, so that only a gateway that stopped answering gets there.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What became of one requested card in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardState {
    /// Drawn by its service: components, not the fallback card.
    Drawn,
    /// The gateway's fallback card ("temporarily unavailable").
    Fallback,
    /// `"components": null` (no data, or a key no service describes).
    NoData,
    /// Not in `cards` at all.
    Missing,
}

/// One request and its answer.
#[derive(Debug, Clone)]
pub struct Sample {
    pub sent: Instant,
    pub received: Instant,
    /// The HTTP status; 0 when no answer came (connection error, or no answer within
    /// [`REQUEST_TIMEOUT`]).
    pub status: u16,
    /// The state of each requested key, in the order of the keys (empty unless a 200 with a
    /// JSON body).
    pub cards: Vec<CardState>,
    /// What was wrong, for failure messages: the error, or the start of an unexpected body.
    pub problem: Option<String>,
}

impl Sample {
    pub fn latency(&self) -> Duration {
        self.received - self.sent
    }

    /// A 200 carrying every requested key.
    pub fn complete(&self) -> bool {
        self.status == 200 && !self.cards.is_empty() && !self.cards.contains(&CardState::Missing)
    }

    /// A 200 whose every requested card was drawn.
    pub fn all_drawn(&self) -> bool {
        self.status == 200 && !self.cards.is_empty() && self.cards.iter().all(|c| *c == CardState::Drawn)
    }

    /// One line for a failure message.
    pub fn describe(&self, since: Instant) -> String {
        format!(
            "sent at {:?}, answered after {:?}: status {}, cards {:?}{}",
            self.sent.saturating_duration_since(since),
            self.latency(),
            self.status,
            self.cards,
            self.problem.as_deref().map(|p| format!(", {p}")).unwrap_or_default()
        )
    }
}

/// What the clients send.
#[derive(Debug, Clone)]
pub struct Request {
    /// The gateway's Plain URL, e.g. `http://127.0.0.1:40123/`.
    pub url: String,
    /// The body (a Plain request for `keys`).
    pub body: String,
    /// The `cardKeys` of the body, checked in every answer.
    pub keys: Vec<String>,
    pub secret: String,
    pub workspace: String,
}

/// Clients running until [`Load::stop`].
pub struct Load {
    pub started: Instant,
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    clients: Vec<JoinHandle<()>>,
}

impl Load {
    /// Starts `connections` clients sending `request` in a loop; each keeps its own
    /// connection (its own HTTP client, so its own pool).
    pub fn start(request: Request, connections: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let request = Arc::new(request);
        let clients =
            (0..connections).map(|_| tokio::spawn(client(request.clone(), stop.clone(), samples.clone()))).collect();
        Self { started: Instant::now(), stop, samples, clients }
    }

    /// True when an answer received so far satisfies `check`; the newest answers are looked at
    /// first, and only those received from `since` on.
    pub fn any_since(&self, since: Instant, check: impl Fn(&Sample) -> bool) -> bool {
        let samples = self.samples.lock().expect("samples lock");
        samples.iter().rev().take_while(|s| s.received >= since).any(check)
    }

    /// The first answer sent from `since` on that satisfies `check`.
    pub fn first_sent_since(&self, since: Instant, check: impl Fn(&Sample) -> bool) -> Option<Sample> {
        let samples = self.samples.lock().expect("samples lock");
        samples.iter().filter(|s| s.sent >= since && check(s)).min_by_key(|s| s.sent).cloned()
    }

    /// Stops the clients after their current request and returns every answer, in the order
    /// received.
    pub async fn stop(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::SeqCst);
        for client in self.clients {
            client.await.expect("a load client panicked");
        }
        std::mem::take(&mut *self.samples.lock().expect("samples lock"))
    }
}

async fn client(request: Arc<Request>, stop: Arc<AtomicBool>, samples: Arc<Mutex<Vec<Sample>>>) {
    let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("HTTP client");
    while !stop.load(Ordering::SeqCst) {
        let sent = Instant::now();
        let post = signed_post(&http, &request.url, &request.body, Some(&request.secret), Some(&request.workspace));
        let answer = match post.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                response.text().await.map(|text| (status, text))
            }
            Err(error) => Err(error),
        };
        let received = Instant::now();
        let sample = match answer {
            Ok((status, text)) => {
                let (cards, problem) = read_answer(status, &text, &request.keys);
                Sample { sent, received, status, cards, problem }
            }
            Err(error) => Sample { sent, received, status: 0, cards: Vec::new(), problem: Some(error.to_string()) },
        };
        samples.lock().expect("samples lock").push(sample);
    }
}

/// The state of each of `keys` in a 200 answer's `cards`; for anything else, the start of
/// the body as the problem.
fn read_answer(status: u16, text: &str, keys: &[String]) -> (Vec<CardState>, Option<String>) {
    let excerpt = || Some(text.chars().take(300).collect::<String>());
    if status != 200 {
        return (Vec::new(), excerpt());
    }
    let Ok(json) = serde_json::from_str::<Value>(text) else { return (Vec::new(), excerpt()) };
    let Some(cards) = json["cards"].as_array() else { return (Vec::new(), excerpt()) };
    let states: Vec<CardState> = keys
        .iter()
        .map(|key| match cards.iter().find(|card| card["key"] == key.as_str()) {
            None => CardState::Missing,
            Some(card) if is_fallback(card) => CardState::Fallback,
            Some(card) if card["components"].is_null() => CardState::NoData,
            Some(_) => CardState::Drawn,
        })
        .collect();
    let problem = states.iter().any(|s| *s != CardState::Drawn).then(excerpt).flatten();
    (states, problem)
}

/// The `p`th percentile (0–100) of `latencies`, which must be sorted; zero when empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The latencies of `samples`, sorted.
pub fn sorted_latencies(samples: &[Sample]) -> Vec<Duration> {
    let mut latencies: Vec<Duration> = samples.iter().map(Sample::latency).collect();
    latencies.sort_unstable();
    latencies
}

/// Milliseconds with one decimal, for the printed figures.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_read_as_drawn_fallback_no_data_or_missing() {
        let keys: Vec<String> = ["a", "b", "c", "d"].iter().map(|k| (*k).to_owned()).collect();
        let body = serde_json::json!({"cards": [
            {"key": "a", "components": [{"componentText": {"text": "hi"}}]},
            {"key": "b", "components": [{"componentText": {"text": "This card is temporarily unavailable.", "textColor": "MUTED"}}]},
            {"key": "c", "components": null},
        ]});
        let (states, problem) = read_answer(200, &body.to_string(), &keys);
        assert_eq!(states, [CardState::Drawn, CardState::Fallback, CardState::NoData, CardState::Missing]);
        assert!(problem.is_some());
        let (states, problem) = read_answer(503, r#"{"error":{"code":"x"}}"#, &keys);
        assert!(states.is_empty());
        assert_eq!(problem.as_deref(), Some(r#"{"error":{"code":"x"}}"#));
    }

    #[test]
    fn percentiles_are_ranks_of_the_sorted_latencies() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&sorted, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
    }
}
