-- Frontdesk's whole schema, embedded in the binary. A new database gets this file as it is and
-- PRAGMA user_version = 9; an older database is brought here by the steps in src/db/schema.rs.
-- Times are UTC milliseconds since the Unix epoch.

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    user_name     TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('CUSTOMER', 'STAFF', 'ADMIN')),
    first_name    TEXT    NOT NULL DEFAULT '',
    last_name     TEXT    NOT NULL DEFAULT '',
    avatar        TEXT,
    is_active     INTEGER NOT NULL DEFAULT 1,
    -- Bumped when a password changes or an account is deactivated: older tokens stop working.
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    -- A guest's contact details from the pre-chat form (a guest has no password: an empty
    -- password_hash never verifies).
    email         TEXT,
    phone         TEXT,
    -- The shop's own id of a customer who came through the shop's sign-in (`sub`).
    site_id       TEXT,
    -- When an admin erased the account's personal data (contract §11); it can never sign in
    -- or be reactivated again.
    erased_at     INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS users_by_site_id ON users (site_id) WHERE site_id IS NOT NULL;

-- One permanent room per customer.
CREATE TABLE IF NOT EXISTS rooms (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    is_closed       INTEGER NOT NULL DEFAULT 0,
    customer_id     INTEGER NOT NULL UNIQUE REFERENCES users (id),
    staff_id        INTEGER REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL,
    message_count   INTEGER NOT NULL DEFAULT 0,
    -- The room's latest activity: its last message or the start of its active session,
    -- whichever is later. Kept by the writer so the unassigned list reads it from an index.
    activity_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS rooms_by_staff ON rooms (staff_id, last_message_at);
CREATE INDEX IF NOT EXISTS rooms_by_activity ON rooms (last_message_at);
-- The unassigned list, latest activity first, in index order.
CREATE INDEX IF NOT EXISTS rooms_unassigned_by_activity ON rooms (staff_id, activity_at, id);

CREATE TABLE IF NOT EXISTS sessions (
    id         INTEGER PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES rooms (id),
    title      TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('OPEN', 'IN_PROGRESS', 'ENDED')),
    staff_id   INTEGER REFERENCES users (id),
    started_at INTEGER NOT NULL,
    claimed_at INTEGER,
    ended_at   INTEGER,
    -- Opened outside the shop's business hours (it waited for the shop to open).
    after_hours INTEGER NOT NULL DEFAULT 0,
    -- The customer's rating once the session ended (1..5, at most once).
    rating_score   INTEGER CHECK (rating_score BETWEEN 1 AND 5),
    rating_comment TEXT,
    rated_at       INTEGER
);
-- At most one session that is not ENDED per room.
CREATE UNIQUE INDEX IF NOT EXISTS sessions_one_active ON sessions (room_id) WHERE status <> 'ENDED';
CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions (status, started_at);
CREATE INDEX IF NOT EXISTS sessions_by_room ON sessions (room_id, id);
-- The dashboard's ranges by start time and each staff member's sessions.
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions (started_at);
CREATE INDEX IF NOT EXISTS sessions_by_staff ON sessions (staff_id, status, started_at);

