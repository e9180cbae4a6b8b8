//! The served ledger: for each exact context the gateway answered Plain in (workspace,
//! customer, thread, tenant), for each card key, when it answered and until when Plain keeps
//! that answer. It tells the three reasons Plain has to ask for a card apart:
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
//! One entry per context ([`ServedContext`]), with every card answered in it:
//! `<card key>=<answered at>:<expires at>` (Unix milliseconds), comma-separated. Plain asks
//! for all of a context's cards in one request (it batches the cards of one endpoint) and
//! reloads one card at a time, so a request reads one entry and writes one. The entry lives in
//! the store until the last of its cards expires, so the ledger is bounded by what Plain holds.
//! An answer is merged into the entry as read when the request was planned: two requests of
//! one context answered at the same moment for *different* cards (which Plain's batching
//! does not send) would keep only the later one's cards, and the other's would count as first
//! asks once more.
//!
//! A request for several cards is never a manual reload (Plain reloads one card at a time),
//! so when this replica's near cache holds every one of its cards the entry is not read at
//! all: the request costs no round trip, its cards count as first asks, and its answers are
//! *appended* to the entry in the store ([`ServedContext::appended`]), which needs no read
//! either. A later answer for a card outranks an earlier one in the same value, and the next
//! entry written whole compacts it. What this gives up: a card `reloadCustomerCardInstance`
//! discarded, asked for together with others and held by the near cache, is served from the
//! cache (with the lifetime it has left) instead of drawn.
//!
//! In Redis the entries are checked for their form when read, not sealed: a forged entry could
//! only make the gateway draw a card once more, or answer a reload with a copy that is still
//! within its TTL, and only someone who can already write to Redis could forge one.

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

/// A context's ledger entry as a lookup found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerRead {
    /// Read from the store: the entry, or `None` when there is none.
    Entry(Option<ServedContext>),
    /// Not read: a request for several cards, every one held by the near cache. Its cards
    /// count as first asks, and its answers are appended ([`ServedContext::appended`]).
    Skipped,
}

impl LedgerRead {
    /// The entry, when one was read.
    pub fn entry(&self) -> Option<&ServedContext> {
        match self {
            Self::Entry(entry) => entry.as_ref(),
            Self::Skipped => None,
        }
    }
}

/// Most cards one ledger entry keeps: more than any gateway routes for one request. A value
/// holding more is not an entry of this gateway's.
const MAX_CARDS: usize = 256;

/// One context's ledger entry: what was answered for each card Plain asked for in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServedContext {
    cards: Vec<(String, Served)>,
}

impl ServedContext {
    /// What was last answered for `card_key` in this context.
    pub fn get(&self, card_key: &str) -> Option<Served> {
        self.cards.iter().find(|(key, _)| key == card_key).map(|(_, served)| *served)
    }

    /// When the last of its cards' copies expires in Plain: how long the entry is kept.
    pub fn expires_ms(&self) -> u64 {
        self.cards.iter().map(|(_, served)| served.expires_ms).max().unwrap_or(0)
    }

    /// `<card key>=<answered at>:<expires at>`, comma-separated.
    pub fn encode(&self) -> String {
        let mut value = String::with_capacity(self.cards.len() * 48);
        for (i, (key, served)) in self.cards.iter().enumerate() {
            if i > 0 {
                value.push(',');
            }
            value.push_str(key);
            value.push('=');
            value.push_str(&served.encode());
        }
        value
    }

    /// Reads an entry; `None` for anything but one or more `<card key>=<entry>` with card keys
    /// of `[A-Za-z0-9_-]` and entries [`Served::decode`] reads, at most 256, comma-separated
    /// (empty parts, left by [`Self::appended`], are skipped). A card that appears twice keeps
    /// its later answer, in the place of its first.
    pub fn decode(value: &str) -> Option<Self> {
        let mut cards: Vec<(String, Served)> = Vec::with_capacity(4);
        for (i, part) in value.split(',').filter(|part| !part.is_empty()).enumerate() {
            let (key, served) = part.split_once('=')?;
            let valid_key = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !valid_key || i == MAX_CARDS {
                return None;
            }
            let served = Served::decode(served)?;
            match cards.iter_mut().find(|(k, _)| k == key) {
                Some(earlier) => earlier.1 = served,
                None => cards.push((key.to_owned(), served)),
            }
        }
        (!cards.is_empty()).then_some(Self { cards })
    }

    /// The text to append to the context's stored entry (or to start it with) so that it also
    /// holds these answers: `,<card key>=<entry>…`. What [`Self::decode`] reads from the
    /// result is the entry with these answers in place of the same cards' earlier ones.
    pub fn appended(&self) -> String {
        let mut value = String::with_capacity(1 + self.cards.len() * 48);
        value.push(',');
        value.push_str(&self.encode());
        value
    }

