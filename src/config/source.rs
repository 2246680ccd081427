//! Where the variables come from: the process environment over a `.env` file.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::{ConfigError, Variable};

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
    pub(crate) fn get(&self, variable: Variable) -> Result<Option<Zeroizing<String>>, ConfigError> {
        let name = variable.name();
        match std::env::var_os(name) {
            Some(value) => value
                .into_string()
                .map(|v| Some(Zeroizing::new(v)))
                .map_err(|bad: OsString| {
                    drop(Zeroizing::new(bad.into_encoded_bytes()));
                    ConfigError::NotUnicode { variable }
                }),
            None => Ok(self.file.get(name).cloned()),
        }
    }

    /// The file's value of `name` (its first definition), whatever the environment says.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    pub(crate) fn file_value(&self, variable: Variable) -> Option<&str> {
        self.file.get(variable.name()).map(|v| v.as_str())
    }

    /// How many times the file defines `name`.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    pub(crate) fn definitions(&self, variable: Variable) -> usize {
        self.definitions.get(variable.name()).copied().unwrap_or(0)
    }

    /// Where the value of `name` comes from.
    pub(crate) fn origin(&self, variable: Variable) -> Origin {
        if std::env::var_os(variable.name()).is_some() {
            Origin::Environment
        } else if self.file.contains_key(variable.name()) {
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
        assert_eq!(
            source.file.get("CK_TEST_BOM").map(|v| v.as_str()),
            Some("1")
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn line_numbers_of_bad_lines() {
        let content = b"# comment\nA=1\n\nB='unterminated\nC=2\n";
        assert_eq!(line_number_of(content, "B='unterminated\nC=2\n"), 4);
        assert_eq!(line_number_of(content, "A=1"), 2);
    }
}
