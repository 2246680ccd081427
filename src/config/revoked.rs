//! `CLIENT_REVOKED_SESSIONS`: sessions whose access tokens are refused while their parent key
//! stays in `CLIENT_KEYS`.
//!
//! An entry is `KEY_ID[:SESSION_ID]@UNTIL`: the parent's key id, the session id (absent for the
//! tokens minted without one), and the time after which no access token of that session can
//! still be valid, so that the entry can be pruned. The session id is percent-encoded wherever
//! a character is not one of `A-Z a-z 0-9 - . _ ~`, so that no `.env` reader, shell or list
//! separator changes it.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::config::allowlist;
use crate::token::claims::is_session_id;
use crate::token::key_id::{KeyId, KeyIdHashBuilder};
use crate::token::time::Rfc3339;
use crate::verify::{CLOCK_SKEW, MAX_ACCESS_TTL};

/// Characters of a session id written as they are: RFC 3986's unreserved set.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The bytes [`ENCODED`] leaves as they are.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// One revoked session: the access tokens of `key_id` with this session id (or with none).
///
/// ```
/// use client_keys::{KeyId, RevokedSession};
///
/// let parent: KeyId = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e".parse()?;
/// let entry = RevokedSession::revoked_at(parent, Some("tab#7,a"), 1_800_000_000)?;
/// assert_eq!(
///     entry.to_string(),
///     "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e:tab%237%2Ca@2027-01-16T08:01:00Z"
/// );
/// assert_eq!(entry.to_string().parse::<RevokedSession>()?, entry);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedSession {
    key_id: KeyId,
    session_id: Option<Box<str>>,
    until: u64,
}

impl RevokedSession {
    /// The session `session_id` (`None`: the tokens minted without one) of the parent key
    /// `key_id`, listed until `until` (unix seconds).
    ///
    /// # Errors
    /// [`RevokedSessionProblem::SessionId`] when the session id is not 1 to 64 visible ASCII
    /// characters (no access token carries such a session), and
    /// [`RevokedSessionProblem::Until`] when `until` is beyond 9999-12-31T23:59:59Z.
    pub fn new(
        key_id: KeyId,
        session_id: Option<&str>,
        until: u64,
    ) -> Result<RevokedSession, RevokedSessionProblem> {
        if session_id.is_some_and(|s| !is_session_id(s.as_bytes())) {
            return Err(RevokedSessionProblem::SessionId);
        }
        if until > crate::token::claims::MAX_EXPIRES_AT {
            return Err(RevokedSessionProblem::Until);
        }
        Ok(RevokedSession {
            key_id,
            session_id: session_id.map(Into::into),
            until,
        })
    }

    /// The session revoked at `now` (unix seconds): listed until no access token minted before
    /// `now` can still be valid, `now` + [`MAX_ACCESS_TTL`] + [`CLOCK_SKEW`].
    ///
    /// # Errors
    /// As [`RevokedSession::new`].
    pub fn revoked_at(
        key_id: KeyId,
        session_id: Option<&str>,
        now: u64,
    ) -> Result<RevokedSession, RevokedSessionProblem> {
        let until = now
            .saturating_add(MAX_ACCESS_TTL.as_secs())
            .saturating_add(CLOCK_SKEW.as_secs());
        RevokedSession::new(key_id, session_id, until)
    }

    /// The parent key's id.
    #[must_use]
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The session id; `None` for the session of the tokens minted without one.
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// The time (unix seconds) after which no token of the session can still be valid.
    #[must_use]
    pub fn until(&self) -> u64 {
        self.until
    }

    /// [`RevokedSession::until`] as an RFC 3339 UTC date-time (`2027-01-16T08:01:00Z`).
    #[must_use]
    pub fn until_rfc3339(&self) -> String {
        Rfc3339(self.until).to_string()
    }

    /// Whether the entry can be removed at `now`: every token of its session has expired.
    #[must_use]
    pub fn is_prunable_at(&self, now: u64) -> bool {
        now > self.until
    }
}

impl fmt::Display for RevokedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.key_id)?;
        if let Some(session) = &self.session_id {
            write!(f, ":{}", utf8_percent_encode(session, ENCODED))?;
        }
        write!(f, "@{}", Rfc3339(self.until))
    }
}

