//! Plain's card-key rule and the limits around keys and TTLs, read from the catalogue; and
//! cardmesh's own action-name rule, which the gateway and the Rust kit share.

use crate::catalogue::CATALOGUE;

/// The most distinct card keys one Plain request carries (25: Plain allows at most 25 card
/// configs per workspace).
pub const MAX_KEYS_PER_REQUEST: usize = CATALOGUE.card_key.max_keys_per_request;

/// The card-key pattern, anchored: `^[a-zA-Z0-9_-]+$`.
pub const CARD_KEY_PATTERN: &str = CATALOGUE.card_key.pattern;

/// The card-key rule in words, for messages.
pub const CARD_KEY_RULE: &str =
    "a card key may contain only letters, digits, '-' and '_' ([a-zA-Z0-9_-]+) and must not be empty";

/// Smallest TTL (seconds) Plain's card settings allow.
pub const TTL_MIN_SECONDS: u64 = CATALOGUE.time_to_live_seconds.min;
/// Largest TTL (seconds) Plain's card settings allow: one year.
pub const TTL_MAX_SECONDS: u64 = CATALOGUE.time_to_live_seconds.max;

/// Whether `key` matches [`CARD_KEY_PATTERN`]: non-empty ASCII letters, digits, `_` and `-`.
pub fn is_valid_card_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The pattern of an action name (the `{name}` of the gateway's `/actions/{name}`).
pub const ACTION_NAME_PATTERN: &str = "[a-z0-9][a-z0-9-]*";
/// The longest action name, in bytes.
pub const MAX_ACTION_NAME_BYTES: usize = 64;

/// True when `name` is a valid action name: [`ACTION_NAME_PATTERN`], at most
/// [`MAX_ACTION_NAME_BYTES`] bytes, so that it fits a URL path segment as it is.
pub fn is_valid_action_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_ACTION_NAME_BYTES
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_and_the_function_agree_on_samples() {
        assert_eq!(CARD_KEY_PATTERN, "^[a-zA-Z0-9_-]+$");
        for ok in ["a", "usage", "latest-invoice", "A_9-z", "0"] {
            assert!(is_valid_card_key(ok), "{ok}");
        }
        for bad in ["", " ", "a b", "é", "a.b", "a/b", "ä", "a\n"] {
            assert!(!is_valid_card_key(bad), "{bad:?}");
        }
        assert_eq!(MAX_KEYS_PER_REQUEST, 25);
        assert_eq!((TTL_MIN_SECONDS, TTL_MAX_SECONDS), (15, 31_536_000));
    }

    #[test]
    fn action_names_are_lowercase_words_with_dashes_of_at_most_64_bytes() {
        for ok in ["extend-trial", "a", "0", "0-reset", "reset-rate-limit-2", &"a".repeat(64)] {
            assert!(is_valid_action_name(ok), "{ok}");
        }
        for bad in ["", "-x", "-lead", "Extend", "extend_trial", "a b", "a/b", "é", &"a".repeat(65)] {
            assert!(!is_valid_action_name(bad), "{bad}");
        }
    }
}
