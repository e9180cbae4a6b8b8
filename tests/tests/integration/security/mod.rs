//! Security tests: each makes an attack over real sockets and fails if the defence broke.
//! One module per area.

mod admin;
