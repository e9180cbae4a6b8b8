//! A component of any of the three proto oneofs, by reference: one type for every walk of a
//! tree (this validator, the gateway's renderers).

use cardmesh_proto::{
    component, container_content, row_content, Badge, Container, CopyButton, DateTime, Divider, LinkButton, PlainText,
    Row, Spacer, Text, User, WorkflowButton,
};

/// A component of any of the three oneofs, by reference.
pub enum Node<'a> {
    Text(&'a Text),
    PlainText(&'a PlainText),
    Badge(&'a Badge),
    LinkButton(&'a LinkButton),
    CopyButton(&'a CopyButton),
    Divider(&'a Divider),
    Spacer(&'a Spacer),
    WorkflowButton(&'a WorkflowButton),
    DateTime(&'a DateTime),
    User(&'a User),
    Row(&'a Row),
    Container(&'a Container),
}

impl<'a> From<&'a component::Component> for Node<'a> {
    fn from(c: &'a component::Component) -> Self {
        use component::Component as C;
        match c {
            C::Text(x) => Node::Text(x),
            C::PlainText(x) => Node::PlainText(x),
            C::Badge(x) => Node::Badge(x),
            C::LinkButton(x) => Node::LinkButton(x),
            C::CopyButton(x) => Node::CopyButton(x),
            C::Divider(x) => Node::Divider(x),
            C::Spacer(x) => Node::Spacer(x),
            C::WorkflowButton(x) => Node::WorkflowButton(x),
            C::DateTime(x) => Node::DateTime(x),
            C::User(x) => Node::User(x),
            C::Row(x) => Node::Row(x),
            C::Container(x) => Node::Container(x),
        }
    }
}

impl<'a> From<&'a container_content::Content> for Node<'a> {
    fn from(c: &'a container_content::Content) -> Self {
        use container_content::Content as C;
        match c {
            C::Text(x) => Node::Text(x),
            C::PlainText(x) => Node::PlainText(x),
            C::Badge(x) => Node::Badge(x),
            C::LinkButton(x) => Node::LinkButton(x),
            C::CopyButton(x) => Node::CopyButton(x),
            C::Divider(x) => Node::Divider(x),
            C::Spacer(x) => Node::Spacer(x),
            C::WorkflowButton(x) => Node::WorkflowButton(x),
            C::DateTime(x) => Node::DateTime(x),
            C::User(x) => Node::User(x),
            C::Row(x) => Node::Row(x),
        }
    }
}

impl<'a> From<&'a row_content::Content> for Node<'a> {
    fn from(c: &'a row_content::Content) -> Self {
        use row_content::Content as C;
        match c {
            C::Text(x) => Node::Text(x),
            C::PlainText(x) => Node::PlainText(x),
            C::Badge(x) => Node::Badge(x),
            C::LinkButton(x) => Node::LinkButton(x),
            C::CopyButton(x) => Node::CopyButton(x),
            C::Divider(x) => Node::Divider(x),
            C::Spacer(x) => Node::Spacer(x),
            C::WorkflowButton(x) => Node::WorkflowButton(x),
            C::DateTime(x) => Node::DateTime(x),
            C::User(x) => Node::User(x),
        }
    }
}
