//! The gateway process from its first request to its exit: both listeners serve until SIGTERM
//! or Ctrl-C, then the gateway stops in phases, each logged once:
//!
//! 1. **received**: `/readyz` answers 503 `shutting_down` at once, so the load balancer and
//!    Kubernetes' endpoints stop sending new requests;
//! 2. **draining** for `shutdown.drain_period`: the Plain listener still accepts and serves
//!    everything that arrives while they catch up; answers ask clients to reconnect
//!    (`Connection: close`, HTTP/2 GOAWAY; see [`super::listener::phase`]). `0s` skips it;
//! 3. **stopped accepting**: new connections are refused; the requests in flight have
//!    `shutdown.grace_period` to finish, then the connections still open are closed;
//! 4. **exited**, with the number of requests completed since the signal. The admin listener
//!    stops last, so `/metrics` stays readable until then.
//!
//! A second signal ends the current phase at once (a second Ctrl-C need not wait for the
//! drain).

use std::io;
use std::sync::Arc;
use std::time::SystemTime;

use futures::{Stream, StreamExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::admin::serve_admin_controlled;
use super::listener::ListenerControl;
use super::server::serve_controlled;
use crate::gateway::Gateway;

/// How a shutdown went: the figures of its last log line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Requests of the Plain listener answered after the first signal (`/readyz` polls
    /// included).
    pub requests_completed: u64,
    /// Requests still in flight when the grace period ended; their connections were closed.
    pub requests_cut: u64,
}

/// SIGTERM and SIGINT (Ctrl-C) as a stream of their names. Create it before the listeners
/// bind: from then on a signal is never met by the default action (exit at once, without a
/// drain).
#[cfg(unix)]
pub fn os_signals() -> io::Result<impl Stream<Item = &'static str> + Send + Unpin> {
    use tokio::signal::unix::{signal, SignalKind};
    let named = |kind, name: &'static str| -> io::Result<_> {
        let signals = signal(kind)?;
        Ok(Box::pin(futures::stream::unfold(signals, move |mut signals| async move {
            signals.recv().await.map(|()| (name, signals))
        })))
    };
    Ok(futures::stream::select(named(SignalKind::terminate(), "SIGTERM")?, named(SignalKind::interrupt(), "SIGINT")?))
}

/// Ctrl-C as a stream (no SIGTERM outside Unix).
#[cfg(not(unix))]
pub fn os_signals() -> io::Result<impl Stream<Item = &'static str> + Send + Unpin> {
    Ok(Box::pin(futures::stream::unfold((), |()| async {
        tokio::signal::ctrl_c().await.ok().map(|()| ("Ctrl-C", ()))
    })))
}

/// Serves `gateway` on `plain` (Plain's requests) and `admin` (the admin listener) until the
/// first of `signals`, then stops as the [module](self) describes and returns how it went.
/// A stream that ends sends no further signal.
pub async fn run(
    gateway: Arc<Gateway>,
    plain: TcpListener,
    admin: TcpListener,
    mut signals: impl Stream<Item = &'static str> + Unpin,
) -> io::Result<Stopped> {
    let settings = gateway.config().shutdown.clone();
    let (plain_control, admin_control) = (ListenerControl::new(), ListenerControl::new());
    // Both listeners run as tasks of their own, so that they keep accepting while this one
    // waits out the phases; dropping `run` stops them.
    let mut admin_served =
        Listener(tokio::spawn(serve_admin_controlled(gateway.clone(), admin, admin_control.clone())));
    let mut served = Listener(tokio::spawn(serve_controlled(gateway.clone(), plain, plain_control.clone())));

    // 1. Serving, until the first signal.
    let signal = tokio::select! {
        result = served.finished() => {
            // The listener never stops by itself; this is a failure to report.
            admin_control.cut();
            result?;
            return Err(io::Error::other("the Plain listener stopped without a shutdown signal"));
        }
        signal = next_signal(&mut signals) => signal,
    };
    let before = plain_control.requests();
    gateway.begin_shutdown();
    tracing::info!(signal, "shutdown signal received: /readyz answers 503 shutting_down from now on");

    // 2. Draining.
    let drain = settings.drain_period;
    if drain.is_zero() {
        tracing::info!("no drain (shutdown.drain_period is 0s): the listener stops accepting now");
    } else {
        plain_control.drain();
        let until = humantime::format_rfc3339_seconds(SystemTime::now() + drain);
        tracing::info!(
            drain_period = %humantime::format_duration(drain),
            %until,
            "draining until {until}: new connections are still accepted and served, answers ask clients to reconnect"
        );
        tokio::select! {
            () = tokio::time::sleep(drain) => {}
            signal = next_signal(&mut signals) => {
                tracing::info!(signal, "another shutdown signal: the drain ends now");
            }
        }
    }

    // 3. Stopped accepting; the requests in flight finish within the grace period.
    plain_control.stop_accepting();
    let grace = settings.grace_period;
    let deadline = Instant::now() + grace;
    tracing::info!(
        in_flight = plain_control.requests().in_flight(),
        grace_period = %humantime::format_duration(grace),
        "stopped accepting connections: new ones are refused; the requests in flight are finishing"
    );
    let finished = tokio::select! {
        result = served.finished() => Ok(result),
        () = tokio::time::sleep_until(deadline) => Err("the grace period (shutdown.grace_period) is over"),
        _ = next_signal(&mut signals) => Err("another shutdown signal"),
    };
    let (result, requests_cut) = match finished {
        Ok(result) => (result, 0),
        Err(reason) => {
            let requests_cut = plain_control.requests().in_flight();
            tracing::warn!(requests_cut, "{reason}: closing the connections still open");
            plain_control.cut();
            (served.finished().await, requests_cut)
        }
    };

    // 4. The admin listener last, so that /metrics was readable until now; then exit.
    admin_control.stop_accepting();
    let admin_result = tokio::select! {
        result = admin_served.finished() => result,
        () = tokio::time::sleep_until(deadline) => {
            admin_control.cut();
            admin_served.finished().await
        }
    };
    let after = plain_control.requests();
    let requests_completed = (after.finished - before.finished).saturating_sub(requests_cut);
    tracing::info!(requests_completed, requests_cut, "shutdown complete, exiting");
    result?;
    admin_result?;
    Ok(Stopped { requests_completed, requests_cut })
}

/// A listener's task; aborted when dropped (when `run` returns early or is dropped).
struct Listener(JoinHandle<io::Result<()>>);

impl Listener {
    /// Waits until the listener returns; a panic of its task is an error.
    async fn finished(&mut self) -> io::Result<()> {
        match (&mut self.0).await {
            Ok(result) => result,
            Err(error) => Err(io::Error::other(format!("the listener's task failed: {error}"))),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The next signal; never, once the stream has ended.
async fn next_signal(signals: &mut (impl Stream<Item = &'static str> + Unpin)) -> &'static str {
    match signals.next().await {
        Some(signal) => signal,
        None => std::future::pending().await,
    }
}
