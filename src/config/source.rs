//! Where the variables come from: the process environment over a `.env` file.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::dotenv::{self, Item, OURS, Reason, line_at};
use crate::config::{ConfigError, Variable};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    Allowed,
    Refused,
}

/// Variables from the environment with a `.env` file underneath: the environment wins.
///
/// The file is read with [`dotenv`] (as Ruby's dotenv and python-dotenv read it, where they
/// agree) but never loaded into the process environment. A statement the reader cannot read
/// is skipped when it defines no `CLIENT_*` variable, and refused when it does; a `CLIENT_*`
/// variable defined more than once is refused, since the readers disagree on which definition
/// counts (dotenvy the first, Ruby and Python the last).
pub(crate) struct EnvSource {
    /// The file's `CLIENT_*` values, each defined once and readable.
    file: HashMap<String, Zeroizing<String>>,
    /// The statements that define no `CLIENT_*` variable and cannot be read, in file order.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    skipped: Vec<Skipped>,
    /// What is wrong with the file's `CLIENT_*` variables, in file order: [`EnvSource::load`]
    /// refuses the file when there is anything.
    refused: Vec<Refusal>,
    path: Option<PathBuf>,
}

/// A statement of the file that was skipped: it defines no `CLIENT_*` variable, and Ruby's
/// dotenv and python-dotenv do not read it alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// Its first and last line, 1-based.
    pub(crate) line: usize,
    pub(crate) last_line: usize,
    pub(crate) reason: Reason,
}

/// "line 4" or "lines 4-6".
impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.last_line > self.line {
            write!(f, "lines {}-{}", self.line, self.last_line)
        } else {
            write!(f, "line {}", self.line)
        }
    }
}

/// Why a `CLIENT_*` variable of the file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    Unreadable {
        name: String,
        line: usize,
        reason: Reason,
    },
    DefinedTwice {
        name: String,
        lines: Vec<usize>,
    },
}

impl Refusal {
    fn name(&self) -> &str {
        match self {
            Refusal::Unreadable { name, .. } | Refusal::DefinedTwice { name, .. } => name,
        }
    }

    fn first_line(&self) -> usize {
        match self {
            Refusal::Unreadable { line, .. } => *line,
            Refusal::DefinedTwice { lines, .. } => lines.first().copied().unwrap_or(0),
        }
    }

    fn error(&self, path: &Path) -> ConfigError {
        match self.clone() {
            Refusal::Unreadable { name, line, reason } => ConfigError::UnreadableLine {
                path: path.to_owned(),
                line,
                name,
                reason: reason.text(),
            },
            Refusal::DefinedTwice { name, lines } => ConfigError::DefinedTwice {
                path: path.to_owned(),
                name,
                lines,
            },
        }
    }
}

impl EnvSource {
    /// No file: the environment only.
    pub(crate) fn empty() -> EnvSource {
        EnvSource {
            file: HashMap::new(),
            skipped: Vec::new(),
            refused: Vec::new(),
            path: None,
        }
    }

    /// Reads the file, refusing it when a `CLIENT_*` variable in it is unreadable or defined
    /// more than once (the first such problem, by line).
    pub(crate) fn load(path: &Path, missing: Missing) -> Result<EnvSource, ConfigError> {
        let source = EnvSource::read(path, missing)?;
        match source.refused.first() {
            Some(refusal) => Err(refusal.error(path)),
            None => Ok(source),
        }
    }

