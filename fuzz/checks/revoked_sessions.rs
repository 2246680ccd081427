//! `revoked_sessions`: parsing `CLIENT_REVOKED_SESSIONS`, [`client_keys::RevokedSessions`].
//!
//! For any text it never panics. A list that parses holds one entry per non-empty
//! comma-separated item, each entry is found by `contains`, and written back it reads back
//! the same (the canonical text is a fixed point), with only the characters the format writes.
//! A refusal names an entry that exists, and never repeats the input.

use client_keys::{RevokedSession, RevokedSessions};

use super::assert_not_echoed;

/// The fuzz target's body.
pub(crate) fn check(data: &[u8]) {
    check_text(&super::text(data));
}

/// The characters of a written entry: hex key id, unreserved or escaped session, RFC 3339 time.
fn is_written_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%:@".contains(&b)
}

pub(crate) fn check_text(text: &str) {
    let items = text
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .count();
    match RevokedSessions::parse(text) {
        Ok(list) => {
            assert_eq!(list.len(), items, "one entry per item");
            for entry in &list {
                assert!(list.contains(&entry.key_id(), entry.session_id()));
                let written = entry.to_string();
                assert!(
                    written.bytes().all(is_written_char),
                    "written with a character outside the format: {written:?}"
                );
                assert_eq!(written.parse::<RevokedSession>().as_ref(), Ok(entry));
            }
            let canonical = list.to_string();
            let again = RevokedSessions::parse(&canonical).expect("the written list parses");
            assert_eq!(
                again.to_string(),
                canonical,
                "written text is a fixed point"
            );
            assert_eq!(again.len(), list.len());
        }
        Err(e) => {
            assert!(
                (1..=items).contains(&e.entry),
                "entry {} of {items}",
                e.entry
            );
            assert_not_echoed(&e.to_string(), text, &[], "revoked_sessions");
        }
    }
}
