//! Shared flight across replicas: one draw per card however many gateways miss it.
//!
//! In-process single flight ([`crate::request::single_flight`]) draws a missed card once per gateway. With a
//! store other gateways share (Redis), the gateway that leads a draw first claims it with a
//! **draw mark** next to the card ([`super::CardCacheKeys::drawing`]): `SET NX PX`, one round
//! trip for all the cards of a draw, on misses only (never on hits).
//!
//! - The gateway that sets the mark draws the card as before; once the card's copy has been
//!   written (the background writer flushed), it removes its mark (only if the mark still
//!   holds its own value). A failed draw removes its mark at once.
//! - A gateway that finds the mark set waits for the winner's copy ([`CardCache::wait_for_draw`]):
//!   it reads the card's fresh key and the mark with a short backoff (20 ms doubling to
//!   200 ms) and serves the copy as soon as one drawn since the claim appears, with the
//!   lifetime it has left. When the mark vanishes with no copy (the winner failed or died),
//!   it draws the card itself; when the draw's deadline comes first, the card fails as a
//!   timeout (a stale copy or the fallback card stands in), never later than the request's
//!   budget.
//! - The mark's TTL is the draw's budget (`fanout.overall_budget`, the longest the service
//!   calls of a draw may take) plus [`MARK_MARGIN`] for rendering and the write: a winner
//!   that dies leaves a mark that expires about when its draw would have ended anyway.
//! - A mark is `<replica token>:<claimed at, Unix ms>`. Only its presence is trusted: a mark
//!   someone else wrote into Redis can at worst delay a draw until the mark expires or the
//!   request's deadline comes. Its time only tells which copy is new enough (on a reload the
//!   copy from before the draw must not be served); an unreadable one accepts no copy.
//! - A store error on the claim draws anyway (availability first), and is counted.

use std::time::Duration;

use tokio::time::Instant;

use super::entry;
use super::redis::{millis, RedisStore};
use super::store::StoreError;
use super::{CardCache, CardCacheKeys};
use crate::plain::CardJson;

/// Added to the draw's budget for a mark's TTL: rendering, and the write of the copy.
pub const MARK_MARGIN: Duration = Duration::from_secs(1);

/// First pause between two reads of a card another gateway draws.
pub const FIRST_POLL: Duration = Duration::from_millis(20);

/// Longest pause between two reads (the pause doubles from [`FIRST_POLL`] up to this).
pub const MAX_POLL: Duration = Duration::from_millis(200);

/// Removes a mark only while it holds the caller's value.
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/// The marks one draw set, to remove once its copies are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawMarks {
    marks: Vec<String>,
    value: String,
}

/// What a claim found for one card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// This gateway draws the card: it set the mark, or the store does not share draws.
    Won,
    /// Another gateway draws it since `since_ms` (its clock, Unix ms): wait for its copy.
    Lost { since_ms: u64 },
    /// The store failed: this gateway draws the card anyway.
    Error,
}

/// How waiting for another gateway's draw ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrawWait {
    /// The other gateway's copy, with the lifetime it has left as its TTL.
    Copy(CardJson),
    /// The mark is gone and no new copy was written: the draw failed or its gateway died.
    MarkGone,
    /// The deadline came first.
    Deadline,
    /// The store failed.
    StoreError,
}

impl DrawWait {
    /// The metric label of a wait that ended without a copy.
    pub fn reason(&self) -> &'static str {
        match self {
            DrawWait::Copy(_) => "copy",
            DrawWait::MarkGone => "mark_gone",
            DrawWait::Deadline => "deadline",
            DrawWait::StoreError => "store_error",
        }
    }
}

impl CardCache {
    /// Claims the draws of `cards` for `budget` (the draw's budget; the marks live that long
    /// plus [`MARK_MARGIN`]), in one round trip; one [`Claimed`] per card, and the marks
    /// set, to pass to [`Self::release_draws`]. A store that does not share draws is not
    /// asked: every card is [`Claimed::Won`].
    pub async fn claim_draws(&self, cards: &[&CardCacheKeys], budget: Duration) -> (Vec<Claimed>, Option<DrawMarks>) {
        if cards.is_empty() || !self.store.shares_draws() {
            return (vec![Claimed::Won; cards.len()], None);
        }
        let value = format!("{}:{}", self.replica, self.clock.now_ms());
        let marks: Vec<String> = cards.iter().map(|keys| keys.drawing()).collect();
        match self.store.claim(&marks, &value, budget + MARK_MARGIN).await {
            Ok(held) if held.len() == marks.len() => {
                let claimed: Vec<Claimed> = held
                    .iter()
                    .map(|held| match held {
                        None => Claimed::Won,
                        Some(mark) => Claimed::Lost { since_ms: claimed_at(mark) },
                    })
                    .collect();
                let won = marks.into_iter().zip(&held).filter(|(_, held)| held.is_none()).map(|(m, _)| m).collect();
                (claimed, Some(DrawMarks { marks: won, value }))
            }
            Ok(_) | Err(_) => {
                self.stats.record_error();
                (vec![Claimed::Error; cards.len()], None)
            }
        }
    }

