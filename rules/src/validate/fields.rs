//! The fields of each component body, driven by the catalogue: required fields, types,
//! limits, enum values, one-of objects, lists, unknown fields and deprecated aliases.

use serde_json::{Map, Value};

use super::checks::{check_absent, check_list_len, check_one_of_count, check_str, expectation};
use super::component::validate_component;
use super::path::{describe, quote, type_name, Path};
use crate::catalogue::{ComponentKind, ComponentSpec, FieldSpec, FieldType};
use crate::finding::{Report, Rule};

/// A value that is set: present and not `null`.
fn set(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

/// Validates the body of a `kind` component (the value under its wrapper key) at `path`.
/// A deprecated alias stands in for its current field when that is not set (a warning);
/// both set is [`Rule::AliasConflict`]. Row and Container bodies recurse into their
/// content; nothing else recurses.
pub(super) fn validate_body(kind: ComponentKind, body: &Value, path: &Path<'_>, out: &mut Report) {
    let Value::Object(map) = body else {
        out.violation(path, Rule::Type, format!("must be an object; got {}", type_name(body)));
        return;
    };
    let spec = kind.spec();
    for f in spec.fields {
        let current = set(map.get(f.name));
        let alias = spec.alias_for(f.name);
        let by_alias = alias.and_then(|a| set(map.get(a)).map(|v| (a, v)));
        let (value, value_path) = match (current, by_alias) {
            (Some(value), Some((alias, _))) => {
                out.violation(
                    path.field(alias),
                    Rule::AliasConflict,
                    format!(
                        "both the deprecated {} and \"{}\" are set; keep only \"{}\"",
                        quote(alias),
                        f.name,
                        f.name
                    ),
                );
                (Some(value), path.field(f.name))
            }
            (Some(value), None) => (Some(value), path.field(f.name)),
            (None, Some((alias, value))) => (Some(value), path.field(alias)),
            (None, None) => (None, path.field(f.name)),
        };
        check_field(f, value, &value_path, out);
    }
    check_other_keys(spec, map, path, out);
}

/// Aliases (warned about when set) and unknown fields (violations).
fn check_other_keys(spec: &ComponentSpec, map: &Map<String, Value>, path: &Path<'_>, out: &mut Report) {
    for (key, value) in map {
        if spec.field(key).is_some() {
            continue;
        }
        match spec.alias_of(key) {
            Some(current) => {
                if !value.is_null() {
                    out.push(crate::Violation::new(
                        path.field(key),
                        Rule::Deprecated,
                        format!(
                            "deprecated field name {}; Plain still accepts it, but use \"{current}\" instead",
                            quote(key)
                        ),
                    ));
                }
            }
            None => out.violation(
                path.field(key),
                Rule::UnknownField,
                unknown_field_message(key, spec.key, spec.fields, spec.aliases),
            ),
        }
    }
}

fn unknown_field_message(key: &str, owner: &str, fields: &[FieldSpec], aliases: &[(&str, &str)]) -> String {
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    let mut message = format!("unknown field {}; {owner} allows only {}", quote(key), names.join(", "));
    if !aliases.is_empty() {
        let deprecated: Vec<&str> = aliases.iter().map(|(a, _)| *a).collect();
        message.push_str(&format!(" (and the deprecated {})", deprecated.join(", ")));
    }
    message
}

/// Checks one field's value (`None`: absent or null) at `path`.
pub(super) fn check_field(f: &FieldSpec, value: Option<&Value>, path: &Path<'_>, out: &mut Report) {
    let Some(value) = value else {
        if let Some((rule, message)) = check_absent(f) {
            out.violation(path, rule, message);
        }
        return;
    };
    match (&f.ty, value) {
        (FieldType::OneOf(of), Value::Object(map)) => check_one_of(f, of, map, path, out),
        (FieldType::List { level, .. }, Value::Array(items)) => {
            if let Some((rule, message)) = check_list_len(f, items.len()) {
                out.violation(path, rule, message);
            }
            for (i, item) in items.iter().enumerate() {
                validate_component(item, &path.index(i), *level, out);
            }
        }
        (FieldType::OneOf(_) | FieldType::List { .. }, other) => {
            out.violation(path, Rule::Type, format!("must be {}; got {}", expectation(f), type_name(other)))
        }
        (_, Value::String(s)) => {
            if let Some((rule, message)) = check_str(f, Some(s)) {
                out.violation(path, rule, message);
            }
        }
        (FieldType::Enum(_), other) => {
            out.violation(path, Rule::Type, format!("must be {}; got {}", expectation(f), describe(other)))
        }
        (_, other) => out.violation(path, Rule::Type, format!("must be {}; got {}", expectation(f), type_name(other))),
    }
}

/// An object with exactly one of `of` set (`null` counts as unset); each set member is
/// checked as its own field; keys that are not members are unknown fields.
fn check_one_of(spec: &FieldSpec, of: &[FieldSpec], map: &Map<String, Value>, path: &Path<'_>, out: &mut Report) {
    let name = spec.name;
    let mut present = 0;
    for member in of {
        if let Some(value) = set(map.get(member.name)) {
            present += 1;
            check_field(member, Some(value), &path.field(member.name), out);
        }
    }
    if let Some((rule, message)) = check_one_of_count(spec, present) {
        out.violation(path, rule, message);
    }
    for key in map.keys() {
        if !of.iter().any(|f| f.name == key) {
            let names: Vec<&str> = of.iter().map(|f| f.name).collect();
            out.violation(
                path.field(key),
                Rule::UnknownField,
                format!("unknown field {}; {name} allows only {}", quote(key), names.join(", ")),
            );
        }
    }
}
