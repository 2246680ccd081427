//! Resolving, locking, reading and atomically replacing the file.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{
    EnvFileError, FileMeta, HARD_LINKED, MAX_SYMLINK_HOPS, MOUNT_POINT, NEW_FILE_MODE, READ_ONLY,
    TEMP_NAME_ATTEMPTS, io_err,
};
use crate::config::dotenv::{self, ReadError};

/// Attempts at locking the file that is at the path (it may be replaced while we wait).
const LOCK_ATTEMPTS: usize = 64;

// ---------------------------------------------------------------------------
// Paths, lock, read
// ---------------------------------------------------------------------------

/// Follows symlinks (also dangling ones) to the real target and makes the
/// path absolute with a canonical directory.
pub(super) fn resolve(path: &Path) -> Result<PathBuf, EnvFileError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINK_HOPS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target =
                    fs::read_link(&current).map_err(|e| io_err(&current, "read symlink", e))?;
                current = parent_dir(&current).join(target);
            }
            Ok(meta) if !meta.is_file() => {
                return Err(EnvFileError::InvalidPath {
                    path: current,
                    reason: ReadError::NOT_REGULAR,
                });
            }
            Ok(_) => {
                return fs::canonicalize(&current).map_err(|e| io_err(&current, "resolve", e));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let Some(name) = current.file_name() else {
                    return Err(EnvFileError::InvalidPath {
                        path: current,
                        reason: "the path has no file name: name the .env file itself",
                    });
                };
                let dir = parent_dir(&current);
                let dir =
                    fs::canonicalize(&dir).map_err(|e| io_err(&dir, "resolve directory", e))?;
                return Ok(dir.join(name));
            }
            Err(e) => return Err(io_err(&current, "inspect", e)),
        }
    }
    Err(EnvFileError::InvalidPath {
        path: path.to_path_buf(),
        reason: "too many levels of symbolic links: point the link at the .env file itself",
    })
}

/// The directory holding `path` (`.` for a bare file name).
pub(super) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What [`lock_and_read`] found.
pub(super) struct Opened {
    /// Held for its exclusive lock: the file itself, or its directory when there is no file.
    pub(super) lock: File,
    /// Mode and owner of the file (`None` when there is no file).
    pub(super) metadata: Option<FileMeta>,
    /// The file's bytes (empty when there is no file).
    pub(super) original: Zeroizing<Vec<u8>>,
}

/// Takes an exclusive lock on the file at `path` itself (or on its directory when there is no
/// file yet) and reads it, with the `.env` reader's rules: a regular file (a FIFO is refused
/// without blocking), at most 1 MiB.
///
/// Locking the file rather than a separate lock file means that anyone who may read the file
/// may lock it: a run as another user (root, say) leaves nothing behind that blocks the
/// owner. An edit replaces the file by a rename, so after the lock is taken the path is checked
/// to still name the locked file; if it was replaced while we waited, the new one is locked
/// instead.
///
/// Refuses a file with other hard links and a read-only file (see [`refuse_unsafe`]).
pub(super) fn lock_and_read(path: &Path) -> Result<Opened, EnvFileError> {
    for _ in 0..LOCK_ATTEMPTS {
        match dotenv::open_file(path) {
            Ok((file, _)) => {
                file.lock().map_err(|e| io_err(path, "lock", e))?;
                let meta = file.metadata().map_err(|e| io_err(path, "inspect", e))?;
                if !same_file(&meta, path) {
                    continue; // replaced while we waited: lock the one there now
                }
                refuse_unsafe(path, &meta)?;
                let original = dotenv::read_opened(&file, &meta).map_err(|e| read_err(path, e))?;
                return Ok(Opened {
                    lock: file,
                    metadata: Some(file_meta(&meta)),
                    original,
                });
            }
            Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {
                let dir = parent_dir(path);
                let lock = File::open(&dir).map_err(|e| io_err(&dir, "open the directory", e))?;
                lock.lock().map_err(|e| io_err(&dir, "lock", e))?;
                if fs::symlink_metadata(path).is_ok() {
                    continue; // created while we waited: lock it
                }
                return Ok(Opened {
                    lock,
                    metadata: None,
                    original: Zeroizing::new(Vec::new()),
                });
            }
            Err(e) => return Err(read_err(path, e)),
        }
    }
    Err(io_err(
        path,
        "lock",
        io::Error::other("the file kept being replaced while this command waited for it"),
    ))
}

