//! `cargo xtask run-service NAME`: runs one card service from `services/NAME/` in the
//! foreground, whatever its language, on `CARDMESH_SERVICE_LISTEN` (default 127.0.0.1:50051).
//! `cargo xtask dev` starts every service through it.
//!
//! The kind comes from the manifest in the service's folder ([`Kind::of`]): Cargo.toml (rust),
//! package.json (node), pyproject.toml (python). Each kind has a `build` and a command that
//! runs the service; the service's process replaces this one (`exec`), so its pid is the one
//! the caller started and the caller's signals reach it.

pub mod kind;
pub mod node;
pub mod python;
pub mod rust;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

pub use kind::Kind;

/// The address a service listens on unless `CARDMESH_SERVICE_LISTEN` says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:50051";

/// What `run-service` does.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Print the card services, one name a line (only those of a kind if given).
    List(Option<Kind>),
    /// Print the kind of a service.
    Kind(String),
    /// Build (unless `build` is false) and run a service.
    Run { name: String, build: bool },
}

/// Builds a service of `kind` in `dir`.
pub fn build(root: &Path, kind: Kind, dir: &Path, name: &str) -> anyhow::Result<()> {
    match kind {
        Kind::Rust => rust::build(root, dir, name),
        Kind::Node => node::build(root, dir),
        Kind::Python => python::build(root),
    }
}

/// The command that runs the service, with the environment it inherits.
pub fn command(root: &Path, kind: Kind, dir: &Path, name: &str) -> anyhow::Result<Command> {
    match kind {
        Kind::Rust => rust::command(root, dir, name),
        Kind::Node => node::command_for(root, dir),
        Kind::Python => python::command_for(root, dir),
    }
}

/// The kind of `services/NAME`, checked to be a card service; errors name the service and, for
/// an unknown one, list the card services.
pub fn resolve(root: &Path, name: &str) -> anyhow::Result<Kind> {
    let dir = root.join("services").join(name);
    if name.is_empty() || name.contains('/') || !dir.is_dir() {
        anyhow::bail!(
            "no service {name}: services/{name} does not exist (card services: {})",
            kind::list(root, None)?.join(", ")
        );
    }
    let kind = Kind::of(&dir)
        .ok_or_else(|| anyhow::anyhow!("services/{name} has no Cargo.toml, package.json or pyproject.toml"))?;
    anyhow::ensure!(kind.is_card_service(&dir), "services/{name} is not a card service (no binary using cardmesh-kit)");
    Ok(kind)
}

/// Runs `action`; for [`Action::Run`], returns only on failure (the service replaced this
/// process).
pub fn run_service(root: &Path, action: Action) -> anyhow::Result<()> {
    match action {
        Action::List(filter) => {
            for name in kind::list(root, filter)? {
                println!("{name}");
            }
            Ok(())
        }
        Action::Kind(name) => {
            let dir = root.join("services").join(&name);
            anyhow::ensure!(!name.is_empty() && dir.is_dir(), "--kind NAME: no folder services/{name}");
            if let Some(kind) = Kind::of(&dir) {
                println!("{}", kind.name());
            }
            Ok(())
        }
        Action::Run { name, build: build_first } => {
            crate::process::cargo_on_path();
            let kind = resolve(root, &name)?;
            let dir = root.join("services").join(&name);
            if std::env::var_os("CARDMESH_SERVICE_LISTEN").is_none() {
                std::env::set_var("CARDMESH_SERVICE_LISTEN", DEFAULT_LISTEN);
            }
            if build_first {
                build(root, kind, &dir, &name)?;
            }
            let listen = std::env::var("CARDMESH_SERVICE_LISTEN").unwrap_or_default();
            eprintln!("xtask run-service: {name} ({}) on {listen}", kind.name());
            let mut service = command(root, kind, &dir, &name)?;
            let error = service.exec();
            Err(anyhow::anyhow!("cannot run {}: {error}", crate::process::shown(&service)))
        }
    }
}
