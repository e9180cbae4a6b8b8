//! What a provider declares about its actions ([`ActionSpec`]) and what an action answers
//! ([`ActionOutcome`]).
//!
//! An action is what a `componentWorkflowButton` on a card runs: Plain runs a workflow whose
//! "Send HTTP request" step POSTs to the gateway's `/actions/{name}`, and the gateway calls
//! `RunAction` on the service that declared the name.

use std::collections::HashSet;

use crate::proto;

pub use cardmesh_rules::{is_valid_action_name, ACTION_NAME_PATTERN, MAX_ACTION_NAME_BYTES};

/// One action a provider runs, as announced to the gateway by `Describe`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionSpec {
    /// The name in the gateway's URL `/actions/{name}`: [`ACTION_NAME_PATTERN`], at most
    /// [`MAX_ACTION_NAME_BYTES`] bytes, unique across all services of one gateway.
    pub name: String,
    /// One line saying what the action does, for the preview page and logs.
    pub description: String,
    /// The card keys whose data the action changes: after it succeeds the gateway drops their
    /// cached copies for the customer and asks Plain to reload them. Default: none.
    pub changes_cards: Vec<String>,
}

impl ActionSpec {
    /// An action named `name` that changes no card (add them with [`ActionSpec::changes`]).
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self { name: name.into(), description: description.into(), changes_cards: Vec::new() }
    }

    /// Declares the cards the action changes (replacing any declared before).
    pub fn changes<K: Into<String>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.changes_cards = keys.into_iter().map(Into::into).collect();
        self
    }

    pub(crate) fn to_proto(&self) -> proto::ActionDefinition {
        proto::ActionDefinition {
            name: self.name.clone(),
            description: self.description.clone(),
            changes_cards: self.changes_cards.clone(),
        }
    }
}

/// Checks a provider's actions against its cards, before it serves: a name outside
/// [`ACTION_NAME_PATTERN`] or longer than [`MAX_ACTION_NAME_BYTES`], a name declared twice, or
/// a changed card key that is not a card key at all is an error. A changed card that this
/// service does not declare is allowed (another service of the gateway may own it) and comes
/// back as a warning to log.
pub(crate) fn check_actions(actions: &[ActionSpec], own_cards: &[&str]) -> Result<Vec<String>, String> {
    let own: HashSet<&str> = own_cards.iter().copied().collect();
    let mut seen = HashSet::new();
    let mut warnings = Vec::new();
    for action in actions {
        if !is_valid_action_name(&action.name) {
            return Err(format!(
                "action name {:?} does not match {ACTION_NAME_PATTERN} (lowercase letters, digits and dashes, \
                 at most {MAX_ACTION_NAME_BYTES} bytes), e.g. \"extend-trial\"",
                action.name
            ));
        }
        if !seen.insert(action.name.as_str()) {
            return Err(format!("action {:?} is declared twice", action.name));
        }
        for key in &action.changes_cards {
            if !cardmesh_rules::is_valid_card_key(key) {
                return Err(format!(
                    "action {:?} changes card {key:?}, which does not match {}",
                    action.name,
                    cardmesh_rules::key::CARD_KEY_PATTERN
                ));
            }
            if !own.contains(key.as_str()) {
                warnings.push(format!(
                    "action {:?} changes card {key:?}, which this service does not draw: the gateway reloads it \
                     only if another service declares it",
                    action.name
                ));
            }
        }
    }
    Ok(warnings)
}

/// What an action answers. Every text goes out scrubbed
/// ([`cardmesh_telemetry::scrub::service_text`]: emails become `[email]`, control characters
/// are escaped, at most 200 characters), as card errors do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    /// The action did what it was asked; a short message for the agent (no secrets). The
    /// gateway answers Plain 200 and reloads the cards the action changes.
    Succeeded(String),
    /// The action will not run for this input (e.g. the trial was already extended): a retry
    /// would not help. The reason is safe to show an agent. The gateway answers 422, which
    /// Plain does not retry.
    Refused(String),
    /// The action could not run now (e.g. a dependency is down): a retry may help. The reason
    /// is safe to show an agent. The gateway answers 503, which Plain retries.
    Failed(String),
    /// The provider declares the action but has no handler for it: the default of
    /// [`crate::CardProvider::action`]. The kit answers `RunAction` with `UNIMPLEMENTED`,
    /// which the gateway answers Plain as `422 action_not_implemented` and does not record,
    /// so the action runs once a handler is deployed.
    NotImplemented,
}

impl ActionOutcome {
    /// The action did what it was asked: `message` for the agent.
    pub fn succeeded(message: impl Into<String>) -> Self {
        ActionOutcome::Succeeded(message.into())
    }

    /// The action will not run for this input, because of `reason`; not retried.
    pub fn refused(reason: impl Into<String>) -> Self {
        ActionOutcome::Refused(reason.into())
    }

    /// The action could not run now, because of `reason`; Plain retries.
    pub fn failed(reason: impl Into<String>) -> Self {
        ActionOutcome::Failed(reason.into())
    }

