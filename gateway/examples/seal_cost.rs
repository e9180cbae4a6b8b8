//! What checking the cache entries read from Redis costs the gateway, in process, on this
//! CPU (callgrind runs SHA-256 without the CPU's SHA instructions, so its counts overstate
//! the seal): every card of a real answer sealed under a real key, then opened many times.
//!
//! Prints, the median of the rounds: nanoseconds (wall time) to open (check) the entries of
//! one answer, and per card, with the bytes hashed, and how many answers it checked in all.
//! On a busy machine wall time includes waiting for a CPU: run it under `time` and divide
//! the user time by that number instead.
//!
//! ```sh
//! cargo build --release -p cardmesh-gateway --example seal_cost
//! time target/release/examples/seal_cost answer.json    # a Plain answer: {"cards":[…]}
//! ```

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use cardmesh_gateway::cache::{card_cache_keys, EntrySeal};
use cardmesh_gateway::discovery::Scope;
use cardmesh_gateway::plain::parse_request;

const ITERATIONS: usize = 50_000;
const ROUNDS: usize = 5;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: seal_cost ANSWER.json");
        return ExitCode::from(2);
    };
    let answer: serde_json::Value = match std::fs::read_to_string(&path).map(|t| serde_json::from_str(&t)) {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => {
            eprintln!("{path}: not JSON: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(cards) = answer["cards"].as_array().filter(|c| !c.is_empty()) else {
        eprintln!("{path}: no cards");
        return ExitCode::FAILURE;
    };
    let body = r#"{"cardKeys":[],"customer":{"id":"c_bench","email":"ada@example.com","externalId":"cus_demo_1"}}"#;
    let request = parse_request(body.as_bytes(), 25).expect("a valid body").0;
    let seal = EntrySeal::new(b"a sealing key of 32 bytes or so.");
    let entries: Vec<(String, String)> = cards
        .iter()
        .map(|card| {
            let key = card_cache_keys("w_bench", card["key"].as_str().unwrap_or("k"), Scope::Customer, &request).fresh;
            let entry = format!("4611686018427387903:4611686018427387903|{card}");
            let sealed = seal.seal(&key, &entry);
            (key, sealed)
        })
        .collect();
    let bytes: usize = entries.iter().map(|(k, v)| k.len() + 1 + v.len()).sum();

    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..ITERATIONS {
                for (key, sealed) in &entries {
                    black_box(seal.open(black_box(key), black_box(sealed)).expect("opens"));
                }
            }
            start.elapsed().as_nanos() as f64 / ITERATIONS as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    let per_answer = rounds[ROUNDS / 2];
    println!(
        "open (check) the sealed entries of one answer: {:.0} ns for {} cards, {} bytes hashed ({:.0} ns per card); \
         {} answers checked in all",
        per_answer,
        entries.len(),
        bytes,
        per_answer / entries.len() as f64,
        ROUNDS * ITERATIONS
    );
    ExitCode::SUCCESS
}
