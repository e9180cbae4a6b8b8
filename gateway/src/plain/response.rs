//! The body the gateway answers Plain with, assembled from cards rendered once.

use std::sync::Arc;

use serde_json::value::RawValue;

/// One card of the answer, already serialised as Plain JSON:
/// `{"key":…,"timeToLiveSeconds":…,"components":…}`, with its key and TTL next to the text.
/// Stored as is in the cache and spliced into the response without being parsed again: the
/// key and the TTL are read once, when the card is made or wrapped (from the head of the
/// text, where this gateway writes them), so the stages after the draw never read the JSON.
#[derive(Debug, Clone)]
pub struct CardJson {
    json: Arc<str>,
    key: Key,
    ttl_seconds: Option<u32>,
}

/// Where a card's key is.
#[derive(Debug, Clone)]
enum Key {
    /// In the text, as this gateway writes it: between `{"key":"` and this byte offset.
    InText(usize),
    /// Elsewhere or escaped in the text (a card this gateway did not write): read once.
    Own(Arc<str>),
    /// The text has no key.
    Missing,
}

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
        let json: Arc<str> = serde_json::to_string(&card).expect("a card always serialises").into();
        let key = match split_ttl(&json) {
            Some((head, _, _)) => Key::InText(head.len() - 2),
            None => Key::Own(key.into()),
        };
        Self { json, key, ttl_seconds }
    }

    /// Wraps JSON text that is known to be one card object (for example from the cache).
    pub fn from_json(json: String) -> Result<Self, serde_json::Error> {
        RawValue::from_string(json).map(|raw| Self::wrap(String::from(Box::<str>::from(raw)).into()))
    }

    /// Wraps JSON text this gateway wrote itself (the cache, the renderer), without parsing
    /// it again.
    pub fn from_trusted(json: &str) -> Self {
        Self::wrap(json.into())
    }

    /// Reads the key and the TTL of `json`: from its head when this gateway wrote it (every
    /// card it serves), else, once, through a JSON value.
    fn wrap(json: Arc<str>) -> Self {
        if let Some((head, ttl_seconds, _)) = split_ttl(&json) {
            let key = Key::InText(head.len() - 2);
            return Self { json, key, ttl_seconds };
        }
        let value = serde_json::from_str::<serde_json::Value>(&json).unwrap_or_default();
        let key = value["key"].as_str().map_or(Key::Missing, |key| Key::Own(key.into()));
        let ttl_seconds = value["timeToLiveSeconds"].as_u64().and_then(|ttl| u32::try_from(ttl).ok());
        Self { json, key, ttl_seconds }
    }

    /// The card as JSON text.
    pub fn as_str(&self) -> &str {
        &self.json
    }

    /// True for a "no data" card (`"components": null`, always written last by
    /// [`CardJson::new`]).
    pub fn is_no_data(&self) -> bool {
        self.json.ends_with(r#""components":null}"#)
    }

    /// The card's key (`None` only for JSON text without one, which this gateway never writes).
    pub fn key(&self) -> Option<&str> {
        match &self.key {
            Key::InText(end) => Some(&self.json[KEY_OPENING.len()..*end]),
            Key::Own(key) => Some(key),
            Key::Missing => None,
        }
    }

    /// The card's `timeToLiveSeconds`, when it has one (every card a service drew does).
    pub fn ttl_seconds(&self) -> Option<u32> {
        self.ttl_seconds
    }

    /// The same card with `timeToLiveSeconds` set to `ttl_seconds` (added when absent).
    pub fn with_ttl(&self, ttl_seconds: u32) -> CardJson {
        match with_ttl_text(&self.json, ttl_seconds) {
            // The head, and with it the key's place, is unchanged.
            Some(text) => Self { json: text.into(), key: self.key.clone(), ttl_seconds: Some(ttl_seconds) },
            // Not written by this gateway (never seen): through a JSON value.
            None => match serde_json::from_str::<serde_json::Value>(&self.json) {
                Ok(mut value) => {
                    value["timeToLiveSeconds"] = ttl_seconds.into();
                    CardJson::from_json(value.to_string()).unwrap_or_else(|_| self.clone())
                }
                Err(_) => self.clone(),
            },
        }
    }
}

const KEY_OPENING: &str = r#"{"key":""#;
const TTL_FIELD: &str = r#""timeToLiveSeconds":"#;

