//! The properties the fuzz targets assert, one module per target.
//!
//! Shared by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) and by the stable replay
//! test (`tests/fuzz_corpus.rs`), which both include this directory with `#[path]`, so a
//! saved input is judged by exactly the same code in CI as while fuzzing. Only the
//! library's public API is used, plus `dotenvy` (the reference for `.env` files),
//! `serde_json` (the test vectors) and `tempfile`.

pub(crate) mod authorization;
pub(crate) mod config;
pub(crate) mod env_file;
pub(crate) mod pasted_token;
pub(crate) mod revoked_sessions;
pub(crate) mod verify;

/// The input as text: exactly when it is UTF-8, lossily otherwise.
pub(crate) fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Panics if an error `message` repeats `input` (when it is longer than 8 bytes).
///
/// An input that is itself a fragment of a message's fixed text (the fuzzer finds these
/// quickly: `" characters"`) is not an echo: `vocabulary` holds messages the same code gave
/// for other, fixed inputs, and a fragment of one of them is allowed.
pub(crate) fn assert_not_echoed(message: &str, input: &str, vocabulary: &[String], what: &str) {
    if input.len() > 8 && message.contains(input) {
        assert!(
            vocabulary.iter().any(|known| known.contains(input)),
            "{what}: the error message repeats the input: {message:?}"
        );
    }
}
