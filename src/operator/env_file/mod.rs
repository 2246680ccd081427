//! Safe, atomic, lock-protected editing of `.env` files.
//!
//! [`EnvFile`] changes the value of a few variables (`CLIENT_SECRET`,
//! `CLIENT_KEYS`, ...) in an operator's `.env` file and leaves every other
//! byte exactly as it was: comments, blank lines, `export ` prefixes, quoting,
//! inline comments, CRLF line endings, a missing final newline and variables
//! this crate does not know about.
//!
//! # How an edit works
//!
//! 1. [`EnvFile::open`] resolves symlinks, takes an exclusive lock on a
//!    separate lock file next to the resolved file (`<name>.lock`, created
//!    with mode `0600`), reads the file and parses it with [`dotenvy`], which
//!    is the authority for what every variable means (the server loads the
//!    file with the same parser). A file dotenvy cannot parse is refused.
//! 2. A small locator finds the byte span of each assignment's value. It
//!    mirrors dotenvy 0.15's line splitting (including multi-line quoted
//!    values, so a `KEY=` line inside a quoted value is never taken as a
//!    definition) and its key/value lexing, and its list of variables is
//!    checked against dotenvy's before it is trusted.
//! 3. [`EnvFile::set`] replaces only the value span (or appends `NAME=value`
//!    as a new last line), then **re-parses the result with dotenvy** and
//!    refuses the edit unless every other variable still has exactly the same
//!    value and the edited variable has exactly the requested value.
//! 4. [`EnvFile::commit`] writes a temporary file in the same directory,
//!    gives it the original file's mode and owner (`0600` for a new file),
//!    fsyncs it, renames it over the original and fsyncs the directory. A
//!    crash leaves either the old or the new file, never a mix; a temporary
//!    file left by a crash (it holds a copy of the file) is removed by the
//!    next edit, under the lock.
//!
//! # Secrets
//!
//! The raw bytes and the parsed values are kept in [`Zeroizing`] containers
//! (dotenvy's own internal buffers cannot be wiped; this is best effort).
//! No error message and no `Debug` output ever contains a value: errors name
//! the path, line numbers and variable names only.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

mod atomic;
mod locate;

use atomic::*;
use locate::*;

/// The UTF-8 byte order mark, which dotenvy's loaders skip.
const BOM: &str = "\u{feff}";
/// Mode of files this module creates (the env file itself and the lock file).
const NEW_FILE_MODE: u32 = 0o600;
/// Symlink hops followed before giving up (same limit as Linux).
const MAX_SYMLINK_HOPS: usize = 40;
/// Attempts at finding an unused temporary file name.
const TEMP_NAME_ATTEMPTS: usize = 16;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why an `.env` file could not be read, edited or written.
///
/// No variant ever holds or displays a variable's value or the content of a
/// line of the file: only paths, line numbers (1-based) and variable names.
/// For [`EnvFileError::Io`] the underlying [`io::Error`] is available through
/// [`std::error::Error::source`] and is not repeated in the `Display` text.
#[derive(Debug)]
#[non_exhaustive]
pub enum EnvFileError {
    /// An I/O operation failed.
    Io {
        /// The file or directory the operation was about.
        path: PathBuf,
        /// What was being done, e.g. `"read"` or `"lock"` (for messages).
        operation: &'static str,
        /// The underlying error.
        source: io::Error,
    },
    /// The path cannot be edited (no file name, symlink loop, not a regular
    /// file, ...).
    InvalidPath {
        /// The path as given (or as resolved so far).
        path: PathBuf,
        /// Short description of the problem.
        reason: &'static str,
    },
    /// The file is not valid UTF-8.
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Line of the first invalid byte.
        line: usize,
    },
    /// dotenvy cannot parse the file.
    Parse {
        /// The file.
        path: PathBuf,
        /// Line where the offending assignment starts.
        line: usize,
    },
    /// A variable that is about to be edited is defined more than once.
    DuplicateDefinition {
        /// The file.
        path: PathBuf,
        /// The variable.
        name: String,
        /// Line of the first definition.
        first_line: usize,
        /// Line of the second definition.
        second_line: usize,
    },
    /// The variable name is not one dotenvy accepts
    /// (`[A-Za-z_][A-Za-z0-9_.]*`).
    InvalidName {
        /// The file.
        path: PathBuf,
        /// The rejected name.
        name: String,
    },
    /// No quoting makes dotenvy read the new value back unchanged.
    UnrepresentableValue {
        /// The file.
        path: PathBuf,
        /// The variable.
        name: String,
    },
    /// The edited file would not read back as intended (the self-check
    /// failed), e.g. because another variable refers to the edited one with
    /// `${NAME}`. Nothing was written.
    SelfCheckFailed {
        /// The file.
        path: PathBuf,
        /// The variable whose value would change unintentionally, if known.
        name: Option<String>,
    },
    /// The file uses syntax the locator cannot map to byte positions with
    /// certainty (its view disagrees with dotenvy's). Nothing was written.
    Unsupported {
        /// The file.
        path: PathBuf,
        /// Line where the disagreement starts.
        line: usize,
    },
}

