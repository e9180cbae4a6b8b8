//! The `extend-trial` action: a trialing customer's trial end moves by the body's `days`,
//! once per customer.
//!
//! The extensions live in the service's memory, on top of the fixture: one process, no
//! database, lost on restart (it is an example; a real service writes to its billing system
//! and uses the idempotency key there). A repeated idempotency key (Plain's retry, or the
//! gateway running it again after its own window) gets the first outcome and extends nothing.

use std::collections::HashMap;
use std::sync::Mutex;

use cardmesh_kit::{ActionContext, ActionOutcome};
use time::{Date, Duration, Month};

use cardmesh_kit::FixtureRecord;

use crate::fixtures::{Record, Subscription, SubscriptionStatus};

/// The action's name, in the gateway's `/actions/extend-trial`.
pub const EXTEND_TRIAL: &str = "extend-trial";
/// Days added when the body has no `days`.
pub const DEFAULT_DAYS: i64 = 14;
/// The most days one extension may add.
pub const MAX_DAYS: i64 = 30;

/// What `extend-trial` has done in this process.
#[derive(Debug, Default)]
pub(crate) struct Extensions {
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The new trial end of each extended customer (by [`customer_key`]).
    until: HashMap<String, Date>,
    /// The outcome of each idempotency key already run (not previews).
    outcomes: HashMap<String, ActionOutcome>,
}

impl Extensions {
    /// The trial end after an extension, when `record`'s trial was extended.
    pub(crate) fn extended_to(&self, record: &Record) -> Option<Date> {
        let state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        state.until.get(&customer_key(record)?).copied()
    }

    /// Runs `extend-trial` for `record` (`None`: billing does not know the customer).
    pub(crate) fn run(&self, record: Option<&Record>, ctx: &ActionContext) -> ActionOutcome {
        let mut state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if !ctx.preview {
            if let Some(first) = state.outcomes.get(&ctx.idempotency_key) {
                return first.clone();
            }
        }
        let outcome = decide(&state, record, ctx);
        if ctx.preview {
            return match outcome {
                Decision::Extend { until, .. } => {
                    ActionOutcome::succeeded(format!("Preview: would extend the trial to {}", show(until)))
                }
                Decision::Answer(outcome) => outcome,
            };
        }
        let outcome = match outcome {
            Decision::Extend { key, until } => {
                state.until.insert(key, until);
                ActionOutcome::succeeded(format!("Trial extended to {}", show(until)))
            }
            Decision::Answer(outcome) => outcome,
        };
        state.outcomes.insert(ctx.idempotency_key.clone(), outcome.clone());
        outcome
    }
}

enum Decision {
    Extend { key: String, until: Date },
    Answer(ActionOutcome),
}

fn decide(state: &State, record: Option<&Record>, ctx: &ActionContext) -> Decision {
    let refuse = |reason: String| Decision::Answer(ActionOutcome::refused(reason));
    let days = match days(&ctx.body) {
        Ok(days) => days,
        Err(reason) => return refuse(reason),
    };
    let (Some(record), Some(key)) = (record, record.and_then(customer_key)) else {
        return refuse("Billing has no record for this customer".into());
    };
    let Some(subscription) = &record.subscription else {
        return refuse("The customer has no subscription".into());
    };
    if subscription.status != SubscriptionStatus::Trialing {
        return refuse(format!("The subscription is not in trial (it is {})", subscription.status.label()));
    }
    if let Some(until) = state.until.get(&key) {
        return refuse(format!("The trial was already extended once, to {}", show(*until)));
    }
    let Some(ends) = trial_end(subscription) else {
        return Decision::Answer(ActionOutcome::failed("The trial end in billing is not a date"));
    };
    match ends.checked_add(Duration::days(days)) {
        Some(until) => Decision::Extend { key, until },
        None => refuse("The new trial end is out of range".into()),
    }
}

/// The body's `days`: absent or `null` is [`DEFAULT_DAYS`]; otherwise a whole number from 1 to
/// [`MAX_DAYS`].
fn days(body: &serde_json::Value) -> Result<i64, String> {
    let invalid = || format!("days must be a whole number from 1 to {MAX_DAYS}");
    match body.get("days") {
        None | Some(serde_json::Value::Null) => Ok(DEFAULT_DAYS),
        Some(value) => match value.as_i64() {
            Some(days) if (1..=MAX_DAYS).contains(&days) => Ok(days),
            Some(days) => Err(format!("{} (got {days})", invalid())),
            None => Err(invalid()),
        },
    }
}

/// The customer's key in [`Extensions`]: the external id, else the email (lowercased).
fn customer_key(record: &Record) -> Option<String> {
    record.external_id.clone().or_else(|| record.email().map(str::to_lowercase))
}

/// The trial end of a trialing subscription: its `renewsOn`, `YYYY-MM-DD`.
pub(crate) fn trial_end(subscription: &Subscription) -> Option<Date> {
    parse_date(&subscription.renews_on)
}

/// `2026-06-01` as a date; `None` for anything else.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    (text.len() == 10).then_some(())?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// `2026-06-15`.
pub(crate) fn show(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_show() {
        let date = parse_date("2026-06-01").expect("a date");
        assert_eq!(show(date.checked_add(Duration::days(30)).expect("in range")), "2026-07-01");
        for bad in ["2026-6-01", "2026-02-30", "soon", "2026-06-01T00:00:00Z", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_default_and_bounds() {
        assert_eq!(days(&serde_json::json!({})), Ok(DEFAULT_DAYS));
        assert_eq!(days(&serde_json::Value::Null), Ok(DEFAULT_DAYS));
        assert_eq!(days(&serde_json::json!({"days": null})), Ok(DEFAULT_DAYS));
        assert_eq!(days(&serde_json::json!({"days": 1})), Ok(1));
        assert_eq!(days(&serde_json::json!({"days": 30})), Ok(30));
        for bad in [serde_json::json!(0), serde_json::json!(31), serde_json::json!(-3)] {
            let error = days(&serde_json::json!({ "days": bad })).expect_err("out of range");
            assert!(error.contains("from 1 to 30") && error.contains(&format!("got {bad}")), "{error}");
        }
        for bad in [serde_json::json!("14"), serde_json::json!(1.5), serde_json::json!([14])] {
            let error = days(&serde_json::json!({ "days": bad })).expect_err("not a whole number");
            assert!(error.contains("whole number"), "{error}");
        }
    }
}
