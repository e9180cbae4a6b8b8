//! Walks a proto component tree and builds Plain JSON, collecting every render error.
//!
//! The proto types make illegal nesting unrepresentable, so the walk is at most
//! Component → Container → Row → leaf. Render errors are only what JSON cannot express:
//! an unset oneof and an enum integer this build does not know. Everything else (lengths,
//! a missing spacer size, a missing workflow identifier, ...) is rendered as is and left to
//! the validator, so there is one place that knows Plain's rules.

use cardmesh_proto::{
    Badge, Component, Container, ContainerContent, CopyButton, DateTime, Divider, LinkButton, PlainText, Row,
    RowContent, Spacer, Text, User, WorkflowButton,
};
use serde_json::{Map, Value};

use super::enums::{EnumKind, EnumValue, BADGE_COLOR, SPACING_SIZE, TEXT_COLOR, TEXT_SIZE};
use cardmesh_rules::validate::path::Path;
use cardmesh_rules::{Rule, Violation};
use cardmesh_rules::proto_tree::{user_identifier, workflow_identifier, Node};

/// Renders a list of top-level components under `path`, returning the JSON array and
/// every render error found (an erroneous entry renders as `null`).
pub(super) fn render_all(components: &[Component], path: &str) -> (Value, Vec<Violation>) {
    let mut renderer = Renderer { errors: Vec::new() };
    let root = Path::Root(path);
    let items = components
        .iter()
        .enumerate()
        .map(|(i, c)| renderer.node(c.component.as_ref().map(Node::from), &root.index(i), "component"))
        .collect();
    (Value::Array(items), renderer.errors)
}

struct Renderer {
    errors: Vec<Violation>,
}

impl Renderer {
    /// `{ "<wrapperKey>": body }`, or `null` plus an error when the oneof is unset.
    fn node(&mut self, node: Option<Node<'_>>, path: &Path<'_>, what: &str) -> Value {
        let Some(node) = node else {
            self.errors.push(Violation::new(
                path,
                Rule::OneOf,
                format!("{what} at {path} has no variant set; set exactly one component in it"),
            ));
            return Value::Null;
        };
        let (key, body) = match node {
            Node::Text(x) => ("componentText", self.text(x, &path.field("componentText"))),
            Node::PlainText(x) => ("componentPlainText", self.plain_text(x, &path.field("componentPlainText"))),
            Node::Badge(x) => ("componentBadge", self.badge(x, &path.field("componentBadge"))),
            Node::LinkButton(x) => ("componentLinkButton", link_button(x)),
            Node::CopyButton(x) => ("componentCopyButton", copy_button(x)),
            Node::Divider(x) => ("componentDivider", self.divider(x, &path.field("componentDivider"))),
            Node::Spacer(x) => ("componentSpacer", self.spacer(x, &path.field("componentSpacer"))),
            Node::WorkflowButton(x) => ("componentWorkflowButton", workflow(x)),
            Node::DateTime(x) => ("componentDateTime", date_time(x)),
            Node::User(x) => ("componentUser", user(x)),
            Node::Row(x) => ("componentRow", self.row(x, &path.field("componentRow"))),
            Node::Container(x) => ("componentContainer", self.container(x, &path.field("componentContainer"))),
        };
        let mut wrapper = Map::new();
        wrapper.insert(key.to_owned(), body);
        Value::Object(wrapper)
    }

    /// Inserts `name` unless the value is UNSPECIFIED; records an error if it is unknown.
    fn put_enum(&mut self, obj: &mut Map<String, Value>, name: &str, kind: EnumKind, value: i32, path: &Path<'_>) {
        match kind.map(value) {
            EnumValue::Unspecified => {}
            EnumValue::Name(plain) => {
                obj.insert(name.to_owned(), Value::from(plain));
            }
            EnumValue::Unknown => self.errors.push(Violation::new(
                path.field(name),
                Rule::Enum,
                format!(
                    "unknown {} value {value} (is the card service built from a newer proto?); \
                     use one of the {}* values",
                    kind.name, kind.prefix
                ),
            )),
        }
    }

    fn text(&mut self, x: &Text, path: &Path<'_>) -> Value {
        let mut obj = Map::new();
        obj.insert("text".into(), Value::from(x.text.as_str()));
        self.put_enum(&mut obj, "textSize", TEXT_SIZE, x.text_size, path);
        self.put_enum(&mut obj, "textColor", TEXT_COLOR, x.text_color, path);
        Value::Object(obj)
    }

