//! Eight of the ten leaf components (DateTime and User are in [`super::moment`] and
//! [`super::user`]), and the [`leaf!`] macro that converts a leaf into every wrapper.

use crate::proto::{
    self, component, container_content, row_content, workflow_button::WorkflowIdentifier, BadgeColor, Component,
    ContainerContent, RowContent, SpacingSize, TextColor, TextSize,
};

/// Implements the conversions of a leaf wrapper into its message and the three wrappers.
macro_rules! leaf {
    ($wrapper:ident) => {
        impl $wrapper {
            /// The generated message.
            pub fn into_proto(self) -> proto::$wrapper {
                self.0
            }
        }
        impl From<$wrapper> for proto::$wrapper {
            fn from(value: $wrapper) -> Self {
                value.0
            }
        }
        impl From<$wrapper> for RowContent {
            fn from(value: $wrapper) -> Self {
                RowContent { content: Some(row_content::Content::$wrapper(value.0)) }
            }
        }
        impl From<$wrapper> for ContainerContent {
            fn from(value: $wrapper) -> Self {
                ContainerContent { content: Some(container_content::Content::$wrapper(value.0)) }
            }
        }
        impl From<$wrapper> for Component {
            fn from(value: $wrapper) -> Self {
                Component { component: Some(component::Component::$wrapper(value.0)) }
            }
        }
    };
}

pub(super) use leaf;

/// Markdown text (bold, italic, links). See [`text`].
#[derive(Clone, Debug, PartialEq)]
pub struct Text(proto::Text);
leaf!(Text);

/// Markdown text: 1 to 10 000 characters. Size and colour default to Plain's (M, NORMAL).
///
/// Prefer [`plain_text`] for values that come from your data, so they are not read as
/// markdown.
pub fn text(text: impl Into<String>) -> Text {
    Text(proto::Text { text: text.into(), ..Default::default() })
}

impl Text {
    /// Sets the size (Plain's default is M).
    pub fn size(mut self, size: TextSize) -> Self {
        self.0.set_text_size(size);
        self
    }
    /// Sets the colour (Plain's default is NORMAL).
    pub fn color(mut self, color: TextColor) -> Self {
        self.0.set_text_color(color);
        self
    }
}

/// Text shown as is. See [`plain_text`].
#[derive(Clone, Debug, PartialEq)]
pub struct PlainText(proto::PlainText);
leaf!(PlainText);

/// Text shown as is, no markdown: 1 to 10 000 characters. Size and colour default to
/// Plain's (M, NORMAL).
pub fn plain_text(text: impl Into<String>) -> PlainText {
    PlainText(proto::PlainText { plain_text: text.into(), ..Default::default() })
}

impl PlainText {
    /// Sets the size (Plain's default is M).
    pub fn size(mut self, size: TextSize) -> Self {
        self.0.set_plain_text_size(size);
        self
    }
    /// Sets the colour (Plain's default is NORMAL).
    pub fn color(mut self, color: TextColor) -> Self {
        self.0.set_plain_text_color(color);
        self
    }
}

/// A status pill. See [`badge`].
#[derive(Clone, Debug, PartialEq)]
pub struct Badge(proto::Badge);
leaf!(Badge);

/// A status pill labelled `label` (1 to 500 characters). Colour defaults to Plain's GREY.
pub fn badge(label: impl Into<String>) -> Badge {
    Badge(proto::Badge { badge_label: label.into(), ..Default::default() })
}

impl Badge {
    /// Sets the colour (Plain's default is GREY).
    pub fn color(mut self, color: BadgeColor) -> Self {
        self.0.set_badge_color(color);
        self
    }
}

/// A button that opens a URL. See [`link_button`].
#[derive(Clone, Debug, PartialEq)]
pub struct LinkButton(proto::LinkButton);
leaf!(LinkButton);

/// A button labelled `label` (1 to 500 characters) that opens `url` (an absolute http(s)
/// URL) in a new tab.
pub fn link_button(label: impl Into<String>, url: impl Into<String>) -> LinkButton {
    LinkButton(proto::LinkButton { link_button_label: label.into(), link_button_url: url.into() })
}

/// A button that copies a value. See [`copy_button`].
#[derive(Clone, Debug, PartialEq)]
pub struct CopyButton(proto::CopyButton);
leaf!(CopyButton);

/// A button that copies `value` (1 to 1 000 characters). Its tooltip defaults to the value.
pub fn copy_button(value: impl Into<String>) -> CopyButton {
    CopyButton(proto::CopyButton { copy_button_value: value.into(), copy_button_tooltip_label: None })
}

