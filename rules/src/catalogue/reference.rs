//! The component-rules reference of the book (`docs/src/reference/rules.md`), generated from
//! the catalogue as exported (`rules/catalogue.json`, [`to_json`]): where each component may
//! appear, every field's type, required flag, limits and deprecated aliases, the enums, the
//! card-key rule and the TTL bounds.
//!
//! `tests/tests/integration/docs_reference.rs` fails when the committed page differs from
//! [`reference_markdown`]; `cargo run -p cardmesh-tests --example reference_docs` rewrites it.

use serde_json::{Map, Value};

use super::to_json;

/// The whole page, in Markdown.
pub fn reference_markdown() -> String {
    let catalogue = to_json();
    let mut page = String::from(
        "# Component rules\n\n\
         <!-- Generated from rules/catalogue.json (cardmesh_rules::catalogue::reference); do not edit.\n     \
         Run `cargo run -p cardmesh-tests --example reference_docs` to update. -->\n\n\
         Plain's rules as the gateway, the kits and `cardmesh-gateway validate` apply them, from\n\
         the catalogue of the `cardmesh-rules` crate (exported as `rules/catalogue.json` for the\n\
         TypeScript and Python kits). See [Plain's rules and components](components.md) for the\n\
         decisions behind them.\n",
    );
    let key = &catalogue["cardKey"];
    let ttl = &catalogue["timeToLiveSeconds"];
    page.push_str(&format!(
        "\n## Cards\n\n\
         - A card key matches `{}`; a request asks for at most {} distinct keys.\n\
         - `timeToLiveSeconds`, when set, is {} to {} seconds.\n",
        text(&key["pattern"]),
        key["maxKeysPerRequest"],
        ttl["min"],
        ttl["max"]
    ));

    page.push_str("\n## Where components may appear\n\n| level | components |\n| --- | --- |\n");
    for (level, kinds) in object(&catalogue["levels"]) {
        page.push_str(&format!("| `{level}` | {} |\n", codes(kinds)));
    }

    page.push_str("\n## Components\n");
    for (kind, spec) in object(&catalogue["components"]) {
        page.push_str(&format!("\n### `{kind}`\n\n| field | type | required | rules |\n| --- | --- | --- | --- |\n"));
        for (name, field) in object(&spec["fields"]) {
            page.push_str(&field_row(name, field));
        }
        if let Some(aliases) = spec.get("aliases").and_then(Value::as_object) {
            let list: Vec<String> = aliases.iter().map(|(old, new)| format!("`{old}` → `{}`", text(new))).collect();
            page.push_str(&format!("\nDeprecated aliases, accepted with a warning: {}.\n", list.join(", ")));
        }
    }

    page.push_str("\n## Enums\n\n| enum | values |\n| --- | --- |\n");
    for (name, values) in object(&catalogue["enums"]) {
        page.push_str(&format!("| `{name}` | {} |\n", codes(values)));
    }
    page
}

fn field_row(name: &str, field: &Value) -> String {
    let kind = text(&field["type"]);
    let required = if field["required"] == Value::Bool(true) { "yes" } else { "no" };
    format!("| `{name}` | {kind} | {required} | {} |\n", rules(field))
}

/// A field's rules in words: lengths, list sizes, enum, schemes, nesting level, markdown,
/// and the alternatives of a one-of.
fn rules(field: &Value) -> String {
    let mut found = Vec::new();
    match (field.get("minChars"), field.get("maxChars")) {
        (Some(min), Some(max)) => found.push(format!("{min} to {max} characters")),
        (Some(min), None) => found.push(format!("at least {min} character(s)")),
        (None, Some(max)) => found.push(format!("at most {max} characters")),
        (None, None) => {}
    }
    if let Some(min) = field.get("minItems") {
        found.push(format!("at least {min} item(s)"));
    }
    if let Some(level) = field.get("level") {
        found.push(format!("components allowed at `{}`", text(level)));
    }
    if let Some(name) = field.get("enum") {
        found.push(format!("one of `{}`", text(name)));
    }
    if let Some(schemes) = field.get("schemes") {
        found.push(format!("an absolute URL: {}", codes(schemes)));
    }
    if field.get("markdown") == Some(&Value::Bool(true)) {
        found.push("markdown (bold, italic, links)".to_owned());
    }
    if let Some(of) = field.get("of").and_then(Value::as_object) {
        let alternatives: Vec<String> =
            of.iter().map(|(name, spec)| format!("`{name}` ({}, {})", text(&spec["type"]), rules(spec))).collect();
        found.push(format!("exactly one of {}", alternatives.join(", ")));
    }
    found.join("; ")
}

fn object(value: &Value) -> &Map<String, Value> {
    value.as_object().expect("the catalogue's tables are objects")
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.replace('|', "\\|"),
        other => other.to_string(),
    }
}

fn codes(list: &Value) -> String {
    list.as_array().expect("a list").iter().map(|v| format!("`{}`", text(v))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_component_has_a_section_and_the_limits_of_its_fields() {
        let page = reference_markdown();
        for kind in super::super::ComponentKind::ALL {
            assert!(page.contains(&format!("### `{}`", kind.key())), "{}:\n{page}", kind.key());
        }
        assert!(page.contains("| `text` | string | yes | 1 to 10000 characters; markdown"), "{page}");
        assert!(page.contains("`spacingSize` → `dividerSpacingSize`"), "{page}");
    }
}
