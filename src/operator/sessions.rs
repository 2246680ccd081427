//! Revoking one session of access tokens in `.env`: `CLIENT_REVOKED_SESSIONS`.

use crate::config::Variable;
use crate::config::allowlist::Allowlist;
use crate::config::revoked::{RevokedSession, RevokedSessions};

use crate::operator::config_file::list_text;
use crate::operator::env_file::EnvFile;
use crate::operator::{ConfigFile, ConfigFileError};
use crate::token::claims::now_unix;
use crate::token::key_id::KeyId;

const CLIENT_REVOKED_SESSIONS: &str = Variable::ClientRevokedSessions.name();

/// What [`ConfigFile::revoke_session`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionRevoked {
    /// The entry now in `CLIENT_REVOKED_SESSIONS`.
    pub entry: RevokedSession,
    /// Whether the session was already listed (its entry now lasts until the later time).
    pub already_listed: bool,
    /// How many entries past their time were removed by this edit.
    pub pruned: usize,
    /// How many entries the list holds now.
    pub listed: usize,
}

impl ConfigFile {
    /// Adds the session `session_id` (`None`: the access tokens minted without one) of the
    /// parent key `key_id` to `CLIENT_REVOKED_SESSIONS`, in one atomic edit that also removes
    /// the entries whose time has passed. The parent stays in `CLIENT_KEYS`; it must be listed
    /// there (otherwise its tokens are refused already).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use client_keys::operator::ConfigFile;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let file = ConfigFile::new(dir.path().join(".env"));
    /// file.init()?;
    /// let parent = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e".parse()?;
    /// file.save_key_id(parent)?;
    /// let done = file.revoke_session(parent, Some("browser-tab-7"))?;
    /// assert_eq!(done.entry.session_id(), Some("browser-tab-7"));
    /// assert_eq!(done.listed, 1);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ConfigFileError::InvalidSessionId`] when the session id is not 1 to 64 visible ASCII
    /// characters; [`ConfigFileError::NotListed`] when the parent is not in the file's
    /// `CLIENT_KEYS`; [`ConfigFileError::Config`] when the list in the file does not parse (it is
    /// left as it is: fix it by hand); or the file cannot be read or written.
    pub fn revoke_session(
        &self,
        key_id: KeyId,
        session_id: Option<&str>,
    ) -> Result<SessionRevoked, ConfigFileError> {
        self.revoke_session_at(key_id, session_id, now_unix())
    }

    /// [`ConfigFile::revoke_session`] as if the time were `now` (unix seconds).
    ///
    /// # Errors
    /// As [`ConfigFile::revoke_session`].
    pub fn revoke_session_at(
        &self,
        key_id: KeyId,
        session_id: Option<&str>,
        now: u64,
    ) -> Result<SessionRevoked, ConfigFileError> {
        let entry = RevokedSession::revoked_at(key_id, session_id, now)
            .map_err(|_| ConfigFileError::InvalidSessionId)?;
        let mut file = EnvFile::open(self.path())?;
        let keys = file.value(Variable::ClientKeys.name())?.unwrap_or_default();
        if !Allowlist::parse(keys).contains(&key_id) {
            // Its tokens are refused already.
            return Err(ConfigFileError::NotListed {
                path: self.path().to_owned(),
                entry: key_id.to_string(),
            });
        }
        let current = file.value(CLIENT_REVOKED_SESSIONS)?.unwrap_or_default();
        let listed =
            RevokedSessions::parse(current).map_err(|e| ConfigFileError::Config(e.into()))?;
        let mut kept: Vec<RevokedSession> = listed
            .iter()
            .filter(|e| !e.is_prunable_at(now))
            .cloned()
            .collect();
        let pruned = listed.len() - kept.len();
        let same = |e: &RevokedSession| e.key_id() == key_id && e.session_id() == session_id;
        let already_listed = listed.iter().any(same);
        kept.retain(|e| !same(e));
        kept.push(entry.clone());
        let written: Vec<String> = kept.iter().map(ToString::to_string).collect();
        let written: Vec<&str> = written.iter().map(String::as_str).collect();
        file.set(CLIENT_REVOKED_SESSIONS, &list_text(&written))?;
        file.commit()?;
        Ok(SessionRevoked {
            entry,
            already_listed,
            pruned,
            listed: kept.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;
    const DAY: u64 = 86_400;

    fn key(n: u8) -> KeyId {
        KeyId::from_bytes([n; 16])
    }

    /// A fresh `.env` with keys 1 to 3 listed.
    fn config_file(dir: &std::path::Path) -> ConfigFile {
        let file = ConfigFile::new(dir.join(".env"));
        file.init().expect("init");
        for n in 1..=3 {
            file.save_key_id(key(n)).expect("save");
        }
        file
    }

    fn listed(file: &ConfigFile) -> String {
        let text = std::fs::read_to_string(file.path()).expect("read");
        text.lines()
            .find_map(|l| l.strip_prefix("CLIENT_REVOKED_SESSIONS="))
            .expect("the variable")
            .to_owned()
    }

    #[test]
    fn entries_accumulate_and_expired_ones_are_pruned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = config_file(dir.path());
        let first = file
            .revoke_session_at(key(1), Some("a"), NOW)
            .expect("revoke");
        assert_eq!(
            (first.listed, first.pruned, first.already_listed),
            (1, 0, false)
        );
        let second = file
            .revoke_session_at(key(2), None, NOW + 10)
            .expect("revoke");
        assert_eq!((second.listed, second.pruned), (2, 0));
        assert_eq!(
            listed(&file),
            format!("{},{}", first.entry, second.entry),
            "written without spaces, in order"
        );
        // A day and a bit later the first entry has passed its time; the second has not.
        let later = NOW + DAY + 61;
        let third = file
            .revoke_session_at(key(3), Some("c,d"), later)
            .expect("revoke");
        assert_eq!((third.listed, third.pruned), (2, 1));
        assert_eq!(listed(&file), format!("{},{}", second.entry, third.entry));
    }

    #[test]
    fn revoking_a_listed_session_again_extends_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = config_file(dir.path());
        file.revoke_session_at(key(1), Some("a"), NOW)
            .expect("revoke");
        let again = file
            .revoke_session_at(key(1), Some("a"), NOW + 100)
            .expect("revoke");
        assert!(again.already_listed);
        assert_eq!(again.listed, 1);
        assert_eq!(again.entry.until(), NOW + 100 + DAY + 60);
    }

    #[test]
    fn a_list_that_does_not_parse_is_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        let file = config_file(dir.path());
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("CLIENT_REVOKED_SESSIONS=not-an-entry\n");
        std::fs::write(&path, &text).expect("write");
        let err = file
            .revoke_session_at(key(1), Some("a"), NOW)
            .expect_err("refused");
        assert!(matches!(err, ConfigFileError::Config(_)), "{err:?}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
        let bad = file
            .revoke_session_at(key(1), Some("a b"), NOW)
            .expect_err("refused");
        assert!(matches!(bad, ConfigFileError::InvalidSessionId), "{bad:?}");
    }

    #[test]
    fn a_parent_that_is_not_listed_has_nothing_to_revoke() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = config_file(dir.path());
        let before = std::fs::read(file.path()).expect("read");
        let err = file
            .revoke_session_at(key(9), Some("a"), NOW)
            .expect_err("refused");
        assert!(err.is_not_found(), "{err:?}");
        assert_eq!(std::fs::read(file.path()).expect("read"), before);
    }
}
