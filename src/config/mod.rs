//! Configuration: the variables a verifier or issuer reads (`CLIENT_SECRET`,
//! `CLIENT_SECRET_PREVIOUS`, `CLIENT_KEYS`, `CLIENT_REVOKED_SESSIONS`), from the environment over
//! a `.env` file, and the one parser of each.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::token::secret::{ClientSecret, SecretProblem};

pub(crate) mod allowlist;
pub(crate) mod dotenv;
pub(crate) mod revoked;
pub(crate) mod source;

use allowlist::Allowlist;
use revoked::{InvalidRevokedSession, RevokedSessions};
use source::{EnvSource, Missing, Origin};

/// A variable of the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Variable {
    /// `CLIENT_SECRET`: the root secret new keys are minted under.
    ClientSecret,
    /// `CLIENT_SECRET_PREVIOUS`: older secrets, comma-separated, whose keys still verify.
    ClientSecretPrevious,
    /// `CLIENT_KEYS`: the allowlist of key ids, comma-separated.
    ClientKeys,
    /// `CLIENT_REVOKED_SESSIONS`: access-token sessions refused although their parent key is
    /// allowed (optional).
    ClientRevokedSessions,
    /// `CLIENT_SECRET_LEGACY`: the `CLIENT_SECRET` of a Trivial deployment, whose HS256 JWTs
    /// are accepted during a migration (optional).
    ClientSecretLegacy,
}

impl Variable {
    /// Every variable, in the order a report lists them.
    pub const ALL: [Variable; 5] = [
        Variable::ClientSecret,
        Variable::ClientSecretPrevious,
        Variable::ClientKeys,
        Variable::ClientRevokedSessions,
        Variable::ClientSecretLegacy,
    ];

    /// The variable's name, as in the environment and `.env`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Variable::ClientSecret => "CLIENT_SECRET",
            Variable::ClientSecretPrevious => "CLIENT_SECRET_PREVIOUS",
            Variable::ClientKeys => "CLIENT_KEYS",
            Variable::ClientRevokedSessions => "CLIENT_REVOKED_SESSIONS",
            Variable::ClientSecretLegacy => "CLIENT_SECRET_LEGACY",
        }
    }

    /// Whether the process environment sets it (then it wins over any `.env` file).
    #[must_use]
    pub fn is_set_in_environment(self) -> bool {
        std::env::var_os(self.name()).is_some()
    }
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A secret variable (or one entry of `CLIENT_SECRET_PREVIOUS`) is not 64 hex characters. The
/// message names the variable, the entry and the problem, never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidSecret {
    /// The variable.
    pub variable: Variable,
    /// For a list, the 1-based position of the entry.
    pub entry: Option<usize>,
    /// What is wrong.
    pub problem: SecretProblem,
}

impl fmt::Display for InvalidSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.variable.name())?;
        if let Some(n) = self.entry {
            write!(f, " entry {n}")?;
        }
        write!(
            f,
            " {}; it must be exactly 64 hexadecimal characters (32 bytes), unquoted: make one \
             with `issue-client-key secret`",
            self.problem
        )
    }
}

impl std::error::Error for InvalidSecret {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.problem)
    }
}

/// Parses `CLIENT_SECRET`.
pub(crate) fn parse_secret(text: &str) -> Result<ClientSecret, InvalidSecret> {
    ClientSecret::from_hex(text).map_err(|problem| InvalidSecret {
        variable: Variable::ClientSecret,
        entry: None,
        problem,
    })
}

/// Parses `CLIENT_SECRET_PREVIOUS` entry by entry: comma-separated secrets, whitespace trimmed,
/// empty entries ignored. Each item is one entry's secret or what is wrong with it.
pub(crate) fn previous_secrets(
    text: &str,
) -> impl Iterator<Item = Result<ClientSecret, InvalidSecret>> + '_ {
    allowlist::entries(text).enumerate().map(|(i, entry)| {
        ClientSecret::from_hex(entry).map_err(|problem| InvalidSecret {
            variable: Variable::ClientSecretPrevious,
            entry: Some(i + 1),
            problem,
        })
    })
}

