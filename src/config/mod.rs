//! Configuration from the environment and `.env`: `CLIENT_SECRET`, `CLIENT_SECRET_PREVIOUS`,
//! `CLIENT_KEYS`.

pub(crate) mod allowlist;

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::allowlist::Allowlist;
use crate::error::ConfigError;
use crate::token::secret::ClientSecret;

/// The root secret new keys are minted under.
pub const CLIENT_SECRET: &str = "CLIENT_SECRET";
/// Older secrets, comma-separated, whose keys still verify (after a rotation).
pub const CLIENT_SECRET_PREVIOUS: &str = "CLIENT_SECRET_PREVIOUS";
/// The allowlist of key ids, comma-separated.
pub const CLIENT_KEYS: &str = "CLIENT_KEYS";

/// The settings of a verifier or issuer, read from variables.
///
/// [`Config::from_env`] reads the process environment and a `.env` file in the current
/// directory (the environment wins); [`Config::from_env_file`] names the file.
#[derive(Clone)]
pub struct Config {
    secret: ClientSecret,
    previous: Vec<ClientSecret>,
    keys: Option<Allowlist>,
    secret_file: Option<PathBuf>,
}

impl Config {
    /// From the three variables' text; `client_keys` of `None` means `CLIENT_KEYS` is unset.
    pub fn new(
        client_secret: &str,
        client_secret_previous: Option<&str>,
        client_keys: Option<&str>,
    ) -> Result<Config, ConfigError> {
        let secret = ClientSecret::from_hex(client_secret).map_err(|problem| {
            ConfigError::InvalidSecret {
                variable: CLIENT_SECRET.to_owned(),
                problem,
            }
        })?;
        let previous = client_secret_previous
            .map(parse_previous)
            .transpose()?
            .unwrap_or_default();
        Ok(Config {
            secret,
            previous,
            keys: client_keys.map(Allowlist::parse),
            secret_file: None,
        })
    }

