//! The database holds customers' words, password hashes and (unless one is configured) the
//! token-signing secret, so only its owner may read it: a new database, and every backup, is
//! created with mode 0600 before SQLite touches it (SQLite gives its `-wal` and `-shm` files
//! the database file's mode). An existing file that others can read is not changed behind the
//! operator's back, but is reported at start with the command that fixes it.

use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Owner read and write, nothing for anyone else.
pub(crate) const PRIVATE_MODE: u32 = 0o600;

/// Creates `path` empty with mode 0600; fails if it already exists.
pub(crate) fn create_new(path: &Path) -> io::Result<()> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE_MODE)
        .open(path)
        .map(drop)
}

/// Makes sure a database file exists and is private: a missing one is created with mode 0600;
/// an existing one (and its `-wal` / `-shm`) that group or others may read is warned about.
pub(crate) fn ensure_private(path: &Path) -> Result<(), String> {
    match create_new(path) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
    }
    for file in [
        path.to_path_buf(),
        sidecar(path, "-wal"),
        sidecar(path, "-shm"),
    ] {
        if let Ok(meta) = std::fs::metadata(&file)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                file = %file.display(),
                mode = format!("{:o}", meta.permissions().mode() & 0o777),
                "the database is readable by other users of this machine; \
                 fix it with: chmod 600 {}*",
                path.display()
            );
        }
    }
    Ok(())
}

/// `path` with `suffix` appended to its file name (`frontdesk.db` -> `frontdesk.db-wal`).
pub(crate) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