    /// Removes the marks of a finished draw once everything it queued (its copies) has been
    /// written, so that a gateway waiting on a mark finds the copy before the mark is gone.
    pub async fn release_draws(&self, marks: DrawMarks) {
        if marks.marks.is_empty() {
            return;
        }
        self.writer.flush().await;
        if let Err(error) = self.store.release(&marks.marks, &marks.value).await {
            // The marks expire on their own.
            self.stats.record_error();
            tracing::debug!(%error, "could not remove draw marks");
        }
    }

    /// Waits for the copy of the card at `keys` that another gateway draws since `since_ms`
    /// (see the module comment), until `until` at the latest.
    pub async fn wait_for_draw(&self, keys: &CardCacheKeys, since_ms: u64, until: Instant) -> DrawWait {
        let read = [keys.customer_generation.clone(), keys.card_generation.clone(), keys.fresh.clone()];
        let mark = keys.drawing();
        let mut pause = FIRST_POLL;
        loop {
            let (values, marked) = match self.store.peek(&read, &mark).await {
                Ok((values, marked)) if values.len() == read.len() => (values, marked),
                Ok(_) | Err(_) => {
                    self.stats.record_error();
                    return DrawWait::StoreError;
                }
            };
            if let (Some(customer), Some(card), Some(value)) = (&values[0], &values[1], &values[2]) {
                let fresh = entry::decode(value, customer, card, self.clock.now_ms());
                if let Some(fresh) = fresh.filter(|f| f.drawn_ms >= since_ms) {
                    return DrawWait::Copy(fresh.card);
                }
            }
            if !marked {
                return DrawWait::MarkGone;
            }
            let now = Instant::now();
            if now >= until {
                return DrawWait::Deadline;
            }
            tokio::time::sleep(pause.min(until - now)).await;
            pause = (pause * 2).min(MAX_POLL);
        }
    }
}

/// When the mark `value` says its draw began; `u64::MAX` (no copy is new enough) when it
/// cannot be read.
fn claimed_at(value: &str) -> u64 {
    value.rsplit_once(':').and_then(|(_, ms)| ms.parse().ok()).unwrap_or(u64::MAX)
}

/// A token for this gateway's marks, new for every cache (so for every process).
pub fn replica_token() -> String {
    format!("{:016x}", entry::new_generation())
}

/// [`super::CacheStore::claim`] in Redis: `SET mark value NX GET PX ttl` for every mark,
/// pipelined (Redis 7: the value already there, or nil when this call set it).
pub async fn redis_claim(
    store: &RedisStore,
    timeout: Duration,
    marks: &[String],
    value: &str,
    ttl: Duration,
) -> Result<Vec<Option<String>>, StoreError> {
    let mut pipe = redis::pipe();
    for mark in marks {
        pipe.cmd("SET").arg(mark).arg(value).arg("NX").arg("GET").arg("PX").arg(millis(ttl));
    }
    let pipe = &pipe;
    store.run(timeout, |mut conn| async move { pipe.query_async(&mut conn).await }).await
}

/// [`super::CacheStore::peek`] in Redis: one MGET of `keys` and `mark`.
pub async fn redis_peek(
    store: &RedisStore,
    timeout: Duration,
    keys: &[String],
    mark: &str,
) -> Result<(Vec<Option<String>>, bool), StoreError> {
    let mut values: Vec<Option<String>> = store
        .run(timeout, |mut conn| async move { redis::cmd("MGET").arg(keys).arg(mark).query_async(&mut conn).await })
        .await?;
    let marked = values.pop().flatten().is_some();
    Ok((values, marked))
}

