//! SQL for the web consoles' server-side sessions. It stores and finds rows; it never decides
//! who may sign in (console/session.rs does) and never sees a cookie.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::AppError;

/// A signed-in console session.
#[derive(Debug, Clone)]
pub struct ConsoleSessionRow {
    pub id: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Stores a new session.
pub fn insert(conn: &Connection, row: &ConsoleSessionRow) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO console_sessions (id, user_id, csrf_token, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        row.id,
        row.user_id,
        row.csrf_token,
        row.created_at,
        row.expires_at
    ])?;
    Ok(())
}

/// The session with this id if it exists and has not expired at `now`.
pub fn live_by_id(
    conn: &Connection,
    id: &str,
    now: i64,
) -> Result<Option<ConsoleSessionRow>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, user_id, csrf_token, created_at, expires_at FROM console_sessions
             WHERE id = ?1 AND expires_at > ?2",
        )?
        .query_row(params![id, now], |r| {
            Ok(ConsoleSessionRow {
                id: r.get(0)?,
                user_id: r.get(1)?,
                csrf_token: r.get(2)?,
                created_at: r.get(3)?,
                expires_at: r.get(4)?,
            })
        })
        .optional()?)
}

/// Signs one session out.
pub fn delete(conn: &Connection, id: &str) -> Result<(), AppError> {
    conn.prepare_cached("DELETE FROM console_sessions WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Signs every session of a user out (password changed, role changed, deactivated).
pub fn delete_for_user(conn: &Connection, user_id: i64) -> Result<usize, AppError> {
    Ok(conn
        .prepare_cached("DELETE FROM console_sessions WHERE user_id = ?1")?
        .execute([user_id])?)
}

/// Forgets sessions that expired before `now`, so the table does not grow without bound.
pub fn delete_expired(conn: &Connection, now: i64) -> Result<usize, AppError> {
    Ok(conn
        .prepare_cached("DELETE FROM console_sessions WHERE expires_at <= ?1")?
        .execute([now])?)
}
