//! Fuzz target `voucher`: see `weave_fuzz::voucher`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weave_fuzz::voucher(data));
