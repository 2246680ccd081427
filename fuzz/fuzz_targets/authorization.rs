//! cargo-fuzz target `authorization`: see `fuzz/checks/authorization.rs` for the properties.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../checks/mod.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::authorization::check(data));