/// What [`Config::into_parts`] gives.
pub(crate) struct ConfigParts {
    pub(crate) secret: ClientSecret,
    pub(crate) previous: Vec<ClientSecret>,
    pub(crate) keys: Option<Allowlist>,
    pub(crate) revoked: RevokedSessions,
    #[cfg(feature = "legacy")]
    pub(crate) legacy: Option<crate::legacy::LegacySecret>,
}

/// The settings of a verifier or issuer, read from variables.
///
/// [`Config::from_env`] reads the process environment and a `.env` file in the current
/// directory (the environment wins); [`Config::from_env_file`] names the file;
/// [`Config::from_values`] takes the variables' text.
#[derive(Clone)]
pub struct Config {
    secret: ClientSecret,
    previous: Vec<ClientSecret>,
    keys: Option<Allowlist>,
    revoked: RevokedSessions,
    #[cfg(feature = "legacy")]
    legacy: Option<crate::legacy::LegacySecret>,
    secret_file: Option<PathBuf>,
}

impl Config {
    /// From the three variables' text; `None` means the variable is unset.
    ///
    /// # Errors
    /// [`ConfigError::InvalidSecret`] when `CLIENT_SECRET` or an entry of
    /// `CLIENT_SECRET_PREVIOUS` is not 64 hex characters.
    ///
    /// ```
    /// use client_keys::Config;
    ///
    /// let secret = "ab".repeat(32);
    /// let config = Config::from_values(&secret, None, Some("3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e"))?;
    /// assert_eq!(config.allowlist().map(|list| list.len()), Some(1));
    /// # Ok::<(), client_keys::ConfigError>(())
    /// ```
    pub fn from_values(
        client_secret: &str,
        client_secret_previous: Option<&str>,
        client_keys: Option<&str>,
    ) -> Result<Config, ConfigError> {
        let secret = parse_secret(client_secret)?;
        let previous = previous_secrets(client_secret_previous.unwrap_or_default())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Config {
            secret,
            previous,
            keys: client_keys.map(Allowlist::parse),
            revoked: RevokedSessions::default(),
            #[cfg(feature = "legacy")]
            legacy: None,
            secret_file: None,
        })
    }

    /// The same configuration with `CLIENT_REVOKED_SESSIONS` (read by [`Config::from_env`]
    /// and [`Config::from_env_file`] when it is set).
    #[must_use]
    pub fn with_revoked_sessions(mut self, revoked: RevokedSessions) -> Config {
        self.revoked = revoked;
        self
    }

    /// Reads the environment, after `.env` in the current directory if there is one.
    ///
    /// # Errors
    /// A variable is missing or invalid, or `.env` cannot be read or parsed; the message names
    /// the variable or line and the fix, never a value.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_optional_env_file(Path::new(".env"))
    }

    /// Reads the environment, after the given `.env` file, which must exist.
    ///
    /// # Errors
    /// As [`Config::from_env`], and when the file does not exist.
    pub fn from_env_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        Config::from_source(&EnvSource::load(path.as_ref(), Missing::Refused)?)
    }

    /// Reads the environment, after the given `.env` file if it exists.
    pub(crate) fn from_optional_env_file(path: &Path) -> Result<Config, ConfigError> {
        Config::from_source(&EnvSource::load(path, Missing::Allowed)?)
    }

    pub(crate) fn from_source(source: &EnvSource) -> Result<Config, ConfigError> {
        let secret = source
            .get(Variable::ClientSecret)?
            .ok_or(ConfigError::MissingSecret)?;
        let previous = source.get(Variable::ClientSecretPrevious)?;
        let keys = source.get(Variable::ClientKeys)?;
        let mut config = Config::from_values(
            &secret,
            previous.as_deref().map(String::as_str),
            keys.as_deref().map(String::as_str),
        )?;
        if let Some(text) = source.get(Variable::ClientRevokedSessions)? {
            config.revoked = RevokedSessions::parse(&text)?;
        }
        if let Some(text) = source.get(Variable::ClientSecretLegacy)? {
            #[cfg(feature = "legacy")]
            {
                config.legacy = crate::legacy::LegacySecret::new(&text);
            }
            #[cfg(not(feature = "legacy"))]
            if !text.is_empty() {
                return Err(ConfigError::LegacyNotBuilt);
            }
        }
        if source.origin(Variable::ClientSecret) == Origin::File {
            config.secret_file = source.path().map(Path::to_owned);
        }
        Ok(config)
    }

    /// The `.env` file `CLIENT_SECRET` was read from, if it came from a file rather than the
    /// environment (so that its permissions can be checked).
    #[must_use]
    pub fn secret_file(&self) -> Option<&Path> {
        self.secret_file.as_deref()
    }

    /// The current secret (new keys are minted under it).
    #[must_use]
    pub fn secret(&self) -> &ClientSecret {
        &self.secret
    }

    /// The previous secrets (verify only), newest first.
    #[must_use]
    pub fn previous_secrets(&self) -> &[ClientSecret] {
        &self.previous
    }

    /// The allowlist, if `CLIENT_KEYS` is set.
    #[must_use]
    pub fn allowlist(&self) -> Option<&Allowlist> {
        self.keys.as_ref()
    }

    /// The configuration taken apart, without copying.
    pub(crate) fn into_parts(self) -> ConfigParts {
        ConfigParts {
            secret: self.secret,
            previous: self.previous,
            keys: self.keys,
            revoked: self.revoked,
            #[cfg(feature = "legacy")]
            legacy: self.legacy,
        }
    }

    /// `CLIENT_SECRET_LEGACY`, if set.
    #[cfg(feature = "legacy")]
    pub(crate) fn legacy_secret(&self) -> Option<&crate::legacy::LegacySecret> {
        self.legacy.as_ref()
    }

    /// Whether `CLIENT_SECRET_LEGACY` is set: Trivial's tokens are accepted (a migration is
    /// under way).
    #[must_use]
    pub fn accepts_legacy_tokens(&self) -> bool {
        #[cfg(feature = "legacy")]
        return self.legacy.is_some();
        #[cfg(not(feature = "legacy"))]
        false
    }

    /// The revoked sessions (`CLIENT_REVOKED_SESSIONS`; empty when unset).
    #[must_use]
    pub fn revoked_sessions(&self) -> &RevokedSessions {
        &self.revoked
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("secret", &self.secret)
            .field("previous_secrets", &self.previous.len())
            .field("keys", &self.keys)
            .field("revoked_sessions", &self.revoked.len())
            .finish()
    }
}

