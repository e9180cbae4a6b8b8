//! The card services the gateway talks to.

use std::sync::Arc;

use cardmesh_proto::card_service_client::CardServiceClient;
use tonic::transport::{Channel, Endpoint};

use super::stack::{card_call_stack, CardCallService};
use crate::breaker::Breaker;
use crate::config::{resolve, resolve_tls, CallPolicy, CardServicePolicies, Fanout};
use crate::tls::TlsError;

/// An endpoint the gateway cannot use.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("{endpoint}: {source}")]
    Endpoint { endpoint: String, source: tonic::transport::Error },
    #[error("{endpoint}: TLS (card_services tls settings): {source}")]
    Tls { endpoint: String, source: TlsError },
}

/// One card service: its endpoint, a lazily connected, reconnecting gRPC channel, and the
/// call stack (deadline, limit, retry, breaker) in front of it.
#[derive(Clone)]
pub struct Backend {
    endpoint: Arc<str>,
    channel: Channel,
    policy: CallPolicy,
    breaker: Arc<Breaker>,
    stack: CardCallService,
}

impl Backend {
    /// A backend for `endpoint` (`http://host:port`, or `https://host:port` for TLS with the
    /// service's `tls` settings). Nothing connects until the first call, so the gateway starts
    /// while services are still down.
    pub fn new(endpoint: &str, settings: &Fanout, policies: &CardServicePolicies) -> Result<Self, BackendError> {
        let transport = |source| BackendError::Endpoint { endpoint: endpoint.to_owned(), source };
        let mut builder = Endpoint::from_shared(endpoint.to_owned())
            .map_err(transport)?
            .connect_timeout(settings.connect_timeout)
            .tcp_nodelay(true);
        if endpoint.starts_with("https://") {
            let tls = resolve_tls(policies, endpoint)
                .client_config()
                .map_err(|source| BackendError::Tls { endpoint: endpoint.to_owned(), source })?;
            builder = builder.tls_config(tls).map_err(transport)?;
        }
        Ok(Self::with_channel(endpoint, builder.connect_lazy(), settings, policies))
    }

    /// A backend over a channel made elsewhere (e.g. an in-memory transport in tests).
    /// `endpoint` names the service in logs and picks its `card_services` block; TLS is the
    /// channel's business.
    pub fn with_channel(endpoint: &str, channel: Channel, settings: &Fanout, policies: &CardServicePolicies) -> Self {
        let policy = resolve(policies, endpoint, settings.service_deadline);
        let breaker = Arc::new(Breaker::new(policy.breaker_failures, policy.breaker_cooldown));
        let stack = card_call_stack(channel.clone(), &policy, breaker.clone());
        Self { endpoint: endpoint.into(), channel, policy, breaker, stack }
    }

    /// The call stack (cheap to clone; clones share the limit and the breaker).
    pub fn stack(&self) -> CardCallService {
        self.stack.clone()
    }

    /// The settings in force for this service.
    pub fn policy(&self) -> &CallPolicy {
        &self.policy
    }

    /// True while the service's circuit is open.
    pub fn circuit_open(&self) -> bool {
        self.breaker.is_open()
    }

    /// The configured endpoint, for logs.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A client over the shared channel (cheap).
    pub fn client(&self) -> CardServiceClient<Channel> {
        CardServiceClient::new(self.channel.clone())
    }
}

/// The configured card services, in configured order.
#[derive(Clone, Default)]
pub struct Backends(Arc<[Backend]>);

impl Backends {
    /// Builds one backend per endpoint.
    pub fn new(endpoints: &[String], settings: &Fanout, policies: &CardServicePolicies) -> Result<Self, BackendError> {
        let backends = endpoints.iter().map(|e| Backend::new(e, settings, policies)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self(backends.into()))
    }

    /// These backends, in this order.
    pub fn from_backends(backends: Vec<Backend>) -> Self {
        Self(backends.into())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&Backend> {
        self.0.get(index)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Backend> {
        self.0.iter()
    }
}
