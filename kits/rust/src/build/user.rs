//! The User component: a Plain user (a workspace member) or machine user, shown as that
//! user. Exactly one identifier, which the builders guarantee.

use super::leaf::leaf;
use crate::proto::{
    self, component, container_content, row_content, user::UserIdentifier, Component, ContainerContent, RowContent,
};

/// A Plain user. See [`user_by_email`], [`user_by_id`] and [`machine_user`].
#[derive(Clone, Debug, PartialEq)]
pub struct User(proto::User);
leaf!(User);

fn user(identifier: UserIdentifier) -> User {
    User(proto::User { user_identifier: Some(identifier) })
}

/// The Plain user with this email address (a member of the workspace, e.g. the account
/// owner; not a customer's email).
pub fn user_by_email(email_address: impl Into<String>) -> User {
    user(UserIdentifier::EmailAddress(email_address.into()))
}

/// The Plain user with this id, e.g. `u_01H...`.
pub fn user_by_id(user_id: impl Into<String>) -> User {
    user(UserIdentifier::UserId(user_id.into()))
}

/// The Plain machine user with this id.
pub fn machine_user(machine_user_id: impl Into<String>) -> User {
    user(UserIdentifier::MachineUserId(machine_user_id.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_builder_sets_exactly_its_identifier() {
        assert_eq!(
            user_by_email("owner@example.com").into_proto().user_identifier,
            Some(UserIdentifier::EmailAddress("owner@example.com".into()))
        );
        assert_eq!(user_by_id("u_1").into_proto().user_identifier, Some(UserIdentifier::UserId("u_1".into())));
        assert_eq!(
            machine_user("mu_1").into_proto().user_identifier,
            Some(UserIdentifier::MachineUserId("mu_1".into()))
        );
    }

    #[test]
    fn converts_into_every_wrapper() {
        let message = user_by_id("u_1").into_proto();
        assert_eq!(RowContent::from(user_by_id("u_1")).content, Some(row_content::Content::User(message.clone())));
        assert_eq!(
            ContainerContent::from(user_by_id("u_1")).content,
            Some(container_content::Content::User(message.clone()))
        );
        assert_eq!(Component::from(user_by_id("u_1")).component, Some(component::Component::User(message)));
    }
}
