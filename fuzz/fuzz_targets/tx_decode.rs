//! Fuzz target `tx_decode`: see `weave_fuzz::tx_decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weave_fuzz::tx_decode(data));
