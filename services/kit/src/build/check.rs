//! [`problems`]: checks a card against Plain's rules, for service tests.

use crate::build::limits::{COPY_VALUE_MAX, LABEL_MAX, TEXT_MAX};
use crate::proto::{
    self, component, container_content, row_content, workflow_button::WorkflowIdentifier,
    BadgeColor, Component, RowContent, SpacingSize, TextColor, TextSize,
};

/// Everything in `components` that Plain would reject, one line per problem with its path
/// (e.g. `components[0].container[1].row.main[0].badge: label is empty`). Empty when the
/// card is valid.
///
/// Checks lengths (text 1..=10000, labels 1..=500, copy value 1..=1000 characters), link
/// URLs (absolute `http`/`https` with a host), enum values, the required spacer size and
/// workflow identifier, and that rows (both columns) and containers are not empty.
pub fn problems(components: &[Component]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, item) in components.iter().enumerate() {
        let path = format!("components[{i}]");
        match &item.component {
            None => found.push(format!("{path}: no component set")),
            Some(component::Component::Row(row)) => {
                check_row(&format!("{path}.row"), row, &mut found)
            }
            Some(component::Component::Container(c)) => {
                check_container(&format!("{path}.container"), c, &mut found)
            }
            Some(other) => match Leaf::from_component(other) {
                Some(leaf) => leaf.check(&path, &mut found),
                None => found.push(format!("{path}: unexpected component")),
            },
        }
    }
    found
}

fn check_container(path: &str, container: &proto::Container, found: &mut Vec<String>) {
    if container.container_content.is_empty() {
        found.push(format!("{path}: a container needs at least one entry"));
    }
    for (i, item) in container.container_content.iter().enumerate() {
        let path = format!("{path}[{i}]");
        match &item.content {
            None => found.push(format!("{path}: no content set")),
            Some(container_content::Content::Row(row)) => {
                check_row(&format!("{path}.row"), row, found)
            }
            Some(other) => match Leaf::from_container(other) {
                Some(leaf) => leaf.check(&path, found),
                None => found.push(format!("{path}: unexpected content")),
            },
        }
    }
}

fn check_row(path: &str, row: &proto::Row, found: &mut Vec<String>) {
    check_row_side(&format!("{path}.main"), &row.row_main_content, found);
    check_row_side(&format!("{path}.aside"), &row.row_aside_content, found);
}

fn check_row_side(path: &str, side: &[RowContent], found: &mut Vec<String>) {
    if side.is_empty() {
        found.push(format!("{path}: a row column needs at least one entry"));
    }
    for (i, item) in side.iter().enumerate() {
        let path = format!("{path}[{i}]");
        match &item.content {
            None => found.push(format!("{path}: no content set")),
            Some(content) => Leaf::from_row(content).check(&path, found),
        }
    }
}

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
}

