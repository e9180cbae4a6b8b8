//! Orchestration unit tests: the whole request path (`app(state).oneshot(…)`, no socket)
//! in front of in-memory card services (tonic over `tokio::io::duplex`, one pipe per
//! connection, as in tonic's mock example). The same paths over real sockets are in the
//! `cardmesh-tests` crate.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cardmesh_gateway::config::{Config, Secret};
use cardmesh_gateway::fanout::{Backend, Backends};
use cardmesh_gateway::plain::parse_request;
use cardmesh_gateway::request::assemble::Source;
use cardmesh_gateway::telemetry::RequestSpanSlot;
use cardmesh_gateway::{app, http::admin_router, Asker, Gateway};
use cardmesh_proto as proto;
use cardmesh_proto::card_result::Outcome;
use cardmesh_proto::card_service_server::{CardService, CardServiceServer};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tonic::transport::{Endpoint, Server, Uri};
use tonic::{Request as GrpcRequest, Response as GrpcResponse, Status};
use tower::ServiceExt;

const SECRET: &str = "orchestration-secret";

/// What a fake card service answers for one key.
#[derive(Clone)]
enum Answer {
    Text(&'static str),
    NoData,
    Error(&'static str),
}

/// A card service in memory: its cards and answers; `unavailable` fails every `GetCards`
/// with `UNAVAILABLE`.
#[derive(Clone)]
struct FakeService {
    name: &'static str,
    cards: HashMap<&'static str, Answer>,
    unavailable: bool,
}

impl FakeService {
    fn new(name: &'static str, cards: &[(&'static str, Answer)]) -> Self {
        Self { name, cards: cards.iter().cloned().collect(), unavailable: false }
    }

    fn unavailable(mut self) -> Self {
        self.unavailable = true;
        self
    }
}

#[tonic::async_trait]
impl CardService for FakeService {
    async fn describe(
        &self,
        _: GrpcRequest<proto::DescribeRequest>,
    ) -> Result<GrpcResponse<proto::DescribeResponse>, Status> {
        let cards = self
            .cards
            .keys()
            .map(|key| proto::CardDefinition {
                key: (*key).into(),
                title: (*key).into(),
                default_ttl_seconds: 60,
                scope: 1,
            })
            .collect();
        Ok(GrpcResponse::new(proto::DescribeResponse { service_name: self.name.into(), cards, actions: vec![] }))
    }

    async fn get_cards(
        &self,
        request: GrpcRequest<proto::GetCardsRequest>,
    ) -> Result<GrpcResponse<proto::GetCardsResponse>, Status> {
        if self.unavailable {
            return Err(Status::unavailable("down for the test"));
        }
        let results = request
            .into_inner()
            .card_keys
            .into_iter()
            .map(|key| {
                let outcome = match self.cards.get(key.as_str()) {
                    Some(Answer::Text(text)) => Outcome::Components(proto::CardComponents {
                        components: vec![proto::Component {
                            component: Some(proto::component::Component::Text(proto::Text {
                                text: (*text).into(),
                                ..Default::default()
                            })),
                        }],
                    }),
                    Some(Answer::Error(reason)) => Outcome::Error(proto::CardError { reason: (*reason).into() }),
                    Some(Answer::NoData) | None => Outcome::NoData(proto::NoData {}),
                };
                proto::CardResult { key, time_to_live_seconds: None, outcome: Some(outcome) }
            })
            .collect();
        Ok(GrpcResponse::new(proto::GetCardsResponse { results }))
    }

    async fn run_action(
        &self,
        _: tonic::Request<proto::RunActionRequest>,
    ) -> Result<tonic::Response<proto::RunActionResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("this service runs no actions"))
    }
}

/// A channel to `service` over in-memory pipes: every connection gets a new duplex pipe
/// and its own server task.
fn in_memory_channel(service: FakeService) -> tonic::transport::Channel {
    let connector = tower::service_fn(move |_: Uri| {
        let service = service.clone();
        async move {
            let (client, server) = tokio::io::duplex(64 * 1024);
            tokio::spawn(
                Server::builder()
                    .add_service(CardServiceServer::new(service))
                    .serve_with_incoming(tokio_stream::once(Ok::<_, std::io::Error>(server))),
            );
            Ok::<_, std::io::Error>(TokioIo::new(client))
        }
    });
    Endpoint::from_static("http://in-memory.test").connect_with_connector_lazy(connector)
}