impl fmt::Display for EnvFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io {
                path, operation, ..
            } => write!(
                f,
                "cannot {operation} {}: check that it exists, that you have permission and that the disk is not full",
                path.display()
            ),
            Self::InvalidPath { path, reason } => write!(
                f,
                "cannot edit {}: {reason}; pass the path of a regular .env file",
                path.display()
            ),
            Self::NotUtf8 { path, line } => write!(
                f,
                "cannot parse {} at line {line}: the file is not valid UTF-8; fix the encoding of that line",
                path.display()
            ),
            Self::Parse { path, line } => write!(
                f,
                "cannot parse {} at line {line}: dotenvy rejects the syntax there (unquoted spaces, unclosed quotes, bad escapes, ...); fix that line and retry",
                path.display()
            ),
            Self::DuplicateDefinition {
                path,
                name,
                first_line,
                second_line,
            } => write!(
                f,
                "cannot edit {name} in {}: it is defined more than once (lines {first_line} and {second_line}); remove all but one definition and retry",
                path.display()
            ),
            Self::InvalidName { path, name } => write!(
                f,
                "cannot set {name:?} in {}: variable names must match [A-Za-z_][A-Za-z0-9_.]*",
                path.display()
            ),
            Self::UnrepresentableValue { path, name } => write!(
                f,
                "cannot write the new value of {name} to {}: no quoting makes dotenvy read it back unchanged; use a different value",
                path.display()
            ),
            Self::SelfCheckFailed {
                path,
                name: Some(name),
            } => write!(
                f,
                "refusing to edit {}: the edit would also change how {name} is read (for example through a ${{...}} reference); edit the file by hand",
                path.display()
            ),
            Self::SelfCheckFailed { path, name: None } => write!(
                f,
                "refusing to edit {}: the edited file would not read back as intended; edit the file by hand",
                path.display()
            ),
            Self::Unsupported { path, line } => write!(
                f,
                "refusing to edit {}: cannot locate variables safely near line {line} (unusual quoting or escaping); edit the file by hand",
                path.display()
            ),
        }
    }
}