CREATE TABLE IF NOT EXISTS messages (
    id                INTEGER PRIMARY KEY,
    room_id           INTEGER NOT NULL REFERENCES rooms (id),
    session_id        INTEGER REFERENCES sessions (id),
    sender_id         INTEGER NOT NULL REFERENCES users (id),
    content           TEXT    NOT NULL,
    client_message_id TEXT,
    created_at        INTEGER NOT NULL,
    -- The message's place in its room (1, 2, ...) and in its sender's messages in that room:
    -- they make an unread count two subtractions instead of a count over the history.
    seq               INTEGER NOT NULL DEFAULT 0,
    sender_seq        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_by_room ON messages (room_id, id);
-- A user's latest message in a room (and the latest before a read marker) in one seek.
CREATE INDEX IF NOT EXISTS messages_by_sender_in_room ON messages (room_id, sender_id, id);
-- The dashboard's first-reply times look up a session's messages.
CREATE INDEX IF NOT EXISTS messages_by_session ON messages (session_id, created_at);
-- A resend with the same clientMessageId from the same sender stores nothing new.
CREATE UNIQUE INDEX IF NOT EXISTS messages_client_id ON messages (sender_id, client_message_id)
    WHERE client_message_id IS NOT NULL;

-- Full-text search over messages (see SEARCH_INDEX in src/db/schema.rs): contentless, `body`
-- the text with đ/Đ folded to d, `room` the token 'r<room id>'; rowid = messages.id.
CREATE VIRTUAL TABLE IF NOT EXISTS message_search USING fts5(
    body, room, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2');

-- The last message each user has read in each room.
CREATE TABLE IF NOT EXISTS read_markers (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    room_id    INTEGER NOT NULL REFERENCES rooms (id),
    message_id INTEGER NOT NULL,
    -- `seq` and the reader's own `sender_seq` as of the marked message (0 and 0: none).
    seq        INTEGER NOT NULL DEFAULT 0,
    own_seq    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, room_id)
) WITHOUT ROWID;

-- Server-wide values the operator did not set, such as a generated JWT secret.
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Signed-in staff and admins of the web consoles. The browser's cookie holds only the random
-- id, so signing out, a password change or a deactivation ends a console session at once.
CREATE TABLE IF NOT EXISTS console_sessions (
    id         TEXT    PRIMARY KEY, -- 32 random bytes, hex
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS console_sessions_by_user ON console_sessions (user_id);

-- Files sent with messages (contract §9). They live in the database itself, so the backup
-- copies them, a restore brings them back, and a cluster node needs no shared disk. A file is
-- written in chunks, each its own small write, so a 10 MiB upload never holds the writer (or
-- the messages queued behind it) for long, and is never whole in memory.
CREATE TABLE IF NOT EXISTS attachments (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER NOT NULL REFERENCES rooms (id),
    uploader_id  INTEGER NOT NULL REFERENCES users (id),
    -- NULL until it is sent with a message.
    message_id   INTEGER REFERENCES messages (id),
    file_name    TEXT    NOT NULL,
    -- Taken from the file's bytes, never from its name or the upload's header.
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    -- 0 while the chunks are being written; an unfinished upload is deleted at start-up.
    complete     INTEGER NOT NULL DEFAULT 0,
    -- 32 random bytes (hex) that sign this file's links; a link is good until its expiry.
    url_key      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_by_message ON attachments (message_id)
    WHERE message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS attachments_unsent ON attachments (created_at)
    WHERE message_id IS NULL;
CREATE TABLE IF NOT EXISTS attachment_chunks (
    id            INTEGER PRIMARY KEY,
    attachment_id INTEGER NOT NULL REFERENCES attachments (id),
    seq           INTEGER NOT NULL,
    data          BLOB    NOT NULL,
    UNIQUE (attachment_id, seq)
);

-- Who of the staff has the desk open (a connected socket) and who set themselves away: what
-- automatic routing (contract §10) picks from, in the same transaction as the assignment it
-- makes. The counts are reset at start-up (no socket outlives the process); away is kept.
CREATE TABLE IF NOT EXISTS staff_presence (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    away       INTEGER NOT NULL DEFAULT 0
);

-- The server processes (nodes) running on this database: one for a SQLite file, several for a
-- cluster on PostgreSQL. Each writes `seen_at` every few seconds; one unseen for a while has
-- stopped or died, and the staff sockets it counted no longer count.
CREATE TABLE IF NOT EXISTS nodes (
    name    TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
);

-- The desk sockets each node holds per staff member; someone is online when any live node
-- counts one. The count's sequence number: a count written late never overwrites a newer one.
CREATE TABLE IF NOT EXISTS node_sockets (
    node    TEXT NOT NULL REFERENCES nodes (name) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    sockets INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (node, user_id)
);

-- Private notes (contract §10): staff and admins write them in a room's thread; customers
-- never read them on any door.
CREATE TABLE IF NOT EXISTS notes (
    id         INTEGER PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES rooms (id),
    author_id  INTEGER NOT NULL REFERENCES users (id),
    content    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_room ON notes (room_id, id);
-- Webhooks (contract §11): the shop's other systems hear of changes by signed HTTP POSTs.
-- `event_mask` holds one bit per event type (chat/webhooks.rs `EventType::bit`).
CREATE TABLE IF NOT EXISTS webhooks (
    id         INTEGER PRIMARY KEY,
    url        TEXT    NOT NULL,
    event_mask INTEGER NOT NULL,
    secret     TEXT    NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
-- The outbox: each event written in the same transaction as the change it reports (db/writer.rs),
-- so an event exists exactly when its change does. `data` is the JSON the body carries.
CREATE TABLE IF NOT EXISTS webhook_events (
    id         INTEGER PRIMARY KEY,
    type       TEXT    NOT NULL,
    room_id    INTEGER,
    data       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
-- One row per (event, endpoint); its id is `Frontdesk-Delivery`, the same on every retry.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    event_id         INTEGER NOT NULL REFERENCES webhook_events (id),
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id),
    -- Copied from the event: deliveries of one room to one endpoint go in id order.
    room_id          INTEGER,
    -- 'pending', 'delivered' or 'failed' (given up after the retry window).
    status           TEXT    NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error       TEXT,
    -- When a pending delivery is next tried; NULL once it is no longer pending.
    next_attempt_at  INTEGER,
    -- Past this, a failed attempt gives the delivery up.
    give_up_at       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_room_queue
    ON webhook_deliveries (webhook_id, room_id, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_event ON webhook_deliveries (event_id);
-- Canned replies (contract §10): the shop's stock answers, offered on the desk by shortcut.
CREATE TABLE IF NOT EXISTS canned_replies (
    id         INTEGER PRIMARY KEY,
    shortcut   TEXT    NOT NULL UNIQUE,
    content    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
-- Labels on sessions (contract §10): a session's labels are its rows here (lowercase, trimmed).
CREATE TABLE IF NOT EXISTS session_labels (
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    label      TEXT    NOT NULL,
    PRIMARY KEY (session_id, label)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_labels_by_label ON session_labels (label, session_id);

-- E-mail (contract §11 ext): one row per message to send, written in the transaction of the
-- change that causes it (a waiting alert, a transcript request) and sent by the mail sender
-- (src/mail/). Once sent, the address and the bodies are blanked: the database is no mail
-- archive, only what the rate limits and the Message-ID need stays. A sibling of the webhook
-- outbox, not a use of it: a mail has one recipient and no endpoint, room order or signature.
CREATE TABLE IF NOT EXISTS mail_outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('waiting_alert', 'transcript')),
    user_id         INTEGER REFERENCES users (id),    -- the recipient's account
    session_id      INTEGER REFERENCES sessions (id), -- what it is about
    to_address      TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL,
    give_up_at      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS mail_outbox_by_session ON mail_outbox (session_id, kind, created_at);
CREATE INDEX IF NOT EXISTS mail_outbox_by_user ON mail_outbox (user_id, kind, created_at);

-- Sessions whose waiting alert was written (once per session, across restarts).
CREATE TABLE IF NOT EXISTS mail_alerted_sessions (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id),
    alerted_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Staff and admins who want an e-mail when a session waits too long. A table of its own rather
-- than a users column: no schema version bump, and a user without a row has opted out.
CREATE TABLE IF NOT EXISTS notification_prefs (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id),
    waiting_alerts INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL
) WITHOUT ROWID;
