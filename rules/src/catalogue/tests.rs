//! The catalogue against Plain's documented numbers and nesting.
use super::*;

#[test]
fn the_limit_constants_are_the_catalogues() {
    assert_eq!(char_limits(ComponentKind::Text, "text").1, limits::TEXT_MAX_CHARS);
    assert_eq!(char_limits(ComponentKind::PlainText, "plainText").1, limits::TEXT_MAX_CHARS);
    assert_eq!(char_limits(ComponentKind::Badge, "badgeLabel").1, limits::LABEL_MAX_CHARS);
    assert_eq!(char_limits(ComponentKind::CopyButton, "copyButtonValue").1, limits::COPY_VALUE_MAX_CHARS);
    // Plain's documented numbers (GraphQL schema of @team-plain/graphql@1.3.0).
    assert_eq!((limits::TEXT_MAX_CHARS, limits::LABEL_MAX_CHARS, limits::COPY_VALUE_MAX_CHARS), (10_000, 500, 1_000));
}

#[test]
fn components_are_in_kind_order_and_levels_nest_as_plain_says() {
    for kind in ComponentKind::ALL {
        assert_eq!(ComponentKind::from_key(kind.key()), Some(kind));
    }
    assert_eq!(Level::Component.allowed().count(), 12);
    assert_eq!(Level::ContainerContent.allowed().count(), 11);
    assert_eq!(Level::RowContent.allowed().count(), 10);
    assert!(!ComponentKind::Container.allowed_in(Level::ContainerContent));
    assert!(!ComponentKind::Row.allowed_in(Level::RowContent));
    assert!(ComponentKind::User.allowed_in(Level::RowContent));
    assert!(ComponentKind::DateTime.allowed_in(Level::RowContent));
}
