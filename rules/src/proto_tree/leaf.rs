//! The field checks of the ten leaf components.

use super::{user_identifier, workflow_identifier, Node, Walk};
use crate::catalogue::field;
use crate::validate::checks::{check_one_of_count, check_proto_enum, check_str};
use crate::validate::path::Path;
use crate::{ComponentKind as K, FieldType};

/// One leaf's body: its kind and the path of its body object.
struct Body<'w, 'p> {
    walk: &'w mut Walk,
    kind: K,
    path: &'p Path<'p>,
}

impl Body<'_, '_> {
    /// A string field `name` (`None`: unset optional).
    fn str(&mut self, name: &str, value: Option<&str>) {
        self.walk.push(&self.path.field(name), check_str(field(self.kind, name), value));
    }

    /// An enum field `name` holding proto number `value`.
    fn enumeration(&mut self, name: &str, value: i32) {
        self.walk.push(&self.path.field(name), check_proto_enum(field(self.kind, name), value));
    }

    /// A one-of field `name` with `member` set to `value` (or nothing set).
    fn one_of(&mut self, name: &str, set: Option<(&str, &str)>) {
        let spec = field(self.kind, name);
        let path = self.path.field(name);
        if let (Some((member, value)), FieldType::OneOf(of)) = (set, &spec.ty) {
            if let Some(member_spec) = of.iter().find(|f| f.name == member) {
                self.walk.push(&path.field(member), check_str(member_spec, Some(value)));
            }
        }
        self.walk.push(&path, check_one_of_count(spec, usize::from(set.is_some())));
    }
}

impl Walk {
    /// Checks a leaf's fields (a Row or Container is the caller's to walk: nothing here).
    pub(super) fn leaf(&mut self, path: &Path<'_>, node: Node<'_>) {
        let Some(kind) = leaf_kind(&node) else { return };
        let body_path = path.field(kind.key());
        let mut b = Body { walk: self, kind, path: &body_path };
        match node {
            Node::Text(t) => {
                b.str("text", Some(&t.text));
                b.enumeration("textSize", t.text_size);
                b.enumeration("textColor", t.text_color);
            }
            Node::PlainText(t) => {
                b.str("plainText", Some(&t.plain_text));
                b.enumeration("plainTextSize", t.plain_text_size);
                b.enumeration("plainTextColor", t.plain_text_color);
            }
            Node::Badge(x) => {
                b.str("badgeLabel", Some(&x.badge_label));
                b.enumeration("badgeColor", x.badge_color);
            }
            Node::LinkButton(x) => {
                b.str("linkButtonLabel", Some(&x.link_button_label));
                b.str("linkButtonUrl", Some(&x.link_button_url));
            }
            Node::CopyButton(x) => {
                b.str("copyButtonValue", Some(&x.copy_button_value));
                b.str("copyButtonTooltipLabel", x.copy_button_tooltip_label.as_deref());
            }
            Node::Divider(x) => b.enumeration("dividerSpacingSize", x.divider_spacing_size),
            Node::Spacer(x) => b.enumeration("spacerSize", x.spacer_size),
            Node::WorkflowButton(x) => {
                b.str("workflowButtonLabel", Some(&x.workflow_button_label));
                b.one_of("workflowButtonWorkflowIdentifier", workflow_identifier(x));
            }
            Node::DateTime(x) => b.str("dateTimeIso8601", Some(&x.date_time_iso8601)),
            Node::User(x) => b.one_of("userIdentifier", user_identifier(x)),
            Node::Row(_) | Node::Container(_) => {}
        }
    }
}

/// The kind of a leaf; `None` for a Row or Container.
fn leaf_kind(node: &Node<'_>) -> Option<K> {
    Some(match node {
        Node::Text(_) => K::Text,
        Node::PlainText(_) => K::PlainText,
        Node::Badge(_) => K::Badge,
        Node::LinkButton(_) => K::LinkButton,
        Node::CopyButton(_) => K::CopyButton,
        Node::Divider(_) => K::Divider,
        Node::Spacer(_) => K::Spacer,
        Node::WorkflowButton(_) => K::WorkflowButton,
        Node::DateTime(_) => K::DateTime,
        Node::User(_) => K::User,
        Node::Row(_) | Node::Container(_) => return None,
    })
}
