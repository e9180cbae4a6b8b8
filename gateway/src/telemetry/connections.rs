//! The connection metrics of both listeners, labelled `listener="plain"` or `"admin"`.
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `cardmesh_connections_open` | gauge | `listener` |
//! | `cardmesh_connections_accepted_total` | counter | `listener` |
//! | `cardmesh_connection_limit_reached_total` | counter | `listener`: times every one of `server.max_connections` slots was taken, so the listener stopped accepting |
//! | `cardmesh_connections_cut_total` | counter | `listener`, `reason`: `header_timeout`, `idle_timeout`, `write_stalled`, `tls_handshake`, `shutdown` (still open when the shutdown's grace period ended) |

use cardmesh_telemetry::prometheus::core::Collector;
use cardmesh_telemetry::prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts};

/// The connection metrics of one gateway.
#[derive(Clone)]
pub struct ConnectionMetrics {
    open: IntGaugeVec,
    accepted: IntCounterVec,
    limit_reached: IntCounterVec,
    cut: IntCounterVec,
}

impl Default for ConnectionMetrics {
    fn default() -> Self {
        let opts = Opts::new;
        Self {
            open: IntGaugeVec::new(opts("cardmesh_connections_open", "Open connections, by listener."), &["listener"])
                .expect("valid gauge"),
            accepted: IntCounterVec::new(
                opts("cardmesh_connections_accepted_total", "Connections accepted, by listener."),
                &["listener"],
            )
            .expect("valid counter"),
            limit_reached: IntCounterVec::new(
                opts(
                    "cardmesh_connection_limit_reached_total",
                    "Times all server.max_connections slots were taken, so the listener stopped accepting \
                     (new connections wait in the kernel's accept queue).",
                ),
                &["listener"],
            )
            .expect("valid counter"),
            cut: IntCounterVec::new(
                opts(
                    "cardmesh_connections_cut_total",
                    "Connections closed for a slow or silent client, a failed TLS handshake, or the end of the shutdown's \
                     grace period, by reason.",
                ),
                &["listener", "reason"],
            )
            .expect("valid counter"),
        }
    }
}

impl ConnectionMetrics {
    /// The collectors to register.
    pub fn collectors(&self) -> [Box<dyn Collector>; 4] {
        [
            Box::new(self.open.clone()),
            Box::new(self.accepted.clone()),
            Box::new(self.limit_reached.clone()),
            Box::new(self.cut.clone()),
        ]
    }

    /// The metrics of the listener named `listener` (`plain` or `admin`).
    pub fn listener(&self, listener: &'static str) -> ListenerMetrics {
        ListenerMetrics {
            listener,
            open: self.open.with_label_values(&[listener]),
            accepted: self.accepted.with_label_values(&[listener]),
            limit_reached: self.limit_reached.with_label_values(&[listener]),
            cut: self.cut.clone(),
        }
    }
}

/// The connection metrics of one listener, with its label already looked up.
#[derive(Clone)]
pub struct ListenerMetrics {
    listener: &'static str,
    open: IntGauge,
    accepted: IntCounter,
    limit_reached: IntCounter,
    cut: IntCounterVec,
}

impl ListenerMetrics {
    /// The listener's name, as in the `listener` label.
    pub fn listener(&self) -> &'static str {
        self.listener
    }

    /// A connection was accepted.
    pub fn opened(&self) {
        self.accepted.inc();
        self.open.inc();
    }

    /// A connection closed.
    pub fn closed(&self) {
        self.open.dec();
    }

    /// Every connection slot is taken: the listener stops accepting until one closes.
    pub fn limit_reached(&self) {
        self.limit_reached.inc();
    }

    /// A connection was cut for `reason`.
    pub fn cut(&self, reason: &str) {
        self.cut.with_label_values(&[self.listener, reason]).inc();
    }
}
