//! Writes a proto component tree straight to Plain JSON text, for [`super::render_card`].
//!
//! The text is byte for byte what [`super::tree`] builds as a JSON value and serde_json then
//! writes (`tests/tests/properties.rs` holds the two equal): the same fields, omitted under
//! the same conditions, and every object's keys in sorted order (serde_json's map order).
//! What JSON cannot express (an unset oneof, an unknown enum number) is a serialisation
//! error; the caller has judged the tree before, so that is only a safety net.

use cardmesh_proto::{
    user, workflow_button, Badge, Component, Container, CopyButton, DateTime, Divider, LinkButton, PlainText, Row,
    RowContent, Spacer, Text, User, WorkflowButton,
};
use cardmesh_rules::proto_tree::Node;
use serde::ser::{Error as _, Serialize, SerializeMap, Serializer};

use super::enums::{EnumKind, EnumValue, BADGE_COLOR, SPACING_SIZE, TEXT_COLOR, TEXT_SIZE};

/// A card's `components` array.
pub(super) struct Components<'a>(pub &'a [Component]);

impl Serialize for Components<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|c| Wrapped(c.component.as_ref().map(Node::from))))
    }
}

/// `{ "<wrapperKey>": body }`.
struct Wrapped<'a>(Option<Node<'a>>);

/// A string-keyed JSON object written entry by entry.
type Obj<S> = <S as Serializer>::SerializeMap;

impl Serialize for Wrapped<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(node) = &self.0 else {
            return Err(S::Error::custom("a component has no variant set"));
        };
        let mut wrapper = s.serialize_map(Some(1))?;
        match node {
            Node::Text(x) => wrapper.serialize_entry("componentText", &Body(*x))?,
            Node::PlainText(x) => wrapper.serialize_entry("componentPlainText", &Body(*x))?,
            Node::Badge(x) => wrapper.serialize_entry("componentBadge", &Body(*x))?,
            Node::LinkButton(x) => wrapper.serialize_entry("componentLinkButton", &Body(*x))?,
            Node::CopyButton(x) => wrapper.serialize_entry("componentCopyButton", &Body(*x))?,
            Node::Divider(x) => wrapper.serialize_entry("componentDivider", &Body(*x))?,
            Node::Spacer(x) => wrapper.serialize_entry("componentSpacer", &Body(*x))?,
            Node::WorkflowButton(x) => wrapper.serialize_entry("componentWorkflowButton", &Body(*x))?,
            Node::DateTime(x) => wrapper.serialize_entry("componentDateTime", &Body(*x))?,
            Node::User(x) => wrapper.serialize_entry("componentUser", &Body(*x))?,
            Node::Row(x) => wrapper.serialize_entry("componentRow", &Body(*x))?,
            Node::Container(x) => wrapper.serialize_entry("componentContainer", &Body(*x))?,
        }
        wrapper.end()
    }
}

/// The body object of one component (the value under its wrapper key).
struct Body<'a, T>(&'a T);

/// Writes the body's entries, in sorted key order.
trait Entries {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error>;
}

impl<T: Entries> Serialize for Body<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut obj = s.serialize_map(None)?;
        self.0.entries::<S>(&mut obj)?;
        obj.end()
    }
}

/// Writes `name` unless `value` is UNSPECIFIED; an unknown number is an error.
fn put_enum<S: Serializer>(obj: &mut Obj<S>, name: &str, kind: EnumKind, value: i32) -> Result<(), S::Error> {
    match kind.map(value) {
        EnumValue::Unspecified => Ok(()),
        EnumValue::Name(plain) => obj.serialize_entry(name, plain),
        EnumValue::Unknown => Err(S::Error::custom(format_args!("unknown {} value {value}", kind.name))),
    }
}

impl Entries for Text {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        obj.serialize_entry("text", &self.text)?;
        put_enum::<S>(obj, "textColor", TEXT_COLOR, self.text_color)?;
        put_enum::<S>(obj, "textSize", TEXT_SIZE, self.text_size)
    }
}

impl Entries for PlainText {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        obj.serialize_entry("plainText", &self.plain_text)?;
        put_enum::<S>(obj, "plainTextColor", TEXT_COLOR, self.plain_text_color)?;
        put_enum::<S>(obj, "plainTextSize", TEXT_SIZE, self.plain_text_size)
    }
}

impl Entries for Badge {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        put_enum::<S>(obj, "badgeColor", BADGE_COLOR, self.badge_color)?;
        obj.serialize_entry("badgeLabel", &self.badge_label)
    }
}

impl Entries for LinkButton {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        obj.serialize_entry("linkButtonLabel", &self.link_button_label)?;
        obj.serialize_entry("linkButtonUrl", &self.link_button_url)
    }
}

impl Entries for CopyButton {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        if let Some(label) = &self.copy_button_tooltip_label {
            obj.serialize_entry("copyButtonTooltipLabel", label)?;
        }
        obj.serialize_entry("copyButtonValue", &self.copy_button_value)
    }
}

impl Entries for Divider {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        put_enum::<S>(obj, "dividerSpacingSize", SPACING_SIZE, self.divider_spacing_size)
    }
}

impl Entries for Spacer {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        put_enum::<S>(obj, "spacerSize", SPACING_SIZE, self.spacer_size)
    }
}

/// `{}` when no member is set, else `{"<member>": value}`.
struct Identifier<'a>(Option<(&'static str, &'a str)>);

impl Serialize for Identifier<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut obj = s.serialize_map(None)?;
        if let Some((name, value)) = self.0 {
            obj.serialize_entry(name, value)?;
        }
        obj.end()
    }
}

impl Entries for WorkflowButton {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        use workflow_button::WorkflowIdentifier as W;
        let set = self.workflow_identifier.as_ref().map(|id| match id {
            W::WorkflowId(v) => ("workflowId", v.as_str()),
            W::WorkflowKey(v) => ("workflowKey", v.as_str()),
        });
        obj.serialize_entry("workflowButtonLabel", &self.workflow_button_label)?;
        obj.serialize_entry("workflowButtonWorkflowIdentifier", &Identifier(set))
    }
}

impl Entries for DateTime {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        obj.serialize_entry("dateTimeIso8601", &self.date_time_iso8601)
    }
}

impl Entries for User {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        use user::UserIdentifier as U;
        let set = self.user_identifier.as_ref().map(|id| match id {
            U::UserId(v) => ("userId", v.as_str()),
            U::EmailAddress(v) => ("emailAddress", v.as_str()),
            U::MachineUserId(v) => ("machineUserId", v.as_str()),
        });
        obj.serialize_entry("userIdentifier", &Identifier(set))
    }
}

/// One side of a row.
struct RowSide<'a>(&'a [RowContent]);

impl Serialize for RowSide<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|c| Wrapped(c.content.as_ref().map(Node::from))))
    }
}

impl Entries for Row {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        obj.serialize_entry("rowAsideContent", &RowSide(&self.row_aside_content))?;
        obj.serialize_entry("rowMainContent", &RowSide(&self.row_main_content))
    }
}

/// A container's content.
struct ContainerItems<'a>(&'a Container);

impl Serialize for ContainerItems<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.container_content.iter().map(|c| Wrapped(c.content.as_ref().map(Node::from))))
    }
}

impl Entries for Container {
    fn entries<S: Serializer>(&self, obj: &mut Obj<S>) -> Result<(), S::Error> {
        obj.serialize_entry("containerContent", &ContainerItems(self))
    }
}
