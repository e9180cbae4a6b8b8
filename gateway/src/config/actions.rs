//! Settings of `POST /actions/{name}`: the deadline of the `RunAction` call and how long a
//! delivery's outcome is kept to answer Plain's retries of it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The longest the customer lookup and the `RunAction` call of one action request take
/// together, from its arrival: below Plain's 15 s, with room for the ledger's round trips and
/// the answer. The call gets [`ActionSettings::deadline`] or what the lookup left of this,
/// whichever is shorter.
pub const ACTION_BUDGET: Duration = Duration::from_secs(13);

/// Longest [`ActionSettings::deadline`]: one second of [`ACTION_BUDGET`] is left to the
/// customer lookup at least.
pub const MAX_ACTION_DEADLINE: Duration = Duration::from_secs(12);

/// Card actions run from Plain's workflow buttons (`POST /actions/{name}`).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ActionSettings {
    /// Deadline of one `RunAction` call to the service that declares the action; at most
    /// 12s. The customer lookup and the call share one 13 s budget from the request's
    /// arrival (below Plain's 15 s), so a slow lookup shortens the call (default: 10s).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub deadline: Duration,
    /// How long the outcome of a delivery (succeeded or refused) is kept: the same body from
    /// the same workspace within this window is answered with it again instead of running the
    /// action twice. Longer than Plain's retries of a delivery (default: 24h).
    #[serde(with = "humantime_serde")]
    #[schemars(with = "String")]
    pub idempotency_window: Duration,
}

impl Default for ActionSettings {
    fn default() -> Self {
        Self { deadline: Duration::from_secs(10), idempotency_window: Duration::from_secs(24 * 3600) }
    }
}

/// Shortest [`ActionSettings::idempotency_window`]: a minute covers Plain's first retries.
pub const MIN_IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(60);

/// Checks the action settings; pushes one message per broken rule.
pub(super) fn validate(settings: &ActionSettings, errors: &mut Vec<String>) {
    if settings.deadline.is_zero() || settings.deadline > MAX_ACTION_DEADLINE {
        errors.push(format!(
            "actions.deadline: {} must be above 0 and at most 12s: the customer lookup and the call share a \
             13s budget below Plain's 15s timeout; use at most 12s (CARDMESH_ACTION_DEADLINE, default 10s)",
            humantime::format_duration(settings.deadline)
        ));
    }
    if settings.idempotency_window < MIN_IDEMPOTENCY_WINDOW {
        errors.push(format!(
            "actions.idempotency_window: {} is shorter than 1m, so Plain's retry of a delivery could run \
             the action again; use at least 1m (CARDMESH_ACTION_IDEMPOTENCY_WINDOW, default 24h)",
            humantime::format_duration(settings.idempotency_window)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::load_unsigned_local as load;
    use super::*;

    #[test]
    fn defaults_and_environment() {
        let config = load(&[]).unwrap();
        assert_eq!(config.actions.deadline, Duration::from_secs(10));
        assert_eq!(config.actions.idempotency_window, Duration::from_secs(86_400));
        let config = load(&[("CARDMESH_ACTION_DEADLINE", "4s"), ("CARDMESH_ACTION_IDEMPOTENCY_WINDOW", "2h")]).unwrap();
        assert_eq!(config.actions.deadline, Duration::from_secs(4));
        assert_eq!(config.actions.idempotency_window, Duration::from_secs(7200));
    }

    #[test]
    fn a_deadline_past_plains_timeout_and_a_short_window_say_how_to_fix_them() {
        let settings = ActionSettings { deadline: Duration::from_secs(13), idempotency_window: Duration::from_secs(5) };
        let mut errors = Vec::new();
        validate(&settings, &mut errors);
        let text = errors.join("\n");
        assert!(text.contains("actions.deadline: 13s must be above 0 and at most 12s"), "{text}");
        assert!(text.contains("CARDMESH_ACTION_DEADLINE"), "{text}");
        assert!(text.contains("actions.idempotency_window: 5s is shorter than 1m"), "{text}");
        let mut errors = Vec::new();
        validate(&ActionSettings::default(), &mut errors);
        let longest = ActionSettings { deadline: MAX_ACTION_DEADLINE, ..ActionSettings::default() };
        validate(&longest, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(MAX_ACTION_DEADLINE < ACTION_BUDGET, "the lookup keeps a part of the budget");
    }
}
