//! The catalogue as JSON (`rules/catalogue.json`, format version 1; the format and its
//! details are in `rules/README.md`).

use serde_json::{json, Map, Value};

use super::{Catalogue, ComponentKind, FieldSpec, FieldType, Level, CATALOGUE};

/// The catalogue as the JSON document committed as `rules/catalogue.json`.
pub fn to_json() -> Value {
    catalogue_json(&CATALOGUE)
}

fn catalogue_json(c: &Catalogue) -> Value {
    let enums: Map<String, Value> = c.enums.iter().map(|e| (e.name.to_owned(), json!(e.values))).collect();
    let levels: Map<String, Value> = Level::ALL
        .into_iter()
        .map(|level| {
            let keys: Vec<&str> = level.allowed().map(ComponentKind::key).collect();
            (level.name().to_owned(), json!(keys))
        })
        .collect();
    let components: Map<String, Value> = ComponentKind::ALL
        .into_iter()
        .map(|kind| {
            let spec = kind.spec();
            let mut body = Map::new();
            body.insert("fields".into(), fields_json(spec.fields));
            if !spec.aliases.is_empty() {
                let aliases: Map<String, Value> =
                    spec.aliases.iter().map(|(alias, current)| ((*alias).to_owned(), json!(current))).collect();
                body.insert("aliases".into(), Value::Object(aliases));
            }
            (spec.key.to_owned(), Value::Object(body))
        })
        .collect();
    json!({
        "version": c.version,
        "cardKey": {
            "pattern": c.card_key.pattern,
            "maxKeysPerRequest": c.card_key.max_keys_per_request,
        },
        "timeToLiveSeconds": {
            "min": c.time_to_live_seconds.min,
            "max": c.time_to_live_seconds.max,
        },
        "enums": enums,
        "levels": levels,
        "components": components,
    })
}

fn fields_json(fields: &[FieldSpec]) -> Value {
    Value::Object(fields.iter().map(|f| (f.name.to_owned(), field_json(f))).collect())
}

fn field_json(f: &FieldSpec) -> Value {
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_owned(), v);
    };
    match &f.ty {
        FieldType::String { min_chars, max_chars, markdown } => {
            put("type", json!("string"));
            put("minChars", json!(min_chars));
            if let Some(max) = max_chars {
                put("maxChars", json!(max));
            }
            if *markdown {
                put("markdown", json!(true));
            }
        }
        FieldType::Enum(name) => {
            put("type", json!("enum"));
            put("enum", json!(name));
        }
        FieldType::Url { schemes } => {
            put("type", json!("url"));
            put("schemes", json!(schemes));
        }
        FieldType::DateTime => put("type", json!("dateTime")),
        FieldType::OneOf(of) => {
            put("type", json!("oneOf"));
            put("of", fields_json(of));
        }
        FieldType::List { level, min_items } => {
            put("type", json!("list"));
            put("level", json!(level.name()));
            put("minItems", json!(min_items));
        }
    }
    if f.required {
        put("required", json!(true));
    }
    Value::Object(out)
}

/// The exported text: pretty JSON with a final newline, exactly as committed.
pub fn to_json_text() -> String {
    let mut text = serde_json::to_string_pretty(&to_json()).unwrap_or_default();
    text.push('\n');
    text
}
