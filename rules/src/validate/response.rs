//! Cards and whole card-API responses (PROTOCOL.md section 3).
//!
//! Fields of a card or of the response other than the ones Plain defines are not reported:
//! Plain's docs say nothing about them. Extra cards (keys nobody asked for) are warnings
//! ([`Rule::IgnoredCard`]) when the requested keys are known: Plain ignores them.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Number, Value};

use super::component::validate_list;
use super::path::{describe, quote, type_name, Path};
use crate::catalogue::{Level, CATALOGUE};
use crate::finding::{Report, Rule};
use crate::key::{is_valid_card_key, CARD_KEY_RULE};

/// Path used for a finding about the document root itself.
pub const ROOT: &str = "$";

/// Checks a card's `components` at `path`: `null` (no data) or an array of top-level
/// components.
pub fn check_components(components: &Value, path: &str) -> Report {
    components_at(components, &Path::Root(path))
}

fn components_at(components: &Value, path: &Path<'_>) -> Report {
    let mut out = Report::default();
    match components {
        Value::Null => {}
        Value::Array(items) => validate_list(items, path, Level::Component, &mut out),
        other => out.violation(
            path,
            Rule::Type,
            format!("must be an array of components, or null for no data; got {}", type_name(other)),
        ),
    }
    out
}

/// Checks one card `{ key, timeToLiveSeconds?, components }` found at `path`: `key` a
/// string matching the card-key pattern; `timeToLiveSeconds` absent, null or an integer of
/// at least 0 (outside Plain's 15 s .. 1 year settings range: a warning); `components` present,
/// and null (no data) or a valid component array.
pub fn check_card(card: &Value, path: &str) -> Report {
    card_at(card, &Path::Root(path))
}

fn card_at(card: &Value, root: &Path<'_>) -> Report {
    let mut out = Report::default();
    let Value::Object(map) = card else {
        out.violation(
            root,
            Rule::Type,
            format!("must be a card object {{ key, timeToLiveSeconds?, components }}; got {}", type_name(card)),
        );
        return out;
    };

    let key_path = root.field("key");
    match map.get("key") {
        None | Some(Value::Null) => out.violation(key_path, Rule::Required, "is required: the requested card key"),
        Some(Value::String(key)) if is_valid_card_key(key) => {}
        Some(Value::String(key)) => out.violation(
            key_path,
            Rule::CardKey,
            format!("must match [a-zA-Z0-9_-]+ ({CARD_KEY_RULE}); got {}", quote(key)),
        ),
        Some(other) => out.violation(key_path, Rule::Type, format!("must be a string; got {}", type_name(other))),
    }

    let ttl_path = root.field("timeToLiveSeconds");
    match map.get("timeToLiveSeconds") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => match ttl_seconds(n) {
            Ok(seconds) if CATALOGUE.time_to_live_seconds.contains(seconds) => {}
            Ok(seconds) => {
                let bounds = CATALOGUE.time_to_live_seconds;
                out.push(crate::Violation::new(
                    ttl_path,
                    Rule::TimeToLiveBounds,
                    format!(
                        "{seconds} is outside the {} to {} seconds Plain's card settings allow",
                        bounds.min, bounds.max
                    ),
                ));
            }
            Err(message) => out.violation(ttl_path, Rule::TimeToLive, message),
        },
        Some(other) => out.violation(
            ttl_path,
            Rule::TimeToLive,
            format!("must be an integer >= 0 or null; got {}", type_name(other)),
        ),
    }

    let components_path = root.field("components");
    match map.get("components") {
        None => {
            out.violation(components_path, Rule::Required, "is required: an array of components, or null for no data")
        }
        Some(components) => out.extend(components_at(components, &components_path)),
    }
    out
}

/// The TTL in seconds, or why the number is not one. Integral floats (`60.0`) count as
/// integers, as in JSON Schema and JavaScript.
fn ttl_seconds(n: &Number) -> Result<u64, String> {
    if let Some(seconds) = n.as_u64() {
        return Ok(seconds);
    }
    if n.is_i64() {
        return Err(format!("must be >= 0; got {n}"));
    }
    /// Largest integer a JSON number holds exactly in JavaScript (2^53 - 1).
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    match n.as_f64() {
        Some(x) if x.fract() != 0.0 || !x.is_finite() => Err(format!("must be an integer number of seconds; got {n}")),
        Some(x) if x < 0.0 => Err(format!("must be >= 0; got {n}")),
        Some(x) if x > MAX_SAFE_INTEGER => Err(format!("must be at most 2^53 - 1; got {n}")),
        // Exact: integral and within 2^53.
        Some(x) => Ok(x as u64),
        None => Err(format!("must be an integer number of seconds; got {n}")),
    }
}

/// Checks a whole response `{ "cards": [ ... ] }`: every card (see [`check_card`], paths
/// `cards[i]`) and duplicate keys (reported on the later occurrence). With `requested`:
/// every requested key must have a card ([`Rule::MissingKey`] at path `cards`, once per key,
/// after the cards' findings) and a card for a key not requested is a warning. A root that
/// is not an object is reported at path `$`.
pub fn check_response(doc: &Value, requested: Option<&[&str]>) -> Report {
    let mut out = Report::default();
    let answered = check_cards(doc, requested, &mut out);
    let mut seen = BTreeSet::new();
    for key in requested.unwrap_or_default() {
        if !answered.contains(key) && seen.insert(*key) {
            out.violation(
                "cards",
                Rule::MissingKey,
                format!(
                    "requested key {} has no card; answer every requested key \
                     (with \"components\": null when there is no data)",
                    quote(key)
                ),
            );
        }
    }
    out
}

/// Checks the cards of `doc` into `out` and returns the keys they answer.
fn check_cards<'a>(doc: &'a Value, requested: Option<&[&str]>, out: &mut Report) -> BTreeSet<&'a str> {
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    let Value::Object(map) = doc else {
        out.violation(ROOT, Rule::Type, format!("must be an object {{ \"cards\": [ ... ] }}; got {}", type_name(doc)));
        return BTreeSet::new();
    };
    let cards = match map.get("cards") {
        Some(Value::Array(cards)) => cards,
        None => {
            out.violation("cards", Rule::Required, "is required: an array of cards");
            return BTreeSet::new();
        }
        Some(other) => {
            out.violation("cards", Rule::Type, format!("must be an array of cards; got {}", describe(other)));
            return BTreeSet::new();
        }
    };
    let root = Path::Root("cards");
    for (i, card) in cards.iter().enumerate() {
        let path = root.index(i);
        out.extend(card_at(card, &path));
        let Some(key) = card.get("key").and_then(Value::as_str) else {
            continue;
        };
        if let Some(first) = first_at.get(key) {
            out.violation(
                path.field("key"),
                Rule::DuplicateKey,
                format!("duplicate key {} (first at cards[{first}]); send one card per key", quote(key)),
            );
        } else {
            first_at.insert(key, i);
        }
        if requested.is_some_and(|keys| !keys.contains(&key)) {
            out.push(crate::Violation::new(
                path.field("key"),
                Rule::IgnoredCard,
                format!("key {} was not requested; Plain ignores this card", quote(key)),
            ));
        }
    }
    first_at.into_keys().collect()
}
