//! The usage card service: `usage`.

use usage_service::UsageCards;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cardmesh_kit::serve(UsageCards::from_env()?).await
}
