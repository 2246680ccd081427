//! Safe, atomic, lock-protected editing of `.env` files.
//!
//! [`EnvFile`] changes the value of a few variables (`CLIENT_SECRET`,
//! `CLIENT_KEYS`, ...) in an operator's `.env` file and leaves every other
//! byte exactly as it was: comments, blank lines, `export ` prefixes, quoting,
//! inline comments, CRLF line endings, a missing final newline, lines no reader
//! agrees on, and variables this crate does not know about.
//!
//! # How an edit works
//!
//! 1. [`EnvFile::open`] resolves symlinks, then opens the target as the configuration reads it
//!    (a regular file only, opened without blocking so that a FIFO is refused at once, at most
//!    1 MiB), takes an exclusive lock on **the file itself** (on its directory when there is no
//!    file yet) and checks that the path still names the locked file (an edit that finished
//!    while we waited replaced it: the new one is locked instead). A file with other hard
//!    links and a read-only file are refused (a rename would not edit them as their owner
//!    expects: see [`EnvFileError::InvalidPath`]). Temporary files left by a crashed edit are
//!    removed.
//! 2. The file is read with the crate's one `.env` reader, the one `Config` uses, which reads
//!    a statement only where Ruby's dotenv and python-dotenv read it alike and gives each
//!    value's byte span and inline comment. As for `Config`, a `CLIENT_*` variable on a line
//!    the readers do not read alike, or defined twice, refuses the file (naming the lines);
//!    other such lines are left as they are.
//! 3. [`EnvFile::set`] replaces only the value's span (or appends `NAME=value` as a new last
//!    line) with the value written as every reader reads it: unquoted when it can be
//!    (`CLIENT_KEYS=a,b,c`), else in single, else double quotes. It then **reads the result
//!    back with the same reader** and refuses the edit unless every other statement reads as
//!    before and the edited variable reads exactly the requested value.
//! 4. [`EnvFile::commit`] writes a temporary file `<name>.client-keys-tmp-<pid>-<random>` in
//!    the same directory (so that a `.gitignore` line `.env*` covers it), gives it the
//!    original file's mode and owner (`0600` for a new file), fsyncs it, renames it over the
//!    original and fsyncs the directory. A rename refused because the file is a mount point
//!    (a single file bind-mounted into a container: `EBUSY`, `EXDEV`) is reported as such. A
//!    crash leaves either the old or the new file, never a mix; a temporary file left by a crash (it holds a copy of the file) is removed by the
//!    next edit, under the lock, and reported by `check` until then.
//!
//! # Secrets
//!
//! The raw bytes and the values are kept in [`Zeroizing`] containers (best effort: a quoted
//! value is built in ordinary strings first). No error message and no `Debug` output ever
//! contains a value: errors name the path, line numbers and variable names only.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::dotenv::{self, Assignment, Item, OURS};

mod atomic;

use atomic::*;

/// Mode of files this module creates.
const NEW_FILE_MODE: u32 = 0o600;
/// Symlink hops followed before giving up (same limit as Linux).
const MAX_SYMLINK_HOPS: usize = 40;
/// Attempts at finding an unused temporary file name.
const TEMP_NAME_ATTEMPTS: usize = 16;

/// Why a file with other hard links is not edited.
const HARD_LINKED: &str = "it has other hard links, and an edit (a new file renamed over this \
     name) would leave them with the old content, a revoked key or an old secret included: keep \
     one file and make the other names symlinks to it";
/// Why a read-only file is not edited.
const READ_ONLY: &str = "it is read-only: make it writable (`chmod u+w`) if it is meant to be \
     edited, or edit the file it is generated from";
