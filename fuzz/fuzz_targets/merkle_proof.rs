//! Fuzz target `merkle_proof`: see `weave_fuzz::merkle_proof`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weave_fuzz::merkle_proof(data));
