//! Writes a proto component tree straight to Plain JSON text, for [`super::render_card`].
//!
//! The text is byte for byte what [`super::tree`] builds as a JSON value and serde_json then
//! writes (`tests/tests/integration/properties.rs` and the `card_proto` fuzz target hold the two equal):
//! the same fields, omitted under the same conditions, every object's keys in sorted order
//! (serde_json's map order), and strings escaped as serde_json escapes them. Keys are
//! written as literals and a string with nothing to escape is copied as is, which is most of
//! what makes this cheaper than serialising (see `gateway/examples/render_cost.rs`).
//!
//! What JSON cannot express (an unset oneof, an unknown enum number) makes [`card`] return
//! `None`; the caller has judged the tree before, so that is only a safety net.

use std::fmt::Write as _;

use cardmesh_proto::{Component, Container, Row, RowContent};
use cardmesh_rules::proto_tree::{user_identifier, workflow_identifier, Node};

use super::enums::{EnumKind, EnumValue, BADGE_COLOR, SPACING_SIZE, TEXT_COLOR, TEXT_SIZE};

/// The first buffer size of a card: the demo's cards are 0.2 to 1.5 KB, so most are written
/// without growing it.
const TYPICAL_CARD_BYTES: usize = 1024;

/// `{"key":…,"timeToLiveSeconds":…,"components":[…]}`, as `CardJson::new` writes it; `None`
/// when the tree has an unset oneof or an unknown enum number.
pub(super) fn card(key: &str, ttl_seconds: Option<u32>, components: &[Component]) -> Option<String> {
    let mut out = String::with_capacity(TYPICAL_CARD_BYTES);
    out.push_str("{\"key\":");
    string(&mut out, key);
    if let Some(ttl) = ttl_seconds {
        // Writing to a String cannot fail.
        let _ = write!(out, ",\"timeToLiveSeconds\":{ttl}");
    }
    out.push_str(",\"components\":");
    list(&mut out, components.iter().map(|c| c.component.as_ref().map(Node::from)))?;
    out.push('}');
    Some(out)
}

/// A JSON string. Nothing to escape (the common case): copied between quotes. Otherwise
/// serde_json escapes it, so the text is exactly serde_json's.
fn string(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        // Serialising a string to JSON cannot fail.
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    }
}

/// `"name":"value"` (a leading comma is the caller's).
fn field(out: &mut String, name: &str, value: &str) {
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
    string(out, value);
}

/// `"name":"VALUE"`, after a comma when `after_another` (it follows another field), or
/// nothing when the value is UNSPECIFIED. `Some(true)` when it wrote the field; `None` when
/// the value is unknown.
fn enumeration(out: &mut String, after_another: bool, name: &str, kind: EnumKind, value: i32) -> Option<bool> {
    match kind.map(value) {
        EnumValue::Unspecified => Some(false),
        EnumValue::Name(plain) => {
            if after_another {
                out.push(',');
            }
            field(out, name, plain);
            Some(true)
        }
        EnumValue::Unknown => None,
    }
}

/// A JSON array of components.
fn list<'a>(out: &mut String, items: impl Iterator<Item = Option<Node<'a>>>) -> Option<()> {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        node(out, item?)?;
    }
    out.push(']');
    Some(())
}

fn row_side(out: &mut String, side: &[RowContent]) -> Option<()> {
    list(out, side.iter().map(|c| c.content.as_ref().map(Node::from)))
}

/// `{"<wrapperKey>":{…}}`, each body's keys in sorted order.
fn node(out: &mut String, node: Node<'_>) -> Option<()> {
    match node {
        Node::Text(x) => {
            out.push_str("{\"componentText\":{");
            field(out, "text", &x.text);
            enumeration(out, true, "textColor", TEXT_COLOR, x.text_color)?;
            enumeration(out, true, "textSize", TEXT_SIZE, x.text_size)?;
        }
        Node::PlainText(x) => {
            out.push_str("{\"componentPlainText\":{");
            field(out, "plainText", &x.plain_text);
            enumeration(out, true, "plainTextColor", TEXT_COLOR, x.plain_text_color)?;
            enumeration(out, true, "plainTextSize", TEXT_SIZE, x.plain_text_size)?;
        }
        Node::Badge(x) => {
            out.push_str("{\"componentBadge\":{");
            if enumeration(out, false, "badgeColor", BADGE_COLOR, x.badge_color)? {
                out.push(',');
            }
            field(out, "badgeLabel", &x.badge_label);
        }
        Node::LinkButton(x) => {
            out.push_str("{\"componentLinkButton\":{");
            field(out, "linkButtonLabel", &x.link_button_label);
            out.push(',');
            field(out, "linkButtonUrl", &x.link_button_url);
        }
        Node::CopyButton(x) => {
            out.push_str("{\"componentCopyButton\":{");
            if let Some(label) = &x.copy_button_tooltip_label {
                field(out, "copyButtonTooltipLabel", label);
                out.push(',');
            }
            field(out, "copyButtonValue", &x.copy_button_value);
        }
        Node::Divider(x) => {
            out.push_str("{\"componentDivider\":{");
            enumeration(out, false, "dividerSpacingSize", SPACING_SIZE, x.divider_spacing_size)?;
        }
        Node::Spacer(x) => {
            out.push_str("{\"componentSpacer\":{");
            enumeration(out, false, "spacerSize", SPACING_SIZE, x.spacer_size)?;
        }
        Node::WorkflowButton(x) => {
            out.push_str("{\"componentWorkflowButton\":{");
            field(out, "workflowButtonLabel", &x.workflow_button_label);
            out.push_str(",\"workflowButtonWorkflowIdentifier\":");
            identifier(out, workflow_identifier(x));
        }
        Node::DateTime(x) => {
            out.push_str("{\"componentDateTime\":{");
            field(out, "dateTimeIso8601", &x.date_time_iso8601);
        }
        Node::User(x) => {
            out.push_str("{\"componentUser\":{\"userIdentifier\":");
            identifier(out, user_identifier(x));
        }
        Node::Row(Row { row_main_content, row_aside_content }) => {
            out.push_str("{\"componentRow\":{\"rowAsideContent\":");
            row_side(out, row_aside_content)?;
            out.push_str(",\"rowMainContent\":");
            row_side(out, row_main_content)?;
        }
        Node::Container(Container { container_content }) => {
            out.push_str("{\"componentContainer\":{\"containerContent\":");
            list(out, container_content.iter().map(|c| c.content.as_ref().map(Node::from)))?;
        }
    }
    out.push_str("}}");
    Some(())
}

/// `{}` when no member is set, else `{"<member>":"value"}`.
fn identifier(out: &mut String, set: Option<(&str, &str)>) {
    out.push('{');
    if let Some((name, value)) = set {
        field(out, name, value);
    }
    out.push('}');
}
