//! The stored value: the generations it was drawn under, then the card's Plain JSON.
//!
//! `<customer generation>:<card generation>|<card json>`. An entry whose generations differ
//! from the current ones was invalidated and is treated as absent.

use crate::plain::CardJson;

/// Generations current when a card was looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Generations {
    pub customer: u64,
    pub card: u64,
}

/// Encodes a card drawn under `generations`.
pub fn encode(generations: Generations, card: &CardJson) -> String {
    format!("{}:{}|{}", generations.customer, generations.card, card.as_str())
}

/// Decodes an entry, returning the card only when it was stored under `current`.
pub fn decode(value: &str, current: Generations) -> Option<CardJson> {
    let (head, json) = value.split_once('|')?;
    let (customer, card) = head.split_once(':')?;
    let stored = Generations { customer: customer.parse().ok()?, card: card.parse().ok()? };
    if stored != current {
        return None;
    }
    (json.starts_with('{') && json.ends_with('}')).then(|| CardJson::from_trusted(json))
}

/// Parses a generation counter (absent = 0).
pub fn generation(value: Option<&str>) -> u64 {
    value.and_then(|v| v.parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_invalidation() {
        let card = CardJson::new("k", Some(5), None);
        let g = Generations { customer: 2, card: 0 };
        let v = encode(g, &card);
        assert_eq!(decode(&v, g), Some(card));
        assert_eq!(decode(&v, Generations { customer: 3, card: 0 }), None);
        assert_eq!(decode(&v, Generations { customer: 2, card: 1 }), None);
        assert_eq!(decode("garbage", g), None);
        assert_eq!(decode("2:0|{not json", g), None);
        assert_eq!(generation(Some("7")), 7);
        assert_eq!(generation(None), 0);
    }
}
