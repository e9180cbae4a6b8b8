//! Rows and containers.

use crate::proto::{self, component, container_content, Component, ContainerContent, RowContent};

/// Two columns side by side. See [`row`].
#[derive(Clone, Debug, PartialEq)]
pub struct Row(proto::Row);

/// Two columns side by side: `main` on the left, `aside` on the right. Plain needs at least
/// one entry in `main`; `aside` may be empty. Entries are leaves only (a row cannot hold a
/// row or a container).
pub fn row(
    main: impl IntoIterator<Item = impl Into<RowContent>>,
    aside: impl IntoIterator<Item = impl Into<RowContent>>,
) -> Row {
    Row(proto::Row {
        row_main_content: main.into_iter().map(Into::into).collect(),
        row_aside_content: aside.into_iter().map(Into::into).collect(),
    })
}

impl Row {
    /// The generated message.
    pub fn into_proto(self) -> proto::Row {
        self.0
    }
}

impl From<Row> for proto::Row {
    fn from(value: Row) -> Self {
        value.0
    }
}

impl From<Row> for ContainerContent {
    fn from(value: Row) -> Self {
        ContainerContent { content: Some(container_content::Content::Row(value.0)) }
    }
}

impl From<Row> for Component {
    fn from(value: Row) -> Self {
        Component { component: Some(component::Component::Row(value.0)) }
    }
}

/// A bordered group. See [`container`].
#[derive(Clone, Debug, PartialEq)]
pub struct Container(proto::Container);

/// A bordered group of `content` (at least one entry): leaves and rows, not containers.
/// A container can only be a top-level component.
pub fn container(content: impl IntoIterator<Item = impl Into<ContainerContent>>) -> Container {
    Container(proto::Container { container_content: content.into_iter().map(Into::into).collect() })
}

impl Container {
    /// The generated message.
    pub fn into_proto(self) -> proto::Container {
        self.0
    }
}

impl From<Container> for proto::Container {
    fn from(value: Container) -> Self {
        value.0
    }
}

impl From<Container> for Component {
    fn from(value: Container) -> Self {
        Component { component: Some(component::Component::Container(value.0)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{badge, divider, text};
    use crate::proto::row_content;

    #[test]
    fn row_holds_leaves() {
        let built = row([text("Plan")], [badge("Pro"), badge("Annual")]).into_proto();
        assert_eq!(built.row_main_content.len(), 1);
        assert_eq!(built.row_aside_content.len(), 2);
        assert!(matches!(
            built.row_main_content[0].content,
            Some(row_content::Content::Text(ref t)) if t.text == "Plan"
        ));
    }

    #[test]
    fn container_holds_rows_and_leaves() {
        let built = container([ContainerContent::from(row([text("a")], [text("b")])), divider().into()]);
        let top = Component::from(built.clone());
        let inner = built.into_proto().container_content;
        assert!(matches!(inner[0].content, Some(container_content::Content::Row(_))));
        assert!(matches!(inner[1].content, Some(container_content::Content::Divider(_))));
        assert!(
            matches!(top.component, Some(component::Component::Container(ref c)) if c.container_content.len() == 2)
        );
    }
}
