//! JSON path building and value descriptions shared by the validator and the renderer.

use std::fmt;

use serde_json::Value;

/// A JSON path (`components[0].componentText.text`), written out only when a finding needs
/// it: walking a valid tree builds no string. A path is a root (`""` for none) followed by
/// fields and indexes, each borrowing its parent.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    /// The path the walk starts at, e.g. `components` or `cards[0]`; may be empty.
    Root(&'a str),
    /// `parent.name`, or just `name` when the parent is an empty root.
    Field(&'a Path<'a>, &'a str),
    /// `parent[i]`.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The member `name` of this path.
    pub fn field(&'a self, name: &'a str) -> Path<'a> {
        Path::Field(self, name)
    }

    /// Entry `i` of this path.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(root) => f.write_str(root),
            Path::Field(Path::Root(""), name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

impl From<&Path<'_>> for String {
    fn from(path: &Path<'_>) -> Self {
        path.to_string()
    }
}

impl From<Path<'_>> for String {
    fn from(path: Path<'_>) -> Self {
        path.to_string()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_written_in_plain_json_names() {
        let root = Path::Root("components");
        let item = root.index(2);
        let row = item.field("componentRow");
        assert_eq!(row.field("rowMainContent").index(0).to_string(), "components[2].componentRow.rowMainContent[0]");
        assert_eq!(Path::Root("").field("key").to_string(), "key");
        assert_eq!(String::from(Path::Root("cards[0]").field("key")), "cards[0].key");
        assert_eq!(Path::Root("cards").index(1).to_string(), "cards[1]");
    }
}
