//! [`problems`]: checks a proto card against Plain's rules, for service tests.
//!
//! This is the proto-side judgement: it walks the generated messages directly (no JSON),
//! but every rule (limits, enum values, required fields, one-of identifiers, list sizes)
//! and every message comes from `cardmesh-rules`, so it reports exactly the paths and rule
//! codes the gateway's JSON validator reports for the rendered card
//! (`tests/tests/properties.rs` holds the two equal).

use cardmesh_rules::validate::checks::{
    check_list_len, check_one_of_count, check_proto_enum, check_str, Problem,
};
use cardmesh_rules::{catalogue::field, ComponentKind as K, Rule, Violation};

use crate::proto::{
    self, component, container_content, row_content, user::UserIdentifier,
    workflow_button::WorkflowIdentifier, Component,
};

/// Everything in `components` that Plain would reject, one line per problem:
/// `{path}: {message}`, with the path in Plain's JSON names
/// (`components[2].componentContainer.containerContent[0].componentBadge.badgeLabel: must
/// not be empty; use 1 to 500 characters`). Empty when the card is valid.
pub fn problems(components: &[Component]) -> Vec<String> {
    findings(components)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// [`problems`] as [`Violation`]s: path, stable rule code and message.
pub fn findings(components: &[Component]) -> Vec<Violation> {
    let mut out = Walk(Vec::new());
    for (i, item) in components.iter().enumerate() {
        let path = format!("components[{i}]");
        match &item.component {
            None => out.unset(&path, "component"),
            Some(component::Component::Row(row)) => out.row(&path, row),
            Some(component::Component::Container(c)) => out.container(&path, c),
            Some(other) => match Leaf::from_component(other) {
                Some(leaf) => out.leaf(&path, leaf),
                None => out.unset(&path, "component"),
            },
        }
    }
    out.0
}

/// The findings so far.
struct Walk(Vec<Violation>);

/// A borrowed leaf component, whichever wrapper it came in.
enum Leaf<'a> {
    Text(&'a proto::Text),
    PlainText(&'a proto::PlainText),
    Badge(&'a proto::Badge),
    LinkButton(&'a proto::LinkButton),
    CopyButton(&'a proto::CopyButton),
    Divider(&'a proto::Divider),
    Spacer(&'a proto::Spacer),
    WorkflowButton(&'a proto::WorkflowButton),
    DateTime(&'a proto::DateTime),
    User(&'a proto::User),
}

/// Maps the ten leaf variants of one of the generated `oneof` enums onto [`Leaf`].
macro_rules! leaf_of {
    ($value:expr, $module:ident :: $enum:ident) => {
        match $value {
            $module::$enum::Text(v) => Some(Leaf::Text(v)),
            $module::$enum::PlainText(v) => Some(Leaf::PlainText(v)),
            $module::$enum::Badge(v) => Some(Leaf::Badge(v)),
            $module::$enum::LinkButton(v) => Some(Leaf::LinkButton(v)),
            $module::$enum::CopyButton(v) => Some(Leaf::CopyButton(v)),
            $module::$enum::Divider(v) => Some(Leaf::Divider(v)),
            $module::$enum::Spacer(v) => Some(Leaf::Spacer(v)),
            $module::$enum::WorkflowButton(v) => Some(Leaf::WorkflowButton(v)),
            $module::$enum::DateTime(v) => Some(Leaf::DateTime(v)),
            $module::$enum::User(v) => Some(Leaf::User(v)),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    };
}

impl<'a> Leaf<'a> {
    fn from_component(value: &'a component::Component) -> Option<Self> {
        leaf_of!(value, component::Component)
    }
    fn from_container(value: &'a container_content::Content) -> Option<Self> {
        leaf_of!(value, container_content::Content)
    }
    fn from_row(value: &'a row_content::Content) -> Option<Self> {
        leaf_of!(value, row_content::Content)
    }
}

impl Walk {
    fn push(&mut self, path: &str, problem: Option<Problem>) {
        if let Some((rule, message)) = problem {
            self.0.push(Violation::new(path, rule, message));
        }
    }

    /// A oneof with no variant: the gateway cannot render it.
    fn unset(&mut self, path: &str, what: &str) {
        self.0.push(Violation::new(
            path,
            Rule::OneOf,
            format!("{what} at {path} has no variant set; set exactly one component in it"),
        ));
    }

    /// A string field `name` of `kind` at `body.name` (`None`: unset optional).
    fn str(&mut self, kind: K, body: &str, name: &str, value: Option<&str>) {
        self.push(
            &format!("{body}.{name}"),
            check_str(field(kind, name), value),
        );
    }

    /// An enum field `name` of `kind` holding proto number `value`.
    fn enumeration(&mut self, kind: K, body: &str, name: &str, value: i32) {
        self.push(
            &format!("{body}.{name}"),
            check_proto_enum(field(kind, name), value),
        );
    }

    /// A one-of field `name` of `kind` with `member` set to `value` (or nothing set).
    fn one_of(&mut self, kind: K, body: &str, name: &str, set: Option<(&str, &str)>) {
        let spec = field(kind, name);
        let path = format!("{body}.{name}");
        if let (Some((member, value)), cardmesh_rules::FieldType::OneOf(of)) = (set, &spec.ty) {
            let member_spec = of.iter().find(|f| f.name == member);
            if let Some(member_spec) = member_spec {
                self.push(
                    &format!("{path}.{member}"),
                    check_str(member_spec, Some(value)),
                );
            }
        }
        self.push(&path, check_one_of_count(spec, usize::from(set.is_some())));
    }

    fn leaf(&mut self, path: &str, leaf: Leaf<'_>) {
        let kind = match leaf {
            Leaf::Text(_) => K::Text,
            Leaf::PlainText(_) => K::PlainText,
            Leaf::Badge(_) => K::Badge,
            Leaf::LinkButton(_) => K::LinkButton,
            Leaf::CopyButton(_) => K::CopyButton,
            Leaf::Divider(_) => K::Divider,
            Leaf::Spacer(_) => K::Spacer,
            Leaf::WorkflowButton(_) => K::WorkflowButton,
            Leaf::DateTime(_) => K::DateTime,
            Leaf::User(_) => K::User,
        };
        let body = format!("{path}.{}", kind.key());
        let b = body.as_str();
        match leaf {
            Leaf::Text(t) => {
                self.str(kind, b, "text", Some(&t.text));
                self.enumeration(kind, b, "textSize", t.text_size);
                self.enumeration(kind, b, "textColor", t.text_color);
            }
            Leaf::PlainText(t) => {
                self.str(kind, b, "plainText", Some(&t.plain_text));
                self.enumeration(kind, b, "plainTextSize", t.plain_text_size);
                self.enumeration(kind, b, "plainTextColor", t.plain_text_color);
            }
            Leaf::Badge(x) => {
                self.str(kind, b, "badgeLabel", Some(&x.badge_label));
                self.enumeration(kind, b, "badgeColor", x.badge_color);
            }
            Leaf::LinkButton(x) => {
                self.str(kind, b, "linkButtonLabel", Some(&x.link_button_label));
                self.str(kind, b, "linkButtonUrl", Some(&x.link_button_url));
            }
            Leaf::CopyButton(x) => {
                self.str(kind, b, "copyButtonValue", Some(&x.copy_button_value));
                let tooltip = x.copy_button_tooltip_label.as_deref();
                self.str(kind, b, "copyButtonTooltipLabel", tooltip);
            }
            Leaf::Divider(x) => {
                self.enumeration(kind, b, "dividerSpacingSize", x.divider_spacing_size)
            }
            Leaf::Spacer(x) => self.enumeration(kind, b, "spacerSize", x.spacer_size),
            Leaf::WorkflowButton(x) => {
                self.str(
                    kind,
                    b,
                    "workflowButtonLabel",
                    Some(&x.workflow_button_label),
                );
                let set = x.workflow_identifier.as_ref().map(|id| match id {
                    WorkflowIdentifier::WorkflowId(v) => ("workflowId", v.as_str()),
                    WorkflowIdentifier::WorkflowKey(v) => ("workflowKey", v.as_str()),
                });
                self.one_of(kind, b, "workflowButtonWorkflowIdentifier", set);
            }
            Leaf::DateTime(x) => self.str(kind, b, "dateTimeIso8601", Some(&x.date_time_iso8601)),
            Leaf::User(x) => {
                let set = x.user_identifier.as_ref().map(|id| match id {
                    UserIdentifier::UserId(v) => ("userId", v.as_str()),
                    UserIdentifier::EmailAddress(v) => ("emailAddress", v.as_str()),
                    UserIdentifier::MachineUserId(v) => ("machineUserId", v.as_str()),
                });
                self.one_of(kind, b, "userIdentifier", set);
            }
        }
    }

    fn row(&mut self, path: &str, row: &proto::Row) {
        let body = format!("{path}.{}", K::Row.key());
        for (name, side) in [
            ("rowMainContent", &row.row_main_content),
            ("rowAsideContent", &row.row_aside_content),
        ] {
            let list = format!("{body}.{name}");
            self.push(&list, check_list_len(field(K::Row, name), side.len()));
            for (i, item) in side.iter().enumerate() {
                let path = format!("{list}[{i}]");
                match item.content.as_ref().and_then(Leaf::from_row) {
                    Some(leaf) => self.leaf(&path, leaf),
                    None => self.unset(&path, "row content"),
                }
            }
        }
    }

    fn container(&mut self, path: &str, container: &proto::Container) {
        let name = "containerContent";
        let list = format!("{path}.{}.{name}", K::Container.key());
        let content = &container.container_content;
        self.push(
            &list,
            check_list_len(field(K::Container, name), content.len()),
        );
        for (i, item) in content.iter().enumerate() {
            let path = format!("{list}[{i}]");
            match &item.content {
                None => self.unset(&path, "container content"),
                Some(container_content::Content::Row(row)) => self.row(&path, row),
                Some(other) => match Leaf::from_container(other) {
                    Some(leaf) => self.leaf(&path, leaf),
                    None => self.unset(&path, "container content"),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests;
