//! Fuzz target `sidecar_request`: see `weave_fuzz::sidecar_request`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weave_fuzz::sidecar_request(data));