fn read_err(path: &Path, e: ReadError) -> EnvFileError {
    match e {
        ReadError::Io(e) => io_err(path, "read", e),
        ReadError::NotRegular => EnvFileError::InvalidPath {
            path: path.to_path_buf(),
            reason: ReadError::NOT_REGULAR,
        },
        ReadError::TooLarge => EnvFileError::InvalidPath {
            path: path.to_path_buf(),
            reason: ReadError::TOO_LARGE,
        },
    }
}

/// Whether `path` still names the file whose metadata is `locked`.
#[cfg(unix)]
fn same_file(locked: &fs::Metadata, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).is_ok_and(|now| now.dev() == locked.dev() && now.ino() == locked.ino())
}

#[cfg(not(unix))]
fn same_file(_locked: &fs::Metadata, path: &Path) -> bool {
    path.exists()
}

/// Refuses what an edit by rename cannot replace safely: a file with other hard links (they
/// would keep the old content, a revoked key or an old secret included) and a read-only file
/// (its owner asked for no edits). A mount point (a single file mounted into a container) is
/// found when the rename is refused ([`replace_error`]): comparing devices first would refuse
/// files on overlay filesystems, whose files may report another device than their directory.
#[cfg(unix)]
fn refuse_unsafe(path: &Path, meta: &fs::Metadata) -> Result<(), EnvFileError> {
    use std::os::unix::fs::MetadataExt;
    let refuse = |reason| {
        Err(EnvFileError::InvalidPath {
            path: path.to_path_buf(),
            reason,
        })
    };
    if meta.nlink() > 1 {
        return refuse(HARD_LINKED);
    }
    if meta.permissions().readonly() {
        return refuse(READ_ONLY);
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_unsafe(path: &Path, meta: &fs::Metadata) -> Result<(), EnvFileError> {
    if meta.permissions().readonly() {
        return Err(EnvFileError::InvalidPath {
            path: path.to_path_buf(),
            reason: READ_ONLY,
        });
    }
    Ok(())
}

#[cfg(unix)]
pub(super) fn file_meta(meta: &fs::Metadata) -> FileMeta {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    FileMeta {
        mode: meta.permissions().mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
    }
}

#[cfg(not(unix))]
pub(super) fn file_meta(_meta: &fs::Metadata) -> FileMeta {
    FileMeta {
        mode: NEW_FILE_MODE,
        uid: 0,
        gid: 0,
    }
}

// ---------------------------------------------------------------------------
// Temporary files
// ---------------------------------------------------------------------------

/// A temporary file removed on drop unless disarmed.
pub(super) struct TempFile {
    pub(super) path: Option<PathBuf>,
}

impl TempFile {
    pub(super) fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    pub(super) fn disarm(mut self) -> PathBuf {
        self.path.take().unwrap_or_default()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// What marks a temporary file of ours after the target's name.
const TEMP_MARK: &str = ".client-keys-tmp-";

/// The start of the names of `target`'s temporary files: the target's own name, then
/// `.client-keys-tmp-` (`.env.client-keys-tmp-…`), so that a `.gitignore` line that covers
/// the file and its variants (`.env*`) covers them too.
fn temp_prefix(target: &Path) -> OsString {
    let mut prefix = target.file_name().unwrap_or_default().to_os_string();
    prefix.push(TEMP_MARK);
    prefix
}

/// The prefix earlier versions used (`.env.tmp-…`, a dot added to a name without one).
fn legacy_temp_prefix(target: &Path) -> OsString {
    let name = target.file_name().unwrap_or_default();
    let dot = if name.as_encoded_bytes().starts_with(b".") {
        ""
    } else {
        "."
    };
    let mut prefix = OsString::from(dot);
    prefix.push(name);
    prefix.push(".tmp-");
    prefix
}

/// Temporary files of `target` (a resolved path) in `dir` that a process left when it died
/// between creating one and renaming it: each holds a copy of the file, secrets included.
/// Names are exactly `<prefix><pid>-<16 hex digits>`, as [`create_temp`] writes them (or as
/// earlier versions did); look-alikes are not ours.
pub(super) fn leftover_temps(target: &Path, dir: &Path) -> Vec<PathBuf> {
    let prefixes = [temp_prefix(target), legacy_temp_prefix(target)];
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let ours = prefixes.iter().any(|prefix| {
                name.as_encoded_bytes()
                    .strip_prefix(prefix.as_encoded_bytes())
                    .is_some_and(is_temp_suffix)
            });
            ours && entry.file_type().is_ok_and(|t| t.is_file())
        })
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found
}

/// `<pid>-<16 hex digits>`.
fn is_temp_suffix(rest: &[u8]) -> bool {
    match rest.split(|&b| b == b'-').collect::<Vec<_>>().as_slice() {
        [pid, random] => {
            !pid.is_empty()
                && pid.iter().all(u8::is_ascii_digit)
                && random.len() == 16
                && random.iter().all(u8::is_ascii_hexdigit)
        }
        _ => false,
    }
}

/// Removes the [`leftover_temps`] of `target`.
///
/// Only called with the lock held: every writer locks the file before it creates a temporary
/// file, and keeps the lock until it has renamed it, so none of these can belong to a live
/// edit. Best effort: a file that cannot be removed is left for the next edit (and `check`
/// reports it).
pub(super) fn remove_stale_temps(target: &Path, dir: &Path) {
    for path in leftover_temps(target, dir) {
        let _ = fs::remove_file(path);
    }
}

/// Creates a new, empty temporary file (mode 0600) next to `target`, named
/// `<name>.client-keys-tmp-<pid>-<16 hex digits>`.
pub(super) fn create_temp(target: &Path, dir: &Path) -> Result<(File, TempFile), EnvFileError> {
    let prefix = temp_prefix(target);
    let mut last_error = None;
    for attempt in 0..TEMP_NAME_ATTEMPTS {
        let mut temp_name = prefix.clone();
        temp_name.push(format!(
            "{}-{:016x}",
            std::process::id(),
            random_u64(attempt)
        ));
        let path = dir.join(temp_name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(NEW_FILE_MODE);
        }
        match options.open(&path) {
            Ok(file) => return Ok((file, TempFile { path: Some(path) })),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => return Err(io_err(dir, "create a temporary file in", e)),
        }
    }
    Err(io_err(
        dir,
        "create a temporary file in",
        last_error.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)),
    ))
}

