//! A `.env` reader that reads a line only where Ruby's dotenv and python-dotenv read it alike.
//!
//! Standalone home of `reader.rs` until client-keys adopts it; see `NOTES.md`.
#![forbid(unsafe_code)]
// The items are `pub(crate)` for the crate that adopts this module; here only tests use them.
#![cfg_attr(not(test), allow(dead_code))]

mod reader;
