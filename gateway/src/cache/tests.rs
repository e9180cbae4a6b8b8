//! The cache with its in-process store and a hand-moved clock: the lifetime a hit carries,
//! and the served ledger read in the lookup's one round trip.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::discovery::Scope;

const T: u64 = 1_700_000_000_000;
const WINDOW: Duration = Duration::from_secs(2);

fn request(thread: &str) -> crate::plain::CardRequest {
    let body = format!(r#"{{"cardKeys":["k"],"customer":{{"id":"c","email":"a@x"}},"thread":{{"id":"{thread}"}}}}"#);
    crate::plain::parse_request(body.as_bytes(), 10).unwrap().0
}

fn cache(clock: &ManualClock) -> CardCache {
    CardCache::with_store(Arc::new(MemoryStore::new(100)), CacheSettings::default()).with_clock(clock.clock())
}

#[tokio::test]
async fn a_hit_carries_the_lifetime_it_has_left_and_the_ledger_tells_a_reload_from_a_duplicate() {
    let clock = ManualClock::at(T);
    let cache = cache(&clock);
    let th_1 = request("th_1");
    let mut keys = RequestKeys::new("w", &th_1);
    let card_keys = keys.card("k", Scope::Customer);
    let ledger = Some(keys.served());
    let ledger = ledger.as_deref();

    let (mut slots, context) = cache.lookup(&[&card_keys], ledger).await;
    let miss = slots.remove(0);
    assert_eq!(context, LedgerRead::Entry(None));
    assert_eq!((miss.fresh.clone(), miss.served), (None, None));
    assert_eq!((served::asked(miss.served, cache.now_ms(), WINDOW), miss.asked), (Asked::First, Asked::First));
    let card = CardJson::new("k", Some(60), None);
    cache.store(&card_keys, "w", miss.generations, &card, Duration::from_secs(60), T);
    let answered = ServedContext::updated(None, T, vec![("k".into(), Served::answered(T, 60))]).unwrap();
    cache.record_served(keys.served(), &answered, &LedgerRead::Entry(None));
    cache.flush().await;

    // Plain's retry a second later: a duplicate, served the copy just drawn.
    clock.advance(Duration::from_millis(1_000));
    let (mut slots, context) = cache.lookup(&[&card_keys], ledger).await;
    let retry = slots.remove(0);
    assert_eq!(context, LedgerRead::Entry(Some(answered)));
    assert_eq!(served::asked(retry.served, cache.now_ms(), WINDOW), Asked::Duplicate);
    assert_eq!(retry.asked, Asked::Duplicate);
    assert_eq!(retry.fresh.as_ref().and_then(CardJson::ttl_seconds), Some(59));

    // 50 s later: the copy has 10 s left, and says so.
    clock.advance(Duration::from_millis(49_000));
    let unledgered = cache.lookup(&[&card_keys], None).await.0.remove(0);
    assert_eq!(unledgered.age_ms, 50_000);
    assert_eq!(unledgered.fresh.as_ref().and_then(CardJson::ttl_seconds), Some(10));
    // Plain still holds its answer: a reload, which gets no fresh copy, and counts as a miss.
    let misses = cache.stats().snapshot().misses;
    let reload = cache.lookup(&[&card_keys], ledger).await.0.remove(0);
    assert_eq!((reload.asked, reload.fresh), (Asked::Reload, None));
    assert_eq!(cache.stats().snapshot().misses, misses + 1);

    // Another thread of the customer: the same copy, but Plain holds nothing there.
    let th_2 = request("th_2");
    let mut other = RequestKeys::new("w", &th_2);
    assert_eq!(other.card("k", Scope::Customer), card_keys, "one copy per customer");
    let other_thread = cache.lookup(&[&card_keys], Some(&other.served())).await.0.remove(0);
    assert!(other_thread.fresh.is_some());
    assert_eq!(other_thread.asked, Asked::First);

    // Past its TTL by the clock that drew it, the copy is a miss, wherever it is still stored.
    clock.advance(Duration::from_millis(9_500));
    let expired = cache.lookup(&[&card_keys], None).await.0.remove(0);
    assert_eq!((expired.fresh, expired.served), (None, None), "less than a second left, and no ledger asked for");
    // Its last good copy still stands in for a failed draw, with its whole TTL (the assembler
    // gives it the short fallback TTL).
    let stale = cache.stale(&[(&card_keys, expired.generations)]).await;
    assert_eq!(stale, vec![Some(card)]);
}

#[tokio::test]
async fn a_ledger_entry_lives_as_long_as_plain_keeps_the_answer_and_no_ledger_entry_for_nothing_held() {
    let clock = ManualClock::at(T);
    let cache = cache(&clock);
    let th_1 = request("th_1");
    let key = RequestKeys::new("w", &th_1).served();
    let answered = |at: u64| ServedContext::updated(None, at, vec![("k".into(), Served::answered(at, 60))]).unwrap();
    // An answer that expired already (the clock moved on meanwhile) is not written.
    cache.record_served(key.clone(), &answered(T - 61_000), &LedgerRead::Entry(None));
    cache.flush().await;
    assert_eq!(cache.store.get_many(std::slice::from_ref(&key)).await.unwrap(), vec![None]);
    cache.record_served(key.clone(), &answered(T), &LedgerRead::Entry(None));
    cache.flush().await;
    let stored = cache.store.get_many(std::slice::from_ref(&key)).await.unwrap().remove(0);
    assert_eq!(stored.as_deref().and_then(ServedContext::decode), Some(answered(T)));
}
