//! cargo-fuzz target `revoked_sessions`: see `fuzz/checks/revoked_sessions.rs` for the
//! properties.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../checks/mod.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::revoked_sessions::check(data));
