//! Keeps the routing table current by asking every service to `Describe` itself.

use std::sync::{Arc, Mutex, RwLock};

use cardmesh_proto::DescribeRequest;
use tokio::task::JoinHandle;

use super::names::service_names;
use super::table::{Described, RoutingTable, TableProblem};
use crate::config::Discovery;
use crate::fanout::Backends;

/// The current routing table plus the task that refreshes it.
pub struct CardRouter {
    backends: Backends,
    /// The services' configured names, in configured order.
    names: Vec<Arc<str>>,
    settings: Discovery,
    described: Mutex<Vec<Option<Described>>>,
    table: RwLock<Arc<RoutingTable>>,
}

impl CardRouter {
    /// A router over `backends` with an empty table (call [`CardRouter::refresh`] or
    /// [`CardRouter::spawn_discovery`]).
    pub fn new(backends: Backends, settings: Discovery) -> Arc<Self> {
        let n = backends.len();
        let names = service_names(&backends.iter().map(|b| b.endpoint()).collect::<Vec<_>>());
        let table = RoutingTable::build(&names, &vec![None; n], &RoutingTable::default()).0;
        Arc::new(Self {
            backends,
            names,
            settings,
            described: Mutex::new(vec![None; n]),
            table: RwLock::new(Arc::new(table)),
        })
    }

    /// The card services.
    pub fn backends(&self) -> &Backends {
        &self.backends
    }

    /// The configured name of each service, in configured order (see
    /// [`super::service_names`]).
    pub fn service_names(&self) -> &[Arc<str>] {
        &self.names
    }

    /// The routing table now.
    pub fn table(&self) -> Arc<RoutingTable> {
        self.table.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Asks every service to `Describe` itself (concurrently) and rebuilds the table. A
    /// service that does not answer keeps its previous cards.
    pub async fn refresh(&self) {
        let timeout = self.settings.describe_timeout;
        let answers = futures::future::join_all(self.backends.iter().map(|backend| async move {
            let mut client = backend.client();
            let mut request = tonic::Request::new(DescribeRequest {});
            request.set_timeout(timeout);
            match tokio::time::timeout(timeout, client.describe(request)).await {
                Ok(Ok(resp)) => Ok(resp.into_inner()),
                Ok(Err(status)) => {
                    Err(format!("{}: {}", status.code(), cardmesh_telemetry::scrub::service_text(status.message())))
                }
                Err(_) => Err(format!("no answer within {timeout:?}")),
            }
        }))
        .await;

        let mut described = self.described.lock().unwrap_or_else(|e| e.into_inner());
        let mut changed = false;
        for (((slot, backend), name), answer) in
            described.iter_mut().zip(self.backends.iter()).zip(&self.names).zip(answers)
        {
            match answer {
                Ok(resp) => {
                    if slot.as_ref().is_none_or(|old| old.cards != resp.cards || old.actions != resp.actions) {
                        // The name the service gives itself is logged (cleaned), never used:
                        // the gateway knows a service by its configured endpoint.
                        tracing::info!(
                            service = %name, endpoint = backend.endpoint(),
                            described_as = %cardmesh_telemetry::scrub::label(&resp.service_name),
                            cards = ?resp.cards.iter().map(|c| cardmesh_telemetry::scrub::label(&c.key)).collect::<Vec<_>>(),
                            actions = ?resp.actions.iter().map(|a| cardmesh_telemetry::scrub::label(&a.name)).collect::<Vec<_>>(),
                            "card service described"
                        );
                        *slot = Some(Described { cards: resp.cards, actions: resp.actions });
                        changed = true;
                    }
                }
                Err(error) => {
                    if slot.is_none() {
                        tracing::warn!(endpoint = backend.endpoint(), %error,
                            "card service not described yet; retrying");
                    } else {
                        tracing::debug!(endpoint = backend.endpoint(), %error,
                            "describe failed; keeping the service's last known cards");
                    }
                }
            }
        }
        if changed {
            let (table, problems) = RoutingTable::build(&self.names, &described, &self.table());
            for problem in problems {
                match problem {
                    TableProblem::InvalidKey { key, service } => tracing::error!(
                        %key, %service,
                        "card service describes a key that is not [a-zA-Z0-9_-]+; ignored"
                    ),
                    TableProblem::InvalidActionName { name, service } => tracing::error!(
                        action = %name, %service,
                        "card service describes an action whose name is not [a-z0-9][a-z0-9-]* (at most 64 bytes); ignored"
                    ),
                    TableProblem::ActionClaimed { name, owner, claimed_by } => tracing::error!(
                        action = %name, %owner, %claimed_by,
                        "a card service declares an action a service listed before it declares; the first keeps it"
                    ),
                }
            }
            for conflict in table.conflicts() {
                tracing::error!(
                    key = %conflict.key, owner = %conflict.owner, claimed_by = %conflict.claimed_by,
                    "a card service claims a key another service owns; the owner keeps it (see /readyz)"
                );
            }
            tracing::info!(
                keys = table.len(),
                actions = table.actions().len(),
                undescribed = table.undescribed(),
                "routing table updated"
            );
            *self.table.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(table);
        }
    }

    /// Starts the refresh loop: quickly while a service is still silent, then every
    /// `refresh_interval`. The task stops when the returned guard is dropped.
    pub fn spawn_discovery(self: &Arc<Self>) -> DiscoveryTask {
        let router = Arc::clone(self);
        DiscoveryTask(tokio::spawn(async move {
            loop {
                router.refresh().await;
                let wait = if router.table().undescribed() > 0 {
                    router.settings.retry_interval
                } else {
                    router.settings.refresh_interval
                };
                tokio::time::sleep(wait).await;
            }
        }))
    }
}

/// The running discovery loop; aborted on drop.
pub struct DiscoveryTask(JoinHandle<()>);

impl Drop for DiscoveryTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}
