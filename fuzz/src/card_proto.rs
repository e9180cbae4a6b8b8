//! Any bytes as a card service's encoded `GetCardsResponse`, through what the gateway does with
//! an answer: index the results, render and check each card (`draw::render_result`), join
//! the cards into Plain's response.
//!
//! Invariants:
//! - nothing panics;
//! - the gateway accepts a component tree exactly when the kit's `build::problems` finds
//!   nothing wrong with it (what service tests check is what the gateway enforces);
//! - `render_checked` is `render_components` followed by `validate_components`, and what it
//!   returns is valid Plain JSON;
//! - `render_card` (the proto tree judged, the card written straight from it) answers what
//!   `render_checked` and `CardJson::new` do: the same text, or the same errors;
//! - every card the gateway draws is valid JSON within the size limit, and the response
//!   built from them passes the validator with every requested key answered.

use std::sync::Arc;

use cardmesh_gateway::config::Limits;
use cardmesh_gateway::discovery::{CardInfo, Scope};
use cardmesh_gateway::plain::{CardJson, ResponseBody};
use cardmesh_gateway::render::{render_card, render_checked, render_components, COMPONENTS_PATH};
use cardmesh_gateway::request::fetch::{index_results, render_result};
use cardmesh_kit::build::problems;
use cardmesh_proto::{card_result::Outcome, Component, GetCardsResponse};
use cardmesh_rules::{validate_components, validate_response_for};
use prost::Message;
use serde_json::Value;

/// Checks one input; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    let Ok(response) = GetCardsResponse::decode(data) else {
        return;
    };

    for result in &response.results {
        if let Some(Outcome::Components(card)) = &result.outcome {
            check_tree(&card.components);
        }
    }

    // Each result drawn as the card of its own (valid, distinct) key.
    let max_bytes = Limits::default().max_card_bytes;
    let mut drawn: Vec<CardJson> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for (i, result) in response.results.iter().enumerate() {
        let info = card_info(format!("card-{i}"));
        let Ok((card, ttl)) = render_result(&info, Some(result), max_bytes) else {
            continue;
        };
        assert_eq!(ttl, result.time_to_live_seconds);
        assert!(card.as_str().len() <= max_bytes);
        let value: Value = serde_json::from_str(card.as_str()).expect("a drawn card is JSON");
        assert_eq!(value["key"], info.key.as_str());
        drawn.push(card);
        keys.push(info.key);
    }
    let body = ResponseBody::build(&drawn);
    let doc: Value = serde_json::from_str(&body).expect("the response is JSON");
    let requested: Vec<&str> = keys.iter().map(String::as_str).collect();
    let violations = validate_response_for(&doc, &requested);
    assert!(violations.is_empty(), "the gateway answered invalid Plain JSON: {violations:?}");

    // The results as the gateway indexes them: the first result for a key wins.
    let by_key = index_results(response.results.clone());
    for (key, result) in &by_key {
        let first = response.results.iter().find(|r| &r.key == key);
        assert_eq!(first, Some(result));
    }
}

/// The kit, the renderer and the validator agree on one component tree.
fn check_tree(components: &[Component]) {
    let checked = render_checked(components);
    let rendered = render_components(components);
    match (&checked, &rendered) {
        (Ok(checked), Ok(rendered)) => {
            assert_eq!(checked, rendered);
            assert_eq!(validate_components(checked, COMPONENTS_PATH), vec![]);
        }
        (Err(violations), Ok(rendered)) => {
            assert!(!violations.is_empty());
            assert_eq!(violations, &validate_components(rendered, COMPONENTS_PATH));
        }
        (Err(errors), Err(first)) => {
            let first = cardmesh_rules::Violation::from(first.clone());
            assert_eq!(errors.first(), Some(&first));
        }
        (Ok(_), Err(err)) => {
            panic!("render_checked accepted what render_components refused: {err}")
        }
    }
    let written = render_card("fuzz-card", Some(60), components).map(|c| c.as_str().to_owned());
    let by_value = checked.clone().map(|v| CardJson::new("fuzz-card", Some(60), Some(&v)).as_str().to_owned());
    assert_eq!(written, by_value, "render_card and the value route differ");
    for v in checked.as_ref().err().into_iter().flatten() {
        assert!(v.path.starts_with(COMPONENTS_PATH), "{v:?}");
    }
    let kit = problems(components);
    assert_eq!(
        kit.is_empty(),
        checked.is_ok(),
        "the kit and the gateway disagree on a tree\nkit: {kit:?}\ngateway: {:?}\ntree: {components:?}",
        checked.as_ref().err()
    );
}

fn card_info(key: String) -> CardInfo {
    CardInfo {
        key,
        title: "Fuzz".to_owned(),
        default_ttl_seconds: None,
        scope: Scope::Customer,
        service: 0,
        service_name: Arc::from("fuzz"),
    }
}
