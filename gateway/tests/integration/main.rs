//! The gateway's integration tests: one test binary, one module per suite.

mod cli;
mod module_cycles;
mod orchestration;
