//! Component objects: the one-wrapper-key rule and the nesting rules. Field rules per
//! component are in [`super::fields`].
//!
//! Recursion is bounded by construction: a Container is only walked at the top level, a Row
//! only at the top level or inside a Container, and a Row or Container found where it is not
//! allowed is reported without being walked. So the walk is at most top → Container → Row →
//! leaf, however deep the input is nested.

use serde_json::Value;

use super::fields::validate_body;
use super::path::{quote, type_name, Path};
use crate::catalogue::{ComponentKind, Level};
use crate::finding::{Report, Rule};

/// Why `kind` may not appear at `level`, and what to do instead.
fn nesting_message(kind: ComponentKind, level: Level) -> String {
    match (level, kind) {
        (Level::RowContent, ComponentKind::Row) => {
            "Row is not allowed inside a row; use a Container to stack rows".to_owned()
        }
        (Level::RowContent, ComponentKind::Container) => {
            "Container is not allowed inside a row; put the Row inside the Container instead".to_owned()
        }
        (Level::ContainerContent, ComponentKind::Container) => {
            "Container is not allowed inside a container; containers do not nest, put the \
             inner content directly in the outer Container"
                .to_owned()
        }
        _ => format!("{} is not allowed as {}; use one of {}", kind.key(), level.describe(), level.allowed_keys()),
    }
}

/// Validates one component object found at `level`, appending to `out`. A wrapper key set
/// to `null` counts as absent.
pub(super) fn validate_component(value: &Value, path: &Path<'_>, level: Level, out: &mut Report) {
    let Value::Object(map) = value else {
        out.violation(
            path,
            Rule::Type,
            format!(
                "must be a component object with exactly one of {}; got {}",
                level.allowed_keys(),
                type_name(value)
            ),
        );
        return;
    };

    let mut found: Vec<(ComponentKind, &Value)> = Vec::new();
    let mut unknown = 0;
    for (key, body) in map {
        match ComponentKind::from_key(key) {
            Some(_) if body.is_null() => {}
            Some(kind) => found.push((kind, body)),
            None => {
                unknown += 1;
                out.violation(
                    path.field(key),
                    Rule::UnknownComponent,
                    format!(
                        "unknown component key {}; {} must have exactly one of {}",
                        quote(key),
                        level.describe(),
                        level.allowed_keys()
                    ),
                );
            }
        }
    }

    match found.len() {
        0 if unknown == 0 => out.violation(
            path,
            Rule::OneOf,
            format!("empty component object; it must have exactly one of {}", level.allowed_keys()),
        ),
        0 | 1 => {}
        n => {
            let keys: Vec<&str> = found.iter().map(|(kind, _)| kind.key()).collect();
            out.violation(
                path,
                Rule::OneOf,
                format!(
                    "has {n} component keys ({}); a component object must have exactly one, \
                     split them into separate components",
                    keys.join(", ")
                ),
            );
        }
    }

    for (kind, body) in found {
        let body_path = path.field(kind.key());
        if kind.allowed_in(level) {
            validate_body(kind, body, &body_path, out);
        } else {
            out.violation(body_path, Rule::Nesting, nesting_message(kind, level));
        }
    }
}

/// Validates a list of components of `level` (e.g. a card's `components`), entry `i` at
/// `{path}[i]`.
pub(super) fn validate_list(items: &[Value], path: &Path<'_>, level: Level, out: &mut Report) {
    for (i, item) in items.iter().enumerate() {
        validate_component(item, &path.index(i), level, out);
    }
}