impl FromStr for RevokedSession {
    type Err = RevokedSessionProblem;

    /// Parses one entry, `KEY_ID[:SESSION_ID]@UNTIL` (see the module documentation).
    fn from_str(text: &str) -> Result<RevokedSession, RevokedSessionProblem> {
        let (head, until) = text.rsplit_once('@').ok_or(RevokedSessionProblem::Form)?;
        let (key_id, session) = match head.split_once(':') {
            Some((key_id, session)) => (key_id, Some(session)),
            None => (head, None),
        };
        let key_id: KeyId = key_id.parse().map_err(|_| RevokedSessionProblem::KeyId)?;
        let session = session.map(decode_session).transpose()?;
        let until = Rfc3339::parse(until).ok_or(RevokedSessionProblem::Until)?;
        RevokedSession::new(key_id, session.as_deref(), until.0)
    }
}

/// A percent-encoded session id: unreserved characters and `%XX` escapes only.
fn decode_session(text: &str) -> Result<String, RevokedSessionProblem> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        i += match bytes[i] {
            b'%' if bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) =>
            {
                3
            }
            b if is_unreserved(b) => 1,
            _ => return Err(RevokedSessionProblem::SessionId),
        };
    }
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| RevokedSessionProblem::SessionId)
}

/// What is wrong with an entry of `CLIENT_REVOKED_SESSIONS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevokedSessionProblem {
    /// Not of the form `KEY_ID[:SESSION_ID]@UNTIL`.
    Form,
    /// The key id is not 32 hexadecimal characters.
    KeyId,
    /// The session id is not 1 to 64 visible ASCII characters, or not percent-encoded as the
    /// format says.
    SessionId,
    /// The time is not `YYYY-MM-DDTHH:MM:SSZ` (UTC, up to 9999-12-31T23:59:59Z).
    Until,
}

impl fmt::Display for RevokedSessionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RevokedSessionProblem::Form => "is not of the form KEY_ID[:SESSION_ID]@UNTIL",
            RevokedSessionProblem::KeyId => "has a key id that is not 32 hexadecimal characters",
            RevokedSessionProblem::SessionId => {
                "has a session id that is not 1 to 64 visible ASCII characters, percent-encoded \
                 except for A-Z a-z 0-9 - . _ ~"
            }
            RevokedSessionProblem::Until => {
                "has an UNTIL time that is not YYYY-MM-DDTHH:MM:SSZ (UTC)"
            }
        })
    }
}

impl std::error::Error for RevokedSessionProblem {}

/// An entry of `CLIENT_REVOKED_SESSIONS` that does not parse. A deny-list that does not load
/// is refused as a whole (a typo must not bring a revoked session back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidRevokedSession {
    /// The 1-based position of the entry.
    pub entry: usize,
    /// What is wrong with it.
    pub problem: RevokedSessionProblem,
}

impl fmt::Display for InvalidRevokedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CLIENT_REVOKED_SESSIONS entry {} {}: write entries with `issue-client-key revoke \
             <access token>` or `issue-client-key revoke --session SESSION_ID KEY_ID`",
            self.entry, self.problem
        )
    }
}

impl std::error::Error for InvalidRevokedSession {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.problem)
    }
}

/// The parsed `CLIENT_REVOKED_SESSIONS` deny-list: comma-separated [`RevokedSession`] entries,
/// whitespace around them trimmed, empty entries ignored.
///
/// A verifier refuses an access token whose parent and session are listed, whatever the
/// entry's `UNTIL` (an entry past it names only expired tokens). Client keys are never looked
/// up, and an empty list costs nothing.
///
/// ```
/// use client_keys::{KeyId, RevokedSessions};
///
/// let parent: KeyId = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e".parse()?;
/// let list: RevokedSessions = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e:tab-7@2027-01-16T08:01:00Z, \
///      3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e@2027-01-16T08:01:00Z"
///     .parse()?;
/// assert!(list.contains(&parent, Some("tab-7")));
/// assert!(list.contains(&parent, None));
/// assert!(!list.contains(&parent, Some("tab-8")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct RevokedSessions {
    entries: Vec<RevokedSession>,
    /// Entry indexes by parent: one hash probe, then the parent's few sessions.
    by_parent: HashMap<KeyId, Vec<usize>, KeyIdHashBuilder>,
}

