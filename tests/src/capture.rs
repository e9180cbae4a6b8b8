//! A log writer that keeps everything written to it, for tests that read the logs back: the
//! telemetry crate's, shared with the gateway's and the kit's own tests.

pub use cardmesh_telemetry::CapturedLogs;
