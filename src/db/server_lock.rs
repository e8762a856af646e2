//! One server per database: `serve` holds an exclusive lock on `<db>.lock` for as long as it
//! runs, so a second server on the same file refuses to start (two writers would each think
//! their batches are the only ones) and `frontdesk restore` refuses to swap the file under a
//! running server. The `user` and `backup` commands take no lock: SQLite's own locking makes
//! them safe beside a server. The lock is the kernel's (`flock`), so it goes away with the
//! process, however it ends; the lock file itself is left behind, empty and harmless.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Held while it lives.
#[derive(Debug)]
pub struct ServerLock {
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it: a server is running on this database.
    Held(PathBuf),
    /// The lock file cannot be created or locked.
    Io(String),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Held(path) => write!(
                f,
                "a Frontdesk server is running on this database (it holds {}); stop it first",
                path.display()
            ),
            LockError::Io(e) => f.write_str(e),
        }
    }
}

/// The lock file of the database at `db`.
fn lock_path(db: &Path) -> PathBuf {
    super::private_file::sidecar(db, ".lock")
}

impl ServerLock {
    /// Takes the lock of the database at `db` without waiting.
    pub fn acquire(db: &Path) -> Result<ServerLock, LockError> {
        let path = lock_path(db);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(super::private_file::PRIVATE_MODE)
            .open(&path)
            .map_err(|e| LockError::Io(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(ServerLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held(path)),
            Err(TryLockError::Error(e)) => Err(LockError::Io(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_free_again_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("frontdesk.db");
        let held = ServerLock::acquire(&db).unwrap();
        assert!(matches!(ServerLock::acquire(&db), Err(LockError::Held(_))));
        drop(held);
        assert!(ServerLock::acquire(&db).is_ok());
    }
}