impl From<InvalidRevokedSession> for ConfigError {
    fn from(e: InvalidRevokedSession) -> ConfigError {
        ConfigError::InvalidRevokedSession(e)
    }
}

impl From<InvalidSecret> for ConfigError {
    fn from(e: InvalidSecret) -> ConfigError {
        ConfigError::InvalidSecret(e)
    }
}

/// The configuration (`CLIENT_SECRET`, `CLIENT_SECRET_PREVIOUS`, `CLIENT_KEYS`, `.env`) is
/// unusable. The message names the variable and the fix, never a value.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// `CLIENT_SECRET` is not set.
    MissingSecret,
    /// A secret is set but is not 64 hex characters.
    InvalidSecret(InvalidSecret),
    /// `CLIENT_KEYS` is not set (an empty value is fine: it refuses every key).
    MissingKeys,
    /// An entry of `CLIENT_REVOKED_SESSIONS` does not parse: the whole list is refused, so
    /// that a typo cannot bring a revoked session back.
    InvalidRevokedSession(InvalidRevokedSession),
    /// A variable and its `<NAME>_FILE` companion are both set: which one counts would be a
    /// guess.
    SetTwoWays {
        /// The variable.
        variable: Variable,
    },
    /// `CLIENT_SECRET_LEGACY` is set, but this program was built without the `legacy` feature:
    /// refused rather than ignored, so that Trivial's clients are not cut off silently.
    LegacyNotBuilt,
    /// A variable is not valid Unicode.
    NotUnicode {
        /// The variable.
        variable: Variable,
    },
    /// The `.env` file could not be read.
    EnvFileIo {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The `.env` file is not UTF-8.
    EnvFileNotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line number of the first byte that is not UTF-8.
        line: usize,
    },
    /// A `CLIENT_*` line of the `.env` file is not read alike by Ruby's dotenv and
    /// python-dotenv (the file is read only where they agree; other lines are skipped).
    UnreadableLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number where the statement starts.
        line: usize,
        /// The variable the line defines.
        name: String,
        /// What the readers disagree on, and how to write the line so that they agree.
        reason: &'static str,
    },
    /// A `CLIENT_*` variable is defined more than once in the `.env` file, readable or not:
    /// dotenvy takes the first definition, Ruby's dotenv and python-dotenv the last.
    DefinedTwice {
        /// The file.
        path: PathBuf,
        /// The variable.
        name: String,
        /// 1-based line numbers of its definitions, in file order.
        lines: Vec<usize>,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingSecret => f.write_str(
                "CLIENT_SECRET is not set: create one with `issue-client-key init` (writes .env) \
                 or `issue-client-key secret`, and put it in the environment or .env",
            ),
            ConfigError::InvalidSecret(e) => write!(f, "{e}"),
            ConfigError::InvalidRevokedSession(e) => write!(f, "{e}"),
            ConfigError::SetTwoWays { variable } => write!(
                f,
                "{variable} and {variable}_FILE are both set: keep one of them"
            ),
            ConfigError::LegacyNotBuilt => f.write_str(
                "CLIENT_SECRET_LEGACY is set, but this program was built without the `legacy` \
                 feature, so Trivial's tokens would be refused: build it with that feature, or \
                 unset CLIENT_SECRET_LEGACY once every client has a new key",
            ),
            ConfigError::MissingKeys => f.write_str(
                "CLIENT_KEYS is not set: add `CLIENT_KEYS=` (comma-separated key ids) to the \
                 environment or .env; an empty value refuses every key",
            ),
            ConfigError::NotUnicode { variable } => {
                write!(
                    f,
                    "{variable} is not valid UTF-8: set it again as plain text"
                )
            }
            ConfigError::EnvFileIo { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ConfigError::EnvFileNotUtf8 { path, line } => write!(
                f,
                "{} is not UTF-8 at line {line}: save it as UTF-8 text",
                path.display()
            ),
            ConfigError::UnreadableLine {
                path,
                line,
                name,
                reason,
            } => write!(
                f,
                "cannot read {name} at line {line} of {}: {reason}",
                path.display()
            ),
            ConfigError::DefinedTwice { path, name, lines } => {
                let shown: Vec<String> = lines.iter().map(ToString::to_string).collect();
                let (all_but_last, last) = shown.split_at(shown.len().saturating_sub(1));
                write!(f, "{name} is defined ")?;
                match lines.len() {
                    2 => f.write_str("twice")?,
                    n => write!(f, "{n} times")?,
                }
                write!(
                    f,
                    " in {} (lines {} and {}): keep one definition",
                    path.display(),
                    all_but_last.join(", "),
                    last.join("")
                )
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::InvalidSecret(e) => Some(e),
            ConfigError::InvalidRevokedSession(e) => Some(e),
            ConfigError::EnvFileIo { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_problems_name_the_variable_not_the_value() {
        let bad = "zz".repeat(32);
        let err = Config::from_values(&bad, None, Some("")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("CLIENT_SECRET has a character that is not hexadecimal at position 1"),
            "{text}"
        );
        assert!(text.contains("issue-client-key secret"));
        assert!(!text.contains(&bad));
        let good = "ab".repeat(32);
        let err = Config::from_values(&good, Some(&format!("{good}, {bad}")), None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("CLIENT_SECRET_PREVIOUS entry 2 has"),
            "{err}"
        );
    }
}
