//! How a connection is opened: the pragmas every connection shares, and the start-up check that
//! refuses a file that is not SQLite before SQLite can touch it.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Refuses a non-empty file that is not a SQLite database, so a wrong `--db` never gets
/// overwritten or "repaired". A missing or empty file is fine: it becomes a new database.
pub(crate) fn check_is_sqlite(path: &Path) -> Result<(), String> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut head = [0u8; 16];
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
    }
    if read == 0 || &head == SQLITE_MAGIC {
        Ok(())
    } else {
        Err(format!(
            "{} is not a SQLite database (or its header is damaged); it was left untouched. \
             Point --db at a Frontdesk database, or at a new path to start afresh.",
            path.display()
        ))
    }
}

/// Pragmas every connection shares.
///
/// `synchronous = FULL`: with WAL, every commit is fsynced before it returns, so a change that
/// was acked survives a power loss as well as a crash. Every connection starts this way; the
/// writer thread (the server's, and the `user` command's) then switches its own connection to
/// `NORMAL` and syncs the WAL itself before it acks or announces a batch (see writer.rs), which
/// keeps that guarantee while the next batch runs during the sync.
fn apply_pragmas(conn: &Connection, busy_timeout_ms: u64) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_millis(busy_timeout_ms))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

/// The writer's connection: WAL is switched on here, once, for the file.
pub(crate) fn open_writer(path: &Path, busy_timeout_ms: u64) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    apply_pragmas(&conn, busy_timeout_ms)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Checkpoint in the writer after about 4 MiB of WAL, so the file stays bounded.
    conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
    // Deleted and overwritten content is zeroed, in its page and in pages that become free, so
    // an erasure (chat/privacy.rs) leaves nothing readable in the file. Deletes are rare here
    // (messages are only ever added), so the extra writes are too.
    conn.pragma_update(None, "secure_delete", true)?;
    // Each rule runs in a savepoint, whose journal of the pages it changed spills to a temporary
    // file past 64 KiB and then stays a file for the transaction: one `pwrite` per changed page,
    // 30% of the writer's time once a rule also wrote webhook rows (docs/PERFORMANCE.md). In
    // memory it is a copy; one rule's pages are a few dozen KiB, a bulk erasure's a few MiB.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// A read-only connection outside the pool.
pub(crate) fn open_reader(path: &Path, busy_timeout_ms: u64) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    apply_pragmas(&conn, busy_timeout_ms)?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

/// The pool of read-only connections that serves every read.
pub(crate) fn reader_pool(
    path: &Path,
    size: u32,
    busy_timeout_ms: u64,
) -> Result<r2d2::Pool<SqliteConnectionManager>, r2d2::Error> {
    let manager = SqliteConnectionManager::file(path)
        .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_init(move |conn| {
            apply_pragmas(conn, busy_timeout_ms)?;
            conn.pragma_update(None, "query_only", "ON")
        });
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_millis(busy_timeout_ms.max(1_000)))
        .build(manager)
}
