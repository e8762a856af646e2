//! SQL for server-wide settings: the ones the operator did not give (such as a generated JWT
//! secret) and the shop's own (one JSON document, `shop`).

use super::sql::{Connection, OptionalExtension, params};

use crate::error::AppError;

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<String>, AppError> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Stores `value` unless the key already has one; returns the value that is now stored.
pub(crate) fn get_or_insert(conn: &Connection, key: &str, value: &str) -> Result<String, AppError> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?
    .execute(params![key, value])?;
    get(conn, key)?.ok_or_else(|| AppError::Internal(format!("setting {key} vanished")))
}

/// Stores `value` under `key`, replacing what was there.
pub(crate) fn put(conn: &Connection, key: &str, value: &str) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}