/// A random-enough number for temporary file names (std only).
pub(super) fn random_u64(attempt: usize) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_usize(attempt);
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(d.as_nanos());
    }
    hasher.finish()
}

// ---------------------------------------------------------------------------
// Atomic write
// ---------------------------------------------------------------------------

/// Gives the temporary file the original's owner and mode (0600 if new).
#[cfg(unix)]
pub(super) fn apply_metadata(
    file: &File,
    temp: &Path,
    original: Option<&FileMeta>,
) -> Result<(), EnvFileError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = original.map_or(NEW_FILE_MODE, |m| m.mode);
    if let Some(m) = original {
        let current = file
            .metadata()
            .map_err(|e| io_err(temp, "inspect temporary file", e))?;
        if current.uid() != m.uid || current.gid() != m.gid {
            std::os::unix::fs::fchown(file, Some(m.uid), Some(m.gid))
                .map_err(|e| io_err(temp, "give the original owner and group to", e))?;
        }
    }
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|e| io_err(temp, "set the mode of", e))
}

#[cfg(not(unix))]
pub(super) fn apply_metadata(
    _file: &File,
    _temp: &Path,
    _original: Option<&FileMeta>,
) -> Result<(), EnvFileError> {
    Ok(())
}

/// Renames `temp` over `target`. A rename refused because `target` is a mount point (`EBUSY`,
/// `EXDEV`: a single file bind-mounted into a container) says so.
pub(super) fn replace(temp: &Path, target: &Path) -> Result<(), EnvFileError> {
    fs::rename(temp, target).map_err(|e| replace_error(target, e))
}

pub(super) fn replace_error(target: &Path, e: io::Error) -> EnvFileError {
    match e.kind() {
        io::ErrorKind::ResourceBusy | io::ErrorKind::CrossesDevices => EnvFileError::InvalidPath {
            path: target.to_path_buf(),
            reason: MOUNT_POINT,
        },
        _ => io_err(target, "replace", e),
    }
}

/// Makes a rename in `dir` durable.
pub(super) fn sync_dir(dir: &Path) -> Result<(), EnvFileError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_err(dir, "sync directory", e))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
