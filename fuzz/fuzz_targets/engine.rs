#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| semantic_eq_fuzz::engine(data));