impl CopyButton {
    /// Sets the tooltip (1 to 500 characters; Plain's default is the value).
    pub fn tooltip(mut self, label: impl Into<String>) -> Self {
        self.0.copy_button_tooltip_label = Some(label.into());
        self
    }
}

/// A horizontal rule. See [`divider`].
#[derive(Clone, Debug, PartialEq)]
pub struct Divider(proto::Divider);
leaf!(Divider);

/// A horizontal rule. Spacing defaults to Plain's S.
pub fn divider() -> Divider {
    Divider(proto::Divider::default())
}

impl Divider {
    /// Sets the spacing around the rule (Plain's default is S).
    pub fn spacing(mut self, size: SpacingSize) -> Self {
        self.0.set_divider_spacing_size(size);
        self
    }
}

/// Empty space. See [`spacer`].
#[derive(Clone, Debug, PartialEq)]
pub struct Spacer(proto::Spacer);
leaf!(Spacer);

/// Empty space of `size` (required by Plain: [`SpacingSize::Unspecified`] is rejected).
pub fn spacer(size: SpacingSize) -> Spacer {
    let mut spacer = proto::Spacer::default();
    spacer.set_spacer_size(size);
    Spacer(spacer)
}

/// A button that starts a Plain workflow. See [`workflow_button_id`].
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowButton(proto::WorkflowButton);
leaf!(WorkflowButton);

/// A button labelled `label` (1 to 500 characters) that starts the workflow with id `id`.
pub fn workflow_button_id(label: impl Into<String>, id: impl Into<String>) -> WorkflowButton {
    WorkflowButton(proto::WorkflowButton {
        workflow_button_label: label.into(),
        workflow_identifier: Some(WorkflowIdentifier::WorkflowId(id.into())),
    })
}

/// A button labelled `label` (1 to 500 characters) that starts the workflow with key `key`.
pub fn workflow_button_key(label: impl Into<String>, key: impl Into<String>) -> WorkflowButton {
    WorkflowButton(proto::WorkflowButton {
        workflow_button_label: label.into(),
        workflow_identifier: Some(WorkflowIdentifier::WorkflowKey(key.into())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_plain_text() {
        let built = text("**Pro**").size(TextSize::L).color(TextColor::Muted).into_proto();
        assert_eq!(
            built,
            proto::Text { text: "**Pro**".into(), text_size: TextSize::L as i32, text_color: TextColor::Muted as i32 }
        );
        assert_eq!(text("x").into_proto().text_size, TextSize::Unspecified as i32);

        let built = plain_text("a_b").size(TextSize::S).color(TextColor::Error).into_proto();
        assert_eq!(built.plain_text, "a_b");
        assert_eq!(built.plain_text_size(), TextSize::S);
        assert_eq!(built.plain_text_color(), TextColor::Error);
    }

    #[test]
    fn badge_buttons_and_spacing() {
        assert_eq!(
            badge("Active").color(BadgeColor::Green).into_proto(),
            proto::Badge { badge_label: "Active".into(), badge_color: BadgeColor::Green as i32 }
        );
        assert_eq!(badge("x").into_proto().badge_color, 0);
        assert_eq!(
            link_button("Open", "https://example.com").into_proto(),
            proto::LinkButton { link_button_label: "Open".into(), link_button_url: "https://example.com".into() }
        );
        assert_eq!(copy_button("v").into_proto().copy_button_tooltip_label, None);
        assert_eq!(copy_button("v").tooltip("Copy").into_proto().copy_button_tooltip_label.as_deref(), Some("Copy"));
        assert_eq!(divider().into_proto().divider_spacing_size, 0);
        assert_eq!(divider().spacing(SpacingSize::Xl).into_proto().divider_spacing_size(), SpacingSize::Xl);
        assert_eq!(spacer(SpacingSize::Xs).into_proto().spacer_size(), SpacingSize::Xs);
    }

    #[test]
    fn workflow_buttons() {
        assert_eq!(
            workflow_button_id("Run", "wf_1").into_proto().workflow_identifier,
            Some(WorkflowIdentifier::WorkflowId("wf_1".into()))
        );
        assert_eq!(
            workflow_button_key("Run", "refund").into_proto().workflow_identifier,
            Some(WorkflowIdentifier::WorkflowKey("refund".into()))
        );
    }

    #[test]
    fn leaves_convert_into_every_wrapper() {
        let message = proto::Badge { badge_label: "b".into(), badge_color: 0 };
        assert_eq!(RowContent::from(badge("b")).content, Some(row_content::Content::Badge(message.clone())));
        assert_eq!(
            ContainerContent::from(badge("b")).content,
            Some(container_content::Content::Badge(message.clone()))
        );
        assert_eq!(Component::from(badge("b")).component, Some(component::Component::Badge(message)));
    }
}
