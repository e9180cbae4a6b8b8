//! Security tests: each tries an attack over real sockets against the real gateway and fails
//! if the defence broke. One file per area.

mod cache;