impl RevokedSessions {
    /// Parses the text of `CLIENT_REVOKED_SESSIONS`.
    ///
    /// # Errors
    /// The first entry that does not parse, by position.
    pub fn parse(text: &str) -> Result<RevokedSessions, InvalidRevokedSession> {
        allowlist::entries(text)
            .enumerate()
            .map(|(i, entry)| {
                entry.parse().map_err(|problem| InvalidRevokedSession {
                    entry: i + 1,
                    problem,
                })
            })
            .collect()
    }

    /// Whether the session `session_id` (`None`: tokens minted without one) of the parent key
    /// `key_id` is revoked.
    #[inline]
    #[must_use]
    pub fn contains(&self, key_id: &KeyId, session_id: Option<&str>) -> bool {
        !self.entries.is_empty()
            && self.by_parent.get(key_id).is_some_and(|indexes| {
                // The index is by parent: only the session ids are left to compare.
                indexes
                    .iter()
                    .any(|&i| self.entries[i].session_id() == session_id)
            })
    }

    /// The entries, in the order they were listed.
    pub fn iter(&self) -> std::slice::Iter<'_, RevokedSession> {
        self.entries.iter()
    }

    /// How many entries are listed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no session is revoked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl FromIterator<RevokedSession> for RevokedSessions {
    fn from_iter<I: IntoIterator<Item = RevokedSession>>(entries: I) -> RevokedSessions {
        let mut list = RevokedSessions::default();
        for entry in entries {
            list.by_parent
                .entry(entry.key_id)
                .or_default()
                .push(list.entries.len());
            list.entries.push(entry);
        }
        list
    }
}

impl<'a> IntoIterator for &'a RevokedSessions {
    type Item = &'a RevokedSession;
    type IntoIter = std::slice::Iter<'a, RevokedSession>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl FromStr for RevokedSessions {
    type Err = InvalidRevokedSession;

    fn from_str(text: &str) -> Result<RevokedSessions, InvalidRevokedSession> {
        RevokedSessions::parse(text)
    }
}

