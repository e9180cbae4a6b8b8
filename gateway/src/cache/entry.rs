//! The stored value: the generations it was drawn under, then the card's Plain JSON.
//!
//! `<customer generation>:<card generation>|<card json>`. An entry whose generations differ
//! from the current ones was invalidated and is treated as absent.
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

/// Encodes a card drawn under `generations`.
pub fn encode(generations: Generations, card: &CardJson) -> String {
    format!("{}:{}|{}", generations.customer, generations.card, card.as_str())
}

/// Decodes an entry, returning the card only when it was stored under the generations
/// whose decimal values are `customer` and `card` (as read from the counters: no number is
/// parsed on a hit).
pub fn decode(value: &str, customer: &str, card: &str) -> Option<CardJson> {
    let json = value.strip_prefix(customer)?.strip_prefix(':')?.strip_prefix(card)?.strip_prefix('|')?;
    // Only entries this gateway (or another holding the entry key) wrote get here: memory
    // and the near cache hold this gateway's own writes and what it opened from Redis.
    (json.starts_with('{') && json.ends_with('}')).then(|| CardJson::from_trusted(json))
}

/// [`decode`] for `current`.
pub fn decode_for(value: &str, current: Generations) -> Option<CardJson> {
    decode(value, &current.customer.to_string(), &current.card.to_string())
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

    #[test]
    fn round_trip_and_invalidation() {
        let card = CardJson::new("k", Some(5), None);
        let g = at(2, 7);
        let v = encode(g, &card);
        assert_eq!(decode(&v, "2", "7"), Some(card.clone()));
        assert_eq!(decode_for(&v, g), Some(card.clone()));
        assert_eq!(decode_for(&v, Generations { new_customer: true, ..g }), Some(card), "flags are not compared");
        assert_eq!(decode_for(&v, at(3, 7)), None);
        assert_eq!(decode_for(&v, at(2, 8)), None);
        assert_eq!(decode(&v, "2", "77"), None);
        assert_eq!(decode(&v, "", "7"), None);
        assert_eq!(decode(&encode(at(12, 7), &CardJson::new("k", None, None)), "1", "2:7"), None);
        assert_eq!(decode("garbage", "2", "7"), None);
        assert_eq!(decode("2:7|{not json", "2", "7"), None);
        assert_eq!(generation(Some("7")), Some(7));
        assert_eq!(generation(Some("seven")), None);
        assert_eq!(generation(None), None);
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
        let entry = encode(first, &CardJson::new("k", None, None));
        // The counters are evicted; the next lookup finds them absent again.
        let after_eviction = at(new_generation(), new_generation());
        assert_eq!(decode_for(&entry, after_eviction), None);
    }
}
