//! cargo-fuzz target `pasted_token`: see `fuzz/checks/pasted_token.rs` for the properties.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../checks/mod.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::pasted_token::check(data));
