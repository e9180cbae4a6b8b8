//! Security tests: each tries an attack and fails if the defence broke (over real sockets
//! where the defence is in a running program). One module per area.

mod admin;
#[cfg(feature = "kubernetes")]
mod kubernetes;
