//! Fuzz target `probe_report`: see `weave_fuzz::probe_report`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weave_fuzz::probe_report(data));
