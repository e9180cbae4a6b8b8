//! Inline markers: a User or a DateTime inside a [`super::text`], e.g.
//!
//! ```
//! use cardmesh_kit::build::{inline, text};
//! let owner = text(format!("Owner: {}", inline::user_email("owner@example.com")));
//! # let _ = owner;
//! ```
//!
//! gives `Owner: {{componentUser:userIdentifier.emailAddress="owner@example.com"}}`, which
//! Plain renders as the user. Values are escaped as Plain's marker syntax requires (a JSON
//! string literal with `}` written as `\u007d`; see `cardmesh_rules::inline`). A text with
//! markers is validated as text: the markers count towards its 10 000 characters.

use time::OffsetDateTime;

pub use cardmesh_rules::inline::{date_time as date_time_iso8601, machine_user_id, user_email, user_id};

/// The marker of the instant `at`, written as RFC 3339 in UTC (see [`super::date_time`]).
pub fn date_time(at: OffsetDateTime) -> String {
    cardmesh_rules::inline::date_time(&super::moment::rfc3339(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let at = OffsetDateTime::from_unix_timestamp(1_772_357_400).expect("in range");
        assert_eq!(date_time(at), r#"{{componentDateTime:dateTimeIso8601="2026-03-01T09:30:00Z"}}"#);
        assert_eq!(user_id("u_1"), r#"{{componentUser:userIdentifier.userId="u_1"}}"#);
        assert_eq!(
            user_email("a}b@example.com"),
            r#"{{componentUser:userIdentifier.emailAddress="a\u007db@example.com"}}"#
        );
    }
}
