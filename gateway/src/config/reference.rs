//! The settings reference of the book (`docs/src/reference/configuration.md`), generated
//! from the configuration types: the TOML path and doc comment of every field (through
//! their `schemars::JsonSchema` derives), the environment variables of [`ENV_VARS`], and the
//! default of [`Config::default`] as serialized (humantime durations, as a file writes them).
//! A field whose default lives elsewhere (a per-service block that falls back to `all`) shows
//! the `(default: …)` its doc comment states.
//!
//! `tests/tests/integration/docs_reference.rs` fails when the committed page differs from
//! [`reference_markdown`]; `cargo run -p cardmesh-tests --example reference_docs` rewrites it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Config, ENV_VARS, RETIRED_ADMIN_TOKEN_ENV, TELEMETRY_ENV_VARS};

/// One setting: its path in the file, its variables, its default and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Dotted TOML path, `<name>` for a key of the user's choosing (`card_services.<service>.deadline`).
    pub path: String,
    /// Environment variables that set it (most settings have none, or one).
    pub env: Vec<&'static str>,
    /// The default, as written in a file, or how it is derived.
    pub default: String,
    /// The field's doc comment, on one line.
    pub meaning: String,
}

/// A table of the file: its name (`""` for the top level) and doc comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub meaning: String,
    pub settings: Vec<Setting>,
}

/// Every setting of the configuration tree, grouped by top-level table (the top-level
/// settings first, then the tables by name).
pub fn settings() -> Vec<Section> {
    let schema = schemars::schema_for!(Config);
    let root = schema.as_value();
    let defaults = serde_json::to_value(Config::default()).expect("the default configuration serializes");
    let mut sections: BTreeMap<String, Section> = BTreeMap::new();
    let properties = root["properties"].as_object().expect("Config has fields");
    for (name, property) in properties {
        match table_of(root, property).or_else(|| map_of(root, property)) {
            Some(table) => {
                let section = sections.entry(name.clone()).or_insert_with(|| Section {
                    name: name.clone(),
                    meaning: description(root, property),
                    settings: Vec::new(),
                });
                walk(root, table, name, Some(&defaults[name]), &mut section.settings);
            }
            None => {
                let top = sections.entry(String::new()).or_insert_with(|| Section {
                    name: String::new(),
                    meaning: String::new(),
                    settings: Vec::new(),
                });
                top.settings.push(setting(root, name, property, Some(&defaults[name])));
            }
        }
    }
    sections.into_values().collect()
}

/// The fields of `table` under `prefix`, recursing into nested tables and into maps of tables.
fn walk(root: &Value, table: &Value, prefix: &str, defaults: Option<&Value>, out: &mut Vec<Setting>) {
    if let Some(properties) = table["properties"].as_object() {
        for (name, property) in properties {
            let path = format!("{prefix}.{name}");
            let default = defaults.and_then(|d| d.get(name)).filter(|d| !d.is_null());
            match table_of(root, property) {
                Some(inner) => walk(root, inner, &path, default, out),
                None => out.push(setting(root, &path, property, default)),
            }
        }
    } else if let Some(entry) = table.get("additionalProperties").filter(|v| v.is_object()) {
        // A map: `card_services.<service>`, `required_headers.<name>`.
        let key = if prefix == "card_services" { "<service>" } else { "<name>" };
        let path = format!("{prefix}.{key}");
        match table_of(root, entry) {
            Some(inner) => walk(root, inner, &path, None, out),
            None => {
                out.push(setting(root, &path, table, None));
                // Keys of the map an environment variable sets (`required_headers.authorization`).
                for (_, env_path) in
                    ENV_VARS.iter().filter(|(_, p)| p.strip_prefix(prefix).is_some_and(|k| k.starts_with('.')))
                {
                    if !out.iter().any(|s| s.path == *env_path) {
                        out.push(setting(root, env_path, table, None));
                    }
                }
            }
        }
    }
}

fn setting(root: &Value, path: &str, property: &Value, default: Option<&Value>) -> Setting {
    let described = description(root, property);
    let stated = stated_default(&described);
    // The default column shows it: a trailing `(default: …)` leaves the meaning.
    let meaning = match (&stated, described.rfind(" (default: ")) {
        (Some(stated), Some(start)) if described[start..].trim_end_matches('.') == format!(" (default: {stated})") => {
            format!("{}.", described[..start].trim_end_matches('.'))
        }
        _ => described,
    };
    let default = match default {
        Some(value) if !is_empty(value) => format!("`{}`", plain(value)),
        _ => stated.unwrap_or_else(|| "none".to_owned()),
    };
    Setting {
        path: path.to_owned(),
        env: ENV_VARS.iter().filter(|(_, p)| *p == path).map(|(name, _)| *name).collect(),
        default,
        meaning,
    }
}

/// The object schema behind `schema` (through `$ref` and `Option`'s `anyOf … null`), when it
/// is a table: an object with fields, or a map of tables.
fn table_of<'a>(root: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    let schema = resolve(root, schema);
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        let mut not_null = options.iter().filter(|o| o.get("type") != Some(&Value::from("null")));
        let only = not_null.next()?;
        return if not_null.next().is_none() { table_of(root, only) } else { None };
    }
    let is_table = schema.get("properties").is_some()
        || schema.get("additionalProperties").is_some_and(|a| table_of(root, a).is_some());
    is_table.then_some(schema)
}

