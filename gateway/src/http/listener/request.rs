//! Each request of a connection on its way to the router: the client's address as connect
//! info, the early `413` on a declared length over the limit, the body deadline, the
//! in-flight count the connection's watchdog reads, the listener's request count, and
//! `Connection: close` on HTTP/1.x answers once the listener drains ([`super::phase`]).
//!
//! Per request this costs a length comparison, four counter updates, a reference count, a
//! flag read and a body wrapper that allocates nothing unless the body is not there yet; no
//! timer, no clock read.

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::future::RouteFuture;
use axum::Router;
use futures::future::Either;
use http_body::Body as _;
use hyper::body::Incoming;
use hyper::Request;
use tower::Service as _;

use super::body::DeadlineBody;
use super::phase::{CountedRequest, ListenerControl};
use super::watchdog::{Activity, InFlight};
use crate::error::GatewayError;
use crate::http::ClientAddr;

/// What every request of one listener is held to.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// A body declared longer than this (`Content-Length`) is refused before it is read.
    pub max_body_bytes: usize,
    /// The whole body must arrive within this.
    pub body_read_timeout: Duration,
}

/// The requests of one connection (a hyper service, cloned per connection).
#[derive(Clone)]
pub struct Requests {
    router: Router,
    peer: ConnectInfo<ClientAddr>,
    limits: RequestLimits,
    activity: Arc<Activity>,
    control: ListenerControl,
}

impl Requests {
    pub fn new(
        router: Router,
        peer: ClientAddr,
        limits: RequestLimits,
        activity: Arc<Activity>,
        control: ListenerControl,
    ) -> Self {
        Self { router, peer: ConnectInfo(peer), limits, activity, control }
    }
}

impl hyper::service::Service<Request<Incoming>> for Requests {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let in_flight = InFlight::start(&self.activity);
        let counted = self.control.start_request();
        let http2 = request.version() >= Version::HTTP_2;
        self.activity.request_arrived(http2, counted.closing());
        let limit = self.limits.max_body_bytes;
        if request.body().size_hint().lower() > limit as u64 {
            // Answered before a byte of the body is read; hyper then closes the connection, as
            // the body is left unread.
            let refusal = crate::http::log_errors(GatewayError::PayloadTooLarge { limit }.into_response());
            return Answer { inner: Either::Left(ready(Ok(refusal))), http1: !http2, counted, _in_flight: in_flight };
        }
        let (mut parts, body) = request.into_parts();
        parts.extensions.insert(self.peer);
        let request = Request::from_parts(parts, DeadlineBody::new(body, self.limits.body_read_timeout));
        // `Router` is always ready, and cloning it clones an `Arc` (as `axum::serve` does).
        let inner = Either::Right(self.router.clone().call(request));
        Answer { inner, http1: !http2, counted, _in_flight: in_flight }
    }
}

/// The answer to one request; the request counts as in flight until it is ready or dropped.
pub struct Answer {
    inner: Either<Ready<Result<Response, Infallible>>, RouteFuture<Infallible>>,
    /// An HTTP/1.x request: its answer carries `Connection: close` once the listener drains
    /// (HTTP/2 has no such header; its connection gets a GOAWAY instead).
    http1: bool,
    counted: CountedRequest,
    _in_flight: InFlight,
}

impl Future for Answer {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let answer = std::task::ready!(Pin::new(&mut self.inner).poll(cx));
        // Decided when the answer is ready rather than when the request arrived, so that a
        // request that began before the drain closes its connection too.
        Poll::Ready(answer.map(|mut response| {
            if self.http1 && self.counted.closing() {
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }))
    }
}
