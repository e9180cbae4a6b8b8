//! The served ledger: for each exact context the gateway answered Plain in (workspace,
//! customer, thread, tenant, card key), when it answered and until when Plain keeps that
//! answer. It tells the three reasons Plain has to ask for a card apart:
//!
//! | Plain's copy of the card | the request is | the gateway |
//! | --- | --- | --- |
//! | none, or expired | [`Asked::First`] | serves the cached copy if fresh, else draws it |
//! | answered less than `cache.duplicate_window` ago | [`Asked::Duplicate`] (a retry, or two of Plain's workers at once) | as `First`: shares the flight or the copy just drawn |
//! | answered earlier, still held | [`Asked::Reload`] (an agent pressed reload, or `reloadCustomerCardInstance` discarded it) | draws the card from its service, whatever the cache holds |
//!
//! Plain keeps each answer for the `timeToLiveSeconds` it was given, and the gateway always
//! gives one (see `crate::request::fetch`), so the ledger knows exactly when Plain's copy expires.
//!
//! An entry's value is `<answered at>:<expires at>` (Unix milliseconds); it lives in the
//! store until it expires, so the ledger is bounded by what Plain holds. In Redis the
//! entries are checked for that form when read, not sealed: a forged entry could only make
//! the gateway draw a card once more, or answer a reload with a copy that is still within its
//! TTL, and only someone who can already write to Redis could forge one.

use std::time::Duration;

/// What the gateway answered in one context: when, and until when Plain keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    /// When the answer left the gateway (Unix milliseconds).
    pub answered_ms: u64,
    /// When Plain's copy expires: the answer's time plus the card's `timeToLiveSeconds`.
    pub expires_ms: u64,
}

/// Why Plain asks for a card, as far as the ledger can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// Plain holds no copy: none was answered, or it expired.
    First,
    /// Asked again within the duplicate window of an answer: a retry or a concurrent worker.
    Duplicate,
    /// Asked again while Plain still holds an earlier answer: a reload.
    Reload,
}

/// Most writes of ledger entries whose expiry moves by no more than this are skipped: a
/// duplicate served the same copy changes what Plain holds by less than the rounding of
/// `timeToLiveSeconds` to whole seconds.
const SAME_EXPIRY_MS: u64 = 1_000;

impl Served {
    /// The answer of a card with `ttl_seconds` given at `now_ms`.
    pub fn answered(now_ms: u64, ttl_seconds: u32) -> Self {
        Self { answered_ms: now_ms, expires_ms: now_ms.saturating_add(u64::from(ttl_seconds) * 1000) }
    }

    /// `<answered at>:<expires at>`.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.answered_ms, self.expires_ms)
    }

    /// Reads an entry; `None` for anything but two integers with the expiry not before the
    /// answer.
    pub fn decode(value: &str) -> Option<Self> {
        let (answered, expires) = value.split_once(':')?;
        let served = Self { answered_ms: answered.parse().ok()?, expires_ms: expires.parse().ok()? };
        (served.expires_ms >= served.answered_ms).then_some(served)
    }
}

/// Why Plain asks at `now_ms` for a card whose context's last answer is `last`.
pub fn asked(last: Option<Served>, now_ms: u64, duplicate_window: Duration) -> Asked {
    let Some(last) = last.filter(|last| now_ms < last.expires_ms) else { return Asked::First };
    let window = u64::try_from(duplicate_window.as_millis()).unwrap_or(u64::MAX);
    // A replica whose clock is behind the one that answered sees a negative age: a duplicate.
    if now_ms < last.answered_ms.saturating_add(window) {
        Asked::Duplicate
    } else {
        Asked::Reload
    }
}

/// The entry to record after answering, at `now_ms`, a card with `ttl_seconds` in a context
/// whose last answer was `last` and which Plain asked for as `asked`; `None` when nothing
/// needs writing: Plain keeps nothing (a TTL of 0), or a duplicate changed nothing Plain
/// holds.
pub fn record(last: Option<Served>, asked: Asked, now_ms: u64, ttl_seconds: u32) -> Option<Served> {
    if ttl_seconds == 0 {
        return None;
    }
    let served = Served::answered(now_ms, ttl_seconds);
    match (asked, last) {
        // The first answer stays the one the window is counted from.
        (Asked::Duplicate, Some(last)) if served.expires_ms <= last.expires_ms + SAME_EXPIRY_MS => None,
        // Plain keeps whichever of the two answers it took last: keep the later expiry, so a
        // reload within it is recognised.
        (Asked::Duplicate, Some(last)) => Some(Served { answered_ms: last.answered_ms, ..served }),
        _ => Some(served),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_700_000_000_000;
    const WINDOW: Duration = Duration::from_secs(2);

    fn at(answered: u64, ttl: u32) -> Option<Served> {
        Some(Served::answered(answered, ttl))
    }

    #[test]
    fn a_context_plain_holds_is_a_duplicate_within_the_window_then_a_reload_until_it_expires() {
        assert_eq!(asked(None, T, WINDOW), Asked::First);
        let last = at(T, 60);
        assert_eq!(asked(last, T, WINDOW), Asked::Duplicate);
        assert_eq!(asked(last, T + 1_999, WINDOW), Asked::Duplicate);
        assert_eq!(asked(last, T + 2_000, WINDOW), Asked::Reload);
        assert_eq!(asked(last, T + 59_999, WINDOW), Asked::Reload);
        assert_eq!(asked(last, T + 60_000, WINDOW), Asked::First, "Plain's copy expired: it asks again");
        assert_eq!(asked(last, T - 500, WINDOW), Asked::Duplicate, "a clock behind the answering replica's");
        assert_eq!(asked(at(T, 1), T + 1_500, WINDOW), Asked::First, "expired within the window");
        assert_eq!(asked(last, T + 1, Duration::ZERO), Asked::Reload, "no window: every repeat reloads");
    }

    #[test]
    fn entries_round_trip_and_anything_else_is_no_entry() {
        let served = Served::answered(T, 45);
        assert_eq!(served.expires_ms, T + 45_000);
        assert_eq!(Served::decode(&served.encode()), Some(served));
        for bad in ["", "1", "1:", ":1", "a:1", "1:a", "2:1", "1:2:3", "-1:5"] {
            assert_eq!(Served::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn what_is_recorded_after_an_answer() {
        // A first answer, and a reload's answer, start a new entry.
        assert_eq!(record(None, Asked::First, T, 60), at(T, 60));
        assert_eq!(record(at(T - 90_000, 60), Asked::First, T, 60), at(T, 60));
        assert_eq!(record(at(T - 10_000, 60), Asked::Reload, T, 60), at(T, 60));
        // Nothing Plain keeps: nothing to record.
        assert_eq!(record(None, Asked::First, T, 0), None);
        // A duplicate served the same copy, whose lifetime left ends when the first's did
        // (to the second): nothing written, and the window still counts from the first.
        let first = at(T, 60);
        assert_eq!(record(first, Asked::Duplicate, T + 1_500, 58), None);
        assert_eq!(record(first, Asked::Duplicate, T + 1_500, 59), None);
        // A duplicate served a newer copy Plain keeps longer: the later expiry, the first's time.
        let longer = record(first, Asked::Duplicate, T + 1_500, 60).unwrap();
        assert_eq!(longer, Served { answered_ms: T, expires_ms: T + 61_500 });
    }
}