impl std::error::Error for EnvFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn io_err(path: &Path, operation: &'static str, source: io::Error) -> EnvFileError {
    EnvFileError::Io {
        path: path.to_path_buf(),
        operation,
        source,
    }
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// Returns whether the file at `path` (symlinks followed) can be read by its
/// group or by others, i.e. whether `mode & 0o044 != 0`.
///
/// Write or execute bits for group/others are not considered: the question is
/// whether the secret can leak. The CLI uses this to warn about an env file
/// holding `CLIENT_SECRET` with loose permissions (recommended: `0600`).
/// On non-Unix platforms this always returns `Ok(false)`.
///
/// # Errors
///
/// Returns the error of [`fs::metadata`] (e.g. the file does not exist).
pub fn is_readable_by_others(path: &Path) -> io::Result<bool> {
    let metadata = fs::metadata(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(metadata.permissions().mode() & 0o044 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        Ok(false)
    }
}

/// A point in [`EnvFile::commit_with`] at which the test hook is called.
///
/// Only with the `danger-test-hooks` feature: a test hook, not part of the stable API.
#[cfg_attr(not(feature = "danger-test-hooks"), allow(unreachable_pub, dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommitStage {
    /// The temporary file was created (empty).
    TempCreated,
    /// All bytes were written to the temporary file (not yet synced).
    TempWritten,
    /// The temporary file has its final mode and owner and was fsynced; the
    /// next step is the rename over the original.
    BeforeRename,
    /// The rename happened; the directory is not fsynced yet.
    Renamed,
}

/// An `.env` file opened for editing, with an exclusive lock held until the
/// value is dropped or committed.
///
/// ```no_run
/// # fn main() -> Result<(), client_keys::operator::EnvFileError> {
/// use client_keys::operator::EnvFile;
///
/// let mut env = EnvFile::open(".env")?;
/// let keys = env.get("CLIENT_KEYS").unwrap_or("").to_owned();
/// let keys = if keys.is_empty() { "new-id".to_owned() } else { format!("{keys}, new-id") };
/// env.set("CLIENT_KEYS", &keys)?;
/// env.commit()?;
/// # Ok(())
/// # }
/// ```
pub struct EnvFile {
    /// The resolved (symlink-free) target path.
    path: PathBuf,
    /// Held for its exclusive lock; released on drop.
    _lock: File,
    /// Whether the target existed when opened.
    exists: bool,
    /// Mode and owner of the existing file (`None` for a new file).
    metadata: Option<FileMeta>,
    /// The file's bytes as read.
    original: Zeroizing<Vec<u8>>,
    /// Every assignment of the original file, in file order.
    assignments: Vec<Assignment>,
    /// Pending edits, in the order of the first `set` of each name.
    edits: Vec<Edit>,
    /// The bytes to write (original with all pending edits), if any edit.
    edited: Option<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for EnvFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variables: Vec<&str> = self.assignments.iter().map(|a| a.name.as_str()).collect();
        let pending: Vec<&str> = self.edits.iter().map(|e| e.name.as_str()).collect();
        f.debug_struct("EnvFile")
            .field("path", &self.path)
            .field("exists", &self.exists)
            .field("variables", &variables)
            .field("pending_edits", &pending)
            .finish_non_exhaustive()
    }
}