/// The list as `CLIENT_REVOKED_SESSIONS` text: entries joined by `,` with no spaces, which
/// every `.env` reader and `docker --env-file` read the same.
impl fmt::Display for RevokedSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{entry}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for RevokedSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.entries).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e";
    const NOW: u64 = 1_800_000_000;

    fn key() -> KeyId {
        K.parse().expect("key id")
    }

    #[test]
    fn every_session_id_round_trips_through_its_text() {
        // Every visible ASCII character, alone and in a 64-character id.
        let all: String = (0x21u8..=0x7e).map(char::from).collect();
        let mut ids: Vec<String> = all.chars().map(String::from).collect();
        ids.push(all[..64].to_string());
        ids.push(all[all.len() - 64..].to_string());
        for id in ids {
            let entry = RevokedSession::revoked_at(key(), Some(&id), NOW).expect("entry");
            let text = entry.to_string();
            // Nothing a `.env` reader, a shell or the list would read: unreserved and escapes.
            let (_, encoded) = text.split_once(':').expect("session");
            let encoded = encoded.rsplit_once('@').expect("until").0;
            assert!(
                encoded.bytes().all(|b| is_unreserved(b) || b == b'%'),
                "{text}"
            );
            assert_eq!(text.parse::<RevokedSession>(), Ok(entry), "{id:?}");
        }
    }

    #[test]
    fn the_default_session_has_no_colon() {
        let entry = RevokedSession::revoked_at(key(), None, NOW).expect("entry");
        assert_eq!(entry.to_string(), format!("{K}@2027-01-16T08:01:00Z"));
        assert_eq!(entry.until(), NOW + 86_400 + 60);
        assert_eq!(entry.to_string().parse(), Ok(entry));
    }

    #[test]
    fn escapes_decode_in_either_case_and_unneeded_ones_too() {
        let parsed: RevokedSession = format!("{K}:a%2cb%2C%41@2027-01-16T08:01:00Z")
            .parse()
            .expect("entry");
        assert_eq!(parsed.session_id(), Some("a,b,A"));
        assert_eq!(parsed.key_id(), key());
        // Upper-case key ids are key ids too.
        let upper: RevokedSession = format!("{}:s@2027-01-16T08:01:00Z", K.to_uppercase())
            .parse()
            .expect("entry");
        assert_eq!(upper.key_id(), key());
    }

    #[test]
    fn malformed_entries_name_their_problem() {
        let until = "2027-01-16T08:01:00Z";
        for (text, problem) in [
            (K.to_string(), RevokedSessionProblem::Form),
            (format!("{K}:s"), RevokedSessionProblem::Form),
            (
                format!("{}:s@{until}", &K[1..]),
                RevokedSessionProblem::KeyId,
            ),
            (format!("xyz:s@{until}"), RevokedSessionProblem::KeyId),
            (format!(":s@{until}"), RevokedSessionProblem::KeyId),
            (format!("{K}:@{until}"), RevokedSessionProblem::SessionId),
            (format!("{K}:a b@{until}"), RevokedSessionProblem::SessionId),
            (format!("{K}:a,b@{until}"), RevokedSessionProblem::SessionId),
            (format!("{K}:a#b@{until}"), RevokedSessionProblem::SessionId),
            (format!("{K}:a$b@{until}"), RevokedSessionProblem::SessionId),
            (format!("{K}:a%2@{until}"), RevokedSessionProblem::SessionId),
            (
                format!("{K}:a%zz@{until}"),
                RevokedSessionProblem::SessionId,
            ),
            (format!("{K}:%20@{until}"), RevokedSessionProblem::SessionId),
            (
                format!("{K}:%C3%A9@{until}"),
                RevokedSessionProblem::SessionId,
            ),
            (
                format!("{K}:{}@{until}", "s".repeat(65)),
                RevokedSessionProblem::SessionId,
            ),
            (format!("{K}:s@2027-01-16"), RevokedSessionProblem::Until),
            (format!("{K}:s@1800086460"), RevokedSessionProblem::Until),
            (format!("{K}:s@"), RevokedSessionProblem::Until),
        ] {
            assert_eq!(text.parse::<RevokedSession>(), Err(problem), "{text:?}");
        }
    }

    #[test]
    fn a_list_finds_each_parent_and_session_and_nothing_else() {
        let other: KeyId = "00112233445566778899aabbccddeeff".parse().expect("key id");
        let list = RevokedSessions::parse(&format!(
            " {K}:tab-7@2027-01-16T08:01:00Z ,, {K}@2027-01-16T08:01:00Z,{other}:x@2027-01-16T08:01:00Z,"
        ))
        .expect("list");
        assert_eq!(list.len(), 3);
        assert!(list.contains(&key(), Some("tab-7")));
        assert!(list.contains(&key(), None));
        assert!(!list.contains(&key(), Some("tab-8")));
        assert!(!list.contains(&key(), Some("x")));
        assert!(list.contains(&other, Some("x")));
        assert!(!list.contains(&other, None));
        // Written back without spaces, in order, and read back the same.
        let text = list.to_string();
        assert!(!text.contains(' '));
        assert_eq!(
            RevokedSessions::parse(&text).expect("list").to_string(),
            text
        );
        assert!(RevokedSessions::parse("").expect("empty").is_empty());
    }

    #[test]
    fn one_bad_entry_refuses_the_whole_list_naming_its_position() {
        let err = RevokedSessions::parse(&format!("{K}@2027-01-16T08:01:00Z, nope"))
            .expect_err("invalid");
        assert_eq!(err.entry, 2);
        assert_eq!(err.problem, RevokedSessionProblem::Form);
        assert!(err.to_string().contains("entry 2"));
    }

    #[test]
    fn entries_are_prunable_only_after_their_time() {
        let entry = RevokedSession::revoked_at(key(), Some("s"), NOW).expect("entry");
        assert!(!entry.is_prunable_at(NOW));
        assert!(!entry.is_prunable_at(entry.until()));
        assert!(entry.is_prunable_at(entry.until() + 1));
    }
}
