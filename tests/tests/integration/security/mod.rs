//! Security tests: each tries an attack over real sockets and fails if the defence broke. One
//! file per area.

mod edges;
