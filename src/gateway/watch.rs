//! Reloading on `SIGHUP` and when a configuration file changes.
//!
//! The files are checked by a bounded poll, every interval (1 second by default): `stat` of the
//! `.env` file and of each file a `_FILE` variable names, following symlinks, compared with what
//! the last load saw (device, inode, size, modification and change times; recorded just before
//! the load read the files, so a change during a load is not missed). A difference triggers one
//! reload; a configuration that failed to load is not retried until its files change again (or
//! `SIGHUP`). Why a poll rather than inotify:
//!
//! - Kubernetes updates a mounted Secret by writing a new directory and swapping the `..data`
//!   symlink to it; the file's path (`/etc/keys/CLIENT_KEYS` → `..data/CLIENT_KEYS`) then
//!   resolves to a new inode. Following the path on every check sees that without watching
//!   directories, and sees a file that appears, disappears or is replaced by `mv`, on every
//!   filesystem (overlay, NFS, bind mounts, where inotify can miss events).
//! - It costs a few `stat` calls a second and no extra dependency or thread.
//!
//! A change is seen within one interval and applied within the next (the reload runs on a
//! blocking thread), so within 2 seconds by default.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::{Gateway, Hangups};

/// What identifies a file's content without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    device: u64,
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
    changed: (i64, i64),
}

fn stamp(path: &PathBuf) -> Option<Stamp> {
    let metadata = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let (device, inode, changed) = {
        use std::os::unix::fs::MetadataExt as _;
        (
            metadata.dev(),
            metadata.ino(),
            (metadata.ctime(), metadata.ctime_nsec()),
        )
    };
    #[cfg(not(unix))]
    let (device, inode, changed) = (0, 0, (0, 0));
    Some(Stamp {
        device,
        inode,
        len: metadata.len(),
        modified: metadata.modified().ok(),
        changed,
    })
}

/// The watched files and their stamps.
pub(crate) type Snapshot = Vec<(PathBuf, Option<Stamp>)>;

/// The stamps of the files `gateway` watches now. [`Gateway::reload`] records them before it
/// reads the files, so a change made during a load is seen at the next check.
pub(crate) fn snapshot(gateway: &Gateway) -> Snapshot {
    gateway
        .watched_files()
        .into_iter()
        .map(|path| {
            let stamp = stamp(&path);
            (path, stamp)
        })
        .collect()
}

/// Reloads on `SIGHUP` and when a watched file differs from what the last load saw, one reload
/// at a time, until `stop`.
pub(crate) async fn reload_loop(
    gateway: Gateway,
    mut hangups: Hangups,
    interval: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    let mut stop = std::pin::pin!(stop);
    let start = tokio::time::Instant::now() + interval;
    let mut ticks = tokio::time::interval_at(start, interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let hangup = tokio::select! {
            () = hangups.next() => true,
            _ = ticks.tick() => false,
            () = &mut stop => return,
        };
        let gateway = gateway.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let cause = if hangup {
                "SIGHUP"
            } else if snapshot(&gateway) != gateway.last_snapshot() {
                "a file changed"
            } else {
                return;
            };
            tracing::info!(target: super::LOG_TARGET, cause, "reloading the configuration");
            let _ = gateway.reload();
        })
        .await;
    }
}
