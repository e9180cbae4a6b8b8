//! Checks of one scalar field value against its [`FieldSpec`], shared by the JSON validator
//! and the kit's proto-side `problems`, so both judge a value the same way and say the same.

use url::Url;

use super::datetime::is_rfc3339_date_time;
use super::path::quote;
use crate::catalogue::{enum_values, FieldSpec, FieldType};
use crate::finding::Rule;

/// A broken rule of one value: its code and message (the path is the caller's).
pub type Problem = (Rule, String);

/// `1 to 500 characters`, or `at least 1 character` when there is no maximum.
fn chars_phrase(min: usize, max: Option<usize>) -> String {
    match max {
        Some(max) => format!("{min} to {max} characters"),
        None if min == 1 => "at least 1 character".to_owned(),
        None => format!("at least {min} characters"),
    }
}

/// `a`, `a or b`, `a, b or c`.
pub fn choices(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What a field must be, in words (e.g. `a string of 1 to 500 characters`).
pub fn expectation(spec: &FieldSpec) -> String {
    match &spec.ty {
        FieldType::String { min_chars, max_chars, .. } => {
            format!("a string of {}", chars_phrase(*min_chars, *max_chars))
        }
        FieldType::Enum(name) => format!("one of {}", enum_values(name).join(", ")),
        FieldType::Url { schemes } => format!("an absolute {} URL", schemes.join(" or ")),
        FieldType::DateTime => "an RFC 3339 date-time with a zone, e.g. \"2026-03-01T09:30:00Z\"".to_owned(),
        FieldType::OneOf(of) => {
            format!("an object with exactly one of {}", choices(&of.iter().map(|f| f.name).collect::<Vec<_>>()))
        }
        FieldType::List { min_items: 0, .. } => "an array of components".to_owned(),
        FieldType::List { min_items, .. } => {
            let plural = if *min_items == 1 { "" } else { "s" };
            format!("an array of at least {min_items} component{plural}")
        }
    }
}

/// The problem of an absent (or `null`) value: [`Rule::Required`] when the field is
/// required, else none.
pub fn check_absent(spec: &FieldSpec) -> Option<Problem> {
    spec.required.then(|| {
        let expected = expectation(spec);
        let message = match spec.ty {
            FieldType::Enum(_) => format!("is required; use {expected}"),
            _ => format!("is required: {expected}"),
        };
        (Rule::Required, message)
    })
}

/// Checks a string value of a `string`, `enum`, `url` or `dateTime` field (`None`: absent
/// or `null`). Fields of other types have no string values: [`Rule::Type`].
pub fn check_str(spec: &FieldSpec, value: Option<&str>) -> Option<Problem> {
    let Some(value) = value else {
        return check_absent(spec);
    };
    match &spec.ty {
        FieldType::String { min_chars, max_chars, .. } => check_chars(value, *min_chars, *max_chars),
        FieldType::Enum(name) => check_enum(value, enum_values(name)),
        FieldType::Url { schemes } => check_url(value, schemes),
        FieldType::DateTime => check_date_time(value),
        FieldType::OneOf(_) | FieldType::List { .. } => {
            Some((Rule::Type, format!("must be {}; got a string", expectation(spec))))
        }
    }
}

/// Length in characters as Plain counts them: Unicode scalar values, not bytes.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

fn check_chars(value: &str, min: usize, max: Option<usize>) -> Option<Problem> {
    let len = char_len(value);
    if len < min {
        let message = if len == 0 {
            format!("must not be empty; use {}", chars_phrase(min, max))
        } else {
            format!("must be at least {min} characters; got {len}")
        };
        return Some((Rule::MinChars, message));
    }
    match max {
        Some(max) if len > max => Some((Rule::MaxChars, format!("must be at most {max} characters; got {len}"))),
        _ => None,
    }
}

fn check_enum(value: &str, values: &[&str]) -> Option<Problem> {
    if values.contains(&value) {
        return None;
    }
    let list = values.join(", ");
    let message = if values.contains(&value.to_ascii_uppercase().as_str()) {
        format!("must be one of {list} (values are upper case); got {}", quote(value))
    } else {
        format!("must be one of {list}; got {}", quote(value))
    };
    Some((Rule::Enum, message))
}

/// The message for an enum field holding something that is not a string (number, ...).
pub fn enum_type_message(spec: &FieldSpec, got: &str) -> String {
    format!("must be {}; got {got}", expectation(spec))
}

fn check_url(value: &str, schemes: &[&str]) -> Option<Problem> {
    let allowed = schemes.join(" or ");
    let message = if value.is_empty() {
        format!("must not be empty; use an absolute {allowed} URL")
    } else {
        match Url::parse(value) {
            Ok(url) if schemes.contains(&url.scheme()) && url.host().is_some() => return None,
            Ok(url) if schemes.contains(&url.scheme()) => {
                format!("must have a host; got {}", quote(value))
            }
            Ok(url) => format!("must use the {allowed} scheme; got \"{}:\" in {}", url.scheme(), quote(value)),
            Err(url::ParseError::RelativeUrlWithoutBase) => format!(
                "must be an absolute URL starting with https:// or http://; got the relative URL {}",
                quote(value)
            ),
            Err(err) => format!("is not a valid URL ({err}); got {}", quote(value)),
        }
    };
    Some((Rule::Url, message))
}

fn check_date_time(value: &str) -> Option<Problem> {
    if is_rfc3339_date_time(value) {
        return None;
    }
    Some((
        Rule::DateTime,
        format!(
            "must be an RFC 3339 date-time with a zone, e.g. \"2026-03-01T09:30:00Z\" or \
             \"2026-03-01T10:30:00.000+01:00\"; got {}",
            quote(value)
        ),
    ))
}

/// The problem of a list of `len` components for a `list` field: [`Rule::MinItems`] when it
/// is shorter than the field allows.
pub fn check_list_len(spec: &FieldSpec, len: usize) -> Option<Problem> {
    let FieldType::List { min_items, .. } = spec.ty else {
        return None;
    };
    (len < min_items).then(|| {
        let got = if len == 0 { "an empty array".to_owned() } else { len.to_string() };
        let plural = if min_items == 1 { "" } else { "s" };
        (Rule::MinItems, format!("must have at least {min_items} component{plural}; got {got}"))
    })
}

/// The problem of a `oneOf` field with `present` members set: [`Rule::OneOf`] unless
/// exactly one is.
pub fn check_one_of_count(spec: &FieldSpec, present: usize) -> Option<Problem> {
    let FieldType::OneOf(of) = spec.ty else {
        return None;
    };
    let names: Vec<&str> = of.iter().map(|f| f.name).collect();
    let choices = choices(&names);
    match present {
        1 => None,
        0 => Some((Rule::OneOf, format!("must set exactly one of {choices}; got none"))),
        n => Some((Rule::OneOf, format!("must set exactly one of {choices}; got {n}, keep only one"))),
    }
}

/// The problem of a proto enum number for an `enum` field: absent when `0`
/// (`*_UNSPECIFIED`), [`Rule::Enum`] when the number is unknown.
pub fn check_proto_enum(spec: &FieldSpec, value: i32) -> Option<Problem> {
    use crate::proto_enum::{from_proto, EnumValue};
    let FieldType::Enum(name) = spec.ty else {
        return None;
    };
    match from_proto(name, value) {
        EnumValue::Unspecified => check_absent(spec),
        EnumValue::Name(plain) => check_str(spec, Some(plain)),
        EnumValue::Unknown => Some((Rule::Enum, format!("unknown {name} value {value}; use {}", expectation(spec)))),
    }
}
