//! The body the gateway answers Plain with, assembled from cards rendered once.

use serde_json::value::RawValue;

/// One card of the answer, already serialised as Plain JSON:
/// `{"key":…,"timeToLiveSeconds":…,"components":…}`. Stored as is in the cache and spliced
/// into the response without being parsed again.
#[derive(Debug, Clone)]
pub struct CardJson(std::sync::Arc<str>);

impl CardJson {
    /// Serialises a card. `components` is `None` for "no data" (Plain hides the card).
    pub fn new(key: &str, ttl_seconds: Option<u32>, components: Option<&serde_json::Value>) -> Self {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Card<'a> {
            key: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            time_to_live_seconds: Option<u32>,
            components: Option<&'a serde_json::Value>,
        }
        let card = Card { key, time_to_live_seconds: ttl_seconds, components };
        // Serialising plain strings, numbers and a `Value` cannot fail.
        let json = serde_json::to_string(&card).expect("a card always serialises");
        Self(json.into())
    }

    /// Wraps JSON text that is known to be one card object (for example from the cache).
    pub fn from_json(json: String) -> Result<Self, serde_json::Error> {
        RawValue::from_string(json).map(|raw| Self(String::from(Box::<str>::from(raw)).into()))
    }

    /// Wraps JSON text this gateway wrote itself (the cache, the renderer), without parsing
    /// it again.
    pub fn from_trusted(json: &str) -> Self {
        Self(json.into())
    }

    /// The card as JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a "no data" card (`"components": null`, always written last by
    /// [`CardJson::new`]).
    pub fn is_no_data(&self) -> bool {
        self.0.ends_with(r#""components":null}"#)
    }
}

impl PartialEq for CardJson {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for CardJson {}

/// `{"cards":[…]}` built from cards in request order.
pub struct ResponseBody;

impl ResponseBody {
    /// Joins the cards into the response body.
    pub fn build<'a>(cards: impl IntoIterator<Item = &'a CardJson> + Clone) -> String {
        let size: usize = cards.clone().into_iter().map(|c| c.as_str().len() + 1).sum();
        let mut out = String::with_capacity(size + 12);
        out.push_str(r#"{"cards":["#);
        for (i, card) in cards.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(card.as_str());
        }
        out.push_str("]}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_data_card_and_body() {
        let a = CardJson::new("usage", None, None);
        let b = CardJson::new("x", Some(60), Some(&serde_json::json!([{"componentDivider":{}}])));
        assert_eq!(a.as_str(), r#"{"key":"usage","components":null}"#);
        assert!(a.is_no_data() && !b.is_no_data());
        let body = ResponseBody::build([&a, &b]);
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["cards"][1]["timeToLiveSeconds"], 60);
        assert_eq!(ResponseBody::build([]), r#"{"cards":[]}"#);
    }
}
