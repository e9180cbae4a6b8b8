//! The leaf components (everything but Row and Container), JSON body → proto message.
//!
//! Input is a component body that already passed Plain's rules ([`crate::plain_rules`]) with
//! deprecated aliases renamed to the current names, so shapes are known; a shape that still
//! does not fit is reported as a [`Mismatch`] rather than guessed.

use cardmesh_kit::proto::{self, user::UserIdentifier, workflow_button::WorkflowIdentifier};
use serde_json::{Map, Value};

use super::Mismatch;

/// One leaf component, before it is wrapped for its level.
pub(super) enum Leaf {
    Text(proto::Text),
    PlainText(proto::PlainText),
    Badge(proto::Badge),
    LinkButton(proto::LinkButton),
    CopyButton(proto::CopyButton),
    Divider(proto::Divider),
    Spacer(proto::Spacer),
    WorkflowButton(proto::WorkflowButton),
    DateTime(proto::DateTime),
    User(proto::User),
}

/// The leaf under `wrapper` (e.g. `componentText`), or `None` when `wrapper` is not a leaf.
pub(super) fn leaf(wrapper: &str, body: &Map<String, Value>, path: &str) -> Option<Result<Leaf, Mismatch>> {
    let f = Fields { body, path };
    let leaf = match wrapper {
        "componentText" => (|| {
            Ok(Leaf::Text(proto::Text {
                text: f.string("text")?,
                text_size: f.enumeration("textSize", proto::TextSize::from_str_name, "TEXT_SIZE_")?,
                text_color: f.enumeration("textColor", proto::TextColor::from_str_name, "TEXT_COLOR_")?,
            }))
        })(),
        "componentPlainText" => (|| {
            Ok(Leaf::PlainText(proto::PlainText {
                plain_text: f.string("plainText")?,
                plain_text_size: f.enumeration("plainTextSize", proto::TextSize::from_str_name, "TEXT_SIZE_")?,
                plain_text_color: f.enumeration("plainTextColor", proto::TextColor::from_str_name, "TEXT_COLOR_")?,
            }))
        })(),
        "componentBadge" => (|| {
            Ok(Leaf::Badge(proto::Badge {
                badge_label: f.string("badgeLabel")?,
                badge_color: f.enumeration("badgeColor", proto::BadgeColor::from_str_name, "BADGE_COLOR_")?,
            }))
        })(),
        "componentLinkButton" => (|| {
            Ok(Leaf::LinkButton(proto::LinkButton {
                link_button_label: f.string("linkButtonLabel")?,
                link_button_url: f.string("linkButtonUrl")?,
            }))
        })(),
        "componentCopyButton" => (|| {
            Ok(Leaf::CopyButton(proto::CopyButton {
                copy_button_value: f.string("copyButtonValue")?,
                copy_button_tooltip_label: f.optional_string("copyButtonTooltipLabel")?,
            }))
        })(),
        "componentDivider" => (|| {
            Ok(Leaf::Divider(proto::Divider {
                divider_spacing_size: f.enumeration(
                    "dividerSpacingSize",
                    proto::SpacingSize::from_str_name,
                    "SPACING_SIZE_",
                )?,
            }))
        })(),
        "componentSpacer" => (|| {
            Ok(Leaf::Spacer(proto::Spacer {
                spacer_size: f.enumeration("spacerSize", proto::SpacingSize::from_str_name, "SPACING_SIZE_")?,
            }))
        })(),
        "componentWorkflowButton" => (|| {
            Ok(Leaf::WorkflowButton(proto::WorkflowButton {
                workflow_button_label: f.string("workflowButtonLabel")?,
                workflow_identifier: workflow_identifier(&f)?,
            }))
        })(),
        "componentDateTime" => {
            (|| Ok(Leaf::DateTime(proto::DateTime { date_time_iso8601: f.string("dateTimeIso8601")? })))()
        }
        "componentUser" => (|| Ok(Leaf::User(proto::User { user_identifier: user_identifier(&f)? })))(),
        _ => return None,
    };
    Some(leaf)
}

fn workflow_identifier(f: &Fields<'_>) -> Result<Option<WorkflowIdentifier>, Mismatch> {
    let name = "workflowButtonWorkflowIdentifier";
    let Some(value) = f.get(name) else {
        return Ok(None);
    };
    let Value::Object(body) = value else {
        return Err(f.mismatch(name, "an object"));
    };
    let inner = Fields { body, path: &format!("{}.{name}", f.path) };
    if let Some(id) = inner.optional_string("workflowId")? {
        return Ok(Some(WorkflowIdentifier::WorkflowId(id)));
    }
    Ok(inner.optional_string("workflowKey")?.map(WorkflowIdentifier::WorkflowKey))
}

/// `userIdentifier`: the one of `userId`, `emailAddress`, `machineUserId` that is set.
fn user_identifier(f: &Fields<'_>) -> Result<Option<UserIdentifier>, Mismatch> {
    let name = "userIdentifier";
    let Some(value) = f.get(name) else {
        return Ok(None);
    };
    let Value::Object(body) = value else {
        return Err(f.mismatch(name, "an object"));
    };
    let inner = Fields { body, path: &format!("{}.{name}", f.path) };
    if let Some(id) = inner.optional_string("userId")? {
        return Ok(Some(UserIdentifier::UserId(id)));
    }
    if let Some(email) = inner.optional_string("emailAddress")? {
        return Ok(Some(UserIdentifier::EmailAddress(email)));
    }
    Ok(inner.optional_string("machineUserId")?.map(UserIdentifier::MachineUserId))
}

/// Typed access to the fields of one component body at `path`. `null` counts as absent.
pub(super) struct Fields<'a> {
    pub body: &'a Map<String, Value>,
    pub path: &'a str,
}

impl Fields<'_> {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.body.get(name).filter(|v| !v.is_null())
    }

    pub fn mismatch(&self, name: &str, expected: &str) -> Mismatch {
        Mismatch { path: format!("{}.{name}", self.path), expected: expected.to_owned() }
    }

    /// A string field; absent is the empty string (a required one was checked by the rules).
    pub fn string(&self, name: &str) -> Result<String, Mismatch> {
        Ok(self.optional_string(name)?.unwrap_or_default())
    }

    pub fn optional_string(&self, name: &str) -> Result<Option<String>, Mismatch> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.mismatch(name, "a string")),
        }
    }

    /// An enum field as its proto number: `"S"` with prefix `TEXT_SIZE_` → `TEXT_SIZE_S`.
    /// Absent is 0 (UNSPECIFIED, which the gateway leaves out).
    pub fn enumeration<E: Into<i32>>(
        &self,
        name: &str,
        parse: fn(&str) -> Option<E>,
        prefix: &str,
    ) -> Result<i32, Mismatch> {
        let bad = || self.mismatch(name, "one of the enum's values");
        match self.get(name) {
            None => Ok(0),
            Some(Value::String(s)) => match parse(&format!("{prefix}{s}")).map(Into::into) {
                // UNSPECIFIED is the proto's "absent", not a value Plain knows.
                Some(0) | None => Err(bad()),
                Some(number) => Ok(number),
            },
            Some(_) => Err(bad()),
        }
    }
}
