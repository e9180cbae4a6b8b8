//! Card actions: `POST /actions/{name}` on Plain's listener runs an action a card service
//! declared in `Describe`, for the customer of a Plain workflow's **Send HTTP request** step.
//!
//! After [admission](crate::http) (the card route's checks, on the action's body), in order:
//!
//! 1. the route: the service that declares the action ([`crate::discovery::ActionInfo`]);
//!    an unknown name is 404 `unknown_action`, the known names go to the log;
//! 2. the [`ledger`]: a delivery that ran already gets its first outcome again, one that
//!    is running gets 503 with `Retry-After`;
//! 3. the [`customer`], from the body ([`body`]) through Plain's API;
//! 4. the `RunAction` [`call`] under `actions.deadline`; the lookup and the call together
//!    end within [`ACTION_BUDGET`] of the request's arrival;
//! 5. the outcome kept in the ledger (succeeded, refused) or the marker dropped (anything a
//!    retry may fix), and the answer;
//! 6. in the background, after succeeded **and** refused: the action's `changes_cards` are
//!    dropped from the cache for the customer and Plain is asked to reload them ([`after`]),
//!    so the agent sees the new state, or the refusal the service recorded, at the card's
//!    next draw.

mod after;
pub mod body;
pub mod call;
pub mod customer;
pub mod error;
pub mod ledger;
mod memory_ledger;
mod outcome;

use std::sync::Arc;
use std::time::Duration;

use cardmesh_proto::RunActionRequest;
use tokio::time::Instant;
use tracing::{Instrument, Span};

pub use body::ActionBody;
pub use error::ActionError;
pub use ledger::{delivery_key, ActionLedger, Begin, Record};

use crate::cache::CardCache;
pub use crate::config::ACTION_BUDGET;
use crate::config::ActionSettings;
use crate::discovery::{ActionInfo, CardRouter, RoutingTable};
use crate::fanout::{Backend, Backends};
use crate::plain_client::PlainClient;
use crate::telemetry::GatewayMetrics;


/// The customer lookup `lookup`, cut at `budget_ends` (`customer_lookup_failed`, 503).
async fn within_budget<T>(
    budget_ends: Instant,
    lookup: impl std::future::Future<Output = Result<T, ActionError>>,
) -> Result<T, ActionError> {
    tokio::time::timeout_at(budget_ends, lookup).await.unwrap_or_else(|_| {
        Err(ActionError::CustomerLookupFailed {
            cause: format!("no answer within the action's {} budget", humantime::format_duration(ACTION_BUDGET)),
        })
    })
}

/// The `RunAction` call's deadline: `deadline`, or what is left until `budget_ends`.
fn call_deadline(deadline: Duration, budget_ends: Instant) -> Duration {
    deadline.min(budget_ends.saturating_duration_since(Instant::now()))
}

/// A succeeded action, as answered: `{"action", "outcome": "succeeded", "message", "replayed"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Succeeded {
    pub action: String,
    pub message: String,
    /// True when this is the first outcome of the same delivery, given again.
    pub replayed: bool,
}

impl Record {
    /// The answer of action `name` that ended so; `replayed` when it is a kept outcome given
    /// again.
    fn answer(self, name: &str, replayed: bool) -> Result<Succeeded, ActionError> {
        match self {
            Record::Succeeded { message } => Ok(Succeeded { action: name.to_owned(), message, replayed }),
            Record::Refused { reason } => Err(ActionError::Refused { reason, replayed }),
        }
    }
}

/// The action `name` in `table`, and the backend of the service that declares it. An unknown
/// name is [`ActionError::UnknownAction`], and the names known go to the log only.
pub(crate) fn route<'t, 'b>(
    table: &'t RoutingTable,
    backends: &'b Backends,
    name: &str,
) -> Result<(&'t ActionInfo, &'b Backend), ActionError> {
    let Some(info) = table.action(name) else {
        let known: Vec<&str> = table.actions().iter().map(|a| a.name.as_str()).collect();
        tracing::info!(?known, "no card service declares this action");
        return Err(ActionError::UnknownAction);
    };
    Ok((info, backends.get(info.service).ok_or(ActionError::UnknownAction)?))
}

/// One admitted action request.
pub struct ActionRequest<'a> {
    pub name: &'a str,
    /// The `Plain-Workspace-Id` header (empty when absent).
    pub workspace_id: &'a str,
    /// The raw body, as signed.
    pub raw: &'a [u8],
    pub body: &'a ActionBody,
    /// When the request arrived (for the time to the reload).
    pub arrived: Instant,
}

impl ActionRequest<'_> {
    /// The request's workspace: the `Plain-Workspace-Id` header, which the body's
    /// `workspaceId` must then match; without the header (one global secret), the signed
    /// body's `workspaceId`; empty when neither is sent.
    pub fn workspace(&self) -> Result<&str, ActionError> {
        if self.workspace_id.is_empty() {
            return Ok(self.body.workspace_id.as_deref().unwrap_or_default());
        }
        self.body.check_workspace(self.workspace_id)?;
        Ok(self.workspace_id)
    }
}

/// What running actions needs of the gateway, built once with it.
pub struct Actions {
    router: Arc<CardRouter>,
    cache: Option<Arc<CardCache>>,
    plain: Option<Arc<PlainClient>>,
    metrics: Arc<GatewayMetrics>,
    settings: ActionSettings,
    ledger: ActionLedger,
}