    /// The entry to write after answering, at `now_ms`, the cards of `answers` (card key and
    /// what [`record`] says to record): the entry `last` as read when the request was planned,
    /// without the cards Plain no longer holds, with `answers` in place of those cards' earlier
    /// answers. `None` when there is nothing to record.
    pub fn updated(last: Option<&Self>, now_ms: u64, answers: Vec<(String, Served)>) -> Option<Self> {
        if answers.is_empty() {
            return None;
        }
        let mut cards: Vec<(String, Served)> = last
            .map(|last| {
                last.cards
                    .iter()
                    .filter(|(key, served)| served.expires_ms > now_ms && !answers.iter().any(|(k, _)| k == key))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for (key, served) in answers {
            match cards.iter_mut().find(|(k, _)| *k == key) {
                Some(earlier) => earlier.1 = served,
                None => cards.push((key, served)),
            }
        }
        let over = cards.len().saturating_sub(MAX_CARDS);
        cards.drain(..over);
        Some(Self { cards })
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

    fn context(cards: &[(&str, Served)]) -> ServedContext {
        ServedContext { cards: cards.iter().map(|(k, s)| ((*k).to_owned(), *s)).collect() }
    }

    #[test]
    fn a_context_entry_round_trips_and_anything_else_is_no_entry() {
        let entry = context(&[("usage", Served::answered(T, 60)), ("latest-invoice", Served::answered(T + 5, 30))]);
        let value = entry.encode();
        assert_eq!(value, format!("usage={T}:{},latest-invoice={}:{}", T + 60_000, T + 5, T + 30_005));
        assert_eq!(ServedContext::decode(&value), Some(entry.clone()));
        assert_eq!(entry.get("latest-invoice"), Some(Served::answered(T + 5, 30)));
        assert_eq!(entry.get("csat"), None);
        assert_eq!(entry.expires_ms(), T + 60_000);
        let many = (0..=MAX_CARDS).map(|i| format!("k{i}=1:2")).collect::<Vec<_>>().join(",");
        for bad in ["", ",", "usage", "=1:2", "usage=", "usage=2:1", "us age=1:2", "a:b=1:2", many.as_str()] {
            assert_eq!(ServedContext::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_answer_replaces_its_cards_and_keeps_the_others_plain_still_holds() {
        let first = context(&[("a", Served::answered(T, 60)), ("b", Served::answered(T, 60)), ("c", Served::answered(T, 5))]);
        // A reload of `b` ten seconds later: `a` stays, `b` is replaced, `c` has expired.
        let reload = ServedContext::updated(Some(&first), T + 10_000, vec![("b".into(), Served::answered(T + 10_000, 60))]);
        assert_eq!(reload, Some(context(&[("a", Served::answered(T, 60)), ("b", Served::answered(T + 10_000, 60))])));
        // A key answered twice in one request is kept once, as last answered.
        let twice = vec![("a".into(), Served::answered(T, 60)), ("a".into(), Served::answered(T, 30))];
        assert_eq!(ServedContext::updated(None, T, twice), Some(context(&[("a", Served::answered(T, 30))])));
        // Nothing recorded: nothing written.
        assert_eq!(ServedContext::updated(Some(&first), T, Vec::new()), None);
        // A first answer in a context.
        let new = ServedContext::updated(None, T, vec![("a".into(), Served::answered(T, 60))]);
        assert_eq!(new, Some(context(&[("a", Served::answered(T, 60))])));
    }

    #[test]
    fn answers_appended_to_an_entry_read_as_the_entry_with_those_answers_in_place() {
        let first = context(&[("a", Served::answered(T, 60)), ("b", Served::answered(T, 60))]);
        let later = context(&[("b", Served::answered(T + 5_000, 30)), ("c", Served::answered(T + 5_000, 30))]);
        assert_eq!(later.appended(), format!(",{}", later.encode()));
        // Appended to a stored entry: `a` stays, `b` is the later answer, `c` is new.
        let stored = format!("{}{}", first.encode(), later.appended());
        assert_eq!(
            ServedContext::decode(&stored),
            Some(context(&[
                ("a", Served::answered(T, 60)),
                ("b", Served::answered(T + 5_000, 30)),
                ("c", Served::answered(T + 5_000, 30)),
            ]))
        );
        // Starting a key that did not exist: the leading comma is skipped.
        assert_eq!(ServedContext::decode(&later.appended()), Some(later.clone()));
        // Appended again and again, the value stays readable up to 256 answers, then is no
        // entry (and the next entry written whole replaces it).
        let one = context(&[("a", Served::answered(T, 60))]).appended();
        assert!(ServedContext::decode(&one.repeat(MAX_CARDS)).is_some());
        assert_eq!(ServedContext::decode(&one.repeat(MAX_CARDS + 1)), None);
    }
}
