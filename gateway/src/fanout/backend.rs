//! The card services the gateway talks to.

use std::sync::Arc;

use cardmesh_proto::card_service_client::CardServiceClient;
use tonic::transport::{Channel, Endpoint};

use crate::config::Fanout;

/// One card service: its endpoint and a lazily connected, reconnecting gRPC channel.
#[derive(Clone)]
pub struct Backend {
    endpoint: Arc<str>,
    channel: Channel,
}

impl Backend {
    /// A backend for `endpoint` (`http://host:port`). Nothing connects until the first call,
    /// so the gateway starts while services are still down.
    pub fn new(endpoint: &str, settings: &Fanout) -> Result<Self, tonic::transport::Error> {
        let channel = Endpoint::from_shared(endpoint.to_owned())?
            .connect_timeout(settings.connect_timeout)
            .tcp_nodelay(true)
            .connect_lazy();
        Ok(Self { endpoint: endpoint.into(), channel })
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
    pub fn new(endpoints: &[String], settings: &Fanout) -> Result<Self, tonic::transport::Error> {
        let backends = endpoints
            .iter()
            .map(|e| Backend::new(e, settings))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(backends.into()))
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
