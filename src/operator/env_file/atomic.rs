//! Resolving, locking, reading and atomically replacing the file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{EnvFileError, FileMeta, MAX_SYMLINK_HOPS, NEW_FILE_MODE, TEMP_NAME_ATTEMPTS, io_err};

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
                    reason: "it is not a regular file",
                });
            }
            Ok(_) => {
                return fs::canonicalize(&current).map_err(|e| io_err(&current, "resolve", e));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let Some(name) = current.file_name() else {
                    return Err(EnvFileError::InvalidPath {
                        path: current,
                        reason: "the path has no file name",
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
        reason: "too many levels of symbolic links",
    })
}

/// The directory holding `path` (`.` for a bare file name).
pub(super) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Opens (creating with mode 0600) `<name>.lock` next to `path` and takes an
/// exclusive lock on it, blocking until available.
pub(super) fn take_lock(path: &Path) -> Result<File, EnvFileError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock_path = parent_dir(path).join(name);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(NEW_FILE_MODE);
    }
    let file = options
        .open(&lock_path)
        .map_err(|e| io_err(&lock_path, "create lock file", e))?;
    file.lock().map_err(|e| io_err(&lock_path, "lock", e))?;
    Ok(file)
}

/// What [`read_target`] found.
pub(super) struct ReadTarget {
    pub(super) exists: bool,
    pub(super) metadata: Option<FileMeta>,
    pub(super) original: Zeroizing<Vec<u8>>,
}

/// Reads the target (a missing file reads as empty).
pub(super) fn read_target(path: &Path) -> Result<ReadTarget, EnvFileError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(ReadTarget {
                exists: false,
                metadata: None,
                original: Zeroizing::new(Vec::new()),
            });
        }
        Err(e) => return Err(io_err(path, "open", e)),
    };
    let meta = file.metadata().map_err(|e| io_err(path, "inspect", e))?;
    if !meta.is_file() {
        return Err(EnvFileError::InvalidPath {
            path: path.to_path_buf(),
            reason: "it is not a regular file",
        });
    }
    // Reserve once so the secret is not copied around by reallocations.
    let capacity = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    file.read_to_end(&mut bytes)
        .map_err(|e| io_err(path, "read", e))?;
    Ok(ReadTarget {
        exists: true,
        metadata: Some(file_meta(&meta)),
        original: bytes,
    })
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
// Atomic write
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

/// The start of the names of `target`'s temporary files: `.env.tmp-` (a dot is added to a
/// name without one, so that they stay hidden).
fn temp_prefix(target: &Path) -> std::ffi::OsString {
    let name = target.file_name().unwrap_or_default();
    let mut prefix = std::ffi::OsString::from(if name.as_encoded_bytes().starts_with(b".") {
        ""
    } else {
        "."
    });
    prefix.push(name);
    prefix.push(".tmp-");
    prefix
}

/// Removes temporary files of `target` left by a process that died between creating one and
/// renaming it (they hold a copy of the file, secrets included).
///
/// Only called with the lock held: every writer takes the lock before it creates a temporary
/// file, so none of these can belong to a live edit. Best effort: a file that cannot be
/// removed is left for the next edit.
pub(super) fn remove_stale_temps(target: &Path, dir: &Path) {
    let prefix = temp_prefix(target);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .as_encoded_bytes()
            .strip_prefix(prefix.as_encoded_bytes())
        else {
            continue;
        };
        // `<pid>-<16 hex digits>`, exactly as `create_temp` writes it.
        let ours = match rest.split(|&b| b == b'-').collect::<Vec<_>>().as_slice() {
            [pid, random] => {
                !pid.is_empty()
                    && pid.iter().all(u8::is_ascii_digit)
                    && random.len() == 16
                    && random.iter().all(u8::is_ascii_hexdigit)
            }
            _ => false,
        };
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Creates a new, empty temporary file (mode 0600) next to `target`, named
/// `<prefix><pid>-<16 hex digits>`.
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
