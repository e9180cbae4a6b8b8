//! libFuzzer entry point of [`cardmesh_fuzz::request`] (its doc comment lists the invariants).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cardmesh_fuzz::request::check(data));
