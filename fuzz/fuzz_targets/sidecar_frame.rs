//! Fuzz target `sidecar_frame`: see `weave_fuzz::sidecar_frame`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weave_fuzz::sidecar_frame(data));
