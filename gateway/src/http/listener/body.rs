//! The deadline on reading a request's body (`server.body_read_timeout`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The error a request body gives once its deadline has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request body did not arrive within {}", humantime::format_duration(*.0))]
pub struct BodyTimeout(pub Duration);

impl BodyTimeout {
    /// The deadline `error` or one of its sources ran into, if any: how a handler tells a
    /// body that came too slowly from one that could not be read.
    pub fn find(error: &(dyn std::error::Error + 'static)) -> Option<BodyTimeout> {
        let mut next = Some(error);
        while let Some(error) = next {
            if let Some(timeout) = error.downcast_ref::<BodyTimeout>() {
                return Some(*timeout);
            }
            next = error.source();
        }
        None
    }
}

/// A request body that must arrive in full within `limit`, counted from the first time it
/// was polled and not ready: a body already received with its head (Plain's, which is a few
/// hundred bytes) never starts a timer.
pub struct DeadlineBody<B> {
    inner: B,
    limit: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<B> DeadlineBody<B> {
    pub fn new(inner: B, limit: Duration) -> Self {
        Self { inner, limit, deadline: None }
    }
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|frame| frame.map_err(Into::into))),
            Poll::Pending => {
                let limit = this.limit;
                let deadline = this.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                match deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout(limit))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use axum::extract::{FromRequest, Request};
    use futures::StreamExt;
    use http_body_util::{BodyExt, StreamBody};

    use super::*;

    /// A body that sends `first` and then nothing, ever.
    fn stalled(first: &'static [u8]) -> impl Body<Data = Bytes, Error = Infallible> + Unpin {
        let frames = futures::stream::iter([Ok::<_, Infallible>(Frame::data(Bytes::from_static(first)))])
            .chain(futures::stream::pending());
        StreamBody::new(Box::pin(frames))
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_fails_after_its_deadline_and_the_extractor_says_so() {
        let limit = Duration::from_secs(5);
        let started = tokio::time::Instant::now();
        let body = DeadlineBody::new(stalled(b"{\"cardKeys\":"), limit);
        let request = Request::new(axum::body::Body::new(body));
        let rejection = Bytes::from_request(request, &()).await.expect_err("the body never ends");
        assert!(started.elapsed() >= limit);
        assert_eq!(BodyTimeout::find(&rejection), Some(BodyTimeout(limit)));
        assert_eq!(BodyTimeout(limit).to_string(), "the request body did not arrive within 5s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_is_there_passes_untouched_and_other_errors_are_not_timeouts() {
        let body = DeadlineBody::new(http_body_util::Full::new(Bytes::from_static(b"{}")), Duration::from_secs(1));
        assert_eq!(body.size_hint().exact(), Some(2));
        assert_eq!(body.collect().await.unwrap().to_bytes(), Bytes::from_static(b"{}"));
        let other: BoxError = "connection reset".into();
        assert_eq!(BodyTimeout::find(&*other), None);
    }
}