/// [`super::CacheStore::release`] in Redis: a compare-and-delete script per mark, pipelined.
pub async fn redis_release(
    store: &RedisStore,
    timeout: Duration,
    marks: &[String],
    value: &str,
) -> Result<(), StoreError> {
    let mut pipe = redis::pipe();
    for mark in marks {
        pipe.cmd("EVAL").arg(RELEASE).arg(1).arg(mark).arg(value).ignore();
    }
    let pipe = &pipe;
    store.run(timeout, |mut conn| async move { pipe.query_async::<()>(&mut conn).await }).await
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::cache::{CacheStore, Generations, ManualClock, MemoryStore, RequestKeys, Write};
    use crate::config::CacheSettings;
    use crate::discovery::Scope;

    const T: u64 = 1_700_000_000_000;
    const BUDGET: Duration = Duration::from_secs(1);

    /// The in-process store with draw marks, as a store replicas share: what another replica
    /// claims is set by the test.
    #[derive(Default)]
    struct Shared {
        inner: Option<MemoryStore>,
        marks: Mutex<HashMap<String, String>>,
        peeks: AtomicUsize,
    }

    impl Shared {
        fn new() -> Arc<Self> {
            Arc::new(Self { inner: Some(MemoryStore::new(100)), ..Self::default() })
        }
        fn inner(&self) -> &MemoryStore {
            self.inner.as_ref().expect("an inner store")
        }
        fn mark(&self, mark: &str, value: &str) {
            self.marks.lock().unwrap().insert(mark.to_owned(), value.to_owned());
        }
        fn unmark(&self, mark: &str) {
            self.marks.lock().unwrap().remove(mark);
        }
    }

    #[async_trait::async_trait]
    impl CacheStore for Shared {
        async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
            self.inner().get_many(keys).await
        }
        async fn set_many(&self, writes: &[Write]) -> Result<(), StoreError> {
            self.inner().set_many(writes).await
        }
        async fn increment(&self, keys: &[String], ttl: Duration) -> Result<(), StoreError> {
            self.inner().increment(keys, ttl).await
        }
        async fn recent_members(&self, key: &str, max_age: Duration) -> Result<Vec<String>, StoreError> {
            self.inner().recent_members(key, max_age).await
        }
        fn kind(&self) -> &'static str {
            "shared"
        }
        fn shares_draws(&self) -> bool {
            true
        }
        async fn claim(
            &self,
            marks: &[String],
            value: &str,
            _ttl: Duration,
        ) -> Result<Vec<Option<String>>, StoreError> {
            let mut held = self.marks.lock().unwrap();
            Ok(marks
                .iter()
                .map(|mark| match held.get(mark) {
                    Some(other) => Some(other.clone()),
                    None => {
                        held.insert(mark.clone(), value.to_owned());
                        None
                    }
                })
                .collect())
        }
        async fn peek(&self, keys: &[String], mark: &str) -> Result<(Vec<Option<String>>, bool), StoreError> {
            self.peeks.fetch_add(1, Ordering::SeqCst);
            Ok((self.inner().get_many(keys).await?, self.marks.lock().unwrap().contains_key(mark)))
        }
        async fn release(&self, marks: &[String], value: &str) -> Result<(), StoreError> {
            let mut held = self.marks.lock().unwrap();
            for mark in marks {
                if held.get(mark).is_some_and(|v| v == value) {
                    held.remove(mark);
                }
            }
            Ok(())
        }
    }

    fn keys() -> CardCacheKeys {
        let body = r#"{"cardKeys":["k"],"customer":{"id":"c","email":"a@x"},"thread":{"id":"th_1"}}"#;
        let request = crate::plain::parse_request(body.as_bytes(), 10).unwrap().0;
        RequestKeys::new("w", &request).card("k", Scope::Customer)
    }

    fn cache(store: Arc<Shared>, clock: &ManualClock) -> CardCache {
        CardCache::with_store(store, CacheSettings::default()).with_clock(clock.clock())
    }

    /// Stores the card `k` as drawn at `drawn_ms`, as the other replica would.
    async fn store_copy(cache: &CardCache, keys: &CardCacheKeys, drawn_ms: u64) {
        let generations = cache.lookup(&[keys], None).await.0.remove(0).generations;
        let card = CardJson::new("k", Some(60), None);
        cache.store(keys, "w", generations, &card, Duration::from_secs(60), drawn_ms);
        cache.flush().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_replica_that_loses_the_claim_serves_the_winners_copy_as_soon_as_it_is_written() {
        let (store, clock) = (Shared::new(), ManualClock::at(T));
        let cache = cache(store.clone(), &clock);
        let keys = keys();
        store.mark(&keys.drawing(), &format!("other:{T}"));

        let (claimed, marks) = cache.claim_draws(&[&keys], BUDGET).await;
        assert_eq!(claimed, vec![Claimed::Lost { since_ms: T }]);
        assert_eq!(marks.map(|m| m.marks), Some(Vec::new()), "nothing of this replica's to remove");

        let start = Instant::now();
        let winner = async {
            tokio::time::sleep(Duration::from_millis(250)).await;
            clock.advance(Duration::from_millis(300));
            store_copy(&cache, &keys, T + 5).await;
        };
        let (waited, ()) = tokio::join!(cache.wait_for_draw(&keys, T, start + BUDGET), winner);
        let DrawWait::Copy(card) = waited else { panic!("no copy: {waited:?}") };
        assert_eq!(card.ttl_seconds(), Some(59), "the lifetime it has left");
        // Found at the first read after the write at 250 ms (pauses of 20, 40, 80 and 160 ms).
        assert_eq!(start.elapsed(), Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn a_copy_from_before_the_claim_is_not_the_winners_and_a_vanished_mark_ends_the_wait() {
        let (store, clock) = (Shared::new(), ManualClock::at(T));
        let cache = cache(store.clone(), &clock);
        let keys = keys();
        // A reload: the copy Plain holds is there, and another replica draws it again.
        store_copy(&cache, &keys, T - 10_000).await;
        store.mark(&keys.drawing(), &format!("other:{T}"));
        let start = Instant::now();
        let winner_dies = async {
            tokio::time::sleep(Duration::from_millis(250)).await;
            store.unmark(&keys.drawing());
        };
        let (waited, ()) = tokio::join!(cache.wait_for_draw(&keys, T, start + BUDGET), winner_dies);
        assert_eq!(waited, DrawWait::MarkGone, "the old copy is not served");
        assert!(start.elapsed() < BUDGET);
    }

    #[tokio::test(start_paused = true)]
    async fn a_mark_that_stays_holds_the_wait_until_its_deadline_and_no_longer() {
        let (store, clock) = (Shared::new(), ManualClock::at(T));
        let cache = cache(store.clone(), &clock);
        let keys = keys();
        // A forged mark that lives for a day, with no readable time.
        store.mark(&keys.drawing(), "stuck");
        let (claimed, _) = cache.claim_draws(&[&keys], BUDGET).await;
        assert_eq!(claimed, vec![Claimed::Lost { since_ms: u64::MAX }]);

        let start = Instant::now();
        assert_eq!(cache.wait_for_draw(&keys, u64::MAX, start + BUDGET).await, DrawWait::Deadline);
        assert_eq!(start.elapsed(), BUDGET, "ends at the deadline, not after");
        // 20 + 40 + 80 + 160 + 200 + 200 + 200 ms, then the last 100 ms: nine reads.
        assert_eq!(store.peeks.load(Ordering::SeqCst), 9);
    }

    #[tokio::test(start_paused = true)]
    async fn the_winner_sets_marks_and_removes_only_its_own_once_its_copies_are_written() {
        let (store, clock) = (Shared::new(), ManualClock::at(T));
        let cache = cache(store.clone(), &clock);
        let keys = keys();
        let (claimed, marks) = cache.claim_draws(&[&keys], BUDGET).await;
        assert_eq!(claimed, vec![Claimed::Won]);
        let marks = marks.expect("the marks set");
        assert_eq!(marks.marks, vec![keys.drawing()]);
        assert!(marks.value.ends_with(&format!(":{T}")), "{}", marks.value);
        // A second replica loses, with the winner's time.
        let other = CardCache::with_store(store.clone(), CacheSettings::default()).with_clock(clock.clock());
        assert_eq!(other.claim_draws(&[&keys], BUDGET).await.0, vec![Claimed::Lost { since_ms: T }]);

        let generations = Generations::default();
        cache.store(&keys, "w", generations, &CardJson::new("k", Some(60), None), Duration::from_secs(60), T);
        cache.release_draws(marks.clone()).await;
        assert!(store.marks.lock().unwrap().is_empty(), "removed");
        assert!(
            store.inner().get_many(std::slice::from_ref(&keys.fresh)).await.unwrap()[0].is_some(),
            "after the copy"
        );

        // A mark someone else set since is left alone.
        store.mark(&keys.drawing(), "another:1");
        cache.release_draws(marks).await;
        assert_eq!(store.marks.lock().unwrap().get(&keys.drawing()).map(String::as_str), Some("another:1"));
    }

    #[tokio::test]
    async fn the_store_of_one_gateway_is_not_asked_and_every_claim_is_won() {
        let cache = CardCache::with_store(Arc::new(MemoryStore::new(10)), CacheSettings::default());
        let keys = keys();
        assert_eq!(cache.claim_draws(&[&keys, &keys], BUDGET).await, (vec![Claimed::Won; 2], None));
    }
}
