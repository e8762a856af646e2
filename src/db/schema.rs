//! The schema and its upgrades. `schema.sql` is the whole current layout for a new database;
//! an older database is brought forward step by step, each step in the same transaction as the
//! version bump, so a crash mid-upgrade leaves the old version intact.

use rusqlite::Connection;

/// The version `schema.sql` describes.
pub const LATEST_VERSION: i64 = 3;

const SCHEMA: &str = include_str!("../../schema.sql");

/// Upgrade steps: `STEPS[i]` takes version `i + 1` to `i + 2`.
const STEPS: &[&str] = &[
    // 1 -> 2: read markers, token revocation, and the indexes added with them.
    "ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE IF NOT EXISTS read_markers (
         user_id INTEGER NOT NULL REFERENCES users (id),
         room_id INTEGER NOT NULL REFERENCES rooms (id),
         message_id INTEGER NOT NULL,
         PRIMARY KEY (user_id, room_id)
     ) WITHOUT ROWID;",
    // 2 -> 3: server-side sessions of the web consoles (schema.sql re-states the table too).
    "CREATE TABLE IF NOT EXISTS console_sessions (
         id TEXT PRIMARY KEY,
         user_id INTEGER NOT NULL REFERENCES users (id),
         csrf_token TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL
     ) WITHOUT ROWID;",
];

/// Creates a new database or upgrades an older one to [`LATEST_VERSION`].
pub fn apply(conn: &mut Connection) -> Result<(), String> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| {
            format!("cannot read the schema version ({e}); is this a Frontdesk database?")
        })?;
    if version > LATEST_VERSION {
        return Err(format!(
            "it was written by a newer Frontdesk (schema version {version}, this build knows \
             {LATEST_VERSION}); run the newer build or restore a backup"
        ));
    }
    let fresh = version == 0 && !has_table(conn, "users")?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| e.to_string())?;
    if fresh {
        tx.execute_batch(SCHEMA)
            .map_err(|e| format!("cannot create the schema: {e}"))?;
    } else {
        let from = version.max(1);
        for (i, step) in STEPS.iter().enumerate().skip((from - 1) as usize) {
            tx.execute_batch(step)
                .map_err(|e| format!("upgrade to schema version {} failed: {e}", i + 2))?;
        }
        // Indexes and tables that are new in schema.sql but harmless to re-state.
        tx.execute_batch(SCHEMA)
            .map_err(|e| format!("cannot complete the schema: {e}"))?;
    }
    tx.pragma_update(None, "user_version", LATEST_VERSION)
        .map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())
}

fn has_table(conn: &Connection, name: &str) -> Result<bool, String> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(|e| format!("cannot read the schema ({e}); is this a Frontdesk database?"))
}
