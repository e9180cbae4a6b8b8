//! Security tests: each tries an attack and fails if the defence broke. One file per area.

#[cfg(feature = "kubernetes")]
mod kubernetes;