    /// Reads the environment, after `.env` in the current directory if there is one.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_source(&EnvSource::load(Path::new(".env"), Missing::Allowed)?)
    }

    /// Reads the environment, after the given `.env` file, which must exist.
    pub fn from_env_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        Config::from_source(&EnvSource::load(path.as_ref(), Missing::Refused)?)
    }

    pub(crate) fn from_source(source: &EnvSource) -> Result<Config, ConfigError> {
        let secret = source
            .get(CLIENT_SECRET)?
            .ok_or(ConfigError::MissingSecret)?;
        let previous = source.get(CLIENT_SECRET_PREVIOUS)?;
        let keys = source.get(CLIENT_KEYS)?;
        let mut config = Config::new(
            &secret,
            previous.as_deref().map(String::as_str),
            keys.as_deref().map(String::as_str),
        )?;
        if source.origin(CLIENT_SECRET) == Origin::File {
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

    /// The same configuration with another allowlist (as if `CLIENT_KEYS` were set to it).
    #[must_use]
    pub fn with_allowlist(mut self, allowlist: Allowlist) -> Config {
        self.keys = Some(allowlist);
        self
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
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("secret", &self.secret)
            .field("previous_secrets", &self.previous.len())
            .field("keys", &self.keys)
            .finish()
    }
}

/// Parses `CLIENT_SECRET_PREVIOUS`: comma-separated secrets, whitespace trimmed, empty entries
/// ignored.
fn parse_previous(text: &str) -> Result<Vec<ClientSecret>, ConfigError> {
    crate::config::allowlist::entries(text)
        .enumerate()
        .map(|(i, entry)| {
            ClientSecret::from_hex(entry).map_err(|problem| ConfigError::InvalidSecret {
                variable: format!("{CLIENT_SECRET_PREVIOUS} entry {}", i + 1),
                problem,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    Allowed,
    Refused,
}

/// Variables from the environment with a `.env` file underneath: the environment wins.
///
/// The file is parsed with `dotenvy` but never loaded into the process environment.
pub(crate) struct EnvSource {
    file: HashMap<String, Zeroizing<String>>,
    /// How many times each name is defined in the file.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    definitions: HashMap<String, usize>,
    path: Option<PathBuf>,
}

impl EnvSource {
    /// No file: the environment only.
    pub(crate) fn empty() -> EnvSource {
        EnvSource {
            file: HashMap::new(),
            definitions: HashMap::new(),
            path: None,
        }
    }

    pub(crate) fn load(path: &Path, missing: Missing) -> Result<EnvSource, ConfigError> {
        let io_error = |source| ConfigError::EnvFileIo {
            path: path.to_owned(),
            source,
        };
        let content = match std::fs::read(path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && missing == Missing::Allowed => {
                return Ok(EnvSource::empty());
            }
            Err(e) => return Err(io_error(e)),
        };
        let mut file = HashMap::new();
        let mut definitions = HashMap::new();
        // Skip a UTF-8 byte order mark, as dotenvy's own loaders (and `EnvFile`) do.
        let text = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&content);
        for item in dotenvy::from_read_iter(text) {
            match item {
                // Like `dotenvy::dotenv()`, the first definition of a name wins.
                Ok((name, value)) => {
                    *definitions.entry(name.clone()).or_insert(0) += 1;
                    file.entry(name).or_insert_with(|| Zeroizing::new(value));
                }
                // The parse error's own text is the offending line, which may hold a secret:
                // turn it into a line number and drop it.
                Err(dotenvy::Error::LineParse(bad, _)) => {
                    let bad = Zeroizing::new(bad);
                    return Err(ConfigError::EnvFileSyntax {
                        path: path.to_owned(),
                        line: line_number_of(&content, &bad),
                    });
                }
                Err(dotenvy::Error::Io(e)) => return Err(io_error(e)),
                Err(_) => return Err(io_error(std::io::Error::other("unreadable"))),
            }
        }
        Ok(EnvSource {
            file,
            definitions,
            path: Some(path.to_owned()),
        })
    }

    /// The value of `name`: the environment's if set, else the file's.
    pub(crate) fn get(&self, name: &'static str) -> Result<Option<Zeroizing<String>>, ConfigError> {
        match std::env::var_os(name) {
            Some(value) => value
                .into_string()
                .map(|v| Some(Zeroizing::new(v)))
                .map_err(|bad: OsString| {
                    drop(Zeroizing::new(bad.into_encoded_bytes()));
                    ConfigError::NotUnicode { variable: name }
                }),
            None => Ok(self.file.get(name).cloned()),
        }
    }

    /// The file's value of `name` (its first definition), whatever the environment says.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    pub(crate) fn file_value(&self, name: &str) -> Option<&str> {
        self.file.get(name).map(|v| v.as_str())
    }

    /// How many times the file defines `name`.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    pub(crate) fn definitions(&self, name: &str) -> usize {
        self.definitions.get(name).copied().unwrap_or(0)
    }

    /// Where the value of `name` comes from.
    pub(crate) fn origin(&self, name: &str) -> Origin {
        if std::env::var_os(name).is_some() {
            Origin::Environment
        } else if self.file.contains_key(name) {
            Origin::File
        } else {
            Origin::Unset
        }
    }

    /// The file that was read, if any.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// Where a variable's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Environment,
    File,
    Unset,
}

/// The 1-based line on which `text` (a line dotenvy could not parse) starts in `content`.
pub(crate) fn line_number_of(content: &[u8], text: &str) -> usize {
    let needle = text.trim_end_matches(['\n', '\r']).as_bytes();
    let start = if needle.is_empty() {
        0
    } else {
        content
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap_or(0)
    };
    1 + content[..start].iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_definition_wins_as_with_dotenvy() {
        let dir = std::env::temp_dir().join(format!("ck-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("dup.env");
        std::fs::write(&path, "CK_TEST_DUP=first\nCK_TEST_DUP=second\n").expect("write");
        let source = EnvSource::load(&path, Missing::Refused).expect("loads");
        assert_eq!(
            source.file.get("CK_TEST_DUP").map(|v| v.as_str()),
            Some("first")
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_byte_order_mark_is_skipped_as_dotenvy_does() {
        let dir = std::env::temp_dir().join(format!("ck-config-bom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("bom.env");
        std::fs::write(&path, "\u{feff}CK_TEST_BOM=1\n").expect("write");
        let source = EnvSource::load(&path, Missing::Refused).expect("loads");
        assert_eq!(source.file_value("CK_TEST_BOM"), Some("1"));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn line_numbers_of_bad_lines() {
        let content = b"# comment\nA=1\n\nB='unterminated\nC=2\n";
        assert_eq!(line_number_of(content, "B='unterminated\nC=2\n"), 4);
        assert_eq!(line_number_of(content, "A=1"), 2);
    }

    #[test]
    fn secret_problems_name_the_variable_not_the_value() {
        let bad = "zz".repeat(32);
        let err = Config::new(&bad, None, Some("")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("CLIENT_SECRET has a character that is not hexadecimal at position 1"),
            "{text}"
        );
        assert!(text.contains("issue-client-key secret"));
        assert!(!text.contains(&bad));
        let good = "ab".repeat(32);
        let err = Config::new(&good, Some(&format!("{good}, {bad}")), None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("CLIENT_SECRET_PREVIOUS entry 2 has"),
            "{err}"
        );
    }
}
