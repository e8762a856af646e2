//! The schema and its upgrades. `schema.sql` is the whole current layout for a new database;
//! an older database is brought forward step by step, each step in the same transaction as the
//! version bump, so a crash mid-upgrade leaves the old version intact.

use rusqlite::Connection;

/// The version `schema.sql` describes.
pub const LATEST_VERSION: i64 = 11;

const SCHEMA: &str = include_str!("../../schema.sql");

/// One schema version's change, for each engine. `STEPS[i]` takes version `i + 1` to `i + 2`; a
/// PostgreSQL database starts at version 9 (when that engine was added), so the steps before it
/// have nothing for PostgreSQL. One list, so a version means the same on both engines.
pub(crate) struct Step {
    pub(crate) sqlite: &'static str,
    pub(crate) postgres: &'static str,
}

/// Upgrade steps: `STEPS[i]` takes version `i + 1` to `i + 2`.
pub(crate) const STEPS: &[Step] = &[
    // 1 -> 2: read markers, token revocation, and the indexes added with them.
    Step {
        sqlite: "ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
         CREATE TABLE IF NOT EXISTS read_markers (
             user_id INTEGER NOT NULL REFERENCES users (id),
             room_id INTEGER NOT NULL REFERENCES rooms (id),
             message_id INTEGER NOT NULL,
             PRIMARY KEY (user_id, room_id)
         ) WITHOUT ROWID;",
        postgres: "",
    },
    // 2 -> 3: server-side sessions of the web consoles (schema.sql re-states the table too).
    Step {
        sqlite: "CREATE TABLE IF NOT EXISTS console_sessions (
             id TEXT PRIMARY KEY,
             user_id INTEGER NOT NULL REFERENCES users (id),
             csrf_token TEXT NOT NULL,
             created_at INTEGER NOT NULL,
             expires_at INTEGER NOT NULL
         ) WITHOUT ROWID;",
        postgres: "",
    },
    // 3 -> 4: the positions that make unread counts constant-time, filled from the history.
    Step {
        sqlite: "ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE messages ADD COLUMN sender_seq INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE read_markers ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE read_markers ADD COLUMN own_seq INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE rooms ADD COLUMN activity_at INTEGER NOT NULL DEFAULT 0;",
        postgres: "",
    },
    // 4 -> 5: guests' contact details, the shop's own ids of its signed-in customers,
    // sessions opened outside business hours, and customers' ratings of their sessions.
    Step {
        sqlite: "ALTER TABLE users ADD COLUMN email TEXT;
         ALTER TABLE users ADD COLUMN phone TEXT;
         ALTER TABLE users ADD COLUMN site_id TEXT;
         ALTER TABLE sessions ADD COLUMN after_hours INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE sessions ADD COLUMN rating_score INTEGER;
         ALTER TABLE sessions ADD COLUMN rating_comment TEXT;
         ALTER TABLE sessions ADD COLUMN rated_at INTEGER;",
        postgres: "",
    },
    // 5 -> 6: attachments; their tables are new in schema.sql, which is re-stated after the steps.
    Step {
        sqlite: "",
        postgres: "",
    },
    // 6 -> 7: full-text search over every message, filled from the history.
    Step {
        sqlite: SEARCH_INDEX,
        postgres: "",
    },
    // 7 -> 8: erased accounts (contract §11).
    Step {
        sqlite: "ALTER TABLE users ADD COLUMN erased_at INTEGER;",
        postgres: "",
    },
    // 8 -> 9: the webhook dispatcher finds due deliveries through their queues
    // (store/outbox.rs `queue_heads`); the index by due time only cost the writer.
    Step {
        sqlite: "DROP INDEX IF EXISTS webhook_deliveries_due;",
        postgres: "",
    },
    // 9 -> 10: message search on PostgreSQL (SQLite has had its FTS5 index since 7).
    Step {
        sqlite: "",
        postgres: crate::db::postgres::SEARCH,
    },
    // 10 -> 11: staff sockets counted per node (`nodes`, `node_sockets`; schema.sql re-states
    // them on SQLite), so the nodes of a cluster do not overwrite each other's counts.
    Step {
        // A file from before staff presence (version 5) gets the table as it was first, here.
        sqlite: "CREATE TABLE IF NOT EXISTS staff_presence (
                     user_id INTEGER PRIMARY KEY REFERENCES users (id),
                     sockets INTEGER NOT NULL DEFAULT 0,
                     away    INTEGER NOT NULL DEFAULT 0,
                     seq     INTEGER NOT NULL DEFAULT 0);
                 ALTER TABLE staff_presence DROP COLUMN sockets;
                 ALTER TABLE staff_presence DROP COLUMN seq;",
        postgres: "ALTER TABLE staff_presence DROP COLUMN sockets, DROP COLUMN seq;
                   CREATE TABLE nodes (name TEXT PRIMARY KEY, seen_at BIGINT NOT NULL);
                   CREATE TABLE node_sockets (
                       node    TEXT NOT NULL REFERENCES nodes (name) ON DELETE CASCADE,
                       user_id BIGINT NOT NULL REFERENCES users (id),
                       sockets BIGINT NOT NULL,
                       seq     BIGINT NOT NULL,
                       PRIMARY KEY (node, user_id));",
    },
];

