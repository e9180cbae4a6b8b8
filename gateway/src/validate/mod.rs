//! Plain's card rules, as the gateway applies them: a thin layer over `cardmesh-rules`, the
//! one crate that holds Plain's catalogue and the validator driven by it (see that crate
//! for the contract: never panics, bounded recursion, every finding with its JSON path, a
//! stable rule code and a message that says how to fix it).
//!
//! The gateway judges what its renderer produced from a card service's proto tree
//! ([`validate_components`]); the `validate` subcommand judges an existing card API's answer
//! ([`check_response`], warnings included).

pub use cardmesh_rules::validate::path;
pub use cardmesh_rules::{check_response, validate_components, validate_response, Report, Rule, Violation};
#[cfg(feature = "test-util")]
pub use cardmesh_rules::{check_card, check_components, validate_card, validate_response_for, Warning};
