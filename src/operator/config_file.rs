//! The operator's edits of the `.env` file: init, save a key id, revoke, rotate the secret.
//!
//! Every edit goes through [`EnvFile`]: one locked, atomic, read-back-checked rewrite that
//! leaves every other byte of the file as it was. Lists (`CLIENT_KEYS`,
//! `CLIENT_SECRET_PREVIOUS`) are written by one function, `list_text`.

use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::allowlist::entries;
use crate::config::{Config, ConfigError, InvalidSecret, Variable, parse_secret, previous_secrets};
use crate::error::VerifyError;
use crate::inspect::Inspector;
use crate::operator::env_file::{EnvFile, EnvFileError};
use crate::operator::sessions::SessionRevoked;
use crate::token::TokenKind;
use crate::token::client_id::ClientId;
use crate::token::key_id::KeyId;
use crate::token::keys::SecretId;
use crate::token::secret::ClientSecret;

const CLIENT_SECRET: &str = Variable::ClientSecret.name();
const CLIENT_SECRET_PREVIOUS: &str = Variable::ClientSecretPrevious.name();
const CLIENT_KEYS: &str = Variable::ClientKeys.name();

/// A `.env` file holding `CLIENT_SECRET`, `CLIENT_SECRET_PREVIOUS` and `CLIENT_KEYS`, and the
/// operator's edits of it.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// use client_keys::KeyId;
/// use client_keys::operator::ConfigFile;
///
/// let file = ConfigFile::new(dir.path().join(".env"));
/// file.init()?;                         // fresh CLIENT_SECRET, empty CLIENT_KEYS, mode 0600
/// let id = KeyId::generate();
/// file.save_key_id(id)?;                // CLIENT_KEYS=<id>
/// let revoked = file.revoke(&id.to_string())?;
/// assert_eq!(revoked.remaining, 0);
/// let rotation = file.rotate()?;        // old secret moves to CLIENT_SECRET_PREVIOUS
/// assert_eq!(rotation.previous_secrets, 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
}

/// What [`ConfigFile::init`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Initialized {
    /// Whether the file was created (otherwise the variables were added to it).
    pub created: bool,
    /// Whether `CLIENT_KEYS` was added (it is kept when already present).
    pub added_client_keys: bool,
    /// The public identifier of the new secret.
    pub secret_id: SecretId,
}

/// What [`ConfigFile::revoke`] or [`ConfigFile::revoke_token`] removed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revoked {
    /// The entry removed from `CLIENT_KEYS`, as it was written there.
    pub entry: String,
    /// How many entries remain.
    pub remaining: usize,
}

/// What [`ConfigFile::revoke_token`] did: a client key is removed from `CLIENT_KEYS`; an
/// access token's session is added to `CLIENT_REVOKED_SESSIONS`, its parent key kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRevoked {
    /// The token was a client key: its key id was removed from `CLIENT_KEYS`.
    Key(Revoked),
    /// The token was an access token: its session was revoked (see
    /// [`ConfigFile::revoke_session`]).
    Session(SessionRevoked),
}

/// What [`ConfigFile::rotate`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rotated {
    /// The identifier of the secret that was current and is now the first previous one.
    pub old_secret_id: SecretId,
    /// The identifier of the new current secret.
    pub new_secret_id: SecretId,
    /// How many secrets `CLIENT_SECRET_PREVIOUS` now holds.
    pub previous_secrets: usize,
}

/// An operator's edit was refused; nothing was written.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigFileError {
    /// Reading, parsing or writing the file failed.
    EnvFile(EnvFileError),
    /// `init` found a `CLIENT_SECRET` already there.
    AlreadyInitialized {
        /// The file.
        path: PathBuf,
    },
    /// The file has no `CLIENT_SECRET` to rotate.
    NoSecret {
        /// The file.
        path: PathBuf,
    },
    /// The file's `CLIENT_SECRET` (or an entry of `CLIENT_SECRET_PREVIOUS`) is malformed.
    InvalidSecret {
        /// The file.
        path: PathBuf,
        /// Which variable, and what is wrong.
        source: InvalidSecret,
    },
    /// `revoke_token` could not read the secrets to open the token.
    Config(ConfigError),
    /// `revoke_token` was given a token that is not one of this configuration's.
    Token(VerifyError),
    /// `--save`: the key was minted under a `CLIENT_SECRET` (from the environment) that is not
    /// the file's, so servers reading the file would refuse it. Nothing was saved.
    SecretMismatch {
        /// The file.
        path: PathBuf,
    },
    /// A session id to revoke is not 1 to 64 visible ASCII characters: no access token
    /// carries it.
    InvalidSessionId,
    /// `migrate` found a non-empty `CLIENT_SECRET_LEGACY`: the file was migrated already.
    AlreadyMigrated {
        /// The file.
        path: PathBuf,
    },
    /// `migrate` found no non-empty `CLIENT_SECRET` (Trivial's secret) to move.
    NoSecretToMigrate {
        /// The file.
        path: PathBuf,
    },
    /// `revoke` did not find the key id in `CLIENT_KEYS`.
    NotListed {
        /// The file.
        path: PathBuf,
        /// What was looked for (shown by `Display` only when it is a key id).
        entry: String,
    },
}

