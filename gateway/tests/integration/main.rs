//! The gateway's integration tests: one test binary, one module per suite.

mod admin_startup;
mod cli;
mod module_cycles;
mod orchestration;
