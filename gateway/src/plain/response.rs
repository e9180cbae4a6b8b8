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

    /// The card's key, when the card is shaped as this gateway writes it (every card is).
    pub fn key(&self) -> Option<&str> {
        split_ttl(&self.0).map(|(head, _, _)| &head[KEY_OPENING.len()..head.len() - 2])
    }

    /// The card's key and `timeToLiveSeconds`, read in one pass: [`Self::key`] and
    /// [`Self::ttl_seconds`] together.
    pub fn key_and_ttl(&self) -> Option<(&str, Option<u32>)> {
        split_ttl(&self.0).map(|(head, ttl, _)| (&head[KEY_OPENING.len()..head.len() - 2], ttl))
    }

    /// The card's `timeToLiveSeconds`, when it has one (every card a service drew does).
    pub fn ttl_seconds(&self) -> Option<u32> {
        split_ttl(&self.0).and_then(|(_, ttl, _)| ttl)
    }

    /// The same card with `timeToLiveSeconds` set to `ttl_seconds` (added when absent).
    pub fn with_ttl(&self, ttl_seconds: u32) -> CardJson {
        match with_ttl_text(&self.0, ttl_seconds) {
            Some(text) => Self(text.into()),
            // Not written by this gateway (never seen): through a JSON value.
            None => match serde_json::from_str::<serde_json::Value>(&self.0) {
                Ok(mut value) => {
                    value["timeToLiveSeconds"] = ttl_seconds.into();
                    CardJson::from_json(value.to_string()).unwrap_or_else(|_| self.clone())
                }
                Err(_) => self.clone(),
            },
        }
    }
}

/// How every card this gateway writes begins: `{"key":"<key>",`, then `"timeToLiveSeconds":N,`
/// when it has a TTL, then `"components":…}` ([`CardJson::new`], `render::write`).
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
        assert_eq!(card.key_and_ttl(), Some(("usage", Some(300))));
        let shorter = card.with_ttl(42);
        assert_eq!(shorter.ttl_seconds(), Some(42));
        let value: serde_json::Value = serde_json::from_str(shorter.as_str()).unwrap();
        assert_eq!(value["timeToLiveSeconds"], 42);
        assert_eq!(value["components"], components);
        assert!(shorter.as_str().starts_with(r#"{"key":"usage","timeToLiveSeconds":42,"components":"#));

        let none = CardJson::new("usage", None, None);
        assert_eq!(none.ttl_seconds(), None);
        assert_eq!(none.key_and_ttl(), Some(("usage", None)));
        assert_eq!(none.with_ttl(7).as_str(), r#"{"key":"usage","timeToLiveSeconds":7,"components":null}"#);
        assert!(none.with_ttl(7).is_no_data());

        // Another shape goes through a JSON value, with the same outcome.
        let other = CardJson::from_json(r#"{"components":null,"key":"k"}"#.to_owned()).unwrap();
        assert_eq!(other.ttl_seconds(), None);
        let value: serde_json::Value = serde_json::from_str(other.with_ttl(9).as_str()).unwrap();
        assert_eq!(value["timeToLiveSeconds"], 9);
        assert_eq!(split_ttl(r#"{"key":"a\",","timeToLiveSeconds":1,"components":null}"#), None);
    }
}
