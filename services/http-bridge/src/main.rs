//! The http-bridge card service: cards from existing Plain-protocol endpoints.

// mimalloc: a card answer is many small allocations (a string per field), so the allocator
// shows in every call (what glibc's cost: dev-docs/decisions/mimalloc.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use http_bridge::HttpBridge;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(HttpBridge::from_env()?).await
}
