//! A card service that answers its one card, `slow-card`, only after a delay: the slow backend
//! of `scripts/reliability.sh`.
//!
//! Environment: `SLOW_CARD_DELAY` (humantime, default `5s`), and the kit's own variables
//! (`CARDMESH_SERVICE_LISTEN`, `RUST_LOG`, ...).

use std::time::Duration;

use anyhow::Context;
use cardmesh_tests::providers::SlowCards;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let delay = match std::env::var("SLOW_CARD_DELAY") {
        Ok(text) => humantime::parse_duration(&text)
            .with_context(|| format!("SLOW_CARD_DELAY={text:?} is not a duration; write e.g. 5s"))?,
        Err(_) => Duration::from_secs(5),
    };
    cardmesh_kit::serve(SlowCards { key: "slow-card", delay }).await
}
