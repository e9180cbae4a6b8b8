//! Component objects: the one-wrapper-key rule and the nesting rules. Field rules per
//! component are in [`super::fields`].
//!
//! Recursion is bounded by construction: a Container is only walked at the top level, a Row
//! only at the top level or inside a Container, and a Row or Container found where it is not
//! allowed is reported without being walked. So the walk is at most top → Container → Row →
//! leaf, however deep the input is nested.

use serde_json::Value;

use super::fields::validate_body;
use super::path::{field, index, type_name};
use super::Violation;

/// The ten component wrapper keys, leaf components first, then `componentRow` and
/// `componentContainer` (names as in Plain's GraphQL `ComponentInput`).
pub const COMPONENT_KEYS: [&str; 10] = [
    "componentText",
    "componentPlainText",
    "componentBadge",
    "componentLinkButton",
    "componentCopyButton",
    "componentDivider",
    "componentSpacer",
    "componentWorkflowButton",
    "componentRow",
    "componentContainer",
];

/// Which component a wrapper key names. Discriminants index [`COMPONENT_KEYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    PlainText,
    Badge,
    LinkButton,
    CopyButton,
    Divider,
    Spacer,
    WorkflowButton,
    Row,
    Container,
}

impl Kind {
    const ALL: [Kind; 10] = [
        Kind::Text,
        Kind::PlainText,
        Kind::Badge,
        Kind::LinkButton,
        Kind::CopyButton,
        Kind::Divider,
        Kind::Spacer,
        Kind::WorkflowButton,
        Kind::Row,
        Kind::Container,
    ];

    /// The wrapper key, e.g. `componentText`.
    pub(super) fn key(self) -> &'static str {
        COMPONENT_KEYS[self as usize]
    }

    fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// Where a component sits; it decides which components are allowed there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    /// An entry of a card's `components`: any of the ten.
    Top,
    /// An entry of `containerContent`: the eight leaves plus Row.
    Container,
    /// An entry of `rowMainContent` / `rowAsideContent`: the eight leaves.
    Row,
}

impl Level {
    /// The wrapper keys allowed at this level.
    fn allowed_keys(self) -> &'static [&'static str] {
        match self {
            Level::Top => &COMPONENT_KEYS,
            Level::Container => &COMPONENT_KEYS[..9],
            Level::Row => &COMPONENT_KEYS[..8],
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Level::Top => "a top-level component",
            Level::Container => "container content",
            Level::Row => "row content",
        }
    }
}

/// The nesting rule `kind` breaks at `level`, if any.
fn nesting_violation(kind: Kind, level: Level) -> Option<&'static str> {
    match (level, kind) {
        (Level::Row, Kind::Row) => Some("Row is not allowed inside a row; use a Container to stack rows"),
        (Level::Row, Kind::Container) => {
            Some("Container is not allowed inside a row; put the Row inside the Container instead")
        }
        (Level::Container, Kind::Container) => Some(
            "Container is not allowed inside a container; containers do not nest, put the \
             inner content directly in the outer Container",
        ),
        _ => None,
    }
}

/// Validates a card's `components`: `null` (no data) or an array of top-level components.
/// Entry `i` is reported under `{path}[i]`. Never panics; see the module docs for depth.
pub fn validate_components(components: &Value, path: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    match components {
        Value::Null => {}
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                validate_component(item, &index(path, i), Level::Top, &mut out);
            }
        }
        other => out.push(Violation::new(
            path,
            format!("must be an array of components, or null for no data; got {}", type_name(other)),
        )),
    }
    out
}

/// Validates one component object found at `level`, appending to `out`.
pub(super) fn validate_component(value: &Value, path: &str, level: Level, out: &mut Vec<Violation>) {
    let allowed = || level.allowed_keys().join(", ");
    let Value::Object(map) = value else {
        out.push(Violation::new(
            path,
            format!("must be a component object with exactly one of {}; got {}", allowed(), type_name(value)),
        ));
        return;
    };

    let mut found: Vec<(Kind, &Value)> = Vec::new();
    for (key, body) in map {
        match Kind::from_key(key) {
            Some(kind) => found.push((kind, body)),
            None => out.push(Violation::new(
                field(path, key),
                format!(
                    "unknown component key {}; {} must have exactly one of {}",
                    super::path::quote(key),
                    level.describe(),
                    allowed()
                ),
            )),
        }
    }

    match found.len() {
        0 if map.is_empty() => {
            out.push(Violation::new(path, format!("empty component object; it must have exactly one of {}", allowed())))
        }
        0 | 1 => {}
        n => {
            let keys: Vec<&str> = found.iter().map(|(kind, _)| kind.key()).collect();
            out.push(Violation::new(
                path,
                format!(
                    "has {n} component keys ({}); a component object must have exactly one, \
                     split them into separate components",
                    keys.join(", ")
                ),
            ));
        }
    }

    for (kind, body) in found {
        let body_path = field(path, kind.key());
        match nesting_violation(kind, level) {
            Some(message) => out.push(Violation::new(body_path, message)),
            None => validate_body(kind, body, &body_path, out),
        }
    }
}
