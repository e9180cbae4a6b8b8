//! The billing card service: `subscription-status` and `latest-invoice`.

use billing_service::BillingCards;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(BillingCards::from_env()?).await
}
