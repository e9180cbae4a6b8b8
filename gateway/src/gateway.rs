//! The gateway's shared state and the card-drawing path of one Plain request.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cardmesh_proto as proto;

use crate::config::Config;
use crate::error::GatewayError;
use crate::fanout::{call_services, Backends, CallFailure};
use crate::merge::{index_results, render_result, CardFailure, FallbackCards};
use crate::plain::{CardJson, CardKeys, CardRequest, ResponseBody};
use crate::route::{CardRouter, Lookup};
use crate::verify::SignatureVerifier;

/// Everything a request needs, built once at startup.
pub struct Gateway {
    config: Config,
    verifier: SignatureVerifier,
    router: Arc<CardRouter>,
    fallback: FallbackCards,
}

/// A configured service endpoint that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("services: cannot use endpoint: {0}")]
pub struct BackendError(#[from] tonic::transport::Error);

impl Gateway {
    /// Builds the gateway from a validated config. Services are connected lazily.
    pub fn new(config: Config) -> Result<Arc<Self>, BackendError> {
        let backends = Backends::new(&config.services, &config.fanout)?;
        let router = CardRouter::new(backends, config.discovery.clone());
        Ok(Arc::new(Self {
            verifier: SignatureVerifier::new(config.signing_secrets.clone(), config.allow_unsigned),
            fallback: FallbackCards::new(&config.fallback),
            router,
            config,
        }))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn verifier(&self) -> &SignatureVerifier {
        &self.verifier
    }

    pub fn router(&self) -> &Arc<CardRouter> {
        &self.router
    }

    /// Draws every requested card: one call per service, in parallel, then one card per key
    /// in request order. Answers 503 only when every card failed because its service was
    /// unreachable.
    pub async fn answer(
        &self,
        request: &CardRequest,
        keys: &CardKeys,
        workspace_id: &str,
    ) -> Result<String, GatewayError> {
        let table = self.router.table();

        // Group the routed keys by service, keeping request order inside each group.
        let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for key in keys.as_slice() {
            if let Lookup::Routed(info) = table.lookup(key) {
                groups.entry(info.service).or_default().push(key.clone());
            }
        }
        let calls = groups
            .into_iter()
            .map(|(service, card_keys)| (service, get_cards_request(request, card_keys, workspace_id)))
            .collect();
        let deadline = self.config.fanout.service_deadline.min(self.config.fanout.overall_budget);
        let answers = call_services(self.router.backends(), calls, deadline).await;
        let mut by_service: HashMap<usize, Result<HashMap<String, proto::CardResult>, CallFailure>> =
            answers
                .into_iter()
                .map(|a| (a.service, a.result.map(|r| index_results(r.results))))
                .collect();

        let mut cards = Vec::with_capacity(keys.as_slice().len());
        let mut unreachable = 0;
        for key in keys.as_slice() {
            let drawn = match table.lookup(key) {
                Lookup::Unknown => Ok(CardJson::new(key, None, None)),
                Lookup::Undiscovered => Err((CardFailure::Undiscovered, None)),
                Lookup::Routed(info) => match by_service.get_mut(&info.service) {
                    Some(Ok(results)) => render_result(info, results.remove(key).as_ref())
                        .map_err(|f| (f, Some(info))),
                    Some(Err(failure)) => Err((CardFailure::Call(failure.clone()), Some(info))),
                    None => Err((CardFailure::MissingResult, Some(info))),
                },
            };
            match drawn {
                Ok(card) => cards.push(card),
                Err((failure, info)) => {
                    unreachable += usize::from(failure.is_unreachable());
                    tracing::warn!(
                        card_key = %key,
                        service = info.map_or("-", |i| &*i.service_name),
                        reason = failure.code(),
                        detail = %failure,
                        "serving fallback card"
                    );
                    cards.push(self.fallback.card(key));
                }
            }
        }
        if !cards.is_empty() && unreachable == cards.len() {
            return Err(GatewayError::AllServicesUnavailable);
        }
        Ok(ResponseBody::build(&cards))
    }
}

fn get_cards_request(request: &CardRequest, card_keys: Vec<String>, workspace_id: &str) -> proto::GetCardsRequest {
    proto::GetCardsRequest {
        card_keys,
        workspace_id: workspace_id.to_owned(),
        customer: Some(proto::Customer {
            id: request.customer.id.clone(),
            email: request.customer.email.clone(),
            external_id: request.customer.external_id.clone(),
        }),
        thread: request.thread.as_ref().map(|t| proto::Thread {
            id: t.id.clone(),
            external_id: t.external_id.clone(),
        }),
        tenant: request.tenant.as_ref().map(|t| proto::Tenant {
            id: t.id.clone(),
            external_id: t.external_id.clone(),
        }),
    }
}
