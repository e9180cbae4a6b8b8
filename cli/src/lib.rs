//! `cardmesh-cli`: developer tools for cardmesh.
//!
//! `cardmesh-cli new-service <name> --card <key>...` scaffolds a card service crate in
//! `services/<name>/` from the templates in `templates/`. The crate builds, has passing
//! tests and a compose snippet, and is added to the workspace members. See
//! `docs/src/guides/adding-a-card-service.md`.

pub mod args;
pub mod names;
pub mod scaffold;
pub mod template;
pub mod workspace;
