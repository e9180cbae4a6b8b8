//! Any bytes through the Plain card JSON validator: the `validate` subcommand's path
//! (`cli::validate_document`), and the same JSON read as one card and as a component list.
//!
//! Invariants:
//! - nothing panics, however the JSON is shaped or nested;
//! - every violation is located under the root it was asked about, and prints as
//!   `{path}: {message}` with a non-empty message;
//! - requiring keys only adds violations (`validate_response_for` extends `validate_response`);
//! - the subcommand reports exactly the validator's violations.

use cardmesh_gateway::cli::validate_document;
use cardmesh_rules::{validate_card, validate_components, validate_response, validate_response_for, Violation};
use serde_json::Value;

/// Checks one input; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    let lines = validate_document(data);
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("$: not valid JSON"), "{lines:?}");
        return;
    };

    let response = validate_response(&doc);
    check_located(&response, &["$", "cards"]);
    let printed: Vec<String> = response.iter().map(ToString::to_string).collect();
    assert_eq!(lines, printed);

    let requested = ["usage", "latest-invoice", "usage", "not a key"];
    let for_keys = validate_response_for(&doc, &requested);
    assert!(for_keys.starts_with(&response), "{for_keys:?}");
    check_located(&for_keys, &["$", "cards"]);

    check_located(&validate_card(&doc, "card"), &["card"]);
    check_located(&validate_components(&doc, "components"), &["components"]);
}

/// Every violation is under one of `roots` and has a message.
fn check_located(violations: &[Violation], roots: &[&str]) {
    for v in violations {
        let under = roots.iter().any(|root| {
            v.path
                .strip_prefix(root)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
        });
        assert!(under, "{v:?} is not under {roots:?}");
        assert!(!v.message.is_empty(), "{v:?}");
        assert_eq!(v.to_string(), format!("{}: {}", v.path, v.message));
    }
}
