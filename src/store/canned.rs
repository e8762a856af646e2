//! SQL for canned replies (contract §10): the shop's stock answers, unique by shortcut.

use super::sql::{Connection, OptionalExtension, Row, params};

use crate::error::{AppError, ErrorCode};
use crate::model::CannedReply;

const SELECT: &str = "SELECT id, shortcut, content FROM canned_replies ";

fn from_row(r: &Row<'_>) -> super::sql::Result<CannedReply> {
    Ok(CannedReply {
        id: r.get(0)?,
        shortcut: r.get(1)?,
        content: r.get(2)?,
    })
}

fn taken(e: super::sql::Error) -> AppError {
    if e.is_unique_violation() {
        AppError::conflict(
            ErrorCode::ShortcutTaken,
            "Another canned reply already has this shortcut",
        )
    } else {
        e.into()
    }
}

/// Every canned reply, by shortcut (the order the desk's picker shows them in).
pub(crate) fn all(conn: &Connection) -> Result<Vec<CannedReply>, AppError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY shortcut"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<CannedReply>, AppError> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// Stores a new reply; a shortcut in use is a 409 `SHORTCUT_TAKEN`.
pub(crate) fn insert(
    conn: &Connection,
    shortcut: &str,
    content: &str,
    now: i64,
) -> Result<CannedReply, AppError> {
    conn.prepare_cached(
        "INSERT INTO canned_replies (shortcut, content, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![shortcut, content, now])
    .map_err(taken)?;
    let id = conn.last_insert_rowid()?;
    by_id(conn, id)?.ok_or_else(|| AppError::Internal("new canned reply vanished".into()))
}

/// Replaces a reply's shortcut and content; false when there is no such reply.
pub(crate) fn update(
    conn: &Connection,
    id: i64,
    shortcut: &str,
    content: &str,
) -> Result<bool, AppError> {
    let changed = conn
        .prepare_cached("UPDATE canned_replies SET shortcut = ?2, content = ?3 WHERE id = ?1")?
        .execute(params![id, shortcut, content])
        .map_err(taken)?;
    Ok(changed == 1)
}

/// Deletes a reply; false when there was none.
pub(crate) fn delete(conn: &Connection, id: i64) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("DELETE FROM canned_replies WHERE id = ?1")?
        .execute([id])?
        == 1)
}
