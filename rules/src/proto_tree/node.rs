//! A component of any of the three proto oneofs, by reference: one type for every walk of a
//! tree (this validator, the gateway's renderers).

use cardmesh_proto::{
    component, container_content, row_content, user::UserIdentifier, workflow_button::WorkflowIdentifier, Badge,
    Container, CopyButton, DateTime, Divider, LinkButton, PlainText, Row, Spacer, Text, User, WorkflowButton,
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

/// `From` for one of the generated oneof enums: the ten leaves, plus the listed variants
/// that oneof also has (Row, Container).
macro_rules! node_from {
    ($oneof:ty $(, $extra:ident)*) => {
        impl<'a> From<&'a $oneof> for Node<'a> {
            fn from(c: &'a $oneof) -> Self {
                type C = $oneof;
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
                    $(C::$extra(x) => Node::$extra(x),)*
                }
            }
        }
    };
}

node_from!(component::Component, Row, Container);
node_from!(container_content::Content, Row);
node_from!(row_content::Content);

/// The member of `workflowButtonWorkflowIdentifier` a WorkflowButton sets, as Plain's field
/// name and value (`None`: neither is set).
pub fn workflow_identifier(x: &WorkflowButton) -> Option<(&'static str, &str)> {
    x.workflow_identifier.as_ref().map(|id| match id {
        WorkflowIdentifier::WorkflowId(v) => ("workflowId", v.as_str()),
        WorkflowIdentifier::WorkflowKey(v) => ("workflowKey", v.as_str()),
    })
}

/// The member of `userIdentifier` a User sets, as Plain's field name and value (`None`:
/// none is set).
pub fn user_identifier(x: &User) -> Option<(&'static str, &str)> {
    x.user_identifier.as_ref().map(|id| match id {
        UserIdentifier::UserId(v) => ("userId", v.as_str()),
        UserIdentifier::EmailAddress(v) => ("emailAddress", v.as_str()),
        UserIdentifier::MachineUserId(v) => ("machineUserId", v.as_str()),
    })
}
