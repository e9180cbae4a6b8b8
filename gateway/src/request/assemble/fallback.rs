//! The small card served when a card's service failed (or the card did not fit the answer),
//! and the TTL a stale copy is served with.

use serde_json::json;

use crate::config::Fallback;
use crate::plain::CardJson;

/// Builds fallback cards: one muted text, short TTL so Plain asks again soon.
#[derive(Debug, Clone)]
pub struct FallbackCards {
    ttl_seconds: u32,
    components: serde_json::Value,
}

impl FallbackCards {
    pub fn new(settings: &Fallback) -> Self {
        Self {
            ttl_seconds: settings.ttl_seconds,
            components: json!([{
                "componentText": { "text": settings.text, "textColor": "MUTED", "textSize": "S" }
            }]),
        }
    }

    /// The fallback card for `key`.
    pub fn card(&self, key: &str) -> CardJson {
        CardJson::new(key, Some(self.ttl_seconds), Some(&self.components))
    }
}

/// The same card with `timeToLiveSeconds` replaced (a stale copy is served with a short TTL
/// so Plain asks again soon).
pub fn with_ttl(card: &CardJson, ttl_seconds: u32) -> CardJson {
    card.with_ttl(ttl_seconds)
}
