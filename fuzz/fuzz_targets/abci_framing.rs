//! Fuzz target `abci_framing`: see `weave_fuzz::abci_framing`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| weave_fuzz::abci_framing(data));
