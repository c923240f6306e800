#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| odata_fuzz::page(data));
