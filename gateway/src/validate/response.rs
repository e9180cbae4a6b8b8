//! Cards and whole card-API responses (PROTOCOL.md section 3).
//!
//! Fields of a card or of the response other than the ones Plain defines are not reported:
//! Plain's docs say nothing about them and the gateway never emits any. Extra cards (keys
//! nobody asked for) are not reported either: Plain ignores them.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Number, Value};

use super::component::validate_components;
use super::limits::is_valid_card_key;
use super::path::{describe, field, index, quote, type_name};
use super::Violation;

/// Path used for a violation of the document root itself.
const ROOT: &str = "$";

/// Validates one card `{ key, timeToLiveSeconds?, components }` found at `path`:
/// `key` a string matching `[a-zA-Z0-9_-]+`; `timeToLiveSeconds` absent, null or an integer
/// >= 0; `components` present, and null (no data) or a valid component array.
pub fn validate_card(card: &Value, path: &str) -> Vec<Violation> {
    let Value::Object(map) = card else {
        return vec![Violation::new(
            path,
            format!("must be a card object {{ key, timeToLiveSeconds?, components }}; got {}", type_name(card)),
        )];
    };
    let mut out = Vec::new();

    let key_path = field(path, "key");
    match map.get("key") {
        None | Some(Value::Null) => out.push(Violation::new(key_path, "is required: the requested card key")),
        Some(Value::String(key)) if is_valid_card_key(key) => {}
        Some(Value::String(key)) => out.push(Violation::new(
            key_path,
            format!("must match [a-zA-Z0-9_-]+ (letters, digits, '_' and '-'); got {}", quote(key)),
        )),
        Some(other) => out.push(Violation::new(key_path, format!("must be a string; got {}", type_name(other)))),
    }

    match map.get("timeToLiveSeconds") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => {
            if let Some(message) = ttl_problem(n) {
                out.push(Violation::new(field(path, "timeToLiveSeconds"), message));
            }
        }
        Some(other) => out.push(Violation::new(
            field(path, "timeToLiveSeconds"),
            format!("must be an integer >= 0 or null; got {}", type_name(other)),
        )),
    }

    let components_path = field(path, "components");
    match map.get("components") {
        None => out.push(Violation::new(components_path, "is required: an array of components, or null for no data")),
        Some(components) => out.extend(validate_components(components, &components_path)),
    }
    out
}

/// Why a TTL number is invalid, if it is. Integral floats (`60.0`) count as integers, as
/// in JSON Schema and JavaScript.
fn ttl_problem(n: &Number) -> Option<String> {
    if n.is_u64() {
        return None;
    }
    if n.is_i64() {
        return Some(format!("must be >= 0; got {n}"));
    }
    /// Largest integer a JSON number holds exactly in JavaScript (2^53 - 1).
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    match n.as_f64() {
        Some(x) if x.fract() != 0.0 || !x.is_finite() => Some(format!("must be an integer number of seconds; got {n}")),
        Some(x) if x < 0.0 => Some(format!("must be >= 0; got {n}")),
        Some(x) if x > MAX_SAFE_INTEGER => Some(format!("must be at most 2^53 - 1; got {n}")),
        Some(_) => None,
        None => Some(format!("must be an integer number of seconds; got {n}")),
    }
}

/// Validates a whole response `{ "cards": [ ... ] }`: every card (see [`validate_card`],
/// paths `cards[i]`), plus duplicate keys (each key should appear once; reported on the
/// later occurrence). A root that is not an object is reported at path `$`.
pub fn validate_response(doc: &Value) -> Vec<Violation> {
    validate_cards(doc).0
}

/// [`validate_response`] plus: every key in `requested` has a card (a missing key is an
/// integration error in Plain). Missing keys are reported at path `cards`, once per key.
pub fn validate_response_for(doc: &Value, requested: &[&str]) -> Vec<Violation> {
    let (mut out, keys) = validate_cards(doc);
    let mut seen = BTreeSet::new();
    for key in requested {
        if !keys.contains(key) && seen.insert(*key) {
            out.push(Violation::new(
                "cards",
                format!(
                    "requested key {} has no card; answer every requested key \
                     (with \"components\": null when there is no data)",
                    quote(key)
                ),
            ));
        }
    }
    out
}

/// Validates the response and returns the violations and the string keys of its cards.
fn validate_cards(doc: &Value) -> (Vec<Violation>, BTreeSet<&str>) {
    let mut out = Vec::new();
    let mut keys = BTreeSet::new();
    let Value::Object(map) = doc else {
        out.push(Violation::new(ROOT, format!("must be an object {{ \"cards\": [ ... ] }}; got {}", type_name(doc))));
        return (out, keys);
    };
    let cards = match map.get("cards") {
        Some(Value::Array(cards)) => cards,
        None => {
            out.push(Violation::new("cards", "is required: an array of cards"));
            return (out, keys);
        }
        Some(other) => {
            out.push(Violation::new("cards", format!("must be an array of cards; got {}", describe(other))));
            return (out, keys);
        }
    };
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    for (i, card) in cards.iter().enumerate() {
        let path = index("cards", i);
        out.extend(validate_card(card, &path));
        let Some(key) = card.get("key").and_then(Value::as_str) else {
            continue;
        };
        keys.insert(key);
        if let Some(first) = first_at.get(key) {
            out.push(Violation::new(
                field(&path, "key"),
                format!("duplicate key {} (first at cards[{first}]); send one card per key", quote(key)),
            ));
        } else {
            first_at.insert(key, i);
        }
    }
    (out, keys)
}
