//! Shared by the tests that run the `issue-client-key` binary.

use std::path::Path;

use assert_cmd::Command;

/// The binary, run in `dir`, with none of our variables inherited from the test's environment.
pub(crate) fn cli(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("issue-client-key").expect("binary built");
    cmd.current_dir(dir)
        .env_remove("CLIENT_SECRET")
        .env_remove("CLIENT_SECRET_PREVIOUS")
        .env_remove("CLIENT_KEYS");
    cmd
}
