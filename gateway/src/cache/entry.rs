//! The stored value: the generations it was drawn under, when it was drawn and for how
//! long, then the card's Plain JSON.
//!
//! `<customer generation>:<card generation>:<drawn at>:<TTL>|<card json>`, the time in Unix
//! milliseconds and the TTL in seconds. An entry whose generations differ from the current
//! ones was invalidated and is treated as absent. A hit is served with the lifetime it has
//! left as its `timeToLiveSeconds` ([`decode`]), never the TTL it was drawn with, so Plain,
//! which keeps the card for that long, never shows it older than its TTL.
//!
//! Generation counters are safe to lose by construction: a counter that is absent at lookup
//! gets a fresh random value ([`new_generation`]), and that value is created in the store
//! (only if the counter is still absent) before any card is stored under it. No card is
//! ever stored under an absent counter, so a counter that Redis evicted or expired makes
//! every card under it a miss, never brings back a card invalidated before.
//!
//! In Redis the whole value is also sealed (see [`super::seal`]); what this module sees
//! has been opened already.

use crate::plain::CardJson;

/// Generations current when a card was looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Generations {
    pub customer: u64,
    pub card: u64,
    /// The customer counter was absent at lookup: `customer` is a new random value, to be
    /// created before a card is stored under it.
    pub new_customer: bool,
    /// The same for the card counter.
    pub new_card: bool,
}

/// Highest value a new counter starts from: Redis `INCR` works on signed 64-bit integers,
/// so a counter keeps room for 2^62 invalidations.
const NEW_GENERATION_BITS: u32 = 62;

/// A random generation for a counter that does not exist yet: never 0, below 2^62.
pub fn new_generation() -> u64 {
    let random = getrandom::u64().unwrap_or_else(|_| {
        // The OS refused randomness (never seen on Linux): std's per-process random hash
        // keys still give a value no earlier counter had, which is all that is needed.
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(std::time::SystemTime::now())
    });
    (random >> (64 - NEW_GENERATION_BITS)).max(1)
}

/// When a card was drawn and for how long it may be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// When its service was asked for it (Unix milliseconds).
    pub drawn_ms: u64,
    /// Its TTL, which its JSON carries too.
    pub ttl_seconds: u32,
}

/// Encodes a card drawn under `generations` at `stamp`.
pub fn encode(generations: Generations, stamp: Stamp, card: &CardJson) -> String {
    format!("{}:{}:{}:{}|{}", generations.customer, generations.card, stamp.drawn_ms, stamp.ttl_seconds, card.as_str())
}

/// A card found fresh in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fresh {
    /// The card, whose `timeToLiveSeconds` is the lifetime it has left.
    pub card: CardJson,
    /// How long ago it was drawn, in milliseconds.
    pub age_ms: u64,
    /// The whole seconds it has left: its TTL less its age, rounded down, so never more.
    pub left_seconds: u32,
}

/// Decodes an entry at `now_ms`, when it was stored under the generations whose decimal
/// values are `customer` and `card` (as read from the counters: no number is parsed on a
/// miss). `None` when the generations differ, when less than one second of the card's TTL
/// is left (a card Plain could not keep is drawn again), or when the entry is not shaped as
/// [`encode`] writes it.
pub fn decode(value: &str, customer: &str, card: &str, now_ms: u64) -> Option<Fresh> {
    let (stamp, json) = open(value, customer, card)?;
    // A clock behind the one that drew the card counts its age as 0: never more than the TTL.
    let age_ms = now_ms.saturating_sub(stamp.drawn_ms);
    let left_ms = (u64::from(stamp.ttl_seconds) * 1000).checked_sub(age_ms)?;
    let left_seconds = u32::try_from(left_ms / 1000).ok().filter(|s| *s > 0)?;
    let text = crate::plain::with_ttl_text(json, left_seconds)?;
    Some(Fresh { card: CardJson::from_trusted(&text), age_ms, left_seconds })
}

/// The card of an entry stored under `current`, as it was drawn (with its whole TTL), for a
/// stale copy, whatever its age.
pub fn decode_for(value: &str, current: Generations) -> Option<CardJson> {
    let (_, json) = open(value, &current.customer.to_string(), &current.card.to_string())?;
    Some(CardJson::from_trusted(json))
}

/// The stamp and the JSON of an entry stored under `customer` and `card`.
fn open<'v>(value: &'v str, customer: &str, card: &str) -> Option<(Stamp, &'v str)> {
    let rest = value.strip_prefix(customer)?.strip_prefix(':')?.strip_prefix(card)?.strip_prefix(':')?;
    let (stamp, json) = rest.split_once('|')?;
    let (drawn, ttl) = stamp.split_once(':')?;
    let stamp = Stamp { drawn_ms: drawn.parse().ok()?, ttl_seconds: ttl.parse().ok()? };
    // Only entries this gateway (or another holding the entry key) wrote get here: memory
    // and the near cache hold this gateway's own writes and what it opened from Redis.
    (json.starts_with('{') && json.ends_with('}')).then_some((stamp, json))
}