impl EnvFile {
    /// Opens `path` for editing and takes the lock. A missing file is fine: it
    /// reads as empty and [`commit`](Self::commit) creates it with mode `0600`.
    ///
    /// Symlinks (also chains and dangling links) are resolved and the target
    /// is edited in the target's directory, so the link stays a link. The lock
    /// is an exclusive [`File::lock`] on `<target name>.lock` next to the
    /// target (created `0600`, never deleted); this call blocks until it is
    /// available, and it is held until the `EnvFile` is committed or dropped.
    /// A leading UTF-8 BOM is skipped when parsing (as dotenvy's loaders do)
    /// and preserved.
    ///
    /// # Errors
    ///
    /// [`EnvFileError::Io`] / [`EnvFileError::InvalidPath`] if the path cannot
    /// be resolved, locked or read, [`EnvFileError::NotUtf8`] /
    /// [`EnvFileError::Parse`] if dotenvy cannot parse the file, and
    /// [`EnvFileError::Unsupported`] if the locator cannot map it reliably.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, EnvFileError> {
        let path = resolve(path.as_ref())?;
        let lock = take_lock(&path)?;
        remove_stale_temps(&path, &parent_dir(&path));
        let ReadTarget {
            exists,
            metadata,
            original,
        } = read_target(&path)?;
        let assignments = analyze(&path, &original)?;
        Ok(Self {
            path,
            _lock: lock,
            exists,
            metadata,
            original,
            assignments,
            edits: Vec::new(),
            edited: None,
        })
    }

    /// The resolved path of the file being edited (symlinks followed).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file existed when it was opened.
    pub fn exists(&self) -> bool {
        self.exists
    }

    /// The value of `name` as dotenvy loads it, taking pending
    /// [`set`](Self::set) calls into account; `None` if it is not defined.
    ///
    /// If the file defines `name` more than once, this is the first
    /// definition (the one `dotenvy::dotenv()` / `from_path` applies).
    /// `$VAR` / `${VAR}` substitutions are resolved like dotenvy does, i.e.
    /// from this process's environment first, then from earlier lines.
    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some(edit) = self.edits.iter().find(|e| e.name == name) {
            return Some(edit.value.as_str());
        }
        self.assignments
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    /// Sets `name` to `value` (pending until [`commit`](Self::commit)); may be
    /// called several times, also for several variables.
    ///
    /// An existing definition keeps its place, `export ` prefix, inline
    /// comment and line ending; only the value text changes. The original
    /// quoting style is kept when it can represent the value; an unquoted
    /// value stays unquoted when it reads back identically, otherwise it is
    /// double-quoted (e.g. `"id-a, id-b"`: dotenvy rejects unquoted spaces).
    /// A missing variable is appended as `NAME=value` on a new last line
    /// (with a line break added to the previous last line if it lacks one,
    /// using the file's own line ending). Setting a variable to its current
    /// value changes nothing.
    ///
    /// The whole edited file is re-parsed with dotenvy before this returns;
    /// if any other variable would change, or the edited one would not read
    /// back exactly, the edit is refused and the pending state is unchanged.
    ///
    /// # Errors
    ///
    /// [`EnvFileError::InvalidName`], [`EnvFileError::DuplicateDefinition`]
    /// (the variable is defined more than once), and
    /// [`EnvFileError::UnrepresentableValue`] /
    /// [`EnvFileError::SelfCheckFailed`] if the edit would not read back as
    /// intended.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), EnvFileError> {
        if !is_valid_name(name) {
            return Err(EnvFileError::InvalidName {
                path: self.path.clone(),
                name: name.to_owned(),
            });
        }
        let mut definitions = self.assignments.iter().filter(|a| a.name == name);
        let first = definitions.next();
        if let (Some(first), Some(second)) = (first, definitions.next()) {
            return Err(EnvFileError::DuplicateDefinition {
                path: self.path.clone(),
                name: name.to_owned(),
                first_line: first.line,
                second_line: second.line,
            });
        }
        let unchanged = first.is_some_and(|a| a.value.as_str() == value);

        let mut edits = self.edits.clone();
        let slot = edits.iter().position(|e| e.name == name);
        match (slot, unchanged) {
            (Some(i), true) => {
                edits.remove(i);
            }
            (Some(i), false) => edits[i].value = Zeroizing::new(value.to_owned()),
            (None, true) => {}
            (None, false) => edits.push(Edit {
                name: name.to_owned(),
                value: Zeroizing::new(value.to_owned()),
            }),
        }

        let edited = if edits.is_empty() {
            None
        } else {
            Some(self.render(&edits)?)
        };
        self.edits = edits;
        self.edited = edited;
        Ok(())
    }

    /// Writes the pending edits atomically and releases the lock. Does nothing
    /// (and creates no file) if there is no pending change.
    ///
    /// The new content goes to a temporary file `.<name>.tmp-<pid>-<random>`
    /// in the target's directory (`<name>.tmp-...` if the name already starts
    /// with a dot), which gets the original's mode and owner (`0600` for a
    /// new file), is fsynced, renamed over the target, and the directory is
    /// fsynced. On any error before the rename the temporary file is removed
    /// and the original is untouched.
    ///
    /// # Errors
    ///
    /// [`EnvFileError::Io`] if any step fails (including when the owner of the
    /// original cannot be preserved).
    pub fn commit(self) -> Result<(), EnvFileError> {
        self.commit_staged(|_, _| Ok(()))
    }

    /// **Test hook** (feature `danger-test-hooks`). Like [`commit`](Self::commit), but calls
    /// `hook(stage, temp_path)` at each [`CommitStage`]. If the hook returns an
    /// error at a stage before the rename, the temporary file is removed, the
    /// original is left untouched and the error is returned as
    /// [`EnvFileError::Io`]; at [`CommitStage::Renamed`] the new content is
    /// already in place. Meant for tests that simulate an interruption (the
    /// hook may also abort the process). Not part of the stable API.
    ///
    /// # Errors
    ///
    /// As [`commit`](Self::commit), plus the hook's error.
    #[cfg(feature = "danger-test-hooks")]
    pub fn commit_with<F>(self, hook: F) -> Result<(), EnvFileError>
    where
        F: FnMut(CommitStage, &Path) -> io::Result<()>,
    {
        self.commit_staged(hook)
    }

    fn commit_staged<F>(self, mut hook: F) -> Result<(), EnvFileError>
    where
        F: FnMut(CommitStage, &Path) -> io::Result<()>,
    {
        let Some(bytes) = self.edited.as_ref() else {
            return Ok(());
        };
        let dir = parent_dir(&self.path);
        let aborted = |e| io_err(&self.path, "finish editing", e);

        let (mut file, temp) = create_temp(&self.path, &dir)?;
        hook(CommitStage::TempCreated, temp.path()).map_err(aborted)?;
        file.write_all(bytes)
            .map_err(|e| io_err(temp.path(), "write temporary file", e))?;
        hook(CommitStage::TempWritten, temp.path()).map_err(aborted)?;
        apply_metadata(&file, temp.path(), self.metadata.as_ref())?;
        file.sync_all()
            .map_err(|e| io_err(temp.path(), "sync temporary file", e))?;
        drop(file);
        hook(CommitStage::BeforeRename, temp.path()).map_err(aborted)?;

        fs::rename(temp.path(), &self.path).map_err(|e| io_err(&self.path, "replace", e))?;
        let temp_path = temp.disarm();
        hook(CommitStage::Renamed, &temp_path).map_err(aborted)?;
        sync_dir(&dir)?;
        Ok(())
    }

    /// Applies `edits` to the original bytes, checks the result with dotenvy
    /// and returns it.
    fn render(&self, edits: &[Edit]) -> Result<Zeroizing<Vec<u8>>, EnvFileError> {
        let original: &[u8] = &self.original;
        let mut replacements: Vec<(Range<usize>, Zeroizing<String>)> = Vec::new();
        let mut appended: Vec<(&str, Zeroizing<String>)> = Vec::new();
        for edit in edits {
            match self.assignments.iter().find(|a| a.name == edit.name) {
                Some(a) => {
                    let mut text = render_value(&self.path, &edit.name, &edit.value, a.quote)?;
                    if a.span.is_empty() && original.get(a.span.start) == Some(&b'#') {
                        // `NAME=#comment`: keep the comment a comment.
                        text.push(' ');
                    }
                    replacements.push((a.span.clone(), text));
                }
                None => appended.push((
                    &edit.name,
                    render_value(&self.path, &edit.name, &edit.value, Quote::None)?,
                )),
            }
        }
        replacements.sort_by_key(|(span, _)| span.start);

        let extra: usize = replacements.iter().map(|(_, t)| t.len()).sum::<usize>()
            + appended
                .iter()
                .map(|(n, t)| n.len() + t.len() + 3)
                .sum::<usize>()
            + 2;
        let mut out = Zeroizing::new(Vec::with_capacity(original.len() + extra));
        let mut pos = 0;
        for (span, text) in &replacements {
            out.extend_from_slice(&original[pos..span.start]);
            out.extend_from_slice(text.as_bytes());
            pos = span.end;
        }
        out.extend_from_slice(&original[pos..]);
        if !appended.is_empty() {
            let eol: &[u8] = if uses_crlf(original) { b"\r\n" } else { b"\n" };
            if !out.is_empty() && out.last() != Some(&b'\n') {
                out.extend_from_slice(eol);
            }
            for (name, text) in &appended {
                out.extend_from_slice(name.as_bytes());
                out.push(b'=');
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(eol);
            }
        }

        self.self_check(&out, edits)?;
        Ok(out)
    }

    /// Re-parses `edited` and checks it against the original assignments
    /// with `edits` applied.
    fn self_check(&self, edited: &[u8], edits: &[Edit]) -> Result<(), EnvFileError> {
        let failed = |name: Option<&str>| EnvFileError::SelfCheckFailed {
            path: self.path.clone(),
            name: name.map(str::to_owned),
        };
        let text = std::str::from_utf8(edited).map_err(|_| failed(None))?;
        let parsed = dotenvy_parse(strip_bom(text)).map_err(|()| failed(None))?;
        let expected = self
            .assignments
            .iter()
            .map(|a| {
                let value = edits
                    .iter()
                    .find(|e| e.name == a.name)
                    .map_or(a.value.as_str(), |e| e.value.as_str());
                (a.name.as_str(), value)
            })
            .chain(
                edits
                    .iter()
                    .filter(|e| !self.assignments.iter().any(|a| a.name == e.name))
                    .map(|e| (e.name.as_str(), e.value.as_str())),
            );
        let mut parsed_iter = parsed.iter();
        for (name, value) in expected {
            match parsed_iter.next() {
                Some((n, v)) if n == name && v.as_str() == value => {}
                Some((n, _)) if n == name && !edits.iter().any(|e| e.name == name) => {
                    return Err(failed(Some(name)));
                }
                _ => return Err(failed(None)),
            }
        }
        if parsed_iter.next().is_some() {
            return Err(failed(None));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Internal data
// ---------------------------------------------------------------------------

/// One `NAME=value` assignment of the original file.
struct Assignment {
    name: String,
    /// The value as dotenvy parses it.
    value: Zeroizing<String>,
    /// 1-based line where the assignment starts.
    line: usize,
    /// Byte span of the value text in the original file (empty, right after
    /// the `=`, for an empty value).
    span: Range<usize>,
    /// How the value text starts.
    quote: Quote,
}

#[derive(Clone)]
struct Edit {
    name: String,
    value: Zeroizing<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

#[derive(Debug, Clone, Copy)]
struct FileMeta {
    #[cfg_attr(not(unix), allow(dead_code))]
    mode: u32,
    #[cfg_attr(not(unix), allow(dead_code))]
    uid: u32,
    #[cfg_attr(not(unix), allow(dead_code))]
    gid: u32,
}

// ---------------------------------------------------------------------------
// Unit tests of the locator and the value rendering
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// Locates every assignment of `text` and returns (name, value text).
    fn located(text: &str) -> Vec<(String, String)> {
        logical_lines(text)
            .iter()
            .filter(|l| !l.comment)
            .filter_map(|l| {
                let content = &text[l.start..l.content_end];
                let lexed = lex_assignment(content).expect("lexes")?;
                Some((
                    content[lexed.name].to_owned(),
                    content[lexed.value].to_owned(),
                ))
            })
            .collect()
    }

    /// For texts dotenvy accepts: the locator finds the same names, and each
    /// located value text, parsed alone, gives dotenvy's value.
    fn assert_agrees(text: &str) {
        let parsed = dotenvy_parse(text).expect("dotenvy parses the sample");
        let found = located(text);
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        let expected: Vec<&str> = parsed.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, expected, "names in {text:?}");
        for ((name, value_text), (_, value)) in found.iter().zip(&parsed) {
            if value_text.contains('$') {
                continue; // substitutions depend on context
            }
            let alone = dotenvy_parse(&format!("{name}={value_text}\n")).expect("value alone");
            assert_eq!(
                alone[0].1.as_str(),
                value.as_str(),
                "value of {name} in {text:?}"
            );
        }
    }

    #[test]
    fn locator_agrees_with_dotenvy_on_tricky_lines() {
        for text in [
            "A=1\nB=2\n",
            "A=1\r\nB=2\r\n",
            "A=1",
            "# c\n\n  # indented comment\nA=1\n",
            "export A=1\nexport   B = 2 # c\nexport=3\nexportC=4\n",
            "A='x # y'\nB=\"x # y\"\nC=x#y\nD=x # y\nE=x\t#y\n",
            "A=\"line1\nB=evil\nline3\"\nC=3\n",
            "A='line1\nB=evil'\nC=3\n",
            "A=\"x\\\"y\"\nB='a\"b'\nC=a\\ b\n",
            "A=  # empty with comment\nB=\nC=#x\nD=   \n",
            "A=v  # it's\nB=swallowed\nC='x\n",
            "A=v # it's\nB=2\n",
            "K=${A B}\nL=$A b\nM=${X}\n",
            "a.b=1\n_x=2\n",
            "A=\"a\r\nb\"\r\nB=2\r\n",
        ] {
            assert_agrees(text);
        }
    }

    #[test]
    fn quote_inside_spaced_comment_swallows_lines_like_dotenvy() {
        let text = "A=v  # it's\nB=2\nC='\n";
        assert_eq!(located(text), vec![("A".to_owned(), "v".to_owned())]);
    }

    #[test]
    fn unterminated_quote_is_an_incomplete_logical_line() {
        let lines = logical_lines("A=1\nB=\"open\nC=3\n");
        assert_eq!(lines.len(), 2);
        assert!(lines[0].complete);
        assert!(!lines[1].complete);
        assert_eq!(lines[1].line, 2);
    }

    #[test]
    fn line_numbers_count_physical_lines() {
        let lines = logical_lines("# c\nA=\"x\ny\nz\"\n\nB=1\n");
        let numbers: Vec<usize> = lines.iter().map(|l| l.line).collect();
        assert_eq!(numbers, vec![1, 2, 5, 6]);
    }

    #[test]
    fn values_with_spaces_are_quoted() {
        let p = Path::new("x");
        let r = render_value(p, "CLIENT_KEYS", "a, b", Quote::None).expect("renders");
        assert_eq!(r.as_str(), "\"a, b\"");
        let r = render_value(p, "CLIENT_KEYS", "a,b", Quote::None).expect("renders");
        assert_eq!(r.as_str(), "a,b");
        let r = render_value(p, "CLIENT_KEYS", "", Quote::None).expect("renders");
        assert_eq!(r.as_str(), "");
        let r = render_value(p, "K", "a, b", Quote::Single).expect("renders");
        assert_eq!(r.as_str(), "'a, b'");
        let r = render_value(p, "K", "it's", Quote::Single).expect("renders");
        assert_eq!(r.as_str(), "\"it's\"");
    }

    #[test]
    fn double_quoting_round_trips_special_characters() {
        let p = Path::new("x");
        for value in [
            "$HOME",
            "${X}",
            "a\\b",
            "say \"hi\"",
            "multi\nline",
            "# not a comment",
            "tab\there",
        ] {
            let r = render_value(p, "K", value, Quote::Double).expect("renders");
            let parsed = dotenvy_parse(&format!("K={}\n", r.as_str())).expect("parses");
            assert_eq!(parsed[0].1.as_str(), value);
        }
    }

    #[test]
    fn names_follow_dotenvy_key_syntax() {
        assert!(is_valid_name("CLIENT_KEYS"));
        assert!(is_valid_name("_a.b9"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("9A"));
        assert!(!is_valid_name("A-B"));
        assert!(!is_valid_name("A B"));
    }

    #[test]
    fn dotenvy_rejects_unquoted_spaces() {
        assert!(dotenvy_parse("CLIENT_KEYS=a, b\n").is_err());
        assert!(dotenvy_parse("A=1 ").is_err(), "trailing blank at EOF");
        assert!(
            dotenvy_parse("A=\"$HOME\"\n").is_err(),
            "dotenvy 0.15 quirk"
        );
    }
}
