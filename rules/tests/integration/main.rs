//! The rules' integration tests: one test binary, one module per suite.

mod catalogue;
mod fixtures;