/// The schema behind `schema` when it is a map of plain values (`required_headers`).
fn map_of<'a>(root: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    let schema = resolve(root, schema);
    (schema.get("properties").is_none() && schema.get("additionalProperties").is_some_and(Value::is_object))
        .then_some(schema)
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
        Some(name) => &root["$defs"][name],
        None => schema,
    }
}

/// The doc comment of a field, else of its type, on one line, with rustdoc's intra-doc link
/// brackets taken off.
fn description(root: &Value, property: &Value) -> String {
    let text = property
        .get("description")
        .or_else(|| resolve(root, property).get("description"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    unlink(&one_line)
}

/// `` [`NAME`] `` (an intra-doc link) becomes `` `NAME` ``.
fn unlink(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[`") {
        let Some(end) = rest[start..].find("`]").map(|e| start + e) else { break };
        out.push_str(&rest[..start]);
        out.push_str(&rest[start + 1..end + 1]);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The `(default: …)` a doc comment states, when it states one.
fn stated_default(meaning: &str) -> Option<String> {
    let start = meaning.rfind("(default: ")? + "(default: ".len();
    let mut depth = 1;
    for (i, c) in meaning[start..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(meaning[start..start + i].to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A table cell: pipes escaped, so that a value such as `A|B` stays in its cell, and outside
/// code spans `<` and `>` too, so that `<name>` is text, not an HTML tag.
fn cell(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 0 { part.replace('<', "&lt;").replace('>', "&gt;") } else { part.to_owned() })
        .collect::<Vec<_>>()
        .join("`")
        .replace('|', "\\|")
}

/// The whole page, in Markdown.
pub fn reference_markdown() -> String {
    let mut page = String::from(
        "# Settings\n\n\
         <!-- Generated from gateway/src/config (cardmesh_gateway::config::reference); do not edit.\n     \
         Run `cargo run -p cardmesh-tests --example reference_docs` to update. -->\n\n\
         Every setting of the gateway, from its configuration types: the key in the TOML file\n\
         (`cardmesh-gateway serve --config FILE`, or `CARDMESH_CONFIG`), the environment variable\n\
         that sets it, if any, its default and its doc comment. Layers, later wins: the defaults,\n\
         the file, the environment. Durations use humantime syntax (`500ms`, `2s`, `1m`); an\n\
         environment variable set to the empty string counts as unset. See\n\
         [Configuration](../operating/configuration.md) for how the settings fit together.\n",
    );
    for section in settings() {
        if section.name.is_empty() {
            page.push_str("\n## Top level\n\n");
        } else {
            page.push_str(&format!("\n## `[{}]`\n\n", section.name));
            if !section.meaning.is_empty() {
                page.push_str(&format!("{}\n\n", section.meaning));
            }
        }
        page.push_str("| setting | environment variable | default | meaning |\n| --- | --- | --- | --- |\n");
        for s in &section.settings {
            let env = s.env.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
            page.push_str(&format!("| `{}` | {} | {} | {} |\n", s.path, env, cell(&s.default), cell(&s.meaning)));
        }
    }
    page.push_str(
        "\n## Logging and tracing\n\n\
         Read before the configuration, because logging starts first, so they have no file key.\n\
         The OpenTelemetry SDK reads the other standard variables itself (`OTEL_SERVICE_NAME`,\n\
         `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`, …).\n\n\
         | environment variable | meaning |\n| --- | --- |\n",
    );
    for (name, meaning) in TELEMETRY_ENV_VARS {
        page.push_str(&format!("| `{name}` | {} |\n", cell(meaning)));
    }
    page.push_str(&format!(
        "\n## Retired\n\n`{RETIRED_ADMIN_TOKEN_ENV}` (file key `admin_token`): {}.\n",
        super::env::RETIRED_ADMIN_TOKEN
    ));
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_environment_variable_names_a_setting_of_the_reference() {
        let paths: Vec<String> = settings().into_iter().flat_map(|s| s.settings).map(|s| s.path).collect();
        for (name, path) in ENV_VARS {
            assert!(paths.iter().any(|p| p == path), "{name} sets {path}, which the reference lacks: {paths:?}");
        }
    }

    #[test]
    fn defaults_come_from_the_default_configuration_and_the_doc_comments() {
        let all: Vec<Setting> = settings().into_iter().flat_map(|s| s.settings).collect();
        let get = |path: &str| all.iter().find(|s| s.path == path).unwrap_or_else(|| panic!("{path}: {all:#?}"));
        assert_eq!(get("listen").default, "`0.0.0.0:8080`");
        assert_eq!(get("fanout.service_deadline").default, "`2s`");
        assert_eq!(get("fanout.service_deadline").env, ["CARDMESH_SERVICE_DEADLINE"]);
        assert_eq!(get("card_services.<service>.max_concurrency").default, "64");
        assert_eq!(get("card_services.<service>.tls.ca_file").default, "the system's trusted roots");
        assert_eq!(get("signing_secrets").env, ["CARDMESH_SIGNING_SECRETS", "CARDMESH_WORKSPACE_SECRETS"]);
        assert!(
            get("required_headers.<name>").meaning.contains("constant time"),
            "{:?}",
            get("required_headers.<name>")
        );
    }

    #[test]
    fn intra_doc_links_lose_their_brackets() {
        assert_eq!(unlink("see [`Secret`] and [`PLAIN_API_URL`]."), "see `Secret` and `PLAIN_API_URL`.");
        assert_eq!(
            stated_default("Deadline (default: `fanout.service_deadline`, 2s)."),
            Some("`fanout.service_deadline`, 2s".into())
        );
    }
}