impl ConfigFileError {
    /// Whether the error means "not found" or "not a token of ours" (the CLI exits 1) rather
    /// than a usage or configuration error (exit 2).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            ConfigFileError::NotListed { .. } | ConfigFileError::Token(_)
        )
    }
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigFileError::EnvFile(e) => write!(f, "{e}"),
            ConfigFileError::Config(e) => write!(f, "{e}"),
            ConfigFileError::Token(e) => write!(f, "token rejected: {e}"),
            ConfigFileError::AlreadyInitialized { path } => write!(
                f,
                "{} already has a CLIENT_SECRET; it was left unchanged (to replace the secret \
                 and keep existing keys working, run `issue-client-key rotate`)",
                path.display()
            ),
            ConfigFileError::SecretMismatch { path } => write!(
                f,
                "refusing to save the key id: CLIENT_SECRET in the environment is not the one in \
                 {path}, so servers reading {path} would refuse the key; unset CLIENT_SECRET in \
                 the environment (or make the two agree) and mint again (nothing was saved or \
                 printed)",
                path = path.display()
            ),
            ConfigFileError::InvalidSessionId => f.write_str(
                "the session id is not 1 to 64 visible ASCII characters (no spaces), so no \
                 access token carries it: copy it from the token endpoint's request or \
                 `issue-client-key inspect` of the token",
            ),
            ConfigFileError::NoSecret { path } => write!(
                f,
                "{} has no CLIENT_SECRET to rotate: run `issue-client-key init` first",
                path.display()
            ),
            ConfigFileError::AlreadyMigrated { path } => write!(
                f,
                "{} already has a CLIENT_SECRET_LEGACY, so it was migrated already; it was left \
                 unchanged (to migrate again, first restore Trivial's secret as CLIENT_SECRET and \
                 delete the CLIENT_SECRET_LEGACY line; to replace the current secret, run \
                 `issue-client-key rotate`)",
                path.display()
            ),
            ConfigFileError::NoSecretToMigrate { path } => write!(
                f,
                "{} has no CLIENT_SECRET to migrate (nothing was changed): pass the .env of the \
                 Trivial deployment with --env-file, or, to start without Trivial's tokens, run \
                 `issue-client-key init`",
                path.display()
            ),
            ConfigFileError::InvalidSecret { path, source } => write!(
                f,
                "in {}: {source}; fix it before rotating (nothing was changed)",
                path.display()
            ),
            // What was typed may be a credential pasted in the wrong place: it is repeated only
            // when it is a key id.
            ConfigFileError::NotListed { path, entry } => match entry.parse::<KeyId>() {
                Ok(key_id) => write!(
                    f,
                    "{key_id} is not in CLIENT_KEYS in {}: nothing to revoke",
                    path.display()
                ),
                Err(_) => write!(
                    f,
                    "the given entry (not shown: it is not a key id) is not in CLIENT_KEYS in \
                     {}: nothing to revoke",
                    path.display()
                ),
            },
        }
    }
}

