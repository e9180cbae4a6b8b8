//! The benchmark's anchor for cache hits read from Redis: a minimal axum server that checks
//! Plain's signature, reads one Redis key holding the gateway's exact answer, and answers it.
//!
//! It does the least a Redis-backed answer needs: read the body, verify the HMAC-SHA256 of
//! `Plain-Request-Signature` over it with the gateway's own `SignatureVerifier` (401
//! otherwise), one `GET` on one multiplexed connection, `200` with `Content-Type:
//! application/json`. Same runtime flavour and HTTP stack as the gateway. Used by `cargo xtask bench`, which stores the answer under the key.
//!
//! ```sh
//! cargo build --release -p cardmesh-gateway --example redis_lookup
//! target/release/examples/redis_lookup redis://127.0.0.1:6379/0 bench:answer SECRET 127.0.0.1:18091
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use cardmesh_gateway::config::Secret;
use cardmesh_gateway::verify::SignatureVerifier;
use redis::aio::MultiplexedConnection;

struct Anchor {
    redis: MultiplexedConnection,
    key: String,
    /// The gateway's own signature check, with the one secret.
    verifier: SignatureVerifier,
}

async fn handle(State(anchor): State<Arc<Anchor>>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers.get("plain-request-signature").map(|v| v.as_bytes());
    if anchor.verifier.verify("", signature, &body).is_err() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut redis = anchor.redis.clone();
    match redis::cmd("GET").arg(&anchor.key).query_async::<Option<Vec<u8>>>(&mut redis).await {
        Ok(Some(answer)) => ([(header::CONTENT_TYPE, "application/json")], answer).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "the answer key is not in Redis").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, key, secret, listen] = args.as_slice() else {
        eprintln!("usage: redis_lookup <redis url> <answer key> <signing secret> <listen address>");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("redis_lookup: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let redis = match redis::Client::open(url.as_str()) {
            Ok(client) => client.get_multiplexed_async_connection().await,
            Err(e) => Err(e),
        };
        let redis = match redis {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("redis_lookup: cannot connect to {url}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("redis_lookup: cannot listen on {listen}: {e}");
                return ExitCode::FAILURE;
            }
        };
        eprintln!("redis_lookup: GET {key} on http://{listen}/");
        let anchor = Arc::new(Anchor {
            redis,
            key: key.clone(),
            verifier: SignatureVerifier::new(vec![Secret::new(secret.as_str())], false),
        });
        let app = Router::new().route("/", post(handle)).with_state(anchor);
        match axum::serve(listener, app).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("redis_lookup: server error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
