//! One card of an endpoint's answer (Plain's JSON) → a kit [`Card`] (proto components).
//!
//! [`card_from_json`] is the whole contract:
//! 1. Plain's rules are checked first, by [`crate::plain_rules`] (the project's single source
//!    of those rules); a card breaking one becomes [`Card::Error`] whose reason names each
//!    JSON path and rule (never the offending values, which may be customer data);
//! 2. deprecated aliases (`size`, `color`, `label`, `url`, `spacingSize`) are renamed to the
//!    current field names, as the rules' catalogue lists them;
//! 3. `components: null` becomes [`Card::NoData`]; otherwise every component becomes its
//!    proto message, nested as Plain nests them; `timeToLiveSeconds` is carried over.

mod leaf;
#[cfg(test)]
mod tests;

use std::time::Duration;

use cardmesh_kit::proto::{self, component, container_content, row_content};
use cardmesh_kit::Card;
use serde_json::{Map, Value};

use crate::plain_rules;
use leaf::{leaf, Leaf};

/// How many broken rules a card error's reason lists before "and N more".
const MAX_REASONS: usize = 5;

/// A JSON shape the converter cannot map although the rules accepted it: `path` and what
/// was expected there. Means the rules and the converter disagree; reported, never guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub path: String,
    pub expected: String,
}

/// Converts `card` (the JSON object of one card, found at `path`, e.g. `cards[2]`) into a
/// kit card. Never panics.
pub fn card_from_json(card: &Value, path: &str) -> Card {
    let problems = plain_rules::check_card(card, path);
    if !problems.is_empty() {
        return Card::error(reason(&problems));
    }
    let mut card = card.clone();
    plain_rules::normalise_aliases(&mut card);
    let ttl = card.get("timeToLiveSeconds").and_then(Value::as_u64).map(Duration::from_secs);
    let components = match card.get("components") {
        None | Some(Value::Null) => return Card::NoData,
        Some(components) => components,
    };
    match top_level(components, &format!("{path}.components")) {
        Ok(components) => {
            let card = Card::Components { components, ttl: None };
            match ttl {
                Some(ttl) => card.with_ttl(ttl),
                None => card,
            }
        }
        Err(m) => Card::error(format!("{}: expected {}", m.path, m.expected)),
    }
}

/// The card error's reason: `path (rule)` of the first few broken rules.
fn reason(problems: &[plain_rules::Problem]) -> String {
    let mut parts: Vec<String> =
        problems.iter().take(MAX_REASONS).map(|p| format!("{} ({})", p.path, p.rule)).collect();
    if problems.len() > MAX_REASONS {
        parts.push(format!("and {} more", problems.len() - MAX_REASONS));
    }
    format!("the endpoint's card breaks Plain's rules: {}", parts.join("; "))
}

/// Where a component sits: which wrappers are allowed there.
#[derive(Clone, Copy)]
enum Level {
    Top,
    Container,
    Row,
}

/// A converted component of any level.
enum Node {
    Leaf(Leaf),
    Row(proto::Row),
    Container(proto::Container),
}

fn top_level(value: &Value, path: &str) -> Result<Vec<proto::Component>, Mismatch> {
    list(value, path, Level::Top)?
        .into_iter()
        .map(|node| {
            Ok(proto::Component {
                component: Some(match node {
                    Node::Leaf(leaf) => top_leaf(leaf),
                    Node::Row(row) => component::Component::Row(row),
                    Node::Container(container) => component::Component::Container(container),
                }),
            })
        })
        .collect()
}

fn container_list(value: &Value, path: &str) -> Result<Vec<proto::ContainerContent>, Mismatch> {
    list(value, path, Level::Container)?
        .into_iter()
        .map(|node| match node {
            Node::Leaf(leaf) => Ok(container_leaf(leaf)),
            Node::Row(row) => Ok(proto::ContainerContent { content: Some(container_content::Content::Row(row)) }),
            Node::Container(_) => {
                Err(Mismatch { path: path.to_owned(), expected: "no Container inside a Container".into() })
            }
        })
        .collect()
}

fn row_list(value: &Value, path: &str) -> Result<Vec<proto::RowContent>, Mismatch> {
    list(value, path, Level::Row)?
        .into_iter()
        .map(|node| match node {
            Node::Leaf(leaf) => Ok(row_leaf(leaf)),
            _ => Err(Mismatch { path: path.to_owned(), expected: "only leaf components inside a Row".into() }),
        })
        .collect()
}

