//! The benchmark's ceiling: a minimal axum server that answers `POST /` with fixed bytes.
//!
//! It does the least any HTTP server must do for the gateway's request (read the whole
//! body, answer `200` with `Content-Type: application/json`), on the same runtime flavour
//! as the gateway (tokio multi-thread) and with the same HTTP stack (axum/hyper). Comparing
//! the gateway with it on the same machine, in the same run, tells what the gateway's own
//! work costs. Used by `cargo xtask bench`.
//!
//! ```sh
//! cargo build --release -p cardmesh-gateway --example static_answer
//! target/release/examples/static_answer answer.json 127.0.0.1:18090
//! ```

use std::process::ExitCode;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::routing::post;
use axum::Router;

async fn handle(State(answer): State<Bytes>, body: Bytes) -> ([(header::HeaderName, &'static str); 1], Bytes) {
    // Reading the body is part of the minimum; keep the compiler from dropping it.
    std::hint::black_box(body.len());
    ([(header::CONTENT_TYPE, "application/json")], answer)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(listen)) = (args.next(), args.next()) else {
        eprintln!("usage: static_answer <answer file> <listen address, e.g. 127.0.0.1:18090>");
        return ExitCode::from(2);
    };
    let answer = match std::fs::read(&file) {
        Ok(bytes) => Bytes::from(bytes),
        Err(e) => {
            eprintln!("static_answer: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("static_answer: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("static_answer: cannot listen on {listen}: {e}");
                return ExitCode::FAILURE;
            }
        };
        eprintln!("static_answer: {} bytes on http://{listen}/", answer.len());
        let app = Router::new().route("/", post(handle)).with_state(answer);
        match axum::serve(listener, app).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("static_answer: server error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
