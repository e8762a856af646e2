//! Online backup with SQLite's backup API: one pass inside a single read transaction, so the
//! copy is a consistent snapshot even while the server keeps writing (WAL lets it).

use std::path::Path;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

/// Copies the database at `source` to a new file `dest` and checks the copy.
pub fn backup(source: &Path, dest: &Path) -> Result<i64, String> {
    let from = super::open_read_only(source)?;
    // Created private (0600) and refused if it exists, in one step.
    super::private_file::create_new(dest).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            format!("{} already exists; choose a new file name", dest.display())
        }
        _ => format!("cannot create {}: {e}", dest.display()),
    })?;
    let mut to = Connection::open_with_flags(
        dest,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .map_err(|e| {
        let _ = std::fs::remove_file(dest);
        format!("cannot create {}: {e}", dest.display())
    })?;
    {
        let copy =
            Backup::new(&from, &mut to).map_err(|e| format!("cannot start the backup: {e}"))?;
        if let Err(e) = copy.step(-1) {
            let _ = std::fs::remove_file(dest);
            return Err(format!("backup failed: {e}"));
        }
    }
    let check: String = to
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| format!("cannot check the copy: {e}"))?;
    if check != "ok" {
        let _ = std::fs::remove_file(dest);
        return Err(format!("the copy failed its integrity check: {check}"));
    }
    let messages: i64 = to
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .map_err(|e| format!("cannot read the copy: {e}"))?;
    Ok(messages)
}
