//! The http-bridge card service on real sockets, for tests: gRPC on 127.0.0.1:0 and its
//! metrics listener on another port.

use http_bridge::config::RawConfig;
use http_bridge::{BridgeConfig, HttpBridge};
use tokio::net::TcpListener;

use crate::RunningService;

/// A running bridge: the card service plus `GET /metrics`.
pub struct RunningBridge {
    pub service: RunningService,
    metrics_url: String,
}

impl RunningBridge {
    /// Serves a bridge for `config` with its metrics listener.
    pub async fn start(config: BridgeConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind bridge");
        let metrics = TcpListener::bind("127.0.0.1:0").await.expect("bind metrics");
        let metrics_url = format!("http://{}/metrics", metrics.local_addr().expect("addr"));
        let bridge = HttpBridge::new(config).expect("bridge");
        let service = RunningService::start_with(listener, move |listener, shutdown| {
            cardmesh_kit::serve_on_with_metrics(bridge, listener, metrics, shutdown)
        });
        Self { service, metrics_url }
    }

    /// The gRPC endpoint, for the gateway's services.
    pub fn endpoint(&self) -> String {
        self.service.endpoint()
    }

    /// The metrics text.
    pub async fn metrics(&self) -> String {
        reqwest::get(&self.metrics_url).await.expect("metrics").text().await.expect("text")
    }
}

/// Checks `raw` as the bridge does at startup (no environment variables; files from disk).
pub fn checked(raw: RawConfig) -> BridgeConfig {
    BridgeConfig::from_raw(raw, &|_| None, &|path| std::fs::read_to_string(path)).expect("valid bridge config")
}
