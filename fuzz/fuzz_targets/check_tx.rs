//! Fuzz target `check_tx`: see `weave_fuzz::check_tx`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weave_fuzz::check_tx(data));
