//! Reading an endpoint's answer: the size limit, the JSON, and one [`Card`] per requested key.

use cardmesh_kit::Card;
use serde_json::Value;

use super::EndpointError;
use crate::convert::card_from_json;

/// Reads `response`'s body, refusing more than `limit` bytes (by `Content-Length` before
/// reading, and while reading for answers without one).
pub async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, EndpointError> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Err(EndpointError::TooLarge(limit));
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(EndpointError::TooLarge(limit));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => return Err(EndpointError::Transport(error.without_url().to_string())),
        }
    }
}

/// The cards of a 200 answer `body`: one per requested key, in the order of `keys`.
///
/// - the first card whose `key` is a requested key is that key's answer; later ones and
///   cards of keys nobody asked for are ignored (as Plain ignores them);
/// - a requested key without a card is an error for that key only;
/// - a body that is not JSON, or not `{ "cards": [ ... ] }`, fails for every key.
pub fn cards_of(body: &[u8], keys: &[String]) -> Result<Vec<(String, Card)>, EndpointError> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| EndpointError::NotJson(e.to_string()))?;
    let Some(cards) = doc.get("cards").and_then(Value::as_array) else {
        return Err(EndpointError::NotCards);
    };
    Ok(keys
        .iter()
        .map(|key| {
            let found = cards.iter().position(|card| card.get("key").and_then(Value::as_str) == Some(key.as_str()));
            let card = match found {
                Some(i) => card_from_json(&cards[i], &format!("cards[{i}]")),
                None => Card::error("the endpoint's answer has no card for this key"),
            };
            (key.clone(), card)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn one_card_per_requested_key_extra_ignored_missing_is_an_error() {
        let body = br#"{"cards": [
            {"key": "extra", "components": null},
            {"key": "b", "timeToLiveSeconds": 60, "components": null},
            {"key": "b", "components": [{"componentText": {"text": "second copy"}}]}
        ]}"#;
        let cards = cards_of(body, &keys(&["a", "b"])).expect("cards");
        assert_eq!(cards.len(), 2);
        assert!(matches!(&cards[0], (k, Card::Error(reason)) if k == "a" && reason.contains("no card")));
        assert_eq!(cards[1], ("b".into(), Card::NoData));
    }

    #[test]
    fn not_json_and_not_cards_fail_the_whole_answer() {
        assert!(matches!(cards_of(b"<html>", &keys(&["a"])), Err(EndpointError::NotJson(_))));
        assert_eq!(cards_of(br#"{"card": []}"#, &keys(&["a"])), Err(EndpointError::NotCards));
        assert_eq!(cards_of(b"[]", &keys(&["a"])), Err(EndpointError::NotCards));
    }
}