/// Maps the eight leaf variants of one of the generated `oneof` enums onto [`Leaf`].
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

    fn from_row(value: &'a row_content::Content) -> Self {
        match value {
            row_content::Content::Text(v) => Leaf::Text(v),
            row_content::Content::PlainText(v) => Leaf::PlainText(v),
            row_content::Content::Badge(v) => Leaf::Badge(v),
            row_content::Content::LinkButton(v) => Leaf::LinkButton(v),
            row_content::Content::CopyButton(v) => Leaf::CopyButton(v),
            row_content::Content::Divider(v) => Leaf::Divider(v),
            row_content::Content::Spacer(v) => Leaf::Spacer(v),
            row_content::Content::WorkflowButton(v) => Leaf::WorkflowButton(v),
        }
    }

    fn check(&self, path: &str, found: &mut Vec<String>) {
        let mut length = |what: &str, field: &str, value: &str, max: usize| {
            let chars = value.chars().count();
            if chars == 0 {
                found.push(format!("{path}.{what}: {field} is empty"));
            } else if chars > max {
                found.push(format!(
                    "{path}.{what}: {field} has {chars} characters, more than {max}"
                ));
            }
        };
        let mut bad = Vec::new();
        match self {
            Leaf::Text(t) => {
                length("text", "text", &t.text, TEXT_MAX);
                enum_ok::<TextSize>("text", "size", t.text_size, &mut bad);
                enum_ok::<TextColor>("text", "color", t.text_color, &mut bad);
            }
            Leaf::PlainText(t) => {
                length("plain_text", "text", &t.plain_text, TEXT_MAX);
                enum_ok::<TextSize>("plain_text", "size", t.plain_text_size, &mut bad);
                enum_ok::<TextColor>("plain_text", "color", t.plain_text_color, &mut bad);
            }
            Leaf::Badge(b) => {
                length("badge", "label", &b.badge_label, LABEL_MAX);
                enum_ok::<BadgeColor>("badge", "color", b.badge_color, &mut bad);
            }
            Leaf::LinkButton(l) => {
                length("link_button", "label", &l.link_button_label, LABEL_MAX);
                if !is_web_url(&l.link_button_url) {
                    bad.push(format!(
                        "link_button: url {:?} is not an absolute http(s) URL",
                        l.link_button_url
                    ));
                }
            }
            Leaf::CopyButton(c) => {
                length("copy_button", "value", &c.copy_button_value, COPY_VALUE_MAX);
                if let Some(tooltip) = &c.copy_button_tooltip_label {
                    length("copy_button", "tooltip", tooltip, LABEL_MAX);
                }
            }
            Leaf::Divider(d) => {
                enum_ok::<SpacingSize>("divider", "spacing", d.divider_spacing_size, &mut bad)
            }
            Leaf::Spacer(s) => match SpacingSize::try_from(s.spacer_size) {
                Ok(SpacingSize::Unspecified) => bad.push("spacer: size is required".to_owned()),
                Ok(_) => {}
                Err(_) => bad.push(format!(
                    "spacer: size {} is not a known value",
                    s.spacer_size
                )),
            },
            Leaf::WorkflowButton(w) => {
                length(
                    "workflow_button",
                    "label",
                    &w.workflow_button_label,
                    LABEL_MAX,
                );
                let named = match &w.workflow_identifier {
                    Some(
                        WorkflowIdentifier::WorkflowId(v) | WorkflowIdentifier::WorkflowKey(v),
                    ) => !v.is_empty(),
                    None => false,
                };
                if !named {
                    bad.push("workflow_button: needs a workflow id or key".to_owned());
                }
            }
        }
        found.extend(bad.into_iter().map(|problem| format!("{path}.{problem}")));
    }
}

/// Records a problem when `value` is not a known value of `E`.
fn enum_ok<E: TryFrom<i32>>(what: &str, field: &str, value: i32, bad: &mut Vec<String>) {
    if E::try_from(value).is_err() {
        bad.push(format!("{what}: {field} {value} is not a known value"));
    }
}

/// An absolute `http`/`https` URL with a host.
fn is_web_url(value: &str) -> bool {
    url::Url::parse(value)
        .map(|url| {
            matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| !h.is_empty())
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::*;

    #[test]
    fn valid_tree_has_no_problems() {
        let components = vec![
            Component::from(text("hi")),
            container([
                ContainerContent::from(row([plain_text("a")], [copy_button("v").tooltip("Copy")])),
                spacer(SpacingSize::M).into(),
                workflow_button_key("Run", "refund").into(),
                link_button("Open", "https://example.com/x?y=1").into(),
            ])
            .into(),
        ];
        assert_eq!(problems(&components), Vec::<String>::new());
    }

    #[test]
    fn reports_each_problem_with_its_path() {
        let long = "x".repeat(501);
        let components = vec![
            Component::from(text("")),
            container(Vec::<ContainerContent>::new()).into(),
            container([
                ContainerContent::from(row([badge(long.as_str())], Vec::<RowContent>::new())),
                link_button("Open", "/relative").into(),
                spacer(SpacingSize::Unspecified).into(),
            ])
            .into(),
            Component::default(),
        ];
        let found = problems(&components);
        assert_eq!(
            found,
            vec![
                "components[0].text: text is empty".to_owned(),
                "components[1].container: a container needs at least one entry".to_owned(),
                "components[2].container[0].row.main[0].badge: label has 501 characters, more than 500".to_owned(),
                "components[2].container[0].row.aside: a row column needs at least one entry".to_owned(),
                "components[2].container[1].link_button: url \"/relative\" is not an absolute http(s) URL".to_owned(),
                "components[2].container[2].spacer: size is required".to_owned(),
                "components[3]: no component set".to_owned(),
            ]
        );
    }

    #[test]
    fn rejects_non_web_urls() {
        assert!(is_web_url("https://example.com"));
        assert!(is_web_url("http://localhost:8080/a"));
        assert!(!is_web_url("mailto:ada@example.com"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("example.com"));
    }
}
