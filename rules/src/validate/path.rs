//! JSON path building and value descriptions shared by the validator and the renderer.

use serde_json::Value;

/// `parent.name`, or just `name` when `parent` is empty.
pub fn field(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// `parent[i]`.
pub fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// Longest string excerpt quoted in a message, in characters.
const PREVIEW_CHARS: usize = 60;

/// A short, quoted rendering of a string for messages (long strings are cut with `…`).
pub fn quote(s: &str) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(PREVIEW_CHARS).collect();
    // Escape through serde_json so control characters and quotes stay readable.
    let quoted = serde_json::to_string(&head).unwrap_or_else(|_| String::from("\"?\""));
    if chars.next().is_some() {
        format!("{quoted}…")
    } else {
        quoted
    }
}

/// Describes a value for a "got ..." clause without serialising nested structures (which
/// could be arbitrarily deep or large): scalars are shown, arrays and objects are named.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// The JSON type name of a value, for "must be a string; got a number" style messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
