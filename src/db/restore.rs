//! `frontdesk restore FILE`: puts a backup in place of the database, but only a backup that is
//! whole (`PRAGMA integrity_check`), is a Frontdesk database this build can open, and only
//! while no server runs on the target. The database it replaces is kept beside it, renamed, so
//! a restore of the wrong file is undone by renaming back. Each refusal has its own exit code
//! (the BSD `sysexits` numbers) so a script can tell "try again later" from "bad file".

use std::path::{Path, PathBuf};

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

use super::private_file::{self, sidecar};
use super::server_lock::{LockError, ServerLock};

/// What went wrong, and the exit code that says so.
#[derive(Debug)]
pub struct RestoreError {
    pub exit_code: u8,
    pub message: String,
}

/// The file is not a usable Frontdesk backup (`EX_DATAERR`).
pub const EXIT_BAD_BACKUP: u8 = 65;
/// The file does not exist or cannot be read (`EX_NOINPUT`).
pub const EXIT_NO_INPUT: u8 = 66;
/// The database cannot be written (`EX_CANTCREAT`).
pub const EXIT_CANNOT_WRITE: u8 = 73;
/// A server is running on the database: stop it and run the restore again (`EX_TEMPFAIL`).
pub const EXIT_SERVER_RUNNING: u8 = 75;

fn fail(exit_code: u8, message: impl Into<String>) -> RestoreError {
    RestoreError {
        exit_code,
        message: message.into(),
    }
}

/// What a restore did, for the operator.
#[derive(Debug)]
pub struct Restored {
    pub users: i64,
    pub messages: i64,
    /// Where the database it replaced now is, if there was one.
    pub previous: Option<PathBuf>,
}

/// Checks `file` and puts a copy of it at `db`.
pub fn restore(file: &Path, db: &Path) -> Result<Restored, RestoreError> {
    let (users, messages) = check_backup(file)?;
    let _lock = ServerLock::acquire(db).map_err(|e| match e {
        LockError::Held(_) => fail(EXIT_SERVER_RUNNING, e.to_string()),
        LockError::Io(m) => fail(EXIT_CANNOT_WRITE, m),
    })?;
    let partial = sidecar(db, ".restoring");
    let _ = std::fs::remove_file(&partial);
    copy(file, &partial).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    let previous = set_aside(db)?;
    std::fs::rename(&partial, db).map_err(|e| {
        fail(
            EXIT_CANNOT_WRITE,
            format!("cannot put the copy in place: {e}"),
        )
    })?;
    super::sync_dir(db);
    Ok(Restored {
        users,
        messages,
        previous,
    })
}

/// Refuses a file that is not whole or not ours; returns its users and messages.
fn check_backup(file: &Path) -> Result<(i64, i64), RestoreError> {
    let meta = std::fs::metadata(file).map_err(|e| {
        fail(
            EXIT_NO_INPUT,
            format!("cannot read {}: {e}", file.display()),
        )
    })?;
    if !meta.is_file() || meta.len() == 0 {
        return Err(fail(
            EXIT_BAD_BACKUP,
            format!(
                "{} is not a Frontdesk backup (empty or not a file)",
                file.display()
            ),
        ));
    }
    let bad = |why: String| fail(EXIT_BAD_BACKUP, format!("{} {why}", file.display()));
    let conn = super::open_read_only(file).map_err(|e| fail(EXIT_BAD_BACKUP, e))?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| bad(format!("failed its integrity check: {e}")))?;
    if check != "ok" {
        return Err(bad(format!("failed its integrity check: {check}")));
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| bad(format!("cannot be read: {e}")))?;
    if version > super::LATEST_VERSION {
        return Err(bad(format!(
            "was written by a newer Frontdesk (schema {version}, this build knows up to {}); \
             restore it with that build",
            super::LATEST_VERSION
        )));
    }
    let counts = conn.query_row(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM messages),
                (SELECT count(*) FROM rooms), (SELECT count(*) FROM sessions)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    match counts {
        Ok(counts) if version >= 1 => Ok(counts),
        _ => Err(bad("is a SQLite database but not a Frontdesk one".into())),
    }
}

/// Copies the backup page by page into a new private file.
fn copy(file: &Path, to: &Path) -> Result<(), RestoreError> {
    let cannot = |e: String| {
        fail(
            EXIT_CANNOT_WRITE,
            format!("cannot write {}: {e}", to.display()),
        )
    };
    let from = super::open_read_only(file).map_err(|e| fail(EXIT_BAD_BACKUP, e))?;
    private_file::create_new(to).map_err(|e| cannot(e.to_string()))?;
    let mut dest = Connection::open_with_flags(to, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| cannot(e.to_string()))?;
    Backup::new(&from, &mut dest)
        .and_then(|b| b.step(-1).map(drop))
        .map_err(|e| cannot(e.to_string()))
}

/// Moves the database at `db` and its `-wal` / `-shm` aside under one new name (SQLite then
/// finds the WAL beside its database, so nothing of it is lost); a WAL left next to the new
/// file would otherwise be replayed into it.
fn set_aside(db: &Path) -> Result<Option<PathBuf>, RestoreError> {
    if !db.exists() {
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(sidecar(db, suffix));
        }
        return Ok(None);
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let aside = sidecar(db, &format!(".before-restore-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = sidecar(db, suffix);
        if from.exists() {
            std::fs::rename(&from, sidecar(&aside, suffix)).map_err(|e| {
                fail(
                    EXIT_CANNOT_WRITE,
                    format!("cannot move {} aside: {e}", from.display()),
                )
            })?;
        }
    }
    Ok(Some(aside))
}
