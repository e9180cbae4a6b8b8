//! In-process single flight: concurrent requests that miss on the same cache key share one
//! service call. The first becomes the leader and draws the card; the others wait for its
//! result.
//!
//! A flight's key is the card's fresh cache key ([`crate::cache::CardCacheKeys::fresh`]), so
//! it covers exactly what the cache key covers: the workspace, the customer's id, email and
//! external id, and the thread or tenant of the card's scope. Two requests share a draw only
//! when they would share the cached card.
//!
//! Across gateways that share Redis, a leader's draw is claimed there first
//! ([`crate::cache::CardCache::claim_draws`]): when another gateway already draws the card,
//! the leader publishes that gateway's copy instead of calling the service.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::plain::CardJson;
use crate::request::failure::CardFailure;

/// The outcome of drawing one card.
pub type Drawn = Result<CardJson, CardFailure>;

/// What a leader publishes: the outcome and how long its service call took (`None` when
/// the leader did not say, as with [`Leader::finish`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub drawn: Drawn,
    /// The duration of the `GetCards` call that drew the card, retries included.
    pub call_latency: Option<Duration>,
}

type Slot = watch::Receiver<Option<Published>>;

/// The cards being drawn right now, by cache key.
#[derive(Default)]
pub struct Flights {
    inflight: Mutex<HashMap<String, Slot>>,
}

/// Taking part in a flight.
pub enum Join {
    /// Nobody draws this card yet: draw it and [`Leader::finish`].
    Leader(Leader),
    /// Somebody else draws it: wait on the receiver.
    Follower(Waiter),
}

/// The duty to draw one card and publish the result.
pub struct Leader {
    key: String,
    tx: watch::Sender<Option<Published>>,
    flights: Arc<Flights>,
}

/// A wait for another request's result.
pub struct Waiter(Slot);

impl Flights {
    /// Joins the flight for `key`, leading it when there is none.
    pub fn join(self: &Arc<Self>, key: &str) -> Join {
        let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rx) = inflight.get(key) {
            return Join::Follower(Waiter(rx.clone()));
        }
        let (tx, rx) = watch::channel(None);
        inflight.insert(key.to_owned(), rx);
        Join::Leader(Leader { key: key.to_owned(), tx, flights: Arc::clone(self) })
    }

    /// A leader outside any shared flight (nobody can follow it).
    pub fn solo(key: &str) -> Leader {
        let (tx, _) = watch::channel(None);
        Leader { key: key.to_owned(), tx, flights: Arc::new(Flights::default()) }
    }

    /// Number of cards being drawn (for tests).
    #[cfg(any(test, feature = "test-util"))]
    pub fn len(&self) -> usize {
        self.inflight.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when nothing is being drawn.
    #[cfg(any(test, feature = "test-util"))]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Leader {
    /// A waiter on this leader's own result.
    pub fn waiter(&self) -> Waiter {
        Waiter(self.tx.subscribe())
    }

    /// Publishes the result to every waiter and ends the flight.
    pub fn finish(self, drawn: Drawn) {
        self.finish_with(Published { drawn, call_latency: None });
    }

    /// Publishes the result with how it was drawn to every waiter and ends the flight.
    pub fn finish_with(self, published: Published) {
        let _ = self.tx.send(Some(published));
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        let mut inflight = self.flights.inflight.lock().unwrap_or_else(|e| e.into_inner());
        inflight.remove(&self.key);
    }
}

impl Waiter {
    /// The leader's result; `None` when the leader went away without one.
    #[cfg(any(test, feature = "test-util"))]
    pub async fn wait(self) -> Option<Drawn> {
        self.wait_published().await.map(|p| p.drawn)
    }

    /// The leader's result with how it was drawn; `None` when the leader went away without one.
    pub async fn wait_published(mut self) -> Option<Published> {
        match self.0.wait_for(Option::is_some).await {
            Ok(value) => value.clone(),
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_get_the_leaders_result_and_the_flight_ends() {
        let flights = Arc::new(Flights::default());
        let Join::Leader(leader) = flights.join("k") else { panic!("first joins as leader") };
        let Join::Follower(f1) = flights.join("k") else { panic!("second follows") };
        let Join::Leader(other) = flights.join("other") else { panic!("other key leads") };
        let own = leader.waiter();
        let card = CardJson::new("k", None, None);
        leader.finish(Ok(card.clone()));
        assert_eq!(f1.wait().await, Some(Ok(card.clone())));
        assert_eq!(own.wait().await, Some(Ok(card)));
        drop(other);
        assert!(flights.is_empty());
        assert!(matches!(flights.join("k"), Join::Leader(_)));
    }

    #[tokio::test]
    async fn a_vanished_leader_releases_followers() {
        let flights = Arc::new(Flights::default());
        let Join::Leader(leader) = flights.join("k") else { panic!() };
        let Join::Follower(f) = flights.join("k") else { panic!() };
        drop(leader);
        assert_eq!(f.wait().await, None);
    }
}