/// Parses a generation counter; `None` when it is absent or not a counter.
pub fn generation(value: Option<&str>) -> Option<u64> {
    value.and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(customer: u64, card: u64) -> Generations {
        Generations { customer, card, ..Generations::default() }
    }

    const DRAWN: u64 = 1_700_000_000_000;

    fn stamp(ttl_seconds: u32) -> Stamp {
        Stamp { drawn_ms: DRAWN, ttl_seconds }
    }

    fn card(ttl: u32) -> CardJson {
        CardJson::new("k", Some(ttl), Some(&serde_json::json!([{"componentDivider":{}}])))
    }

    #[test]
    fn round_trip_and_invalidation() {
        let g = at(2, 7);
        let v = encode(g, stamp(60), &card(60));
        assert_eq!(v, format!("2:7:{DRAWN}:60|{}", card(60).as_str()));
        let fresh = decode(&v, "2", "7", DRAWN).unwrap();
        assert_eq!((fresh.card.clone(), fresh.age_ms, fresh.left_seconds), (card(60), 0, 60));
        assert_eq!(decode_for(&v, g), Some(card(60)));
        assert_eq!(decode_for(&v, Generations { new_customer: true, ..g }), Some(card(60)), "flags are not compared");
        assert_eq!(decode_for(&v, at(3, 7)), None);
        assert_eq!(decode_for(&v, at(2, 8)), None);
        assert_eq!(decode(&v, "2", "77", DRAWN), None);
        assert_eq!(decode(&v, "", "7", DRAWN), None);
        let other = encode(at(12, 7), stamp(60), &CardJson::new("k", Some(60), None));
        assert_eq!(decode(&other, "1", "2:7", DRAWN), None);
        assert_eq!(decode("garbage", "2", "7", DRAWN), None);
        assert_eq!(decode(&format!("2:7:{DRAWN}:60|{{not json"), "2", "7", DRAWN), None);
        assert_eq!(decode(&format!("2:7:x:60|{}", card(60).as_str()), "2", "7", DRAWN), None);
        assert_eq!(decode(&format!("2:7|{}", card(60).as_str()), "2", "7", DRAWN), None, "the v2 format");
        assert_eq!(generation(Some("7")), Some(7));
        assert_eq!(generation(Some("seven")), None);
        assert_eq!(generation(None), None);
    }

    #[test]
    fn a_hit_carries_the_lifetime_it_has_left_never_more() {
        let v = encode(at(1, 1), stamp(60), &card(60));
        for (age_ms, left) in [(0, 60), (1, 59), (999, 59), (1_000, 59), (1_001, 58), (50_000, 10), (58_999, 1)] {
            let fresh = decode(&v, "1", "1", DRAWN + age_ms).unwrap();
            assert_eq!((fresh.age_ms, fresh.left_seconds), (age_ms, left), "at {age_ms} ms");
            assert_eq!(fresh.card.ttl_seconds(), Some(left));
            assert!(age_ms + u64::from(left) * 1000 <= 60_000, "age and what is left never exceed the TTL");
        }
        // Less than a second left: Plain could not keep it; it is drawn again.
        for age_ms in [59_001, 60_000, 61_000, u64::MAX - DRAWN] {
            assert_eq!(decode(&v, "1", "1", DRAWN + age_ms), None, "at {age_ms} ms");
        }
        // A replica whose clock is behind the one that drew the card: age 0, the whole TTL.
        let early = decode(&v, "1", "1", DRAWN - 5_000).unwrap();
        assert_eq!((early.age_ms, early.left_seconds), (0, 60));
        // A card stored with a TTL of 0 is never served.
        assert_eq!(decode(&encode(at(1, 1), stamp(0), &card(0)), "1", "1", DRAWN), None);
    }

    #[test]
    fn new_generations_are_random_never_zero_and_leave_room_to_increment() {
        let values: std::collections::HashSet<u64> = (0..1000).map(|_| new_generation()).collect();
        assert_eq!(values.len(), 1000, "a recreated counter never repeats an earlier value");
        assert!(values.iter().all(|v| (1..1 << NEW_GENERATION_BITS).contains(v)));
    }

    #[test]
    fn a_card_stored_before_its_counters_vanished_is_never_current_again() {
        // Drawn while the counters were absent: stored under new random values.
        let first = at(new_generation(), new_generation());
        let entry = encode(first, stamp(60), &card(60));
        // The counters are evicted; the next lookup finds them absent again.
        let after_eviction = at(new_generation(), new_generation());
        assert_eq!(decode_for(&entry, after_eviction), None);
        let (c, k) = (after_eviction.customer.to_string(), after_eviction.card.to_string());
        assert_eq!(decode(&entry, &c, &k, DRAWN), None);
    }
}
