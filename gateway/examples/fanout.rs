//! The benchmark's anchor for cache misses: a minimal fan-out over gRPC.
//!
//! - `fanout cards <answer file> <first> <count> <listen>`: a minimal tonic server whose one
//!   unary method answers, as bytes, cards `first..first+count` of the gateway's rendered
//!   answer (its `cards` array), joined by commas, whatever it is asked.
//! - `fanout front <signing secret> <listen> <card server URL>...`: axum; checks Plain's
//!   signature with the gateway's own `SignatureVerifier` (401 otherwise), calls every card
//!   server at once (one unary call each, on one tonic channel per server), and answers `{"cards":[` + their answers joined by commas +
//!   `]}`: the gateway's exact bytes when the servers split the answer's cards in order.
//!
//! It does the least a fan-out needs, with the gateway's runtime flavour, HTTP stack and gRPC
//! library at their defaults. Used by `cargo xtask bench`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use cardmesh_gateway::config::Secret;
use cardmesh_gateway::verify::SignatureVerifier;
use tonic::transport::{Channel, Endpoint, Server};

/// The card servers' request: nothing.
#[derive(Clone, PartialEq, prost::Message)]
struct Ask {}

/// The card servers' answer: rendered card JSON.
#[derive(Clone, PartialEq, prost::Message)]
struct Cards {
    #[prost(bytes = "bytes", tag = "1")]
    json: Bytes,
}

const PATH: &str = "/cardmesh.bench.Cards/Get";

/// A card server: every call is answered with the same cards.
#[derive(Clone)]
struct CardServer(Bytes);

impl tonic::server::NamedService for CardServer {
    const NAME: &'static str = "cardmesh.bench.Cards";
}

struct Answer(Bytes);

impl tonic::server::UnaryService<Ask> for Answer {
    type Response = Cards;
    type Future = std::future::Ready<Result<tonic::Response<Cards>, tonic::Status>>;
    fn call(&mut self, _: tonic::Request<Ask>) -> Self::Future {
        std::future::ready(Ok(tonic::Response::new(Cards { json: self.0.clone() })))
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl tower::Service<http::Request<tonic::body::Body>> for CardServer {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let cards = self.0.clone();
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::<Cards, Ask>::default());
            Ok(grpc.unary(Answer(cards), request).await)
        })
    }
}

/// Cards `first..first+count` of a rendered answer, as raw JSON joined by commas.
fn slice_of(answer: &[u8], first: usize, count: usize) -> Result<Bytes, String> {
    #[derive(serde::Deserialize)]
    struct Rendered<'a> {
        #[serde(borrow)]
        cards: Vec<&'a serde_json::value::RawValue>,
    }
    let rendered: Rendered = serde_json::from_slice(answer).map_err(|e| format!("not a gateway answer: {e}"))?;
    let cards = rendered.cards.get(first..first + count).ok_or("the answer has fewer cards")?;
    Ok(Bytes::from(cards.iter().map(|c| c.get()).collect::<Vec<_>>().join(",")))
}

struct Front {
    /// The gateway's own signature check, with the one secret.
    verifier: SignatureVerifier,
    backends: Vec<Channel>,
}

async fn ask(channel: Channel) -> Result<Bytes, tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let codec = tonic_prost::ProstCodec::<Ask, Cards>::default();
    let path = http::uri::PathAndQuery::from_static(PATH);
    Ok(grpc.unary(tonic::Request::new(Ask {}), path, codec).await?.into_inner().json)
}

async fn handle(State(front): State<Arc<Front>>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers.get("plain-request-signature").map(|v| v.as_bytes());
    if front.verifier.verify("", signature, &body).is_err() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let answers = futures::future::join_all(front.backends.iter().cloned().map(ask)).await;
    let mut out = Vec::with_capacity(answers.iter().map(|a| a.as_ref().map_or(0, Bytes::len) + 1).sum::<usize>() + 11);
    out.extend_from_slice(b"{\"cards\":[");
    for (i, answer) in answers.into_iter().enumerate() {
        match answer {
            Ok(cards) => {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(&cards);
            }
            Err(status) => return (StatusCode::BAD_GATEWAY, status.message().to_owned()).into_response(),
        }
    }
    out.extend_from_slice(b"]}");
    ([(header::CONTENT_TYPE, "application/json")], out).into_response()
}

async fn run(args: &[String]) -> Result<(), String> {
    match args {
        [mode, file, first, count, listen] if mode == "cards" => {
            let answer = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
            let first = first.parse().map_err(|_| "<first> is not a number")?;
            let count = count.parse().map_err(|_| "<count> is not a number")?;
            let cards = slice_of(&answer, first, count)?;
            let addr = listen.parse().map_err(|e| format!("{listen}: {e}"))?;
            eprintln!("fanout: {} bytes of cards on grpc://{listen}", cards.len());
            Server::builder().add_service(CardServer(cards)).serve(addr).await.map_err(|e| e.to_string())
        }
        [mode, secret, listen, urls @ ..] if mode == "front" && !urls.is_empty() => {
            let mut backends = Vec::new();
            for url in urls {
                let endpoint = Endpoint::from_shared(url.clone()).map_err(|e| format!("{url}: {e}"))?;
                backends.push(endpoint.connect().await.map_err(|e| format!("cannot connect to {url}: {e}"))?);
            }
            let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("{listen}: {e}"))?;
            eprintln!("fanout: {} card servers behind http://{listen}/", backends.len());
            let front = Arc::new(Front {
                verifier: SignatureVerifier::new(vec![Secret::new(secret.as_str())], false),
                backends,
            });
            let app = Router::new().route("/", post(handle)).with_state(front);
            axum::serve(listener, app).await.map_err(|e| e.to_string())
        }
        _ => Err("usage: fanout cards <answer file> <first> <count> <listen>\n       \
                  fanout front <signing secret> <listen> <card server URL>..."
            .into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fanout: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fanout: {e}");
            ExitCode::from(2)
        }
    }
}