    /// `succeeded`, `refused`, `failed` or `not_implemented`: the `outcome` label of the
    /// kit's metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ActionOutcome::Succeeded(_) => "succeeded",
            ActionOutcome::Refused(_) => "refused",
            ActionOutcome::Failed(_) => "failed",
            ActionOutcome::NotImplemented => "not_implemented",
        }
    }

    /// The message or reason (empty for [`ActionOutcome::NotImplemented`]).
    pub fn text(&self) -> &str {
        match self {
            ActionOutcome::Succeeded(text) | ActionOutcome::Refused(text) | ActionOutcome::Failed(text) => text,
            ActionOutcome::NotImplemented => "",
        }
    }

    /// The outcome with its text scrubbed, as the kit sends and logs it.
    pub(crate) fn scrubbed(self) -> Self {
        let scrub = |text: String| cardmesh_telemetry::scrub::service_text(&text);
        match self {
            ActionOutcome::Succeeded(message) => ActionOutcome::Succeeded(scrub(message)),
            ActionOutcome::Refused(reason) => ActionOutcome::Refused(scrub(reason)),
            ActionOutcome::Failed(reason) => ActionOutcome::Failed(scrub(reason)),
            ActionOutcome::NotImplemented => ActionOutcome::NotImplemented,
        }
    }

    /// The `RunActionResponse` of this outcome (scrub it first: [`ActionOutcome::scrubbed`]);
    /// `None` for [`ActionOutcome::NotImplemented`], which is answered as a gRPC status.
    pub(crate) fn to_proto(&self) -> Option<proto::RunActionResponse> {
        use proto::run_action_response::Outcome;
        let outcome = match self.clone() {
            ActionOutcome::Succeeded(message) => Outcome::Succeeded(proto::ActionSucceeded { message }),
            ActionOutcome::Refused(reason) => Outcome::Refused(proto::ActionRefused { reason }),
            ActionOutcome::Failed(reason) => Outcome::Failed(proto::ActionFailed { reason }),
            ActionOutcome::NotImplemented => return None,
        };
        Some(proto::RunActionResponse { outcome: Some(outcome) })
    }

    /// The outcome a `RunActionResponse` carries; `None` when it carries none.
    pub fn from_proto(response: &proto::RunActionResponse) -> Option<Self> {
        use proto::run_action_response::Outcome;
        Some(match response.outcome.as_ref()? {
            Outcome::Succeeded(succeeded) => ActionOutcome::Succeeded(succeeded.message.clone()),
            Outcome::Refused(refused) => ActionOutcome::Refused(refused.reason.clone()),
            Outcome::Failed(failed) => ActionOutcome::Failed(failed.reason.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_builder_and_definition() {
        let spec = ActionSpec::new("extend-trial", "Extends the trial by 14 days");
        assert!(spec.changes_cards.is_empty());
        let def = spec.changes(["subscription-status"]).to_proto();
        assert_eq!(def.name, "extend-trial");
        assert_eq!(def.description, "Extends the trial by 14 days");
        assert_eq!(def.changes_cards, ["subscription-status"]);
    }

    #[test]
    fn checks_names_duplicates_and_changed_cards() {
        let own = ["subscription-status"];
        let ok = [ActionSpec::new("extend-trial", "x").changes(["subscription-status"])];
        assert_eq!(check_actions(&ok, &own), Ok(Vec::new()));

        let error = check_actions(&[ActionSpec::new("Extend_Trial", "x")], &own).expect_err("bad name");
        assert!(error.contains("\"Extend_Trial\"") && error.contains(ACTION_NAME_PATTERN), "{error}");
        let twice = [ActionSpec::new("a", "1"), ActionSpec::new("a", "2")];
        assert!(check_actions(&twice, &own).expect_err("duplicate").contains("twice"));
        let bad_key = [ActionSpec::new("a", "x").changes(["not a key"])];
        assert!(check_actions(&bad_key, &own).expect_err("bad key").contains("\"not a key\""));

        let foreign = [ActionSpec::new("a", "x").changes(["latest-invoice"])];
        let warnings = check_actions(&foreign, &own).expect("allowed");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("\"latest-invoice\""), "{warnings:?}");
    }

    #[test]
    fn outcomes_go_out_scrubbed_and_come_back() {
        let outcome = ActionOutcome::refused("ada@example.com already has an extended trial\n").scrubbed();
        assert_eq!(outcome, ActionOutcome::refused("[email] already has an extended trial\\n"));
        for outcome in [ActionOutcome::succeeded("done"), ActionOutcome::refused("no"), ActionOutcome::failed("down")] {
            assert_eq!(ActionOutcome::from_proto(&outcome.to_proto().unwrap()).as_ref(), Some(&outcome));
        }
        assert_eq!(ActionOutcome::from_proto(&proto::RunActionResponse { outcome: None }), None);
        assert_eq!(ActionOutcome::failed("x").kind(), "failed");
    }
}
