//! The accounts card service: `customer-details`.

// mimalloc: a card answer is many small allocations (a string per field), and glibc's
// malloc and free were a fifth of each call's instructions.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use accounts_service::AccountsCards;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(AccountsCards::from_env()?).await
}
