//! cargo-fuzz target `verify`: see `fuzz/checks/verify.rs` for the properties.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../checks/mod.rs"]
mod checks;

fuzz_target!(
    // Mint the fixture's tokens before the first input, so that this one-time work is not
    // credited to whichever input happens to run first (which would skew `cargo fuzz cmin`).
    init: {
        checks::verify::fixture();
    },
    |data: &[u8]| checks::verify::check(data)
);
