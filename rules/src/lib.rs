//! Plain's customer-card rules, once, for every part of cardmesh.
//!
//! - [`catalogue`]: the rules as data ([`CATALOGUE`]): the twelve components, where each
//!   may nest, every field's type, limits, enum values, required flag and deprecated
//!   aliases, the card-key rule, the per-request key limit and the TTL bounds. Exported as
//!   `rules/catalogue.json` for the TypeScript and Python kits
//!   (`cargo run -p cardmesh-rules --bin cardmesh-rules-export > rules/catalogue.json`).
//! - [`validate`]: the validator of Plain card JSON, driven by the catalogue. Findings carry
//!   a path, a stable [`Rule`] code and a message; violations and warnings are kept apart in
//!   a [`Report`].
//! - `proto_tree` (feature `proto`): the validator of `cardmesh_proto` component trees,
//!   with the same paths, rule codes and messages as the JSON validator.
//! - [`key`]: the card-key rule and the key and TTL limits.
//! - [`inline`]: the inline component markers Plain renders inside Text.
//! - [`proto_enum`]: how a proto enum number maps to Plain's enum names.
//!
//! Shared fixtures (`rules/fixtures/{valid,invalid}/*.json`) pin the validator's paths and
//! rule codes for every language; `rules/README.md` records where the schema leaves room
//! and what this crate decided.

pub mod catalogue;
mod finding;
pub mod inline;
pub mod key;
pub mod proto_enum;
#[cfg(feature = "proto")]
pub mod proto_tree;
pub mod validate;

pub use catalogue::{ComponentKind, FieldSpec, FieldType, Level, CATALOGUE};
pub use finding::{Report, Rule, Violation, Warning};
pub use key::{
    is_valid_action_name, is_valid_card_key, ACTION_NAME_PATTERN, MAX_ACTION_NAME_BYTES, MAX_KEYS_PER_REQUEST,
};
pub use validate::{
    check_card, check_components, check_response, validate_card, validate_components, validate_response,
    validate_response_for,
};
