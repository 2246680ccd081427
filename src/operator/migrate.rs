//! Migrating a Trivial `.env` (`CLIENT_SECRET`, `CLIENT_KEYS`) to client-keys: the old secret
//! moves to `CLIENT_SECRET_LEGACY`, where the verifiers accept Trivial's HS256 JWTs signed with
//! it, and a fresh `CLIENT_SECRET` mints the new keys.

use zeroize::Zeroizing;

use crate::config::allowlist::{Allowlist, entries};
use crate::config::{Variable, parse_secret};
use crate::operator::env_file::EnvFile;
use crate::operator::{ConfigFile, ConfigFileError};
use crate::token::keys::SecretId;
use crate::token::secret::ClientSecret;

const CLIENT_SECRET: &str = Variable::ClientSecret.name();
const CLIENT_SECRET_LEGACY: &str = Variable::ClientSecretLegacy.name();
const CLIENT_KEYS: &str = Variable::ClientKeys.name();

/// What [`ConfigFile::migrate`] did. It holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Migrated {
    /// The identifier of the fresh `CLIENT_SECRET`, under which new keys are minted.
    pub secret_id: SecretId,
    /// The identifier the old `CLIENT_SECRET` had as a secret of this tool, when it was one
    /// (64 hex characters). It is now in `CLIENT_SECRET_LEGACY`, where it verifies only
    /// Trivial's JWTs: client keys minted under it are refused from now on. `None` when the old
    /// text was not such a secret (Trivial's secret may be any text).
    pub old_secret_id: Option<SecretId>,
    /// How many entries `CLIENT_KEYS` holds, as written (all kept unchanged).
    pub client_keys: usize,
    /// How many distinct entries of `CLIENT_KEYS` are not key ids of this tool (such as
    /// Trivial's 30-hex-character ids): each is to be revoked once its client has a new key.
    pub legacy_ids: usize,
    /// Whether `CLIENT_KEYS` was absent and added, empty.
    pub added_client_keys: bool,
}

