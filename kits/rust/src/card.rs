//! What a provider declares ([`CardSpec`], [`Scope`]) and what it answers ([`Card`]).

use std::time::Duration;

use crate::proto;

/// What the data of a card depends on. The gateway caches a drawn card per value of its
/// scope, so a card must not read anything outside it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Depends on the customer only (id, email and external id). Shared across threads.
    #[default]
    Customer,
    /// Depends on the customer and the thread the card is shown in.
    Thread,
    /// Depends on the customer and the thread's tenant.
    Tenant,
}

impl From<Scope> for proto::CardScope {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Customer => proto::CardScope::Customer,
            Scope::Thread => proto::CardScope::Thread,
            Scope::Tenant => proto::CardScope::Tenant,
        }
    }
}

/// One card a provider can draw, as announced to the gateway by `Describe`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardSpec {
    /// The Plain card key: `[a-zA-Z0-9_-]+`, unique across all services of one gateway.
    pub key: String,
    /// Human title, for docs and logs.
    pub title: String,
    /// How long a drawn card may be cached when the answer sets no TTL of its own
    /// (see [`Card::with_ttl`]). Sent in whole seconds; Plain accepts 15 s to 1 year.
    pub default_ttl: Duration,
    /// What the card's data depends on.
    pub scope: Scope,
}

impl CardSpec {
    /// Default TTL of a card: 300 seconds.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

    /// A card with key `key` and title `title`, cached for [`CardSpec::DEFAULT_TTL`] (300 s),
    /// scoped to the customer.
    pub fn new(key: impl Into<String>, title: impl Into<String>) -> Self {
        Self { key: key.into(), title: title.into(), default_ttl: Self::DEFAULT_TTL, scope: Scope::Customer }
    }

    /// Sets the default TTL (whole seconds; Plain accepts 15 s to 1 year).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// Sets the scope (default [`Scope::Customer`]).
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    pub(crate) fn to_proto(&self) -> proto::CardDefinition {
        proto::CardDefinition {
            key: self.key.clone(),
            title: self.title.clone(),
            default_ttl_seconds: whole_seconds(self.default_ttl),
            scope: proto::CardScope::from(self.scope) as i32,
        }
    }
}

/// The answer for one card and one customer.
#[derive(Clone, Debug, PartialEq)]
pub enum Card {
    /// The card's components, and optionally a TTL for this answer only (overriding
    /// [`CardSpec::default_ttl`]).
    Components {
        /// Top-level components, in display order. Build them with [`crate::build`].
        components: Vec<proto::Component>,
        /// Overrides the card's default TTL for this answer (whole seconds).
        ttl: Option<Duration>,
    },
    /// This customer has no data for this card: Plain hides the card.
    NoData,
    /// The card could not be drawn; the gateway serves a cached or fallback card and logs
    /// the reason. Keep customer data such as emails out of the reason: as a second guard,
    /// the kit sends and logs it scrubbed ([`cardmesh_telemetry::scrub::service_text`]:
    /// emails become `[email]`, control characters are escaped, at most 200 characters).
    Error(String),
}

impl Card {
    /// A card made of `components` (anything that converts into a top-level
    /// [`proto::Component`], e.g. the values of [`crate::build`]), with the default TTL.
    pub fn new(components: impl IntoIterator<Item = impl Into<proto::Component>>) -> Self {
        Card::Components { components: components.into_iter().map(Into::into).collect(), ttl: None }
    }

    /// Overrides the card's default TTL for this answer (whole seconds). Has no effect on
    /// [`Card::NoData`] and [`Card::Error`].
    pub fn with_ttl(self, ttl: Duration) -> Self {
        match self {
            Card::Components { components, .. } => Card::Components { components, ttl: Some(ttl) },
            other => other,
        }
    }

    /// No data for this customer: Plain hides the card.
    pub fn no_data() -> Self {
        Card::NoData
    }

    /// The card could not be drawn, because of `reason` (no customer data in it, please).
    pub fn error(reason: impl Into<String>) -> Self {
        Card::Error(reason.into())
    }

    pub(crate) fn into_proto(self, key: String) -> proto::CardResult {
        use proto::card_result::Outcome;
        let (ttl, outcome) = match self {
            Card::Components { components, ttl } => {
                (ttl.map(whole_seconds), Outcome::Components(proto::CardComponents { components }))
            }
            Card::NoData => (None, Outcome::NoData(proto::NoData {})),
            Card::Error(reason) => {
                (None, Outcome::Error(proto::CardError { reason: cardmesh_telemetry::scrub::service_text(&reason) }))
            }
        };
        proto::CardResult { key, time_to_live_seconds: ttl, outcome: Some(outcome) }
    }
}

/// A duration in whole seconds, saturating at `u32::MAX`.
fn whole_seconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::text;
    use proto::card_result::Outcome;

    #[test]
    fn spec_defaults_and_setters() {
        let spec = CardSpec::new("usage", "Usage");
        assert_eq!(spec.default_ttl, Duration::from_secs(300));
        assert_eq!(spec.scope, Scope::Customer);
        let spec = spec.ttl(Duration::from_secs(60)).scope(Scope::Tenant);
        let def = spec.to_proto();
        assert_eq!(def.key, "usage");
        assert_eq!(def.title, "Usage");
        assert_eq!(def.default_ttl_seconds, 60);
        assert_eq!(def.scope, proto::CardScope::Tenant as i32);
    }

    #[test]
    fn ttl_saturates() {
        assert_eq!(whole_seconds(Duration::from_secs(u64::MAX)), u32::MAX);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 1);
    }

    #[test]
    fn card_to_result() {
        let result = Card::new([text("hi")]).with_ttl(Duration::from_secs(42)).into_proto("k".into());
        assert_eq!(result.key, "k");
        assert_eq!(result.time_to_live_seconds, Some(42));
        match result.outcome {
            Some(Outcome::Components(c)) => assert_eq!(c.components.len(), 1),
            other => panic!("unexpected outcome {other:?}"),
        }

        let result = Card::no_data().with_ttl(Duration::from_secs(5)).into_proto("k".into());
        assert_eq!(result.time_to_live_seconds, None);
        assert_eq!(result.outcome, Some(Outcome::NoData(proto::NoData {})));

        let result = Card::error("backend down").into_proto("k".into());
        assert_eq!(result.outcome, Some(Outcome::Error(proto::CardError { reason: "backend down".into() })));
    }

    #[test]
    fn a_card_error_goes_out_scrubbed() {
        let reason = format!("no account for ada@example.com\nFAKE log line{}", "!".repeat(300));
        let Some(Outcome::Error(error)) = Card::error(reason).into_proto("k".into()).outcome else {
            panic!("an error outcome")
        };
        assert!(error.reason.starts_with("no account for [email]\\nFAKE log line!!!"), "{}", error.reason);
        assert_eq!(error.reason.chars().count(), 201, "200 characters and the mark");
    }
}
