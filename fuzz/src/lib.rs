//! The invariants the fuzz targets check, one module per target. Each `check` takes any bytes
//! and panics when an invariant breaks; the libFuzzer binaries (`fuzz_targets/`) call it, and
//! `tests/corpus.rs` runs every committed seed through it in a plain `cargo test`.

pub mod card_json;
pub mod card_proto;
pub mod request;

/// A target's check: any bytes in, a panic when an invariant breaks.
pub type Check = fn(&[u8]);

/// The fuzz targets, by name (each has a seed corpus in `fuzz/corpus/<name>/`).
pub const TARGETS: [(&str, Check); 3] =
    [("request", request::check), ("card_json", card_json::check), ("card_proto", card_proto::check)];