    fn plain_text(&mut self, x: &PlainText, path: &Path<'_>) -> Value {
        let mut obj = Map::new();
        obj.insert("plainText".into(), Value::from(x.plain_text.as_str()));
        self.put_enum(&mut obj, "plainTextSize", TEXT_SIZE, x.plain_text_size, path);
        self.put_enum(&mut obj, "plainTextColor", TEXT_COLOR, x.plain_text_color, path);
        Value::Object(obj)
    }

    fn badge(&mut self, x: &Badge, path: &Path<'_>) -> Value {
        let mut obj = Map::new();
        obj.insert("badgeLabel".into(), Value::from(x.badge_label.as_str()));
        self.put_enum(&mut obj, "badgeColor", BADGE_COLOR, x.badge_color, path);
        Value::Object(obj)
    }

    fn divider(&mut self, x: &Divider, path: &Path<'_>) -> Value {
        let mut obj = Map::new();
        self.put_enum(&mut obj, "dividerSpacingSize", SPACING_SIZE, x.divider_spacing_size, path);
        Value::Object(obj)
    }

    /// UNSPECIFIED renders without `spacerSize`; the validator then reports it as required.
    fn spacer(&mut self, x: &Spacer, path: &Path<'_>) -> Value {
        let mut obj = Map::new();
        self.put_enum(&mut obj, "spacerSize", SPACING_SIZE, x.spacer_size, path);
        Value::Object(obj)
    }

    fn row(&mut self, x: &Row, path: &Path<'_>) -> Value {
        let mut obj = Map::new();
        for (name, list) in [("rowMainContent", &x.row_main_content), ("rowAsideContent", &x.row_aside_content)] {
            let list_path = path.field(name);
            obj.insert(name.to_owned(), self.row_content(list, &list_path));
        }
        Value::Object(obj)
    }

    fn row_content(&mut self, list: &[RowContent], path: &Path<'_>) -> Value {
        let items = list
            .iter()
            .enumerate()
            .map(|(i, c)| self.node(c.content.as_ref().map(Node::from), &path.index(i), "row content"));
        Value::Array(items.collect())
    }

    fn container(&mut self, x: &Container, path: &Path<'_>) -> Value {
        let list_path = path.field("containerContent");
        let items = x.container_content.iter().enumerate().map(|(i, c): (usize, &ContainerContent)| {
            self.node(c.content.as_ref().map(Node::from), &list_path.index(i), "container content")
        });
        let mut obj = Map::new();
        obj.insert("containerContent".into(), Value::Array(items.collect()));
        Value::Object(obj)
    }
}

fn link_button(x: &LinkButton) -> Value {
    let mut obj = Map::new();
    obj.insert("linkButtonLabel".into(), Value::from(x.link_button_label.as_str()));
    obj.insert("linkButtonUrl".into(), Value::from(x.link_button_url.as_str()));
    Value::Object(obj)
}

/// `copy_button_tooltip_label: None` omits `copyButtonTooltipLabel` (Plain shows the value).
fn copy_button(x: &CopyButton) -> Value {
    let mut obj = Map::new();
    obj.insert("copyButtonValue".into(), Value::from(x.copy_button_value.as_str()));
    if let Some(label) = &x.copy_button_tooltip_label {
        obj.insert("copyButtonTooltipLabel".into(), Value::from(label.as_str()));
    }
    Value::Object(obj)
}

/// An unset identifier renders as `{}`; the validator then reports "got neither".
fn workflow(x: &WorkflowButton) -> Value {
    let mut obj = Map::new();
    obj.insert("workflowButtonLabel".into(), Value::from(x.workflow_button_label.as_str()));
    obj.insert("workflowButtonWorkflowIdentifier".into(), identifier(workflow_identifier(x)));
    Value::Object(obj)
}

fn date_time(x: &DateTime) -> Value {
    let mut obj = Map::new();
    obj.insert("dateTimeIso8601".into(), Value::from(x.date_time_iso8601.as_str()));
    Value::Object(obj)
}

/// An unset identifier renders as `{}`; the validator then reports it (`oneOf`).
fn user(x: &User) -> Value {
    let mut obj = Map::new();
    obj.insert("userIdentifier".into(), identifier(user_identifier(x)));
    Value::Object(obj)
}

/// `{}` when no member is set, else `{"<member>": value}`.
fn identifier(set: Option<(&str, &str)>) -> Value {
    let mut identifier = Map::new();
    if let Some((name, value)) = set {
        identifier.insert(name.into(), Value::from(value));
    }
    Value::Object(identifier)
}
