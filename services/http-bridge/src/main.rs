//! The http-bridge card service: cards from existing Plain-protocol endpoints.

use http_bridge::HttpBridge;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(HttpBridge::from_env()?).await
}
