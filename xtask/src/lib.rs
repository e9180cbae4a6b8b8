//! The project's own commands, run as `cargo xtask <command>` (the alias is in
//! `.cargo/config.toml`). The library half holds what the test harness shares with them: the
//! source hash the images are labelled with is computed by [`source_hash`] in both places.

pub mod bench;
pub mod codegen;
pub mod dev;
pub mod process;
pub mod service;
pub mod source_hash;
pub mod stack;
pub mod test;

use std::path::{Path, PathBuf};

/// The repository's root (the workspace root, where this crate's folder is).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask/ has a parent").to_path_buf()
}