/// The components of the array `value` at `path`, for `level`.
fn list(value: &Value, path: &str, level: Level) -> Result<Vec<Node>, Mismatch> {
    let Value::Array(items) = value else {
        return Err(Mismatch { path: path.to_owned(), expected: "an array of components".into() });
    };
    items.iter().enumerate().map(|(i, item)| node(item, &format!("{path}[{i}]"), level)).collect()
}

/// One component object `{ "<wrapper>": { ...body } }` at `path`.
fn node(value: &Value, path: &str, level: Level) -> Result<Node, Mismatch> {
    let mismatch = |expected: &str| Mismatch { path: path.to_owned(), expected: expected.to_owned() };
    let Some((wrapper, body)) = value.as_object().and_then(single_entry) else {
        return Err(mismatch("an object with exactly one component key"));
    };
    let Value::Object(body) = body else {
        return Err(mismatch("a component body object"));
    };
    let at = format!("{path}.{wrapper}");
    if let Some(leaf) = leaf(wrapper, body, &at) {
        return leaf.map(Node::Leaf);
    }
    match (wrapper, level) {
        ("componentRow", Level::Top | Level::Container) => {
            let main = body.get("rowMainContent").unwrap_or(&Value::Null);
            let aside = body.get("rowAsideContent").unwrap_or(&Value::Null);
            Ok(Node::Row(proto::Row {
                row_main_content: row_list(main, &format!("{at}.rowMainContent"))?,
                row_aside_content: optional_list(aside, &format!("{at}.rowAsideContent"), row_list)?,
            }))
        }
        ("componentContainer", Level::Top) => {
            let content = body.get("containerContent").unwrap_or(&Value::Null);
            Ok(Node::Container(proto::Container {
                container_content: container_list(content, &format!("{at}.containerContent"))?,
            }))
        }
        _ => Err(mismatch("a component allowed at this level")),
    }
}

/// A list that may be absent or null (then empty).
fn optional_list<T>(
    value: &Value,
    path: &str,
    convert: fn(&Value, &str) -> Result<Vec<T>, Mismatch>,
) -> Result<Vec<T>, Mismatch> {
    if value.is_null() {
        Ok(Vec::new())
    } else {
        convert(value, path)
    }
}

fn single_entry(map: &Map<String, Value>) -> Option<(&str, &Value)> {
    let mut entries = map.iter().filter(|(_, v)| !v.is_null());
    let (key, value) = entries.next()?;
    entries.next().is_none().then_some((key.as_str(), value))
}

fn top_leaf(leaf: Leaf) -> component::Component {
    use component::Component as C;
    match leaf {
        Leaf::Text(x) => C::Text(x),
        Leaf::PlainText(x) => C::PlainText(x),
        Leaf::Badge(x) => C::Badge(x),
        Leaf::LinkButton(x) => C::LinkButton(x),
        Leaf::CopyButton(x) => C::CopyButton(x),
        Leaf::Divider(x) => C::Divider(x),
        Leaf::Spacer(x) => C::Spacer(x),
        Leaf::WorkflowButton(x) => C::WorkflowButton(x),
        Leaf::DateTime(x) => C::DateTime(x),
        Leaf::User(x) => C::User(x),
    }
}

fn container_leaf(leaf: Leaf) -> proto::ContainerContent {
    use container_content::Content as C;
    let content = match leaf {
        Leaf::Text(x) => C::Text(x),
        Leaf::PlainText(x) => C::PlainText(x),
        Leaf::Badge(x) => C::Badge(x),
        Leaf::LinkButton(x) => C::LinkButton(x),
        Leaf::CopyButton(x) => C::CopyButton(x),
        Leaf::Divider(x) => C::Divider(x),
        Leaf::Spacer(x) => C::Spacer(x),
        Leaf::WorkflowButton(x) => C::WorkflowButton(x),
        Leaf::DateTime(x) => C::DateTime(x),
        Leaf::User(x) => C::User(x),
    };
    proto::ContainerContent { content: Some(content) }
}

fn row_leaf(leaf: Leaf) -> proto::RowContent {
    use row_content::Content as C;
    let content = match leaf {
        Leaf::Text(x) => C::Text(x),
        Leaf::PlainText(x) => C::PlainText(x),
        Leaf::Badge(x) => C::Badge(x),
        Leaf::LinkButton(x) => C::LinkButton(x),
        Leaf::CopyButton(x) => C::CopyButton(x),
        Leaf::Divider(x) => C::Divider(x),
        Leaf::Spacer(x) => C::Spacer(x),
        Leaf::WorkflowButton(x) => C::WorkflowButton(x),
        Leaf::DateTime(x) => C::DateTime(x),
        Leaf::User(x) => C::User(x),
    };
    proto::RowContent { content: Some(content) }
}
