//! The billing card service: `subscription-status` and `latest-invoice`.
//!
//! With `CARDMESH_FIXTURES` set, the file is read again every second; when it changes, the
//! changed customers are reported to the gateway (`CARDMESH_SERVICE_GATEWAY_ADMIN_URL` and
//! `CARDMESH_SERVICE_GATEWAY_ADMIN_TOKEN`; nothing is reported while they are unset).
//!
//! Runs the `extend-trial` action; `BILLING_EXTEND_TRIAL_WORKFLOW_KEY` is the workflow key of
//! the subscription card's "Extend trial" button (default `extend-trial`).

// mimalloc: a card answer is many small allocations (a string per field), so the allocator
// shows in every call (what glibc's cost: dev-docs/decisions/mimalloc.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Duration;

use billing_service::{watch_fixture, BillingCards};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cards = BillingCards::from_env()?;
    if let Some(path) = std::env::var_os(cardmesh_kit::FIXTURES_ENV).filter(|p| !p.is_empty()) {
        let invalidator = cardmesh_kit::Invalidator::from_env();
        tokio::spawn(watch_fixture(cards.clone(), path.into(), Duration::from_secs(1), invalidator));
    }
    cardmesh_kit::serve(cards).await
}
