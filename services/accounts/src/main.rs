//! The accounts card service: `customer-details`.

// mimalloc: a card answer is many small allocations (a string per field), so the allocator
// shows in every call (what glibc's cost: dev-docs/decisions/mimalloc.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use accounts_service::AccountsCards;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(AccountsCards::from_env()?).await
}
