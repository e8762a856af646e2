//! SQL for the web consoles' server-side sessions. It stores and finds rows; it never decides
//! who may sign in (console/session.rs does). A session id is kept only as its SHA-256, so a
//! copy of the database (or of its WAL) holds no value that signs anyone in; rows written
//! before ids were hashed match no cookie any more and are deleted when they expire.

use super::sql::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// A signed-in console session.
#[derive(Debug, Clone)]
pub(crate) struct ConsoleSessionRow {
    pub id: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What the table keeps of a session id: its SHA-256, in hex.
fn stored_key(id: &str) -> String {
    Sha256::digest(id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores a new session.
pub(crate) fn insert(conn: &Connection, row: &ConsoleSessionRow) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO console_sessions (id, user_id, csrf_token, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        stored_key(&row.id),
        row.user_id,
        row.csrf_token,
        row.created_at,
        row.expires_at
    ])?;
    Ok(())
}

/// The session with this id if it exists and has not expired at `now`.
pub(crate) fn live_by_id(
    conn: &Connection,
    id: &str,
    now: i64,
) -> Result<Option<ConsoleSessionRow>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT user_id, csrf_token, created_at, expires_at FROM console_sessions
             WHERE id = ?1 AND expires_at > ?2",
        )?
        .query_row(params![stored_key(id), now], |r| {
            Ok(ConsoleSessionRow {
                id: id.to_string(),
                user_id: r.get(0)?,
                csrf_token: r.get(1)?,
                created_at: r.get(2)?,
                expires_at: r.get(3)?,
            })
        })
        .optional()?)
}

/// Signs one session out.
pub(crate) fn delete(conn: &Connection, id: &str) -> Result<(), AppError> {
    conn.prepare_cached("DELETE FROM console_sessions WHERE id = ?1")?
        .execute([stored_key(id)])?;
    Ok(())
}

/// Signs every session of a user out (password changed, role changed, deactivated).
pub(crate) fn delete_for_user(conn: &Connection, user_id: i64) -> Result<usize, AppError> {
    Ok(conn
        .prepare_cached("DELETE FROM console_sessions WHERE user_id = ?1")?
        .execute([user_id])?)
}

/// Forgets sessions that expired before `now`, so the table does not grow without bound.
pub(crate) fn delete_expired(conn: &Connection, now: i64) -> Result<usize, AppError> {
    Ok(conn
        .prepare_cached("DELETE FROM console_sessions WHERE expires_at <= ?1")?
        .execute([now])?)
}