/// The service token of the [`gateway`]s here (card services: invalidation only).
const SERVICE_TOKEN: &str = "service-token-for-orchestration-tests";

/// A gateway (memory cache, service token [`SERVICE_TOKEN`]) in front of `services`, with
/// its routing table learned.
async fn gateway(services: Vec<FakeService>) -> Arc<Gateway> {
    let mut config = Config { signing_secrets: vec![Secret::new(SECRET)].into(), ..Config::default() };
    config.admin.service_token = Some(Secret::new(SERVICE_TOKEN));
    config.fanout.service_deadline = Duration::from_secs(2);
    let backends = services
        .into_iter()
        .map(|s| {
            let endpoint = format!("http://{}.test", s.name);
            Backend::with_channel(&endpoint, in_memory_channel(s), &config.fanout, &config.card_services)
        })
        .collect();
    let gateway = Gateway::with_backends(config, Backends::from_backends(backends)).expect("gateway");
    gateway.router().refresh().await;
    gateway
}

fn body(keys: &[&str]) -> String {
    serde_json::json!({ "cardKeys": keys, "customer": { "id": "c_1", "email": "ada@example.com", "externalId": "cus_1" } })
        .to_string()
}

fn signed(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .header("plain-workspace-id", "w_1")
        .header("plain-request-signature", cardmesh_gateway::verify::sign(SECRET, body.as_bytes()))
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// Status, `cardmesh-cache` header and JSON body of one request through `router`.
async fn send(router: axum::Router, request: Request<Body>) -> (StatusCode, String, serde_json::Value) {
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status();
    let cache = response.headers().get("cardmesh-cache").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {bytes:?}"));
    (status, cache, json)
}

fn billing() -> FakeService {
    FakeService::new("billing", &[("plan", Answer::Text("Pro")), ("invoice", Answer::Error("ledger down"))])
}

fn usage() -> FakeService {
    FakeService::new("usage", &[("usage", Answer::Text("42 seats")), ("quiet", Answer::NoData)])
}

#[tokio::test]
async fn one_card_per_key_in_request_order_then_from_the_cache() {
    let gateway = gateway(vec![billing(), usage()]).await;
    let keys = ["usage", "unknown-key", "plan", "quiet"];
    let (status, cache, json) = send(app(gateway.clone()), signed("/", &body(&keys))).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(cache, "hits=0, misses=3, stale=0");
    let cards = json["cards"].as_array().unwrap();
    let order: Vec<&str> = cards.iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(order, keys);
    assert_eq!(cards[0]["components"][0]["componentText"]["text"], "42 seats");
    assert!(cards[1]["components"].is_null(), "no service owns it: no data");
    assert!(cards[3]["components"].is_null(), "the service has no data");
    assert_eq!(cards[2]["components"][0]["componentText"]["text"], "Pro");

    if let Some(cache) = gateway.cache() {
        cache.flush().await;
    }
    let (status, cache, again) = send(app(gateway), signed("/cards", &body(&keys))).await;
    assert_eq!((status, cache.as_str()), (StatusCode::OK, "hits=3, misses=0, stale=0"));
    // The same cards, each carrying the lifetime it has left: never more than its TTL.
    let without_ttl = |mut answer: serde_json::Value| {
        let ttls: Vec<Option<u64>> = answer["cards"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .map(|card| card.as_object_mut().unwrap().remove("timeToLiveSeconds").and_then(|t| t.as_u64()))
            .collect();
        (answer, ttls)
    };
    let ((again, left), (first, ttls)) = (without_ttl(again), without_ttl(json));
    assert_eq!(again, first);
    for (left, ttl) in left.iter().zip(&ttls) {
        assert_eq!(left.is_some(), ttl.is_some(), "{left:?} / {ttl:?}");
        assert!(left <= ttl && *left != Some(0), "{left:?} left of {ttl:?}");
    }
}

#[tokio::test]
async fn a_reported_error_gets_the_fallback_card_and_only_unreachable_services_make_a_503() {
    let gateway = gateway(vec![billing(), usage().unavailable()]).await;
    let (status, _, json) = send(app(gateway.clone()), signed("/", &body(&["invoice", "plan"]))).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["cards"][0]["components"][0]["componentText"]["textColor"], "MUTED", "fallback: {json}");
    assert_eq!(json["cards"][1]["components"][0]["componentText"]["text"], "Pro");

    let (status, _, json) = send(app(gateway), signed("/", &body(&["usage", "quiet"]))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json["error"]["code"], "services_unavailable");
}

#[tokio::test]
async fn refusals_use_the_one_error_envelope() {
    let gateway = gateway(vec![billing()]).await;
    let mut unsigned = signed("/", &body(&["plan"]));
    unsigned.headers_mut().remove("plain-request-signature");
    let (status, _, json) = send(app(gateway.clone()), unsigned).await;
    assert_eq!((status, json["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("missing_signature")));

    let (status, _, json) = send(app(gateway.clone()), signed("/", r#"{"cardKeys":["plan"]}"#)).await;
    assert_eq!((status, json["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_field")), "{json}");
}

#[tokio::test]
async fn readyz_answers_not_ready_in_the_error_envelope_until_the_services_are_described() {
    let config = Config { signing_secrets: vec![Secret::new(SECRET)].into(), ..Config::default() };
    let backend = Backend::with_channel(
        "http://billing.test",
        in_memory_channel(billing()),
        &config.fanout,
        &config.card_services,
    );
    let gateway = Gateway::with_backends(config, Backends::from_backends(vec![backend])).unwrap();
    let get = || Request::get("/readyz").body(Body::empty()).unwrap();
    let (status, _, json) = send(app(gateway.clone()), get()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json["error"]["code"], "not_ready");
    assert_eq!(json["error"]["servicesNotDescribed"], 1);
    gateway.router().refresh().await;
    let (status, _, json) = send(app(gateway), get()).await;
    assert_eq!((status, json["cardKeys"].as_u64()), (StatusCode::OK, Some(2)));
}

#[tokio::test]
async fn invalidation_is_on_the_admin_router_only() {
    let gateway = gateway(vec![billing()]).await;
    let invalidate = |token: &str| {
        Request::post("/admin/invalidate")
            .header("host", "127.0.0.1")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(r#"{"customerId":"c_1"}"#))
            .unwrap()
    };
    let on_plain = app(gateway.clone()).oneshot(invalidate(SERVICE_TOKEN)).await.unwrap();
    assert_eq!(on_plain.status(), StatusCode::NOT_FOUND);
    let (status, _, json) = send(admin_router(gateway.clone()), invalidate("wrong")).await;
    assert_eq!((status, json["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_admin_token")));
    let (status, _, json) = send(admin_router(gateway), invalidate(SERVICE_TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["invalidated"]["cardKeys"], "all");
}

#[tokio::test]
async fn provenance_says_where_each_card_came_from() {
    let gateway = gateway(vec![billing(), usage()]).await;
    let text = body(&["plan", "invoice", "quiet", "nope"]);
    let (request, keys) = parse_request(text.as_bytes(), 10).unwrap();
    let headers = axum::http::HeaderMap::new();
    let span = RequestSpanSlot::new(&headers);
    let answer = gateway.answer_with_provenance(&request, &keys, "w_1", &span, false).await.unwrap();
    let provenance = answer.provenance.expect("asked for");
    let sources: Vec<Source> = provenance.iter().map(|p| p.source).collect();
    assert_eq!(
        sources,
        [Source::Fresh, Source::Fallback { reason: "service_error" }, Source::NoData, Source::UnknownKey]
    );
    // Named by its configured endpoint (http://billing.test), not by what it says it is.
    assert_eq!(provenance[0].service.as_deref(), Some("billing.test"));
    assert_eq!(provenance[3].service, None);
    assert!(provenance[0].call_latency.is_some() && provenance[3].call_latency.is_none());
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    for (entry, card) in provenance.iter().zip(body["cards"].as_array().unwrap()) {
        assert_eq!(entry.key, card["key"]);
        assert_eq!(entry.bytes, card.to_string().len());
    }

    // The preview never stores what it draws; Plain's path does.
    let flush = || async {
        if let Some(cache) = gateway.cache() {
            cache.flush().await;
        }
    };
    flush().await;
    let again = gateway.answer_with_provenance(&request, &keys, "w_1", &span, false).await.unwrap();
    assert_eq!(again.provenance.unwrap()[0].source, Source::Fresh);
    assert!(gateway.answer(&request, &keys, "w_1", &span, Asker::Plain).await.unwrap().provenance.is_none());
    flush().await;
    let cached = gateway.answer_with_provenance(&request, &keys, "w_1", &span, false).await.unwrap();
    assert_eq!(cached.provenance.unwrap()[0].source, Source::CacheHit);
}