impl Actions {
    /// The actions of a gateway: its routing table, cache (whose Redis keeps the ledger, when
    /// it has one), Plain client and metrics.
    pub fn new(
        settings: ActionSettings,
        router: Arc<CardRouter>,
        cache: Option<Arc<CardCache>>,
        plain: Option<Arc<PlainClient>>,
        metrics: Arc<GatewayMetrics>,
    ) -> Self {
        let running = ACTION_BUDGET + ledger::RUNNING_MARGIN;
        let ledger = match cache.as_deref().and_then(CardCache::shared_records) {
            Some(records) => ActionLedger::shared(records, running, settings.idempotency_window),
            None => ActionLedger::in_memory(running, settings.idempotency_window),
        };
        Self { router, cache, plain, metrics, settings, ledger }
    }

    /// The records of action deliveries.
    pub fn ledger(&self) -> &ActionLedger {
        &self.ledger
    }

    /// Runs the action of `request`, in the current span (the request's `plain_action`).
    pub async fn run(&self, request: ActionRequest<'_>) -> Result<Succeeded, ActionError> {
        let table = self.router.table();
        let (info, backend) = route(&table, self.router.backends(), request.name)?;
        let workspace_id = request.workspace()?;
        let name = info.name.as_str();
        let digest = delivery_key(workspace_id, name, request.raw);
        let marker = match self.ledger.begin(workspace_id, &digest).await {
            Err(e) => return Err(self.counted(name, ActionError::LedgerUnavailable { cause: e.to_string() })),
            Ok(Begin::Running) => {
                let retry_after = self.ledger.running_ttl();
                return Err(self.counted(name, ActionError::InProgress { retry_after }));
            }
            Ok(Begin::Done(record)) => {
                self.metrics.action_duplicate(name);
                Span::current().record("replayed", true);
                tracing::info!(outcome = record.outcome(), "a delivery that ran already: its first outcome again");
                return record.answer(name, true);
            }
            Ok(Begin::Started(marker)) => marker,
        };
        let budget_ends = request.arrived + ACTION_BUDGET;
        let lookup = within_budget(budget_ends, customer::resolve(self.plain.as_deref(), request.body)).await;
        let resolved = match lookup {
            Ok(resolved) => resolved,
            Err(error) => {
                self.abandon(marker).await;
                return Err(self.counted(name, error));
            }
        };
        Span::current().record("matched_by", resolved.matched_by);
        let call = RunActionRequest {
            action: name.to_owned(),
            workspace_id: workspace_id.to_owned(),
            customer: Some(resolved.customer.clone()),
            thread: resolved.thread.clone(),
            body_json: String::from_utf8_lossy(request.raw).into_owned(),
            idempotency_key: digest,
            preview: false,
        };
        let service = info.service_name.clone();
        let call_span = cardmesh_telemetry::span_if_tracing(
            || tracing::info_span!("action_service_call", otel.kind = "client", service = %service, action = name),
        );
        // The call gets `actions.deadline`, or what is left of the budget after the lookup.
        let deadline = call_deadline(self.settings.deadline, budget_ends);
        let outcome = call::run_action(backend, call, deadline).instrument(call_span).await;
        let record = match outcome {
            Ok(record) => record,
            Err(error) => {
                self.abandon(marker).await;
                if let Some(cause) = error.cause() {
                    tracing::warn!(%service, code = error.code(), %cause, "the action's service call failed");
                }
                return Err(self.counted(name, error));
            }
        };
        match self.ledger.finish(marker, &record).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                "the action ran after its running marker expired, and another request holds the delivery now: \
                 this outcome is not kept"
            ),
            Err(e) => tracing::error!(error = %e, "the action ran, but its outcome could not be kept: a retry of this \
                delivery would run it again"),
        }
        self.metrics.action(name, record.outcome());
        tracing::info!(%service, outcome = record.outcome(), matched_by = resolved.matched_by, "action ran");
        let reload = after::Reload {
            cache: self.cache.clone(),
            plain: self.plain.clone(),
            metrics: self.metrics.clone(),
            arrived: request.arrived,
        };
        reload.spawn(info, workspace_id, &resolved);
        record.answer(name, false)
    }

    /// Counts `error` as the outcome of routed action `name`.
    fn counted(&self, name: &str, error: ActionError) -> ActionError {
        self.metrics.action(name, error.outcome());
        error
    }

    /// Drops the running marker (a retry may run the action); a store error is logged.
    async fn abandon(&self, marker: ledger::Marker) {
        if let Err(e) = self.ledger.abandon(marker).await {
            tracing::warn!(error = %e, "could not drop the action's running marker; a retry waits for it to expire");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_lookup_and_the_call_end_within_one_budget_below_plains_timeout() {
        assert!(ACTION_BUDGET + Duration::from_secs(1) < crate::config::PLAIN_TIMEOUT);
        let arrived = Instant::now();
        let ends = arrived + ACTION_BUDGET;
        // Plain's API answers each of three lookups after plain_api.timeout (5s): cut at 13s.
        let slow = async {
            tokio::time::sleep(Duration::from_secs(15)).await;
            Ok::<_, ActionError>(())
        };
        let cut = within_budget(ends, slow).await;
        assert!(matches!(cut, Err(ActionError::CustomerLookupFailed { .. })), "{cut:?}");
        assert_eq!(arrived.elapsed(), ACTION_BUDGET);
        // A lookup that took 8s leaves the call 5s of its 10s deadline; a quick one, all 10s.
        let ends = Instant::now() + ACTION_BUDGET;
        assert_eq!(call_deadline(Duration::from_secs(10), ends), Duration::from_secs(10));
        tokio::time::advance(Duration::from_secs(8)).await;
        assert_eq!(call_deadline(Duration::from_secs(10), ends), Duration::from_secs(5));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(call_deadline(Duration::from_secs(10), ends), Duration::ZERO);
    }
}
