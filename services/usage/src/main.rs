//! The usage card service: `usage`.

// mimalloc: a card answer is many small allocations (a string per field), so the allocator
// shows in every call (what glibc's cost: dev-docs/decisions/mimalloc.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use usage_service::UsageCards;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(UsageCards::from_env()?).await
}
