//! The accounts card service: `customer-details`.

use accounts_service::AccountsCards;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(AccountsCards::from_env()?).await
}
