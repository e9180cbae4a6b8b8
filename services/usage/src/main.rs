//! The usage card service: `usage`.

// mimalloc: a card answer is many small allocations (a string per field), and glibc's
// malloc and free were a fifth of each call's instructions.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use usage_service::UsageCards;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(UsageCards::from_env()?).await
}
