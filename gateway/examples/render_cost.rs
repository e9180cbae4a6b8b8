//! What turning card services' answers into Plain card JSON costs the gateway, in process:
//! the real answers of running card services, decoded and rendered many times over.
//!
//! It asks each service once for `KEYS` (one `GetCards` call each, as the gateway does),
//! keeps the encoded responses, then times, alternating in rounds (the median is printed):
//!
//! - `decode`: prost decoding the encoded responses;
//! - `value route`: each card rendered to a `serde_json::Value`, judged by the JSON
//!   validator and written as text (`render_checked` + `CardJson::new`), the gateway's way
//!   before it wrote cards straight from the proto tree;
//! - `direct`: `render_card`, the gateway's way: the proto tree judged, then written
//!   straight to text;
//!
//! each per answer (all the cards of one request) with its heap allocations. Used by
//! `cargo xtask bench`; the figures compare only within one run.
//!
//! ```sh
//! cargo build --release -p cardmesh-gateway --example render_cost
//! target/release/examples/render_cost http://127.0.0.1:50051 http://127.0.0.1:50052
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cardmesh_gateway::plain::CardJson;
use cardmesh_gateway::render::{render_card, render_checked};
use cardmesh_proto::card_result::Outcome;
use cardmesh_proto::card_service_client::CardServiceClient;
use cardmesh_proto::{Customer, GetCardsRequest, GetCardsResponse};
use prost::Message;

/// The keys the benchmark's request asks for.
const KEYS: [&str; 4] = ["subscription-status", "latest-invoice", "usage", "customer-details"];
const ITERATIONS: usize = 20_000;
const ROUNDS: usize = 5;

/// The system allocator, counting allocations.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Nanoseconds and allocations per call of `f`, over `ITERATIONS` calls.
fn measure(mut f: impl FnMut()) -> (f64, f64) {
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        f();
    }
    let nanos = start.elapsed().as_nanos() as f64 / ITERATIONS as f64;
    (nanos, (ALLOCATIONS.load(Ordering::Relaxed) - allocations) as f64 / ITERATIONS as f64)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn fetch(url: String) -> Result<Vec<u8>, String> {
    let mut client = CardServiceClient::connect(url.clone()).await.map_err(|e| format!("{url}: {e}"))?;
    let request = GetCardsRequest {
        card_keys: KEYS.iter().map(|k| (*k).to_owned()).collect(),
        customer: Some(Customer {
            id: "c_bench".into(),
            email: Some("ada@example.com".into()),
            external_id: Some("cus_demo_1".into()),
        }),
        ..Default::default()
    };
    let response = client.get_cards(request).await.map_err(|e| format!("{url}: {e}"))?;
    Ok(response.into_inner().encode_to_vec())
}

fn main() -> ExitCode {
    let urls: Vec<String> = std::env::args().skip(1).collect();
    if urls.is_empty() {
        eprintln!("usage: render_cost <card service url>...");
        return ExitCode::from(2);
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let encoded = match runtime.block_on(futures::future::try_join_all(urls.into_iter().map(fetch))) {
        Ok(encoded) => encoded,
        Err(e) => {
            eprintln!("render_cost: {e}");
            return ExitCode::FAILURE;
        }
    };
    let decode = || encoded.iter().map(|b| GetCardsResponse::decode(b.as_slice()).expect("decodes")).collect();
    let responses: Vec<GetCardsResponse> = decode();
    let cards: Vec<_> = responses
        .iter()
        .flat_map(|r| &r.results)
        .filter_map(|r| match &r.outcome {
            Some(Outcome::Components(c)) => Some((r.key.as_str(), r.time_to_live_seconds, c.components.as_slice())),
            _ => None,
        })
        .collect();
    for (key, ttl, components) in &cards {
        let direct = render_card(key, *ttl, components).expect("the services answer valid cards");
        let by_value = CardJson::new(key, *ttl, Some(&render_checked(components).expect("valid")));
        assert_eq!(direct, by_value, "{key}: the two routes must write the same text");
    }
    let bytes: usize = cards.iter().map(|(k, t, c)| render_card(k, *t, c).map_or(0, |c| c.as_str().len())).sum();

    let (mut results, names) = (vec![Vec::new(); 3], ["decode", "value route", "direct"]);
    let mut allocations = [0.0; 3];
    for _ in 0..ROUNDS {
        let runs: [Box<dyn Fn()>; 3] = [
            Box::new(|| drop(black_box(decode()) as Vec<GetCardsResponse>)),
            Box::new(|| {
                for (key, ttl, components) in &cards {
                    let value = render_checked(components).expect("valid");
                    black_box(CardJson::new(key, *ttl, Some(&value)));
                }
            }),
            Box::new(|| {
                for (key, ttl, components) in &cards {
                    black_box(render_card(key, *ttl, components).expect("valid"));
                }
            }),
        ];
        for (i, run) in runs.iter().enumerate() {
            let (nanos, allocs) = measure(run);
            results[i].push(nanos);
            allocations[i] = allocs;
        }
    }
    println!(
        "render cost of one answer ({} cards, {bytes} bytes of card JSON), median of {ROUNDS} rounds of {ITERATIONS}:",
        cards.len()
    );
    let medians: Vec<f64> = results.into_iter().map(median).collect();
    for (i, name) in names.iter().enumerate() {
        println!("  {name:<12} {:>8.2} us  {:>6.0} allocations", medians[i] / 1000.0, allocations[i]);
    }
    println!("  direct / value route: {:.2}x the time", medians[2] / medians[1]);
    println!(
        "RESULT decode_ns={:.0} value_route_ns={:.0} direct_ns={:.0} decode_allocs={:.0} value_route_allocs={:.0} direct_allocs={:.0}",
        medians[0], medians[1], medians[2], allocations[0], allocations[1], allocations[2]
    );
    ExitCode::SUCCESS
}
