//! The `dateTime` rule: RFC 3339's `date-time` (the ISO-8601 profile JavaScript's
//! `Date.prototype.toISOString` and most libraries write):
//!
//! `YYYY-MM-DD` `T` `HH:MM:SS` [`.` one or more digits] (`Z` | `+HH:MM` | `-HH:MM`)
//!
//! with a real calendar date (leap years included), hours 00-23, minutes and seconds 00-59
//! (no leap second), offsets up to ±23:59. `T` and `Z` are upper case; a space instead of
//! `T`, a missing zone, a date alone or a basic format (`20260301T0930Z`) are refused.

/// Whether `s` is an RFC 3339 date-time as described in the module docs.
pub fn is_rfc3339_date_time(s: &str) -> bool {
    parse(s.as_bytes()).is_some()
}

fn parse(b: &[u8]) -> Option<()> {
    if b.len() < 20 {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &fraction[n..];
    }
    match rest {
        b"Z" => Some(()),
        [sign, h1, h2, b':', m1, m2] if *sign == b'+' || *sign == b'-' => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            (hours <= 23 && minutes <= 59).then_some(())
        }
        _ => None,
    }
}

/// The number the ASCII digits spell; `None` when any byte is not a digit.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::is_rfc3339_date_time as ok;

    #[test]
    fn accepts_rfc3339_date_times() {
        for s in [
            "2026-03-01T09:30:00Z",
            "2026-03-01T09:30:00.820Z",
            "2026-03-01T09:30:00.123456789Z",
            "2026-03-01T10:30:00+01:00",
            "2026-03-01T04:00:00-05:30",
            "2024-02-29T23:59:59Z",
            "2000-02-29T00:00:00Z",
            "0001-01-01T00:00:00Z",
        ] {
            assert!(ok(s), "{s}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for s in [
            "",
            "2026-03-01",
            "2026-03-01T09:30:00",
            "2026-03-01 09:30:00Z",
            "2026-03-01t09:30:00z",
            "20260301T093000Z",
            "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T23:60:00Z",
            "2026-03-01T23:59:60Z",
            "2026-03-01T09:30:00.Z",
            "2026-03-01T09:30:00+0100",
            "2026-03-01T09:30:00+24:00",
            "2026-03-01T09:30:00Z ",
            "yesterday",
            "2026-03-01T09:30:00\u{ff10}Z",
            "２026-03-01T09:30:00Z",
        ] {
            assert!(!ok(s), "{s:?}");
        }
    }
}