/// Why a mount point is not edited.
const MOUNT_POINT: &str = "it is a mount point (a single file mounted into a container, say), \
     which cannot be replaced by a rename: edit the file it is mounted from, or mount its \
     directory instead";

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
    /// The path cannot be edited: no file name, a symlink loop, not a regular file (a FIFO, a
    /// device), larger than 1 MiB, other hard links (an edit by rename would leave them with
    /// the old content), read-only, or a mount point (a rename cannot replace it).
    InvalidPath {
        /// The path as given (or as resolved so far).
        path: PathBuf,
        /// What is wrong, and the fix.
        reason: &'static str,
    },
    /// The file is not valid UTF-8.
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Line of the first invalid byte.
        line: usize,
    },
    /// A variable is on a line that Ruby's dotenv and python-dotenv do not read alike (for
    /// instance a `${VAR}` reference, which an edit would flatten into its value): a
    /// `CLIENT_*` one refuses the file, another one only its own edit.
    UnreadableLine {
        /// The file.
        path: PathBuf,
        /// The variable.
        name: String,
        /// Line where its statement starts.
        line: usize,
        /// What the readers disagree on, and how to write the line so that they agree.
        reason: &'static str,
    },
    /// A variable is defined more than once (a `CLIENT_*` one refuses the file, another one
    /// only its own edit): the readers disagree on which definition counts.
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
    /// The variable name is not one every reader accepts
    /// (`[A-Za-z_][A-Za-z0-9_.]*`).
    InvalidName {
        /// The file.
        path: PathBuf,
        /// The rejected name.
        name: String,
    },
    /// No quoting makes every reader read the new value back unchanged.
    UnrepresentableValue {
        /// The file.
        path: PathBuf,
        /// The variable.
        name: String,
    },
    /// The edited file would not read back as intended (the read-back check failed), e.g.
    /// because an earlier line's open quote would take the new line. Nothing was written.
    SelfCheckFailed {
        /// The file.
        path: PathBuf,
        /// The variable whose value would change unintentionally, if known.
        name: Option<String>,
    },
}

