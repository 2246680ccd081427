//! client-keys (placeholder, being written).
#![forbid(unsafe_code)]

pub mod env_file;
