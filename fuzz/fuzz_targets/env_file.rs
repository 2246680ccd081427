//! cargo-fuzz target `env_file`: see `fuzz/checks/env_file.rs` for the properties.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../checks/mod.rs"]
mod checks;

/// One scratch directory per process, on a tmpfs when there is one (every run writes,
/// renames and fsyncs a file). It is left behind when libFuzzer exits: see docs/FUZZING.md.
static SCRATCH: LazyLock<PathBuf> = LazyLock::new(|| {
    let shm = Path::new("/dev/shm");
    let parent = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    tempfile::Builder::new()
        .prefix("client-keys-fuzz-")
        .tempdir_in(parent)
        .expect("a scratch directory")
        .keep()
});

fuzz_target!(
    init: {
        LazyLock::force(&SCRATCH);
    },
    |data: &[u8]| checks::env_file::check(&SCRATCH, data)
);
