//! The validator of proto component trees (`cardmesh_proto::Component`), with the `proto`
//! feature.
//!
//! It walks the generated messages directly (no JSON), but every rule (limits, enum values,
//! required fields, one-of identifiers, list sizes) and every message comes from the
//! [catalogue](crate::catalogue) through [`crate::validate::checks`], so it reports exactly
//! the paths and rule codes the JSON validator reports for the same tree rendered to Plain
//! JSON (`tests/tests/integration/properties.rs` holds the two equal).
//!
//! Contract:
//! - paths are in Plain's JSON names
//!   (`components[2].componentContainer.containerContent[0].componentBadge.badgeLabel`), and
//!   are written out only for a finding: judging a valid tree allocates nothing;
//! - an unset oneof (no component in a `Component`, `ContainerContent` or `RowContent`) is a
//!   [`Rule::OneOf`] finding, an enum number this build does not know a [`Rule::Enum`] one;
//! - the walk is at most top level → Container → Row → leaf (the proto types allow no
//!   deeper nesting: a [`Node`] from row content is never a Row or Container), and nothing
//!   here panics.
//!
//! The kit's `problems` and the gateway's renderer both call [`findings`].

mod leaf;
mod node;
#[cfg(test)]
mod tests;

use cardmesh_proto::{Component, Container, Row};

use crate::catalogue::field;
use crate::finding::Violation;
use crate::validate::checks::{check_list_len, Problem};
use crate::validate::path::Path;
use crate::{ComponentKind as K, Rule};
pub use node::{user_identifier, workflow_identifier, Node};

/// Everything in `components` that Plain would reject, at paths under `components`. Empty
/// when the tree is valid.
pub fn findings(components: &[Component]) -> Vec<Violation> {
    let mut walk = Walk(Vec::new());
    let root = Path::Root("components");
    for (i, item) in components.iter().enumerate() {
        walk.node(&root.index(i), item.component.as_ref().map(Node::from), "component");
    }
    walk.0
}

/// True when Plain accepts `components`: [`findings`] is empty.
pub fn is_valid(components: &[Component]) -> bool {
    findings(components).is_empty()
}

/// The findings so far.
struct Walk(Vec<Violation>);

impl Walk {
    fn push(&mut self, path: &Path<'_>, problem: Option<Problem>) {
        if let Some((rule, message)) = problem {
            self.0.push(Violation::new(path, rule, message));
        }
    }

    /// A oneof with no variant: it cannot be rendered.
    fn unset(&mut self, path: &Path<'_>, what: &str) {
        self.0.push(Violation::new(
            path,
            Rule::OneOf,
            format!("{what} at {path} has no variant set; set exactly one component in it"),
        ));
    }

    /// Any component at `path` (`None`: its oneof is unset; `what` names the oneof).
    fn node(&mut self, path: &Path<'_>, node: Option<Node<'_>>, what: &str) {
        match node {
            None => self.unset(path, what),
            Some(Node::Row(row)) => self.row(path, row),
            Some(Node::Container(c)) => self.container(path, c),
            Some(leaf) => self.leaf(path, leaf),
        }
    }

    fn row(&mut self, path: &Path<'_>, row: &Row) {
        let body = path.field(K::Row.key());
        for (name, side) in [("rowMainContent", &row.row_main_content), ("rowAsideContent", &row.row_aside_content)] {
            let list = body.field(name);
            self.push(&list, check_list_len(field(K::Row, name), side.len()));
            for (i, item) in side.iter().enumerate() {
                self.node(&list.index(i), item.content.as_ref().map(Node::from), "row content");
            }
        }
    }

    fn container(&mut self, path: &Path<'_>, container: &Container) {
        let name = "containerContent";
        let body = path.field(K::Container.key());
        let list = body.field(name);
        let content = &container.container_content;
        self.push(&list, check_list_len(field(K::Container, name), content.len()));
        for (i, item) in content.iter().enumerate() {
            self.node(&list.index(i), item.content.as_ref().map(Node::from), "container content");
        }
    }
}
