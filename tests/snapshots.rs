//! The command line as a user sees it: each `tests/cmd/<case>.toml` runs `issue-client-key`
//! with the arguments, standard input and variables it names (nothing else from the
//! environment), and its output must match `<case>.stdout` and `<case>.stderr`, where `[..]`
//! stands for the random parts. `TRYCMD=overwrite cargo test --test snapshots` rewrites them
//! after an intended change.
#![cfg(feature = "cli")]

#[test]
fn cli_output_matches_the_snapshots() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
