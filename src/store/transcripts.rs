//! SQL of transcripts: every message of a room, or of one of its sessions, oldest first.

use super::sql::{Connection, params};

use super::messages::{from_row, select};
use crate::error::AppError;
use crate::model::Message;

/// The room's messages in id order; with a session, only that session's.
pub(crate) fn messages(
    conn: &Connection,
    room_id: i64,
    session_id: Option<i64>,
) -> Result<Vec<Message>, AppError> {
    Ok(conn
        .prepare_cached(select!(
            "WHERE m.room_id = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR m.session_id = ?2) ORDER BY m.id"
        ))?
        .query_map(params![room_id, session_id], from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}
