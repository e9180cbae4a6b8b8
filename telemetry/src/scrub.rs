//! Text that other processes wrote, made fit for a log line: the one rule every Rust
//! component applies before such text is logged, put in a span, or passed on.
//!
//! Card services are run by other teams, so what they say (gRPC status messages, the reason of
//! a card error, an existing card API's error, Plain's error messages) is not trusted to be
//! short, single-line or free of customer data. [`service_text`] applies, in this order:
//!
//! 1. **Emails:** anything shaped like an email address (a run of characters other than
//!    whitespace and `@"'<>()[],;:`, an `@`, then such a run with at least one dot inside)
//!    becomes [`EMAIL_PLACEHOLDER`].
//! 2. **Escaping:** newline, carriage return and tab become `\n`, `\r` and `\t`; every other
//!    control character, the line and paragraph separators (U+2028, U+2029) and the
//!    bidirectional controls (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) become `\uXXXX`
//!    (four lowercase hex digits). A line of text stays one line and reads as it prints.
//! 3. **Clipping:** at most [`MAX_SERVICE_TEXT_CHARS`] characters (Unicode scalar values) are
//!    kept; longer text ends with [`CLIPPED_MARK`] after them.
//!
//! The TypeScript kit (`kits/typescript/src/scrub.ts`) and the Python kit
//! (`kits/python/src/cardmesh_kit/scrub.py`) apply the same rule with the same constants.
//!
//! [`label`] is the stricter rule for names that become metric labels or log fields.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;

/// Most characters of service text kept in a log line (default and only value: 200).
pub const MAX_SERVICE_TEXT_CHARS: usize = 200;

/// What an email address in service text becomes.
pub const EMAIL_PLACEHOLDER: &str = "[email]";

/// Appended to service text that was clipped.
pub const CLIPPED_MARK: &str = "…";

/// Most characters of a [`label`] (64).
pub const MAX_LABEL_CHARS: usize = 64;

/// Anything shaped like an email address (see the module's rule 1).
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"[^\s@"'<>()\[\],;:]+@[^\s@"'<>()\[\],;:]*[^\s@"'<>()\[\],;:.]\.[^\s@"'<>()\[\],;:]+"#)
        .expect("the email pattern compiles")
});

/// `text` from another process, fit for a log line: emails replaced, control characters
/// escaped, clipped to [`MAX_SERVICE_TEXT_CHARS`] (see the module's rule).
pub fn service_text(text: &str) -> String {
    let scrubbed = EMAIL.replace_all(text, EMAIL_PLACEHOLDER);
    let mut out = String::with_capacity(scrubbed.len().min(MAX_SERVICE_TEXT_CHARS * 2));
    let mut kept = 0;
    for c in scrubbed.chars() {
        let escaped = escape(c);
        let width = escaped.as_ref().map_or(1, |e| e.chars().count());
        if kept + width > MAX_SERVICE_TEXT_CHARS {
            out.push_str(CLIPPED_MARK);
            return out;
        }
        kept += width;
        match escaped {
            Some(e) => out.push_str(&e),
            None => out.push(c),
        }
    }
    out
}

/// The escaped form of `c`, or `None` when it prints as itself.
fn escape(c: char) -> Option<Cow<'static, str>> {
    match c {
        '\n' => Some(Cow::Borrowed("\\n")),
        '\r' => Some(Cow::Borrowed("\\r")),
        '\t' => Some(Cow::Borrowed("\\t")),
        c if c.is_control() || is_invisible_control(c) => {
            let mut e = String::with_capacity(6);
            let _ = write!(e, "\\u{:04x}", u32::from(c));
            Some(Cow::Owned(e))
        }
        _ => None,
    }
}

/// Line and paragraph separators and the bidirectional controls, which change how a line
/// reads without being control characters.
fn is_invisible_control(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `name` as a metric label or log field: only `[A-Za-z0-9_.:-]` kept (anything else becomes
/// `_`), at most [`MAX_LABEL_CHARS`] characters, `-` when nothing is left.
pub fn label(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .take(MAX_LABEL_CHARS)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-') { c } else { '_' })
        .collect();
    if cleaned.is_empty() {
        "-".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_become_the_placeholder() {
        assert_eq!(service_text("no account for ada@example.com"), "no account for [email]");
        assert_eq!(service_text("<Ada.Lovelace+cards@mail.example.co.uk>"), "<[email]>");
        assert_eq!(service_text("two: a@b.io, ü@exämple.de"), "two: [email], [email]");
        // Not shaped like an email: kept.
        assert_eq!(service_text("a@b and @handle and user@localhost"), "a@b and @handle and user@localhost");
    }

    #[test]
    fn control_characters_are_escaped_on_one_line() {
        assert_eq!(service_text("line 1\nline 2\r\tend"), "line 1\\nline 2\\r\\tend");
        assert_eq!(service_text("\u{1b}[31mred\u{7f}"), "\\u001b[31mred\\u007f");
        assert_eq!(service_text("a\u{2028}b\u{202e}c"), "a\\u2028b\\u202ec");
        assert_eq!(service_text("plain text, ünïcödé"), "plain text, ünïcödé");
    }

    #[test]
    fn long_text_is_clipped_after_the_email_is_gone() {
        let long = format!("{} ada@example.com", "x".repeat(195));
        let out = service_text(&long);
        assert!(!out.contains("ada@"), "{out}");
        assert_eq!(out, format!("{} [email]", "x".repeat(195)).chars().take(200).collect::<String>() + CLIPPED_MARK);
        let exact = "y".repeat(MAX_SERVICE_TEXT_CHARS);
        assert_eq!(service_text(&exact), exact);
        // Escapes count as what they print, and are never cut in half.
        let newlines = "\n".repeat(150);
        let out = service_text(&newlines);
        assert_eq!(out, "\\n".repeat(100) + CLIPPED_MARK);
        assert_eq!(service_text(&"é".repeat(500)).chars().count(), MAX_SERVICE_TEXT_CHARS + 1);
    }

    #[test]
    fn labels_are_short_and_clean() {
        assert_eq!(label("billing"), "billing");
        assert_eq!(label("127.0.0.1:50051"), "127.0.0.1:50051");
        assert_eq!(label("bad name\n{x=\"1\"}"), "bad_name__x__1__");
        assert_eq!(label(""), "-");
        assert_eq!(label(&"z".repeat(10_000)).len(), MAX_LABEL_CHARS);
    }
}
