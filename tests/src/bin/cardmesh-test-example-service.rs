//! One of the Rust example services (embedded fixtures) as a process of its own, through the
//! kit's real entry point (`cardmesh_kit::serve`), so that a test can kill it with SIGKILL and
//! start it again on the same port: the reliability suite does.
//!
//! Environment: `CARDMESH_TEST_EXAMPLE_SERVICE` = `billing`, `usage` or `accounts`, and the
//! kit's own variables (`CARDMESH_SERVICE_LISTEN`, `RUST_LOG`, ...).

use anyhow::bail;

/// Names the example service to run.
const SERVICE_ENV: &str = "CARDMESH_TEST_EXAMPLE_SERVICE";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::var(SERVICE_ENV).as_deref() {
        Ok("billing") => cardmesh_kit::serve(billing_service::BillingCards::embedded()).await,
        Ok("usage") => cardmesh_kit::serve(usage_service::UsageCards::embedded()).await,
        Ok("accounts") => cardmesh_kit::serve(accounts_service::AccountsCards::embedded()).await,
        other => bail!("{SERVICE_ENV} is {other:?}; set it to billing, usage or accounts"),
    }
}
