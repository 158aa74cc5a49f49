//! Fuzz target `finalize_block`: see `weave_fuzz::finalize_block`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weave_fuzz::finalize_block(data));
