//! SQL for private notes (contract §10) and assembling the `Note` shape.

use super::sql::{Connection, Row, params};

use crate::error::AppError;
use crate::model::{Note, UserSummary};
use crate::time::Timestamp;

const SELECT: &str = "SELECT n.id, n.room_id, n.content, n.created_at,
        u.id, u.user_name, u.first_name, u.last_name, u.avatar
     FROM notes n JOIN users u ON u.id = n.author_id ";

fn from_row(r: &Row<'_>) -> super::sql::Result<Note> {
    Ok(Note {
        id: r.get(0)?,
        room_id: r.get(1)?,
        content: r.get(2)?,
        created_at: Timestamp::from_ms(r.get(3)?),
        author: UserSummary {
            id: r.get(4)?,
            user_name: r.get(5)?,
            first_name: r.get(6)?,
            last_name: r.get(7)?,
            avatar: r.get(8)?,
        },
    })
}

/// Stores a note and returns it as clients see it.
pub(crate) fn insert(
    conn: &Connection,
    room_id: i64,
    author_id: i64,
    content: &str,
    now: i64,
) -> Result<Note, AppError> {
    conn.prepare_cached(
        "INSERT INTO notes (room_id, author_id, content, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![room_id, author_id, content, now])?;
    let id = conn.last_insert_rowid()?;
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE n.id = ?1"))?
        .query_row([id], from_row)?)
}

/// A room's notes, oldest first (a thread has few; the desk shows them all).
pub(crate) fn for_room(conn: &Connection, room_id: i64) -> Result<Vec<Note>, AppError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE n.room_id = ?1 ORDER BY n.id"))?;
    let rows = stmt.query_map([room_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
