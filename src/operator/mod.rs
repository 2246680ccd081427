//! The operator's side (feature `operator`, which `cli` turns on): safe edits of `.env` with
//! [`ConfigFile`] (init, save a key id, revoke a key or a session, rotate, migrate from
//! Trivial) and [`EnvFile`] underneath, and the health report [`CheckReport`]. A server that only verifies compiles none of it.

mod check;
mod config_file;
mod env_file;
mod migrate;
mod sessions;

pub use crate::token::scan::redact;
pub use check::{CheckReport, Finding, Severity};
pub use config_file::{ConfigFile, ConfigFileError, Initialized, Revoked, Rotated, TokenRevoked};
#[cfg(feature = "danger-test-hooks")]
pub use env_file::CommitStage;
pub use env_file::{EnvFile, EnvFileError, is_readable_by_others, readable_warning};
pub use migrate::Migrated;
pub use sessions::SessionRevoked;

/// The token in what an operator pasted: ASCII whitespace trimmed at both ends, then one pair
/// of matching quotes (`"…"` or `'…'`) and a leading `Bearer ` (any case) removed, as copied
/// from a header or a JSON document. Everything else is left for the verifier to judge: the
/// library itself refuses a token with whitespace around it.
///
/// ```
/// use client_keys::operator::pasted_token;
///
/// assert_eq!(pasted_token("  \"Bearer ckey_abc\"\n"), "ckey_abc");
/// assert_eq!(pasted_token("'ckey_abc'"), "ckey_abc");
/// assert_eq!(pasted_token("ckey_abc\u{a0}"), "ckey_abc\u{a0}"); // not ASCII: kept, then refused
/// ```
#[must_use]
pub fn pasted_token(input: &str) -> &str {
    let input = input.trim_ascii();
    let input = ['"', '\'']
        .iter()
        .find_map(|&q| input.strip_prefix(q).and_then(|i| i.strip_suffix(q)))
        .unwrap_or(input)
        .trim_ascii();
    match input.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim_ascii(),
        _ => input,
    }
}