impl std::error::Error for ConfigFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigFileError::EnvFile(e) => Some(e),
            ConfigFileError::Config(e) => Some(e),
            ConfigFileError::Token(e) => Some(e),
            ConfigFileError::InvalidSecret { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<EnvFileError> for ConfigFileError {
    fn from(e: EnvFileError) -> ConfigFileError {
        ConfigFileError::EnvFile(e)
    }
}

impl ConfigFile {
    /// The file at `path` (it need not exist yet).
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> ConfigFile {
        ConfigFile { path: path.into() }
    }

    /// The path as given.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a fresh `CLIENT_SECRET` and, if absent, an empty `CLIENT_KEYS`.
    ///
    /// Creates the file with mode 0600 if needed, and otherwise keeps everything in it. An
    /// empty `CLIENT_SECRET=` (as in a `.env.example` copied to `.env`) is filled in place.
    /// Refuses, changing nothing, if the file already has a non-empty `CLIENT_SECRET`.
    ///
    /// # Errors
    /// [`ConfigFileError::AlreadyInitialized`], or the file cannot be read, parsed or written.
    pub fn init(&self) -> Result<Initialized, ConfigFileError> {
        let mut file = EnvFile::open(&self.path)?;
        if file
            .value(CLIENT_SECRET)?
            .is_some_and(|s| !s.trim().is_empty())
        {
            return Err(ConfigFileError::AlreadyInitialized {
                path: self.path.clone(),
            });
        }
        let created = !file.exists();
        let secret = ClientSecret::generate();
        file.set(CLIENT_SECRET, &secret.to_hex())?;
        let added_client_keys = file.value(CLIENT_KEYS)?.is_none();
        if added_client_keys {
            file.set(CLIENT_KEYS, "")?;
        }
        file.commit()?;
        Ok(Initialized {
            created,
            added_client_keys,
            secret_id: secret.id(),
        })
    }

    /// Appends `key_id` to `CLIENT_KEYS` (creating the variable if absent), keeping the
    /// existing entries as they are spelled and in their order, unquoted, comma-separated,
    /// without spaces: `CLIENT_KEYS=a,b,c`. Saving an id that is already listed changes
    /// nothing.
    ///
    /// # Errors
    /// The file cannot be read, parsed or written, defines `CLIENT_KEYS` twice, or has a
    /// `${VAR}` reference in it (refused rather than flattened).
    pub fn save_key_id(&self, key_id: KeyId) -> Result<(), ConfigFileError> {
        self.save(key_id, None)
    }

    /// As [`ConfigFile::save_key_id`], for a key minted under `minted_under`: refuses when the
    /// file has a `CLIENT_SECRET` that is not that secret (the environment's `CLIENT_SECRET`
    /// wins over the file's when minting, but servers reading the file would refuse the key).
    ///
    /// # Errors
    /// [`ConfigFileError::SecretMismatch`], or as [`ConfigFile::save_key_id`].
    pub fn save_key_id_minted_under(
        &self,
        key_id: KeyId,
        minted_under: &ClientSecret,
    ) -> Result<(), ConfigFileError> {
        self.save(key_id, Some(minted_under))
    }

    fn save(
        &self,
        key_id: KeyId,
        minted_under: Option<&ClientSecret>,
    ) -> Result<(), ConfigFileError> {
        let mut file = EnvFile::open(&self.path)?;
        if let Some(secret) = minted_under {
            let file_secret = file.value(CLIENT_SECRET)?.filter(|s| !s.trim().is_empty());
            let agrees = file_secret
                .is_none_or(|text| parse_secret(text).is_ok_and(|s| s.to_hex() == secret.to_hex()));
            if !agrees {
                return Err(ConfigFileError::SecretMismatch {
                    path: self.path.clone(),
                });
            }
        }
        let current = file.value(CLIENT_KEYS)?.unwrap_or_default();
        let mut list: Vec<&str> = entries(current).collect();
        if list.iter().any(|e| e.parse::<KeyId>() == Ok(key_id)) {
            return Ok(());
        }
        let id = key_id.to_string();
        list.push(&id);
        let value = list_text(&list);
        file.set(CLIENT_KEYS, &value)?;
        file.commit()?;
        Ok(())
    }

    /// Removes `entry` (a key id in either case, or any other listed id) from `CLIENT_KEYS`,
    /// every occurrence of it, keeping the other entries in order.
    ///
    /// # Errors
    /// [`ConfigFileError::NotListed`], or the file cannot be read, parsed or written.
    pub fn revoke(&self, entry: &str) -> Result<Revoked, ConfigFileError> {
        let entry = entry.trim();
        let mut file = EnvFile::open(&self.path)?;
        let current = file.value(CLIENT_KEYS)?.unwrap_or_default();
        let wanted = entry.parse::<KeyId>().ok();
        let matches = |e: &str| match wanted {
            Some(id) => e.parse::<KeyId>() == Ok(id),
            None => e == entry,
        };
        let (removed, kept): (Vec<&str>, Vec<&str>) = entries(current).partition(|e| matches(e));
        let Some(first) = removed.first() else {
            return Err(ConfigFileError::NotListed {
                path: self.path.clone(),
                entry: entry.to_owned(),
            });
        };
        let revoked = Revoked {
            entry: (*first).to_owned(),
            remaining: kept.len(),
        };
        let value = list_text(&kept);
        file.set(CLIENT_KEYS, &value)?;
        file.commit()?;
        Ok(revoked)
    }

    /// Revokes what `token` grants: opens it with the secrets of the environment over this
    /// file (as a server would read them), then removes a client key's id (or, with
    /// `CLIENT_SECRET_LEGACY`, a Trivial token's id) from `CLIENT_KEYS`,
    /// or revokes an access token's session alone ([`ConfigFile::revoke_session`]), leaving
    /// its parent key and the parent's other sessions working.
    ///
    /// # Errors
    /// The configuration cannot be read, the token is not one of its secrets', or as
    /// [`ConfigFile::revoke`] and [`ConfigFile::revoke_session`].
    pub fn revoke_token(&self, token: &str) -> Result<TokenRevoked, ConfigFileError> {
        let config = Config::from_optional_env_file(&self.path).map_err(ConfigFileError::Config)?;
        let found = Inspector::from_config(&config)
            .inspect(token)
            .map_err(ConfigFileError::Token)?;
        // A Trivial token (during a migration) opens with its legacy id, a CLIENT_KEYS entry.
        match (found.kind(), found.key_id()) {
            (TokenKind::AccessToken, ClientId::Key(parent)) => self
                .revoke_session(parent, found.claims().session_id())
                .map(TokenRevoked::Session),
            (_, id) => self.revoke(&id.to_string()).map(TokenRevoked::Key),
        }
    }

    /// Writes a fresh `CLIENT_SECRET` and moves the old one to the front of
    /// `CLIENT_SECRET_PREVIOUS`, in one atomic edit.
    ///
    /// Keys minted under the old secret keep verifying while it stays in
    /// `CLIENT_SECRET_PREVIOUS`. Refuses if the file has no valid `CLIENT_SECRET` or a
    /// malformed previous secret (so garbage is never carried along).
    ///
    /// # Errors
    /// [`ConfigFileError::NoSecret`], [`ConfigFileError::InvalidSecret`], or the file cannot
    /// be read, parsed or written.
    pub fn rotate(&self) -> Result<Rotated, ConfigFileError> {
        let mut file = EnvFile::open(&self.path)?;
        let invalid = |source| ConfigFileError::InvalidSecret {
            path: self.path.clone(),
            source,
        };
        let old_text = Zeroizing::new(
            file.value(CLIENT_SECRET)?
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| ConfigFileError::NoSecret {
                    path: self.path.clone(),
                })?
                .to_owned(),
        );
        let old = parse_secret(&old_text).map_err(invalid)?;
        let mut previous: Vec<Zeroizing<String>> = vec![old.to_hex()];
        for secret in previous_secrets(file.value(CLIENT_SECRET_PREVIOUS)?.unwrap_or_default()) {
            let hex = secret.map_err(invalid)?.to_hex();
            if !previous.contains(&hex) {
                previous.push(hex);
            }
        }
        let new = ClientSecret::generate();
        let joined = Zeroizing::new(list_text(
            &previous.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ));
        file.set(CLIENT_SECRET, &new.to_hex())?;
        file.set(CLIENT_SECRET_PREVIOUS, &joined)?;
        file.commit()?;
        Ok(Rotated {
            old_secret_id: old.id(),
            new_secret_id: new.id(),
            previous_secrets: previous.len(),
        })
    }
}

/// A list variable's text (`CLIENT_KEYS`, `CLIENT_SECRET_PREVIOUS`,
/// `CLIENT_REVOKED_SESSIONS`): the entries as they are spelled, comma-separated, without spaces
/// (`a,b,c`). Unquoted in the file, every reader reads it alike, `docker --env-file` included
/// (it keeps quotes as part of the value).
pub(crate) fn list_text(entries: &[&str]) -> String {
    entries.join(",")
}