impl fmt::Display for EnvFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io {
                path,
                operation,
                source,
            } => write!(f, "cannot {operation} {}: {source}", path.display()),
            Self::InvalidPath { path, reason } => {
                write!(f, "cannot edit {}: {reason}", path.display())
            }
            Self::NotUtf8 { path, line } => write!(
                f,
                "cannot read {} at line {line}: the file is not valid UTF-8; fix the encoding of that line",
                path.display()
            ),
            Self::UnreadableLine {
                path,
                name,
                line,
                reason,
            } => write!(
                f,
                "cannot edit {name} at line {line} of {}: {reason}",
                path.display()
            ),
            Self::DuplicateDefinition {
                path,
                name,
                first_line,
                second_line,
            } => write!(
                f,
                "cannot edit {name} in {}: it is defined more than once (lines {first_line} and {second_line}); keep one definition and retry",
                path.display()
            ),
            Self::InvalidName { path, name } => write!(
                f,
                "cannot set {name:?} in {}: variable names must match [A-Za-z_][A-Za-z0-9_.]*",
                path.display()
            ),
            Self::UnrepresentableValue { path, name } => write!(
                f,
                "cannot write the new value of {name} to {}: no quoting makes every reader read it back unchanged; use a different value",
                path.display()
            ),
            Self::SelfCheckFailed {
                path,
                name: Some(name),
            } => write!(
                f,
                "refusing to edit {}: the edit would also change how {name} is read; edit the file by hand",
                path.display()
            ),
            Self::SelfCheckFailed { path, name: None } => write!(
                f,
                "refusing to edit {}: the edited file would not read back as intended (an open quote on an earlier line, say); edit the file by hand",
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
/// whether the secret can leak. On non-Unix platforms this always returns `Ok(false)`.
/// [`readable_warning`] is the warning built on it.
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

/// The warning every command that reads or writes a `.env` file gives (on stderr, or as a
/// finding of `check`) when the file at `path` is readable by its group or by others; `None`
/// when it is private to its owner, or missing.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// use std::os::unix::fs::PermissionsExt;
/// use client_keys::operator::readable_warning;
///
/// let path = dir.path().join(".env");
/// std::fs::write(&path, "CLIENT_KEYS=\n")?;
/// std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
/// assert!(readable_warning(&path).is_some_and(|w| w.contains("chmod 600")));
/// std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
/// assert_eq!(readable_warning(&path), None);
/// # Ok(()) }
/// ```
#[must_use]
pub fn readable_warning(path: &Path) -> Option<String> {
    is_readable_by_others(path).ok()?.then(|| {
        format!(
            "{path} is readable by group or others and may hold CLIENT_SECRET: run `chmod 600 {path}`",
            path = path.display()
        )
    })
}

/// Temporary copies of the `.env` file at `path` (symlinks followed) that an interrupted
/// edit left in its directory: each holds a copy of the file, secrets included. The next edit
/// removes them; `check` reports them.
pub(crate) fn leftover_temp_files(path: &Path) -> Vec<PathBuf> {
    match resolve(path) {
        Ok(target) => leftover_temps(&target, &parent_dir(&target)),
        Err(_) => Vec::new(),
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
/// let keys = env.value("CLIENT_KEYS")?.unwrap_or("").to_owned();
/// let keys = if keys.is_empty() { "new-id".to_owned() } else { format!("{keys},new-id") };
/// env.set("CLIENT_KEYS", &keys)?;
/// env.commit()?;
/// # Ok(())
/// # }
/// ```
pub struct EnvFile {
    /// The resolved (symlink-free) target path.
    path: PathBuf,
    /// Held for its exclusive lock (the file, or its directory); released on drop.
    _lock: File,
    /// Whether the target existed when opened.
    exists: bool,
    /// Mode and owner of the existing file (`None` for a new file).
    metadata: Option<FileMeta>,
    /// The file's bytes as read.
    original: Zeroizing<Vec<u8>>,
    /// Every statement of the original file, in file order, as the reader reads it.
    items: Vec<Item>,
    /// Pending edits, in the order of the first `set` of each name.
    edits: Vec<Edit>,
    /// The bytes to write (original with all pending edits), if any edit.
    edited: Option<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for EnvFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variables: Vec<&str> = self.items.iter().filter_map(statement_name).collect();
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
    /// is an exclusive [`File::lock`] on the target itself (on its directory while it does
    /// not exist), so it never outlives the edit and never belongs to another user; this call
    /// blocks until it is available, and it is held until the `EnvFile` is committed or
    /// dropped. The file is read as `Config` reads it (a leading UTF-8 BOM is skipped and
    /// preserved).
    ///
    /// # Errors
    ///
    /// [`EnvFileError::Io`] / [`EnvFileError::InvalidPath`] if the path cannot be resolved,
    /// locked or read, or is not a file an edit by rename can replace safely (a FIFO or a
    /// device, over 1 MiB, hard-linked, read-only); [`EnvFileError::NotUtf8`];
    /// [`EnvFileError::UnreadableLine`] if a `CLIENT_*` variable is on a line the readers do
    /// not read alike.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, EnvFileError> {
        let path = resolve(path.as_ref())?;
        let Opened {
            lock,
            metadata,
            original,
        } = lock_and_read(&path)?;
        remove_stale_temps(&path, &parent_dir(&path));
        let text = std::str::from_utf8(&original).map_err(|e| EnvFileError::NotUtf8 {
            path: path.clone(),
            line: dotenv::line_at(&original, e.valid_up_to()),
        })?;
        let items = dotenv::parse(text);
        let file = Self {
            path,
            _lock: lock,
            exists: metadata.is_some(),
            metadata,
            original,
            items,
            edits: Vec::new(),
            edited: None,
        };
        file.refuse_ours()?;
        Ok(file)
    }

    /// The resolved path of the file being edited (symlinks followed).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file existed when it was opened.
    pub fn exists(&self) -> bool {
        self.exists
    }

    /// The value of `name` as `Config` reads it, taking pending [`set`](Self::set) calls into
    /// account; `None` if it is not defined.
    ///
    /// # Errors
    /// [`EnvFileError::UnreadableLine`] if its line is not read alike by every reader (a
    /// `${VAR}` reference, say), [`EnvFileError::DuplicateDefinition`] if it is defined more
    /// than once.
    pub fn value(&self, name: &str) -> Result<Option<&str>, EnvFileError> {
        if let Some(edit) = self.edits.iter().find(|e| e.name == name) {
            return Ok(Some(edit.value.as_str()));
        }
        Ok(self.definition(name)?.map(|a| a.value.as_str()))
    }

    /// As [`value`](Self::value), with `None` also when the variable cannot be read (its line
    /// is not read alike by every reader, or it is defined more than once).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.value(name).ok().flatten()
    }

    /// Sets `name` to `value` (pending until [`commit`](Self::commit)); may be
    /// called several times, also for several variables.
    ///
    /// An existing definition keeps its place, `export ` prefix, inline comment and line
    /// ending; only the value's text changes, written as every reader reads it: unquoted when
    /// it can be (`CLIENT_KEYS=a,b,c`, which even `docker --env-file` reads alike), else in
    /// single quotes, else in double quotes. An empty value is written as nothing
    /// (`CLIENT_KEYS=`), or as `''` where nothing would not read back (before an inline
    /// comment, after `export`). A missing variable is appended as `NAME=value` on a new last
    /// line (with a line break added to the previous last line if it lacks one, using the
    /// file's own line ending). Setting a variable to its current value changes nothing.
    ///
    /// The whole edited file is read back with the same reader before this returns; if any
    /// other statement would read differently, or the edited one would not read back exactly,
    /// the edit is refused and the pending state is unchanged.
    ///
    /// # Errors
    ///
    /// [`EnvFileError::InvalidName`], [`EnvFileError::DuplicateDefinition`] (the variable is
    /// defined more than once), [`EnvFileError::UnreadableLine`] (its line is not read alike:
    /// a `${VAR}` reference is refused rather than flattened), and
    /// [`EnvFileError::UnrepresentableValue`] / [`EnvFileError::SelfCheckFailed`] if the edit
    /// would not read back as intended.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), EnvFileError> {
        if !is_valid_name(name) {
            return Err(EnvFileError::InvalidName {
                path: self.path.clone(),
                name: name.to_owned(),
            });
        }
        let unchanged = self
            .definition(name)?
            .is_some_and(|a| a.value.as_str() == value);

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
    /// The new content goes to a temporary file `<name>.client-keys-tmp-<pid>-<random>` in the
    /// target's directory (covered by a `.gitignore` line `<name>*`, such as `.env*`), which
    /// gets the original's mode and owner (`0600` for a new file), is fsynced, renamed over
    /// the target, and the directory is fsynced. On any error before the rename the temporary
    /// file is removed and the original is untouched.
    ///
    /// # Errors
    ///
    /// [`EnvFileError::Io`] if any step fails (including when the owner of the
    /// original cannot be preserved); [`EnvFileError::InvalidPath`] when the rename is refused
    /// because the file is a mount point.
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

        replace(temp.path(), &self.path)?;
        let temp_path = temp.disarm();
        hook(CommitStage::Renamed, &temp_path).map_err(aborted)?;
        sync_dir(&dir)?;
        Ok(())
    }

    /// The one readable definition of `name`, if any.
    fn definition(&self, name: &str) -> Result<Option<&Assignment>, EnvFileError> {
        let mut definitions = self
            .items
            .iter()
            .filter(|item| statement_name(item) == Some(name));
        match (definitions.next(), definitions.next()) {
            (None, _) => Ok(None),
            (Some(first), Some(second)) => Err(EnvFileError::DuplicateDefinition {
                path: self.path.clone(),
                name: name.to_owned(),
                first_line: statement_line(first),
                second_line: statement_line(second),
            }),
            (Some(Item::Assignment(a)), None) => Ok(Some(a)),
            (Some(Item::Unreadable(u)), None) => Err(EnvFileError::UnreadableLine {
                path: self.path.clone(),
                name: name.to_owned(),
                line: u.line,
                reason: u.reason.text(),
            }),
        }
    }

    /// Refuses the file when a `CLIENT_*` variable is on a line the readers do not read alike
    /// (the first such line), as `Config` does: where such a statement ends, and so what an
    /// edit next to it would change, is not certain. A variable defined twice refuses only
    /// its own edits (so that a key can still be revoked while a duplicated `CLIENT_SECRET`
    /// waits to be fixed).
    fn refuse_ours(&self) -> Result<(), EnvFileError> {
        match self.items.iter().find_map(|item| match item {
            Item::Unreadable(u) => u
                .name
                .as_deref()
                .filter(|n| n.starts_with(OURS))
                .map(|n| (n, u)),
            Item::Assignment(_) => None,
        }) {
            Some((name, u)) => Err(EnvFileError::UnreadableLine {
                path: self.path.clone(),
                name: name.to_owned(),
                line: u.line,
                reason: u.reason.text(),
            }),
            None => Ok(()),
        }
    }

    /// The statement (skipped as unreadable) that refers to one of `edits` with `$NAME` or
    /// `${NAME}`: Ruby's dotenv and python-dotenv would read it differently after the edit.
    fn referring_statement(&self, edits: &[Edit]) -> Option<&str> {
        let text = std::str::from_utf8(&self.original).ok()?;
        let starts = line_starts(text);
        self.items.iter().find_map(|item| match item {
            Item::Unreadable(u) if u.reason == dotenv::Reason::Reference => {
                let start = *starts.get(u.line - 1)?;
                let end = starts.get(u.last_line).copied().unwrap_or(text.len());
                let statement = &text[start..end];
                edits
                    .iter()
                    .any(|e| refers_to(statement, &e.name))
                    .then_some(u.name.as_deref().unwrap_or("another variable"))
            }
            _ => None,
        })
    }

    /// Applies `edits` to the original bytes, reads the result back and returns it. An empty
    /// value is first written as nothing, then, if that does not read back, as `''`.
    fn render(&self, edits: &[Edit]) -> Result<Zeroizing<Vec<u8>>, EnvFileError> {
        let first = self.splice(edits, false)?;
        match self.read_back(&first, edits) {
            Err(_) if edits.iter().any(|e| e.value.is_empty()) => {
                let second = self.splice(edits, true)?;
                self.read_back(&second, edits)?;
                Ok(second)
            }
            result => result.map(|()| first),
        }
    }

    /// The original bytes with each edit's value span replaced, or the edit appended.
    fn splice(
        &self,
        edits: &[Edit],
        quote_empty: bool,
    ) -> Result<Zeroizing<Vec<u8>>, EnvFileError> {
        let original: &[u8] = &self.original;
        let mut replacements: Vec<(Range<usize>, Zeroizing<String>)> = Vec::new();
        let mut appended: Vec<(&str, Zeroizing<String>)> = Vec::new();
        for edit in edits {
            let text = if edit.value.is_empty() && !quote_empty {
                Zeroizing::new(String::new())
            } else {
                Zeroizing::new(dotenv::quote_value(&edit.value).ok_or_else(|| {
                    EnvFileError::UnrepresentableValue {
                        path: self.path.clone(),
                        name: edit.name.clone(),
                    }
                })?)
            };
            match self.definition(&edit.name)? {
                Some(a) => {
                    let mut text = text;
                    // `'x'#c` is a value and a comment; `y#c` would be one value.
                    let glued = a
                        .comment_span
                        .as_ref()
                        .is_some_and(|c| c.start == a.value_span.end);
                    if glued && !text.ends_with(['\'', '"']) {
                        text.push(' ');
                    }
                    replacements.push((a.value_span.clone(), text));
                }
                None => appended.push((&edit.name, text)),
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
            if !out.is_empty() && !matches!(out.last(), Some(b'\n' | b'\r')) {
                out.extend_from_slice(eol);
            }
            for (name, text) in &appended {
                out.extend_from_slice(name.as_bytes());
                out.push(b'=');
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(eol);
            }
        }
        Ok(out)
    }

    /// Reads `edited` with the same reader and checks it statement by statement against the
    /// original with `edits` applied: the same statements in the same order, every one read as
    /// before but the edited ones, which read exactly their new values.
    fn read_back(&self, edited: &[u8], edits: &[Edit]) -> Result<(), EnvFileError> {
        let failed = |name: Option<&str>| EnvFileError::SelfCheckFailed {
            path: self.path.clone(),
            name: name.map(str::to_owned),
        };
        if let Some(name) = self.referring_statement(edits) {
            return Err(failed(Some(name)));
        }
        let text = std::str::from_utf8(edited).map_err(|_| failed(None))?;
        let parsed = dotenv::parse(text);
        let edited_value = |name: &str| {
            edits
                .iter()
                .find(|e| e.name == name)
                .map(|e| e.value.as_str())
        };
        let appended = edits.iter().filter(|e| {
            !self
                .items
                .iter()
                .any(|i| statement_name(i) == Some(&e.name))
        });
        let expected = self.items.len() + appended.clone().count();
        if parsed.len() != expected {
            return Err(failed(None));
        }
        let mut parsed = parsed.iter();
        for item in &self.items {
            let Some(now) = parsed.next() else {
                return Err(failed(None));
            };
            let same = match (item, now) {
                (Item::Assignment(a), Item::Assignment(b)) => {
                    a.name == b.name
                        && b.value.as_str() == edited_value(&a.name).unwrap_or(&a.value)
                }
                (Item::Unreadable(a), Item::Unreadable(b)) => {
                    a.name == b.name && a.reason == b.reason
                }
                _ => false,
            };
            if !same {
                let name = statement_name(item);
                return Err(match name {
                    Some(n) if edited_value(n).is_none() => failed(Some(n)),
                    _ => failed(None),
                });
            }
        }
        for edit in appended {
            match parsed.next() {
                Some(Item::Assignment(b)) if b.name == edit.name && *b.value == *edit.value => {}
                _ => return Err(failed(None)),
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Internal data
// ---------------------------------------------------------------------------

#[derive(Clone)]
struct Edit {
    name: String,
    value: Zeroizing<String>,
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

/// The name a statement defines, readable or not.
fn statement_name(item: &Item) -> Option<&str> {
    match item {
        Item::Assignment(a) => Some(&a.name),
        Item::Unreadable(u) => u.name.as_deref(),
    }
}

/// The line a statement starts on.
fn statement_line(item: &Item) -> usize {
    match item {
        Item::Assignment(a) => a.line,
        Item::Unreadable(u) => u.line,
    }
}

/// `[A-Za-z_][A-Za-z0-9_.]*`: a name every reader reads.
fn is_valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// The byte offset where each line of `text` starts (lines end as the reader ends them:
/// `\n`, `\r\n` or `\r`).
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
}

/// Whether `text` has `$NAME` (Ruby) or `${NAME}` / `${NAME:-default}` (both) in it.
fn refers_to(text: &str, name: &str) -> bool {
    text.match_indices('$').any(|(i, _)| {
        let rest = &text[i + 1..];
        match rest.strip_prefix('{') {
            Some(braced) => braced
                .strip_prefix(name)
                .is_some_and(|after| after.starts_with(['}', ':'])),
            None => rest.strip_prefix(name).is_some_and(|after| {
                !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            }),
        }
    })
}

/// Whether the file's first line break is CRLF.
fn uses_crlf(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .position(|&b| b == b'\n')
        .is_some_and(|i| i > 0 && bytes[i - 1] == b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_reader_reads() {
        assert!(is_valid_name("CLIENT_KEYS"));
        assert!(is_valid_name("_a.b9"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("9A"));
        assert!(!is_valid_name("A-B"));
        assert!(!is_valid_name("A B"));
    }

    #[test]
    fn references_as_ruby_or_python_expand_them() {
        for text in ["${K}", "a${K}b", "${K:-x}", "$K", "$K,b", "\"$K\""] {
            assert!(refers_to(text, "K"), "{text}");
        }
        for text in ["${KEY}", "$KEY", "K", "${ K}", "$", "$$"] {
            assert!(!refers_to(text, "K"), "{text}");
        }
    }

    #[test]
    fn lines_start_after_each_kind_of_line_break() {
        assert_eq!(line_starts("a\nb\r\nc\rd"), [0, 2, 5, 7]);
        assert_eq!(line_starts(""), [0]);
    }

    #[test]
    fn a_refused_rename_over_a_mount_point_says_so() {
        let path = Path::new("/app/.env");
        for kind in [io::ErrorKind::ResourceBusy, io::ErrorKind::CrossesDevices] {
            let e = replace_error(path, io::Error::from(kind));
            assert!(
                matches!(e, EnvFileError::InvalidPath { reason, .. } if reason == MOUNT_POINT),
                "{e:?}"
            );
            let text = e.to_string();
            assert!(
                text.contains("mount point") && !text.contains("disk"),
                "{text}"
            );
        }
        let e = replace_error(path, io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(matches!(e, EnvFileError::Io { .. }), "{e:?}");
    }
}