/// The search index of every message (issue 13), created and filled from the stored history in
/// one go: the 5 -> 6 upgrade, and `frontdesk-load gen-db` after its bulk insert (on the empty
/// index a new database starts with). Contentless, so the text is not stored twice; `body` is
/// the message with `đ`/`Đ` folded to `d` (Unicode does not decompose them, so the tokenizer's
/// `remove_diacritics` alone would miss them), `room` is the token `r<room id>` that keeps a
/// customer's search inside their room's postings. The server's writer indexes the new messages of each
/// batch before it commits (`store::search::SearchIndexer`), with the same folding.
pub const SEARCH_INDEX: &str = "
    CREATE VIRTUAL TABLE IF NOT EXISTS message_search USING fts5(
        body, room, content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2');
    INSERT INTO message_search (rowid, body, room)
        SELECT id, replace(replace(content, 'đ', 'd'), 'Đ', 'd'), 'r' || room_id FROM messages;";

/// Fills `messages.seq`, `messages.sender_seq`, `rooms.message_count`, `rooms.activity_at` and the read markers'
/// positions from the stored history. Run by the 3 -> 4 upgrade and by `frontdesk-load gen-db`,
/// which writes its messages in bulk; the server itself keeps them as it writes.
pub const FILL_POSITIONS: &str = "
    CREATE INDEX IF NOT EXISTS messages_by_sender_in_room ON messages (room_id, sender_id, id);
    UPDATE messages SET seq = p.seq, sender_seq = p.sender_seq
      FROM (SELECT id,
                   row_number() OVER (PARTITION BY room_id ORDER BY id) AS seq,
                   row_number() OVER (PARTITION BY room_id, sender_id ORDER BY id) AS sender_seq
            FROM messages) AS p
      WHERE p.id = messages.id;
    UPDATE rooms SET message_count = (SELECT count(*) FROM messages m WHERE m.room_id = rooms.id);
    UPDATE rooms SET activity_at = max(last_message_at,
      coalesce((SELECT max(s.started_at) FROM sessions s
                WHERE s.room_id = rooms.id AND s.status <> 'ENDED'), 0));
    UPDATE read_markers SET
      seq = coalesce((SELECT m.seq FROM messages m WHERE m.id = read_markers.message_id), 0),
      own_seq = coalesce((SELECT m.sender_seq FROM messages m
                          WHERE m.room_id = read_markers.room_id
                            AND m.sender_id = read_markers.user_id
                            AND m.id <= read_markers.message_id
                          ORDER BY m.id DESC LIMIT 1), 0);";

/// Creates a new database or upgrades an older one to [`LATEST_VERSION`].
pub(crate) fn apply(conn: &mut Connection) -> Result<(), String> {
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
            tx.execute_batch(step.sqlite)
                .map_err(|e| format!("upgrade to schema version {} failed: {e}", i + 2))?;
        }
        if from < 4 {
            tx.execute_batch(FILL_POSITIONS)
                .map_err(|e| format!("upgrade to schema version 4 failed: {e}"))?;
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
