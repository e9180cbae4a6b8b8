//! libFuzzer entry point of [`cardmesh_fuzz::card_proto`] (its doc comment lists the invariants).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cardmesh_fuzz::card_proto::check(data));
