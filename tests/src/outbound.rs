//! Servers on real sockets (127.0.0.1, port 0) for the tests of the gateway's and the kits'
//! outbound calls: a redirect to a server that counts the requests it gets, and answers larger
//! than a client should read.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A server answering every request with `response()`, until dropped.
pub struct LocalServer {
    pub url: String,
    hits: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl LocalServer {
    /// Serves `response` for every method and path; counts the requests.
    pub async fn start(response: impl Fn() -> Response + Clone + Send + Sync + 'static) -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        let router = Router::new().fallback(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            let response = response.clone();
            async move { response() }
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind local server");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { url, hits, task }
    }

    /// A server that answers `200 {"data":{}}` and counts what reaches it: the target of a
    /// redirect that must never be followed.
    pub async fn recording() -> Self {
        Self::start(|| json_response(StatusCode::OK, Body::from(r#"{"data":{},"invalidated":{}}"#))).await
    }

    /// A server answering `302 Found` to `location`.
    pub async fn redirecting_to(location: &str) -> Self {
        let location = location.to_owned();
        Self::start(move || {
            Response::builder()
                .status(StatusCode::FOUND)
                .header(header::LOCATION, location.clone())
                .body(Body::empty())
                .expect("a redirect")
        })
        .await
    }

    /// A server answering `200` with a JSON string of `bytes` bytes, with a `Content-Length`
    /// when `declared`, else chunked (so only reading tells the size).
    pub async fn answering_bytes(bytes: usize, declared: bool) -> Self {
        Self::start(move || {
            let text = format!("\"{}\"", "x".repeat(bytes.saturating_sub(2)));
            let body = if declared {
                Body::from(text)
            } else {
                let chunks: Vec<Result<String, std::io::Error>> =
                    text.as_bytes().chunks(16 * 1024).map(|c| Ok(String::from_utf8_lossy(c).into_owned())).collect();
                Body::from_stream(futures::stream::iter(chunks))
            };
            json_response(StatusCode::OK, body)
        })
        .await
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn json_response(status: StatusCode, body: Body) -> Response {
    Response::builder().status(status).header(header::CONTENT_TYPE, "application/json").body(body).expect("a response")
}
