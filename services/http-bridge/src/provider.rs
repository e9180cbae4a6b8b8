//! [`HttpBridge`]: the kit provider that answers `GetCards` from existing endpoints.

use std::collections::HashMap;

use cardmesh_kit::{Card, CardContext, CardProvider, CardSpec};
use cardmesh_telemetry::prometheus::core::Collector;
use futures::future::join_all;

use crate::config::BridgeConfig;
use crate::endpoint::EndpointClient;
use crate::metrics::BridgeMetrics;

/// Serves every configured key from its endpoint: one request per endpoint per `GetCards`,
/// with all of that endpoint's requested keys, endpoints called concurrently.
pub struct HttpBridge {
    service_name: String,
    endpoints: Vec<EndpointClient>,
    /// Key → index in `endpoints`.
    owners: HashMap<String, usize>,
    metrics: BridgeMetrics,
}

impl HttpBridge {
    /// A bridge for `config`. Fails only when an endpoint's HTTP client cannot be built
    /// (TLS setup).
    pub fn new(config: BridgeConfig) -> anyhow::Result<Self> {
        let metrics = BridgeMetrics::new();
        let owners =
            config.endpoints.iter().enumerate().flat_map(|(i, e)| e.keys.iter().map(move |k| (k.clone(), i))).collect();
        let endpoints = config
            .endpoints
            .into_iter()
            .map(|endpoint| {
                let counters = metrics.endpoint(&endpoint.name);
                EndpointClient::new(endpoint, counters)
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { service_name: config.service_name, endpoints, owners, metrics })
    }

    /// The bridge configured from the environment (see [`BridgeConfig::from_env`]).
    pub fn from_env() -> anyhow::Result<Self> {
        Self::new(BridgeConfig::from_env()?)
    }
}

#[tonic::async_trait]
impl CardProvider for HttpBridge {
    fn name(&self) -> &str {
        &self.service_name
    }

    fn cards(&self) -> Vec<CardSpec> {
        self.endpoints
            .iter()
            .flat_map(|endpoint| {
                let config = endpoint.config();
                config.keys.iter().map(move |key| {
                    CardSpec::new(key.clone(), format!("{key} (endpoint {})", config.name))
                        .ttl(config.default_ttl)
                        .scope(config.scope)
                })
            })
            .collect()
    }

    async fn card(&self, key: &str, ctx: &CardContext) -> Card {
        let keys = [key.to_owned()];
        self.get_cards(&keys, ctx).await.pop().map_or_else(|| Card::error("no answer for this key"), |(_, card)| card)
    }

    /// Groups `keys` by endpoint and calls each endpoint once. A key no endpoint owns gets
    /// [`Card::NoData`] (the gateway only asks for keys `Describe` announced).
    async fn get_cards(&self, keys: &[String], ctx: &CardContext) -> Vec<(String, Card)> {
        let mut batches: Vec<Vec<String>> = vec![Vec::new(); self.endpoints.len()];
        for key in keys {
            if let Some(&owner) = self.owners.get(key) {
                batches[owner].push(key.clone());
            }
        }
        let calls = self
            .endpoints
            .iter()
            .zip(&batches)
            .filter(|(_, batch)| !batch.is_empty())
            .map(|(endpoint, batch)| endpoint.fetch(batch, ctx));
        let mut answers: HashMap<String, Card> = join_all(calls).await.into_iter().flatten().collect();
        keys.iter().map(|key| (key.clone(), answers.remove(key).unwrap_or(Card::NoData))).collect()
    }

    fn metrics(&self) -> Vec<Box<dyn Collector>> {
        self.metrics.collectors()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use cardmesh_kit::Scope;

    use super::*;
    use crate::config::{RawConfig, RawEndpoint, RawScope};

    #[test]
    fn describe_announces_every_key_with_its_endpoints_scope_and_ttl() {
        let mut orders = RawEndpoint::new("orders", "http://orders.internal/", vec!["a".into(), "b".into()]);
        orders.scope = RawScope::Tenant;
        orders.default_ttl = Duration::from_secs(42);
        let plans = RawEndpoint::new("plans", "https://plans.example.com/", vec!["c".into()]);
        let raw = RawConfig { service_name: None, endpoint: vec![orders, plans] };
        let config = BridgeConfig::from_raw(raw, &|_| None, &|_| Err(std::io::Error::other("none"))).expect("valid");
        let bridge = HttpBridge::new(config).expect("bridge");
        assert_eq!(bridge.name(), "http-bridge");
        let cards: Vec<(String, Scope, Duration)> =
            bridge.cards().into_iter().map(|c| (c.key, c.scope, c.default_ttl)).collect();
        assert_eq!(
            cards,
            [
                ("a".to_string(), Scope::Tenant, Duration::from_secs(42)),
                ("b".to_string(), Scope::Tenant, Duration::from_secs(42)),
                ("c".to_string(), Scope::Customer, Duration::from_secs(300)),
            ]
        );
        assert_eq!(bridge.metrics().len(), 2, "the endpoint families go to the kit's registry");
    }
}
