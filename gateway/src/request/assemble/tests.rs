//! Assembly of cards whose draw ended without an outcome.

use std::sync::Arc;
use std::time::Duration;

use super::{Assembler, FallbackCards, Source};
use crate::cache::{CardCacheKeys, Generations};
use crate::config::Fallback;
use crate::discovery::{CardInfo, Scope};
use crate::request::failure::CardFailure;
use crate::request::plan::{CardPlan, Pending};
use crate::request::single_flight::{Flights, Join};
use crate::telemetry::{GatewayMetrics, RequestSpanSlot};

fn info(key: &str) -> CardInfo {
    CardInfo {
        key: key.to_owned(),
        title: key.to_owned(),
        default_ttl_seconds: None,
        scope: Scope::Customer,
        service: 0,
        service_name: Arc::from("billing"),
    }
}

fn keys(key: &str) -> CardCacheKeys {
    CardCacheKeys {
        customer_generation: format!("gen:{key}"),
        card_generation: format!("gen:{key}:card"),
        fresh: format!("fresh:{key}"),
    }
}

/// A leader whose draw panics, and a follower of the same flight: the follower's pending card.
async fn pending_of_a_panicking_draw(key: &str) -> Pending {
    let flights = Arc::new(Flights::default());
    let Join::Leader(leader) = flights.join(&keys(key).fresh) else { panic!("the first join leads") };
    let Join::Follower(waiter) = flights.join(&keys(key).fresh) else { panic!("the second join follows") };
    let draw = tokio::spawn(async move {
        let _leader = leader;
        panic!("a bug in the draw");
    });
    assert!(draw.await.expect_err("the draw panicked").is_panic());
    Pending { info: info(key), keys: keys(key), generations: Generations::default(), waiter }
}

#[tokio::test]
async fn a_lost_leader_is_leader_lost_not_unreachable_and_gets_a_fallback_not_a_503() {
    let settings = Fallback { ttl_seconds: 30, text: "Unavailable right now".into() };
    let fallback = FallbackCards::new(&settings);
    let metrics = GatewayMetrics::new();
    let headers = axum::http::HeaderMap::new();
    let span = RequestSpanSlot::new(&headers);
    let assembler = Assembler {
        cache: None,
        fallback: &fallback,
        metrics: &metrics,
        stale_ttl_seconds: 30,
        max_response_bytes: 1 << 20,
        wait_limit: Duration::from_secs(60),
        span: &span,
    };
    let plans = vec![CardPlan::Wait(pending_of_a_panicking_draw("plan").await)];

    // Before: the only card "unreachable", so the whole answer was a 503.
    let assembled = assembler.wait(plans, true).await.expect("a lost leader never makes the answer a 503");

    assert_eq!(assembled.cards, vec![fallback.card("plan")]);
    let provenance = assembled.provenance.expect("asked for");
    assert_eq!(provenance[0].source, Source::Fallback { reason: "leader_lost" });
    assert_eq!(provenance[0].detail.as_deref(), Some("the draw this card waited on ended without an outcome"));
    assert!(metrics.render(None).contains(r#"cardmesh_fallback_cards_total{reason="leader_lost"} 1"#));
}

#[test]
fn leader_lost_has_its_own_code_and_is_not_unreachable() {
    assert_eq!(CardFailure::LeaderLost.code(), "leader_lost");
    assert!(!CardFailure::LeaderLost.is_unreachable());
    assert!(!CardFailure::LeaderLost.is_circuit_open());
}
