//! SQL for messages and read markers, and assembling the `Message` shape. Every statement is a
//! constant string so a call costs one lookup in the connection's prepared-statement cache and
//! no formatting.

use super::sql::{Connection, OptionalExtension, Row, params};

use super::attachments;
use crate::error::AppError;
use crate::model::{Message, Role, Sender, SessionStatus};
use crate::time::Timestamp;

/// `SELECT` of a message and its sender, followed by the rest of the statement.
macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT m.id, m.content, m.created_at, m.room_id, m.session_id,
                m.client_message_id, u.id, u.user_name, u.first_name, u.last_name, u.avatar, u.role, ",
            $crate::store::attachments::attachments_column!(),
            " FROM messages m JOIN users u ON u.id = m.sender_id ",
            $rest
        )
    };
}
pub(crate) use select;

/// A message from the first twelve columns of [`select!`] (search reads the same columns).
pub(crate) fn from_row(r: &Row<'_>) -> super::sql::Result<Message> {
    let role: String = r.get(11)?;
    Ok(Message {
        id: r.get(0)?,
        content: r.get(1)?,
        created_at: Timestamp::from_ms(r.get(2)?),
        room_id: r.get(3)?,
        session_id: r.get(4)?,
        client_message_id: r.get(5)?,
        sender: Sender {
            id: r.get(6)?,
            user_name: r.get(7)?,
            first_name: r.get(8)?,
            last_name: r.get(9)?,
            avatar: r.get(10)?,
            role: Role::parse(&role).unwrap_or(Role::Customer),
        },
        attachments: attachments::from_column(r.get::<_, Option<String>>(12)?.as_deref())?,
    })
}

/// The fields of a message about to be stored.
pub(crate) struct NewMessage<'a> {
    pub room_id: i64,
    pub sender_id: i64,
    pub content: &'a str,
    pub client_message_id: Option<&'a str>,
}

/// A column of the sender of the message an `INSERT INTO messages` stores, for its `RETURNING`.
macro_rules! sender {
    ($column:literal) => {
        concat!(
            "(SELECT u.",
            $column,
            " FROM users u WHERE u.id = messages.sender_id)"
        )
    };
}

/// Stores a message in its room's active session (if the room has one) with its positions,
/// and returns it as stored, with its sender and no attachments, and the status of the
/// session it went into (the writer adds it to the search index when the batch ends,
/// `super::search::SearchIndexer`).
///
/// The caller has counted it on the room first ([`super::rooms::count_message`]) in the same
/// transaction, and `seq` is the room's count that returned. That took the room row's lock,
/// which every rule that opens, claims, moves or ends a session takes before it does so; this
/// statement, begun after the lock was granted, therefore reads the session as it stands until
/// commit (on PostgreSQL a statement reads what was committed when it began, so the session
/// could not be read in the counting statement, which may have waited for the lock). The
/// message comes back from the `INSERT` itself (the sender's columns by subqueries, in
/// [`from_row`]'s order) rather than being read after it: a round trip less on PostgreSQL.
pub(crate) fn insert(
    conn: &Connection,
    m: &NewMessage<'_>,
    seq: i64,
    now: i64,
) -> Result<(Message, Option<SessionStatus>), AppError> {
    Ok(conn
        .prepare_cached(concat!(
            "INSERT INTO messages
               (room_id, session_id, sender_id, content, client_message_id, created_at, seq,
                sender_seq)
             VALUES (?1,
               (SELECT s.id FROM sessions s WHERE s.room_id = ?1 AND s.status <> 'ENDED'),
               ?2, ?3, ?4, ?5, ?6,
               coalesce((SELECT sender_seq FROM messages WHERE room_id = ?1 AND sender_id = ?2
                         ORDER BY id DESC LIMIT 1), 0) + 1)
             RETURNING id, content, created_at, room_id, session_id, client_message_id, sender_id, ",
            sender!("user_name"),
            ", ",
            sender!("first_name"),
            ", ",
            sender!("last_name"),
            ", ",
            sender!("avatar"),
            ", ",
            sender!("role"),
            ", CAST(NULL AS TEXT),
               (SELECT s.status FROM sessions s WHERE s.id = messages.session_id)"
        ))?
        .query_row(
            params![
                m.room_id,
                m.sender_id,
                m.content,
                m.client_message_id,
                now,
                seq
            ],
            |r| {
                let status: Option<String> = r.get(13)?;
                Ok((from_row(r)?, status.as_deref().and_then(SessionStatus::parse)))
            },
        )?)
}

pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<Message>, AppError> {
    Ok(conn
        .prepare_cached(select!("WHERE m.id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// The message a sender already stored under this `clientMessageId`, if any.
pub(crate) fn by_client_id(
    conn: &Connection,
    sender_id: i64,
    client_message_id: &str,
) -> Result<Option<Message>, AppError> {
    Ok(conn
        .prepare_cached(select!(
            "WHERE m.sender_id = ?1 AND m.client_message_id = ?2"
        ))?
        .query_row(params![sender_id, client_message_id], from_row)
        .optional()?)
}

/// Up to `limit` messages older than `before` (or the newest), oldest first, and whether
/// older ones remain.
pub(crate) fn page_before(
    conn: &Connection,
    room_id: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<(Vec<Message>, bool), AppError> {
    let mut rows = conn
        .prepare_cached(select!(
            "WHERE m.room_id = ?1 AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3"
        ))?
        .query_map(
            params![room_id, before.unwrap_or(i64::MAX), limit + 1],
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    rows.reverse();
    Ok((rows, has_more))
}

/// Up to `limit` messages newer than `after`, oldest first, and whether newer ones remain.
pub(crate) fn page_after(
    conn: &Connection,
    room_id: i64,
    after: i64,
    limit: u32,
) -> Result<(Vec<Message>, bool), AppError> {
    let mut rows = conn
        .prepare_cached(select!(
            "WHERE m.room_id = ?1 AND m.id > ?2 ORDER BY m.id LIMIT ?3"
        ))?
        .query_map(params![room_id, after, limit + 1], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((rows, has_more))
}

pub(crate) fn exists_in_room(conn: &Connection, room_id: i64, id: i64) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM messages WHERE id = ?1 AND room_id = ?2")?
        .query_row(params![id, room_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Moves the user's read marker forward (never back); returns the marker now stored.
pub(crate) fn mark_read(
    conn: &Connection,
    user_id: i64,
    room_id: i64,
    message_id: i64,
) -> Result<i64, AppError> {
    conn.prepare_cached(
        "INSERT INTO read_markers (user_id, room_id, message_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, room_id) DO UPDATE
         SET message_id = CASE WHEN read_markers.message_id > excluded.message_id
                           THEN read_markers.message_id ELSE excluded.message_id END",
    )?
    .execute(params![user_id, room_id, message_id])?;
    // The marker's positions, for `unread_count`; the same transaction as the move.
    conn.prepare_cached(
        "UPDATE read_markers SET
           seq = coalesce((SELECT m.seq FROM messages m WHERE m.id = read_markers.message_id), 0),
           own_seq = coalesce((SELECT m.sender_seq FROM messages m
                               WHERE m.room_id = ?2 AND m.sender_id = ?1
                                 AND m.id <= read_markers.message_id
                               ORDER BY m.id DESC LIMIT 1), 0)
         WHERE user_id = ?1 AND room_id = ?2",
    )?
    .execute(params![user_id, room_id])?;
    Ok(conn
        .prepare_cached("SELECT message_id FROM read_markers WHERE user_id = ?1 AND room_id = ?2")?
        .query_row(params![user_id, room_id], |r| r.get(0))?)
}
