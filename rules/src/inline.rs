//! Inline component markers: Plain renders `{{componentUser:userIdentifier.userId="u_1"}}`
//! and `{{componentDateTime:dateTimeIso8601="2026-03-01T09:30:00Z"}}` inside a Text's `text`
//! as the component they name.
//!
//! A marker is `{{<wrapper key>:<field path>=<value>}}`. The value is written as a JSON
//! string literal (quotes, backslashes and control characters escaped as JSON does) with
//! every `}` written as `\u007d`, so a value can never close the marker early; a JSON
//! reader of the literal gets the original value back. Plain's published builders
//! (`@team-plain/ui-components@5.0.0`) ship no inline helper, so this follows the marker
//! syntax in PROTOCOL.md section 6.
//!
//! A text with markers is still validated as text: its length counts the markers'
//! characters too.

/// `{{component:path="value"}}` with the value escaped as described in the module docs.
pub fn marker(component_key: &str, field_path: &str, value: &str) -> String {
    format!("{{{{{component_key}:{field_path}={}}}}}", quote_value(value))
}

/// The marker of a Plain user by user id.
pub fn user_id(user_id: &str) -> String {
    marker("componentUser", "userIdentifier.userId", user_id)
}

/// The marker of a Plain user by email address.
pub fn user_email(email_address: &str) -> String {
    marker("componentUser", "userIdentifier.emailAddress", email_address)
}

/// The marker of a Plain machine user by id.
pub fn machine_user_id(machine_user_id: &str) -> String {
    marker("componentUser", "userIdentifier.machineUserId", machine_user_id)
}

/// The marker of a date-time (an RFC 3339 string, e.g. `2026-03-01T09:30:00Z`).
pub fn date_time(date_time_iso8601: &str) -> String {
    marker("componentDateTime", "dateTimeIso8601", date_time_iso8601)
}

/// A JSON string literal of `value`, with `}` as `\u007d`.
fn quote_value(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| String::from("\"\"")).replace('}', "\\u007d")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_follow_plains_syntax() {
        assert_eq!(user_id("u_1"), r#"{{componentUser:userIdentifier.userId="u_1"}}"#);
        assert_eq!(user_email("ada@example.com"), r#"{{componentUser:userIdentifier.emailAddress="ada@example.com"}}"#);
        assert_eq!(machine_user_id("mu_1"), r#"{{componentUser:userIdentifier.machineUserId="mu_1"}}"#);
        assert_eq!(
            date_time("2026-03-01T09:30:00Z"),
            r#"{{componentDateTime:dateTimeIso8601="2026-03-01T09:30:00Z"}}"#
        );
    }

    #[test]
    fn values_cannot_close_the_marker() {
        let m = user_id(r#"a}}b"c\d"#);
        assert_eq!(m, r#"{{componentUser:userIdentifier.userId="a\u007d\u007db\"c\\d"}}"#);
        // Only the final `}}` closes it, and the literal reads back as the value.
        assert_eq!(m.matches("}}").count(), 1);
        let literal = m
            .strip_prefix("{{componentUser:userIdentifier.userId=")
            .and_then(|rest| rest.strip_suffix("}}"))
            .expect("marker shape");
        let back: String = serde_json::from_str(literal).expect("a JSON string");
        assert_eq!(back, r#"a}}b"c\d"#);
    }
}
