//! The replay window (`signature.max_age`): a signed body whose `timestamp` is too far from
//! the gateway's clock is refused, so a captured request cannot be sent again later.
//!
//! Plain puts an ISO-8601 `timestamp` at the top level of the signed body but does not
//! document it, so the window is off unless configured. It is checked only after the
//! signature verified, on the value the request parser already read (the body is parsed once).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer};

use super::VerifyError;

/// The body's top-level `timestamp`, as read by the request parser. Any JSON value is
/// accepted there, so that a change of this undocumented field never fails a request while
/// the window is off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BodyTimestamp {
    /// No `timestamp` field (or `null`).
    #[default]
    Absent,
    /// A string, not parsed yet.
    Text(String),
    /// A value that is not a string.
    NotText,
}

impl<'de> Deserialize<'de> for BodyTimestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Null => BodyTimestamp::Absent,
            serde_json::Value::String(text) => BodyTimestamp::Text(text),
            _ => BodyTimestamp::NotText,
        })
    }
}

/// Why a signed body is outside the replay window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleReason {
    /// The body has no `timestamp`.
    Missing,
    /// The `timestamp` is not an ISO-8601 time with an offset (e.g. `2026-01-05T10:00:00Z`).
    Unparseable,
    /// The `timestamp` is `skew` away from the gateway's clock, beyond `max_age`.
    OutsideWindow { skew_secs: u64, max_age_secs: u64 },
}

impl fmt::Display for StaleReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StaleReason::Missing => f.write_str("the signed body has no timestamp"),
            StaleReason::Unparseable => f.write_str("the signed body's timestamp is not an ISO-8601 time with an offset"),
            StaleReason::OutsideWindow { skew_secs, max_age_secs } => write!(
                f,
                "the signed body's timestamp is {skew_secs}s away from the gateway's clock, beyond the {max_age_secs}s allowed"
            ),
        }
    }
}

/// Checks `stamp` against `now`: it must be at most `max_age` before or after it.
pub fn check_age(stamp: &BodyTimestamp, now: SystemTime, max_age: Duration) -> Result<(), VerifyError> {
    let text = match stamp {
        BodyTimestamp::Absent => return Err(VerifyError::Stale(StaleReason::Missing)),
        BodyTimestamp::NotText => return Err(VerifyError::Stale(StaleReason::Unparseable)),
        BodyTimestamp::Text(text) => text,
    };
    let signed: jiff::Timestamp = text.trim().parse().map_err(|_| VerifyError::Stale(StaleReason::Unparseable))?;
    let now_ms = match now.duration_since(UNIX_EPOCH) {
        Ok(d) => i128::from(d.as_millis() as u64),
        Err(e) => -i128::from(e.duration().as_millis() as u64),
    };
    let skew_ms = (now_ms - i128::from(signed.as_millisecond())).unsigned_abs();
    if skew_ms > max_age.as_millis() {
        return Err(VerifyError::Stale(StaleReason::OutsideWindow {
            skew_secs: (skew_ms / 1000) as u64,
            max_age_secs: max_age.as_secs(),
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> BodyTimestamp {
        BodyTimestamp::Text(text.to_owned())
    }

    fn now() -> SystemTime {
        // 2026-01-05T10:00:00Z
        UNIX_EPOCH + Duration::from_secs(1_767_607_200)
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn inside_the_window_either_way() {
        for stamp in
            ["2026-01-05T10:00:00Z", "2026-01-05T09:59:00.000Z", "2026-01-05T10:01:00Z", "2026-01-05T11:00:30+01:00"]
        {
            assert_eq!(check_age(&at(stamp), now(), MINUTE), Ok(()), "{stamp}");
        }
    }

    #[test]
    fn too_old_or_too_far_ahead() {
        let old = check_age(&at("2026-01-05T09:58:59.999Z"), now(), MINUTE).unwrap_err();
        assert_eq!(old, VerifyError::Stale(StaleReason::OutsideWindow { skew_secs: 60, max_age_secs: 60 }));
        let ahead = check_age(&at("2026-01-05T10:05:00Z"), now(), MINUTE).unwrap_err();
        assert_eq!(ahead, VerifyError::Stale(StaleReason::OutsideWindow { skew_secs: 300, max_age_secs: 60 }));
    }

    #[test]
    fn missing_and_unparseable() {
        assert_eq!(check_age(&BodyTimestamp::Absent, now(), MINUTE), Err(VerifyError::Stale(StaleReason::Missing)));
        assert_eq!(
            check_age(&BodyTimestamp::NotText, now(), MINUTE),
            Err(VerifyError::Stale(StaleReason::Unparseable))
        );
        for stamp in ["", "yesterday", "2026-01-05 10:00:00", "2026-01-05T10:00:00", "1767607200"] {
            assert_eq!(
                check_age(&at(stamp), now(), MINUTE),
                Err(VerifyError::Stale(StaleReason::Unparseable)),
                "{stamp}"
            );
        }
    }

    #[test]
    fn any_json_value_is_read_without_failing() {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default)]
            timestamp: BodyTimestamp,
        }
        let read = |json: &str| serde_json::from_str::<Body>(json).unwrap().timestamp;
        assert_eq!(read("{}"), BodyTimestamp::Absent);
        assert_eq!(read(r#"{"timestamp":null}"#), BodyTimestamp::Absent);
        assert_eq!(read(r#"{"timestamp":12}"#), BodyTimestamp::NotText);
        assert_eq!(read(r#"{"timestamp":{"a":[1]}}"#), BodyTimestamp::NotText);
        assert_eq!(read(r#"{"timestamp":"2026-01-05T10:00:00Z"}"#), at("2026-01-05T10:00:00Z"));
    }
}