impl ConfigFile {
    /// Turns a Trivial `.env` into a client-keys one, in one atomic edit: the text of
    /// `CLIENT_SECRET` (whatever it is) moves to `CLIENT_SECRET_LEGACY`, a fresh
    /// `CLIENT_SECRET` takes its place (same line, same inline comment), and `CLIENT_KEYS` is
    /// kept exactly as it is (added, empty, when absent). Every other byte of the file stays
    /// as it was, and so does its mode.
    ///
    /// Verifiers that read `CLIENT_SECRET_LEGACY` then accept both Trivial's tokens (for the
    /// ids in `CLIENT_KEYS`) and keys minted under the new secret, so clients can move one by
    /// one.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use client_keys::operator::ConfigFile;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join(".env");
    /// std::fs::write(&path, "CLIENT_SECRET=trivial's secret\nCLIENT_KEYS=xxx, another-key\n")?;
    /// let done = ConfigFile::new(&path).migrate()?;
    /// assert_eq!((done.client_keys, done.legacy_ids), (2, 2));
    /// assert!(done.old_secret_id.is_none()); // not 64 hex: it was only ever Trivial's
    /// assert!(ConfigFile::new(&path).migrate().is_err()); // never twice
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ConfigFileError::AlreadyMigrated`] when the file's `CLIENT_SECRET_LEGACY` is not
    /// empty, [`ConfigFileError::NoSecretToMigrate`] when it has no non-empty `CLIENT_SECRET`
    /// (nothing is written in either case), or the file cannot be read, parsed or written.
    pub fn migrate(&self) -> Result<Migrated, ConfigFileError> {
        let mut file = EnvFile::open(self.path())?;
        if file
            .value(CLIENT_SECRET_LEGACY)?
            .is_some_and(|s| !s.trim().is_empty())
        {
            return Err(ConfigFileError::AlreadyMigrated {
                path: self.path().to_owned(),
            });
        }
        let old_text = Zeroizing::new(
            file.value(CLIENT_SECRET)?
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| ConfigFileError::NoSecretToMigrate {
                    path: self.path().to_owned(),
                })?
                .to_owned(),
        );
        let old_secret_id = parse_secret(&old_text).ok().map(|s| s.id());
        let keys = file.value(CLIENT_KEYS)?;
        let added_client_keys = keys.is_none();
        let keys = keys.unwrap_or_default();
        let client_keys = entries(keys).count();
        let legacy_ids = Allowlist::parse(keys).legacy_entries().len();

        let new = ClientSecret::generate();
        file.set(CLIENT_SECRET_LEGACY, &old_text)?;
        file.set(CLIENT_SECRET, &new.to_hex())?;
        if added_client_keys {
            file.set(CLIENT_KEYS, "")?;
        }
        file.commit()?;
        Ok(Migrated {
            secret_id: new.id(),
            old_secret_id,
            client_keys,
            legacy_ids,
            added_client_keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::Path;

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).expect("reads")
    }

    fn value_of<'a>(text: &'a str, name: &str) -> Option<&'a str> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
    }

    #[test]
    fn any_secret_text_moves_to_legacy_and_a_second_run_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        let keys = "0123456789abcdef0123456789abcd, 3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e,x";
        let original = format!("A=1\nCLIENT_SECRET=not hex at all\nCLIENT_KEYS={keys}\nB=2\n");
        std::fs::write(&path, &original).expect("write");
        let file = ConfigFile::new(&path);

        let done = file.migrate().expect("migrates");
        assert_eq!(done.client_keys, 3);
        assert_eq!(done.legacy_ids, 2, "the 30-hex id and `x`");
        assert_eq!(done.old_secret_id, None);
        assert!(!done.added_client_keys);

        let after = read(&path);
        let new = value_of(&after, "CLIENT_SECRET").expect("CLIENT_SECRET");
        assert_eq!(
            ClientSecret::from_hex(new).expect("64 hex").id(),
            done.secret_id
        );
        assert_eq!(
            after,
            format!(
                "A=1\nCLIENT_SECRET={new}\nCLIENT_KEYS={keys}\nB=2\n\
                 CLIENT_SECRET_LEGACY='not hex at all'\n"
            )
        );

        let again = file.migrate().expect_err("refuses to run twice");
        assert!(
            matches!(&again, ConfigFileError::AlreadyMigrated { path: p } if p == &path),
            "{again:?}"
        );
        assert!(!again.is_not_found());
        assert_eq!(read(&path), after, "nothing written the second time");
    }

    #[test]
    fn a_valid_old_secret_is_named_and_absent_client_keys_is_added() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        let old = ClientSecret::generate();
        std::fs::write(&path, format!("CLIENT_SECRET={}", old.to_hex().as_str())).expect("write");
        let done = ConfigFile::new(&path).migrate().expect("migrates");
        assert_eq!(done.old_secret_id, Some(old.id()));
        assert_ne!(done.secret_id, old.id());
        assert!(done.added_client_keys);
        assert_eq!((done.client_keys, done.legacy_ids), (0, 0));
        let after = read(&path);
        assert_eq!(
            value_of(&after, "CLIENT_SECRET_LEGACY"),
            Some(old.to_hex().as_str())
        );
        assert_eq!(value_of(&after, "CLIENT_KEYS"), Some(""));
    }

    #[test]
    fn without_a_secret_nothing_is_written_and_the_error_shows_no_value() {
        let dir = tempfile::tempdir().expect("tempdir");
        for text in [None, Some("CLIENT_SECRET=\nCLIENT_KEYS=a\n"), Some("X=1\n")] {
            let path = dir.path().join(".env");
            let _ = std::fs::remove_file(&path);
            if let Some(text) = text {
                std::fs::write(&path, text).expect("write");
            }
            let e = ConfigFile::new(&path).migrate().expect_err("refused");
            assert!(
                matches!(e, ConfigFileError::NoSecretToMigrate { .. }),
                "{e:?}"
            );
            assert!(!e.is_not_found());
            assert!(e.to_string().contains("no CLIENT_SECRET to migrate"), "{e}");
            assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), text);
        }
    }

    #[test]
    fn an_empty_legacy_line_is_filled_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "CLIENT_SECRET_LEGACY='' # Trivial's\nCLIENT_SECRET=s3cret\nCLIENT_KEYS=\n",
        )
        .expect("write");
        ConfigFile::new(&path).migrate().expect("migrates");
        let after = read(&path);
        assert!(
            after.starts_with("CLIENT_SECRET_LEGACY=s3cret # Trivial's\n"),
            "{after}"
        );
        let e = ConfigFile::new(&path).migrate().expect_err("twice");
        let message = e.to_string();
        assert!(
            message.contains("already has a CLIENT_SECRET_LEGACY"),
            "{message}"
        );
        assert!(!message.contains("s3cret"), "{message}");
    }
}
