//! `rules/catalogue.json` is exactly what the crate exports.
//!
//! Regenerate it with `UPDATE_CATALOGUE=1 cargo test -p cardmesh-rules --test integration catalogue::`
//! (or `cargo run -p cardmesh-rules --bin cardmesh-rules-export > rules/catalogue.json`).

use std::path::Path;

use cardmesh_rules::catalogue::to_json_text;

#[test]
fn committed_catalogue_json_matches_the_crate() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue.json");
    let generated = to_json_text();
    if std::env::var_os("UPDATE_CATALOGUE").is_some() {
        std::fs::write(&path, &generated).expect("write rules/catalogue.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "rules/catalogue.json differs from the catalogue in the cardmesh-rules crate; \
         regenerate it with `UPDATE_CATALOGUE=1 cargo test -p cardmesh-rules --test integration catalogue::` \
         (or `cargo run -p cardmesh-rules --bin cardmesh-rules-export > rules/catalogue.json`) \
         and commit it"
    );
}

#[test]
fn catalogue_json_has_the_documented_shape() {
    let doc = cardmesh_rules::catalogue::to_json();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["cardKey"]["pattern"], "^[a-zA-Z0-9_-]+$");
    assert_eq!(doc["cardKey"]["maxKeysPerRequest"], 25);
    assert_eq!(doc["timeToLiveSeconds"]["min"], 15);
    assert_eq!(doc["timeToLiveSeconds"]["max"], 31_536_000);
    assert_eq!(doc["levels"]["component"].as_array().map(Vec::len), Some(12));
    assert_eq!(doc["levels"]["containerContent"].as_array().map(Vec::len), Some(11));
    assert_eq!(doc["levels"]["rowContent"].as_array().map(Vec::len), Some(10));
    assert_eq!(doc["components"].as_object().map(|m| m.len()), Some(12));
    let text = &doc["components"]["componentText"];
    assert_eq!(text["fields"]["text"]["maxChars"], 10_000);
    assert_eq!(text["fields"]["text"]["markdown"], true);
    assert_eq!(text["aliases"]["size"], "textSize");
    let user = &doc["components"]["componentUser"]["fields"]["userIdentifier"];
    assert_eq!(user["type"], "oneOf");
    assert_eq!(user["of"]["emailAddress"]["type"], "string");
}