    /// Reads the file and keeps what is wrong with its `CLIENT_*` variables for
    /// [`EnvSource::refusals`] instead of refusing it (for `check`, which reports everything).
    ///
    /// # Errors
    /// The file cannot be read, or is not UTF-8.
    pub(crate) fn read(path: &Path, missing: Missing) -> Result<EnvSource, ConfigError> {
        let content = match dotenv::read_file(path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && missing == Missing::Allowed => {
                return Ok(EnvSource::empty());
            }
            Err(source) => {
                return Err(ConfigError::EnvFileIo {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let text = std::str::from_utf8(&content).map_err(|e| ConfigError::EnvFileNotUtf8 {
            path: path.to_owned(),
            line: line_at(&content, e.valid_up_to()),
        })?;
        // Every statement of ours, by name, in file order; and the skipped others.
        let mut ours: HashMap<String, Vec<Item>> = HashMap::new();
        let mut skipped = Vec::new();
        for item in dotenv::parse(text) {
            match &item {
                Item::Assignment(a) if a.name.starts_with(OURS) => {
                    ours.entry(a.name.clone()).or_default().push(item);
                }
                Item::Unreadable(u) => match &u.name {
                    Some(name) if name.starts_with(OURS) => {
                        ours.entry(name.clone()).or_default().push(item);
                    }
                    _ => skipped.push(Skipped {
                        line: u.line,
                        last_line: u.last_line,
                        reason: u.reason,
                    }),
                },
                Item::Assignment(_) => {} // not ours: never looked up
            }
        }
        let (mut file, mut refused) = (HashMap::new(), Vec::new());
        for (name, mut items) in ours {
            if items.len() > 1 {
                let lines = items.iter().map(first_line).collect();
                refused.push(Refusal::DefinedTwice { name, lines });
                continue;
            }
            match items.pop() {
                Some(Item::Assignment(a)) => {
                    file.insert(name, a.value);
                }
                Some(Item::Unreadable(u)) => refused.push(Refusal::Unreadable {
                    name,
                    line: u.line,
                    reason: u.reason,
                }),
                None => {}
            }
        }
        refused.sort_by_key(Refusal::first_line);
        Ok(EnvSource {
            file,
            skipped,
            refused,
            path: Some(path.to_owned()),
        })
    }

    /// The value of `variable`: the environment's if set, else the `.env` file's; or, when
    /// `<NAME>_FILE` is set instead (in the environment or the file), the content of the file
    /// it names (see [`read_value_file`]).
    ///
    /// # Errors
    /// The environment's value is not Unicode, or the environment does not set it and the
    /// file's definition is refused (only a source from [`EnvSource::read`] has those); both
    /// `<NAME>` and `<NAME>_FILE` are set; the named file cannot be read or is not UTF-8.
    pub(crate) fn get(&self, variable: Variable) -> Result<Option<Zeroizing<String>>, ConfigError> {
        let direct = self.get_named(variable.name(), variable)?;
        let file_variable = file_variable_name(variable);
        let Some(path) = self.get_named(&file_variable, variable)? else {
            return Ok(direct);
        };
        if direct.is_some() {
            return Err(ConfigError::SetTwoWays { variable });
        }
        read_value_file(&PathBuf::from(path.as_str())).map(Some)
    }

    /// The value of the variable called `name` (`variable`, or its `_FILE` companion).
    fn get_named(
        &self,
        name: &str,
        variable: Variable,
    ) -> Result<Option<Zeroizing<String>>, ConfigError> {
        match std::env::var_os(name) {
            Some(value) => value
                .into_string()
                .map(|v| Some(Zeroizing::new(v)))
                .map_err(|bad: OsString| {
                    drop(Zeroizing::new(bad.into_encoded_bytes()));
                    ConfigError::NotUnicode { variable }
                }),
            None => match (self.refusal_named(name), &self.path) {
                (Some(refusal), Some(path)) => Err(refusal.error(path)),
                _ => Ok(self.file.get(name).cloned()),
            },
        }
    }

    /// The files that `<NAME>_FILE` variables name (from the environment or the `.env` file),
    /// for a server that reloads when they change. Names that cannot be read are left out.
    #[cfg_attr(not(feature = "gateway"), allow(dead_code))]
    pub(crate) fn named_files(&self) -> Vec<PathBuf> {
        Variable::ALL
            .iter()
            .filter_map(|&variable| {
                let path = self
                    .get_named(&file_variable_name(variable), variable)
                    .ok()??;
                Some(PathBuf::from(path.as_str()))
            })
            .collect()
    }

    fn refusal(&self, variable: Variable) -> Option<&Refusal> {
        self.refusal_named(variable.name())
    }

    fn refusal_named(&self, name: &str) -> Option<&Refusal> {
        self.refused.iter().find(|r| r.name() == name)
    }

    /// Whether the file's definition of `variable` is refused (unreadable, or defined more
    /// than once), whatever the environment says.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    pub(crate) fn refuses(&self, variable: Variable) -> bool {
        self.refusal(variable).is_some()
    }

    /// What is wrong with the file's `CLIENT_*` variables, in file order (empty for a source
    /// from [`EnvSource::load`]).
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    pub(crate) fn refusals(&self) -> Vec<ConfigError> {
        match &self.path {
            Some(path) => self.refused.iter().map(|r| r.error(path)).collect(),
            None => Vec::new(),
        }
    }

    /// The statements that were skipped, in file order.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    pub(crate) fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The file's value of `name`, whatever the environment says.
    #[cfg_attr(not(feature = "operator"), allow(dead_code))]
    pub(crate) fn file_value(&self, variable: Variable) -> Option<&str> {
        self.file.get(variable.name()).map(|v| v.as_str())
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

/// `<NAME>_FILE`: the variable that names a file holding `variable`'s value (the Docker and
/// Kubernetes secrets convention). Every variable has one.
pub(crate) fn file_variable_name(variable: Variable) -> String {
    format!("{}_FILE", variable.name())
}

/// The largest file a `<NAME>_FILE` variable may name: far more than a million key ids.
const MAX_VALUE_FILE: u64 = 256 * 1024 * 1024;

/// Reads a file named by a `<NAME>_FILE` variable as that variable's value.
///
/// The file is UTF-8 text. Each line loses what follows a `#` (a comment) and the whitespace
/// around it; the lines left that are not empty are joined with commas. So a keys file may
/// hold one key id per line with comments, or the comma-separated text of `CLIENT_KEYS`, and a
/// secret file may end with a newline, as `kubectl create secret --from-file` and Docker
/// secrets leave it. The content is wiped from memory once parsed; errors name the file and
/// never its content.
pub(crate) fn read_value_file(path: &Path) -> Result<Zeroizing<String>, ConfigError> {
    // The same bounded, non-blocking read as `.env`'s: a FIFO or a device named by mistake
    // is refused at once rather than waited on, and no reallocation copies a secret.
    let content = dotenv::open_file(path)
        .and_then(|(file, metadata)| dotenv::read_opened_within(&file, &metadata, MAX_VALUE_FILE))
        .map_err(|e| ConfigError::EnvFileIo {
            path: path.to_owned(),
            source: match e {
                dotenv::ReadError::Io(e) => e,
                dotenv::ReadError::NotRegular => std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "it is not a regular file (a directory, a FIFO or a device)",
                ),
                dotenv::ReadError::TooLarge => std::io::Error::other(format!(
                    "the file is larger than {} MiB",
                    MAX_VALUE_FILE / (1024 * 1024)
                )),
            },
        })?;
    let text = std::str::from_utf8(&content).map_err(|e| ConfigError::EnvFileNotUtf8 {
        path: path.to_owned(),
        line: line_at(&content, e.valid_up_to()),
    })?;
    let mut value = Zeroizing::new(String::with_capacity(text.len()));
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if !value.is_empty() {
            value.push(',');
        }
        value.push_str(line);
    }
    Ok(value)
}

fn first_line(item: &Item) -> usize {
    match item {
        Item::Assignment(a) => a.line,
        Item::Unreadable(u) => u.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(content: &[u8]) -> (tempfile::TempDir, Result<EnvSource, ConfigError>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("test.env");
        std::fs::write(&path, content).expect("write");
        let loaded = EnvSource::load(&path, Missing::Refused);
        (dir, loaded)
    }

    #[test]
    fn lines_the_readers_read_alike_are_read_and_the_others_skipped() {
        let (_dir, loaded) = source(
            b"CLIENT_KEYS=xxx, another-key # key_id from key\nAPP_NAME=My App\n\
              WINPATH=C:\\Users\\me\nFLAG\nMSG='it\\'s'\n",
        );
        let source = loaded.expect("loads");
        assert_eq!(
            source.file_value(Variable::ClientKeys),
            Some("xxx, another-key")
        );
        let skipped: Vec<_> = source
            .skipped()
            .iter()
            .map(|s| (s.line, s.reason))
            .collect();
        assert_eq!(
            skipped,
            [
                (3, Reason::Escape),
                (4, Reason::NoValue),
                (5, Reason::Escape)
            ]
        );
    }

    #[test]
    fn a_client_variable_defined_twice_is_refused_in_any_form() {
        for content in [
            "CLIENT_KEYS=\"A, B\"\nX=1\nCLIENT_KEYS=B\n",
            "CLIENT_KEYS=A\nX=1\nCLIENT_KEYS=$B\n",
            "CLIENT_KEYS\nX=1\nexport CLIENT_KEYS=B\n",
        ] {
            let (_dir, loaded) = source(content.as_bytes());
            match loaded {
                Err(ConfigError::DefinedTwice { name, lines, .. }) => {
                    assert_eq!((name.as_str(), &lines[..]), ("CLIENT_KEYS", &[1, 3][..]));
                }
                other => panic!("{content:?}: {:?}", other.map(|_| ())),
            }
        }
        // Others' duplicates are theirs.
        let (_dir, loaded) = source(b"A=1\nA=2\nCLIENT_KEYS=x\n");
        assert!(loaded.is_ok());
    }

    #[test]
    fn an_unreadable_client_line_is_refused_with_its_line_and_reason() {
        let (_dir, loaded) = source(b"# c\nCLIENT_SECRET=abc#def\n");
        match loaded {
            Err(ConfigError::UnreadableLine {
                line, name, reason, ..
            }) => {
                assert_eq!((line, name.as_str()), (2, "CLIENT_SECRET"));
                assert_eq!(reason, Reason::Comment.text());
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn a_byte_order_mark_is_handled_as_the_reader_does() {
        // The first line is refused (python-dotenv 1.0 reads the mark into the name).
        let (_dir, loaded) = source("\u{feff}CLIENT_KEYS=1\n".as_bytes());
        assert!(matches!(
            loaded,
            Err(ConfigError::UnreadableLine { line: 1, .. })
        ));
        let (_dir, loaded) = source("\u{feff}# comment\nCLIENT_KEYS=1\n".as_bytes());
        let source = loaded.expect("loads");
        assert_eq!(source.file_value(Variable::ClientKeys), Some("1"));
        assert_eq!(source.skipped()[0].reason, Reason::Bom);
    }

    #[test]
    fn content_that_is_not_utf8_names_its_line() {
        for (content, line) in [
            (&b"A=1\r\nB=\xff\n"[..], 2),
            (b"A=1\rB=2\r\nC=\xc3\n", 3),
            (b"\xffA=1\n", 1),
        ] {
            let (_dir, loaded) = source(content);
            assert!(
                matches!(loaded, Err(ConfigError::EnvFileNotUtf8 { line: l, .. }) if l == line),
                "{content:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_value_file_that_is_a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("keys");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        // No writer ever opens it: a blocking read would wait forever.
        let err = read_value_file(&fifo).expect_err("refused");
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn value_files_hold_one_entry_per_line_with_comments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys");
        std::fs::write(
            &path,
            "# production clients\n3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e  # billing\r\n\n  another-key\n",
        )
        .expect("write");
        let value = read_value_file(&path).expect("reads");
        assert_eq!(
            value.as_str(),
            "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e,another-key"
        );
        std::fs::write(&path, b"a\nb\xff\n").expect("write");
        assert!(matches!(
            read_value_file(&path),
            Err(ConfigError::EnvFileNotUtf8 { line: 2, .. })
        ));
        let missing = dir.path().join("missing");
        let error = read_value_file(&missing).expect_err("missing");
        assert!(error.to_string().contains("missing"), "{error}");
        assert_eq!(file_variable_name(Variable::ClientKeys), "CLIENT_KEYS_FILE");
    }

    #[test]
    fn a_file_variable_in_env_file_is_read_and_both_forms_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = dir.path().join("keys.txt");
        std::fs::write(&keys, "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e\n").expect("write");
        let env = dir.path().join("test.env");
        // Names that no test sets in the process environment.
        std::fs::write(
            &env,
            format!("CLIENT_SECRET_PREVIOUS_FILE={}\n", keys.display()),
        )
        .expect("write");
        let source = EnvSource::load(&env, Missing::Refused).expect("loads");
        if std::env::var_os("CLIENT_SECRET_PREVIOUS").is_none() {
            let value = source.get(Variable::ClientSecretPrevious).expect("reads");
            assert_eq!(
                value.as_deref().map(String::as_str),
                Some("3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e")
            );
            assert_eq!(source.named_files(), vec![keys.clone()]);
        }
        std::fs::write(
            &env,
            format!(
                "CLIENT_SECRET_PREVIOUS=x\nCLIENT_SECRET_PREVIOUS_FILE={}\n",
                keys.display()
            ),
        )
        .expect("write");
        let source = EnvSource::load(&env, Missing::Refused).expect("loads");
        let error = source
            .get(Variable::ClientSecretPrevious)
            .expect_err("both set");
        let text = error.to_string();
        assert!(
            text.contains("CLIENT_SECRET_PREVIOUS and CLIENT_SECRET_PREVIOUS_FILE are both set"),
            "{text}"
        );
        assert!(!text.contains("3f2a9c1e"), "{text}");
    }
}