/// `json` (a card as this gateway writes it) in three parts: up to the key's comma, the TTL
/// if any, and from `"components"` on. `None` for any other shape, e.g. a key that needed
/// escaping (never one that passed the card-key rule).
fn split_ttl(json: &str) -> Option<(&str, Option<u32>, &str)> {
    let key = json.strip_prefix(KEY_OPENING)?;
    let key_len = key.find('"')?;
    if key[..key_len].contains('\\') {
        return None;
    }
    let head_len = KEY_OPENING.len() + key_len + 2;
    let head = json.get(..head_len).filter(|head| head.ends_with("\","))?;
    let rest = &json[head_len..];
    let Some(ttl) = rest.strip_prefix(TTL_FIELD) else { return Some((head, None, rest)) };
    let digits = ttl.find(|c: char| !c.is_ascii_digit())?;
    let value = ttl[..digits].parse().ok()?;
    Some((head, Some(value), ttl[digits..].strip_prefix(',')?))
}

/// The text of `json` with its TTL set to `ttl_seconds`, in one allocation; `None` when
/// `json` is not shaped as [`split_ttl`] expects.
pub(crate) fn with_ttl_text(json: &str, ttl_seconds: u32) -> Option<String> {
    let (head, _, rest) = split_ttl(json)?;
    let mut out = String::with_capacity(head.len() + TTL_FIELD.len() + 11 + rest.len());
    out.push_str(head);
    out.push_str(TTL_FIELD);
    // Writing to a String cannot fail.
    let _ = std::fmt::Write::write_fmt(&mut out, format_args!("{ttl_seconds},"));
    out.push_str(rest);
    Some(out)
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

    #[test]
    fn the_ttl_is_read_and_replaced_in_place() {
        let components = serde_json::json!([{"componentText":{"text":"\"timeToLiveSeconds\":1,"}}]);
        let card = CardJson::new("usage", Some(300), Some(&components));
        assert_eq!(card.ttl_seconds(), Some(300));
        assert_eq!(card.key(), Some("usage"));
        let shorter = card.with_ttl(42);
        assert_eq!(shorter.ttl_seconds(), Some(42));
        let value: serde_json::Value = serde_json::from_str(shorter.as_str()).unwrap();
        assert_eq!(value["timeToLiveSeconds"], 42);
        assert_eq!(value["components"], components);
        assert!(shorter.as_str().starts_with(r#"{"key":"usage","timeToLiveSeconds":42,"components":"#));

        let none = CardJson::new("usage", None, None);
        assert_eq!(none.ttl_seconds(), None);
        assert_eq!(none.with_ttl(7).as_str(), r#"{"key":"usage","timeToLiveSeconds":7,"components":null}"#);
        assert!(none.with_ttl(7).is_no_data());

        // Another shape goes through a JSON value, with the same outcome.
        let other = CardJson::from_json(r#"{"components":null,"key":"k"}"#.to_owned()).unwrap();
        assert_eq!(other.ttl_seconds(), None);
        let value: serde_json::Value = serde_json::from_str(other.with_ttl(9).as_str()).unwrap();
        assert_eq!(value["timeToLiveSeconds"], 9);
        assert_eq!(split_ttl(r#"{"key":"a\",","timeToLiveSeconds":1,"components":null}"#), None);
    }

    #[test]
    fn a_card_carries_its_key_and_ttl_whatever_made_it() {
        let drawn = CardJson::new("usage", Some(300), Some(&serde_json::json!([])));
        assert_eq!((drawn.key(), drawn.ttl_seconds()), (Some("usage"), Some(300)));
        let stale = drawn.with_ttl(30);
        assert_eq!((stale.key(), stale.ttl_seconds()), (Some("usage"), Some(30)));
        let cached = CardJson::from_trusted(stale.as_str());
        assert_eq!((cached.key(), cached.ttl_seconds()), (Some("usage"), Some(30)));

        // A key JSON must escape is not in the text as is: it is kept beside it.
        let escaped = CardJson::new("a\"b", None, None);
        assert_eq!((escaped.key(), escaped.ttl_seconds()), (Some("a\"b"), None));
        assert_eq!(escaped.with_ttl(5).key(), Some("a\"b"));

        // Text this gateway did not write is read once, through a JSON value.
        let foreign = CardJson::from_json(r#"{"components":null,"timeToLiveSeconds":7,"key":"k"}"#.to_owned()).unwrap();
        assert_eq!((foreign.key(), foreign.ttl_seconds()), (Some("k"), Some(7)));
        assert_eq!(CardJson::from_json(r#"{"components":null}"#.to_owned()).unwrap().key(), None);
    }
}
